"""The personalised pathway: actions planned, ordered, changed and recorded (status, outcome, hours).

One pathway: planning an action with a provider orders it in the same transaction (the ``action_planned``
signal, answered by the budget: see signals.py); with no contract line covering it the action is saved
"to order" and ordered later (:func:`order_action`). What a provider action delivered is its approved
deliveries, kept on the action by the database (hours, last day, sessions, attendance): the node types
hours and the day only for the actions it delivers itself.

An action naming a public office reaches the office as an OfficeReferral (offices.py), kept in step here.

Same rules as ``services.py``: check permissions and versions first, flush, audit, never commit.
"""
from decimal import Decimal

from flask_babel import gettext as _

from ..audit.services import record
from ..core.changes import apply_changes
from ..core.checks import check_plausible_day
from ..core.locking import check_version
from ..core.rows import add_keyed, by_submission_key
from ..extensions import db
from ..i18n import local_today
from . import offices
from .models import Action, ActionStatus, Case
from .services import CaseError, ensure_can_edit, ensure_open, node_offices, node_providers
from .signals import OrderResult, action_cancelled, case_changed, request_order

PLAN_FIELDS = ("service_type", "phase", "planned_start", "planned_end", "planned_hours", "notes")
RECORD_FIELDS = ("status", "delivered_hours", "delivered_on", "outcome")


# --- checks of typed values (no database: the forms run them too, core.fields.ServiceRule) ----------------

def check_delivered_day(day) -> None:
    if day is not None and day > local_today():
        raise CaseError(_("La data di erogazione non può essere nel futuro."), "delivered_on")


def check_plan_period(start, end) -> None:
    if end and start and end < start:
        raise CaseError(_("La fine prevista non può precedere l'inizio."), "planned_end")


def check_planned_hours(hours) -> None:
    """Every service of the catalogue takes the person's time: an action planned for no hours is a slip (a
    lump-sum or per-participant line orders one unit whatever the hours, which still say the time planned)."""
    if hours is None or Decimal(hours) <= 0:
        raise CaseError(_("Indica le ore previste, più di zero."), "planned_hours")


def check_own_hours(status: ActionStatus, hours, day) -> None:
    """Hours the node delivered itself: none is what an action not yet delivered has; a day of delivery, or an
    action done, needs them."""
    hours = hours or Decimal("0")
    if hours < 0:
        raise CaseError(_("Le ore non possono essere negative."), "delivered_hours")
    if hours == 0 and (day or status == ActionStatus.DONE):
        raise CaseError(_("Indica le ore erogate, più di zero."), "delivered_hours")


def check_own_day(status: ActionStatus, hours, day) -> None:
    """The last day the node delivered the action itself: given once hours are, or the action is done."""
    if ((hours or 0) > 0 or status == ActionStatus.DONE) and not day:
        raise CaseError(_("Indica la data dell'ultima erogazione."), "delivered_on")
    check_delivered_day(day)


def _check_plan(values: dict, action: Action | None = None) -> None:
    """``values``: what is planned, or changed on ``action`` (whose dates stand where none is given)."""
    for name in ("planned_start", "planned_end"):
        if name in values:
            check_plausible_day(values[name], name)
    check_plan_period(values.get("planned_start", action and action.planned_start),
                      values.get("planned_end", action and action.planned_end))
    if action is None or "planned_hours" in values:
        check_planned_hours(values.get("planned_hours"))


def _member_id(value, members, message, field: str) -> int | None:
    """The chosen id (None for no choice) if it is one of ``members()``, else a CaseError on ``field``."""
    if value in (None, "", "0"):
        return None
    try:
        member_id = int(value)
    except (TypeError, ValueError):
        member_id = -1
    if member_id not in {m.id for m in members()}:
        raise CaseError(message, field)
    return member_id


def _provider_id(value) -> int | None:
    return _member_id(value, node_providers, _("Scegli un soggetto attuatore della rete."), "provider")


def _office_id(value) -> int | None:
    return _member_id(value, node_offices, _("Scegli un ufficio pubblico della rete."), "office")


def action_changed(action: Action) -> None:
    """After an action is planned, changed, recorded or ordered (whichever door: the case page, the budget's
    contract page): the office it names gets the new copy, and the case's alerts are evaluated again."""
    offices.sync(action)
    case_changed.send(action)


def plan_action(case: Case, data: dict) -> tuple[Action, OrderResult | None]:
    """Plan an action; with a provider, order it at once. Returns the action and, for a provider
    action, the ordering's answer (not ordered: the action is kept "to order" and the message says
    what is missing)."""
    ensure_can_edit(case)
    ensure_open(case)
    values = {name: data.get(name) for name in PLAN_FIELDS}
    values["notes"] = (values.get("notes") or "").strip() or None
    _check_plan(values)
    provider_id = _provider_id(data.get("provider"))
    values["office_id"] = _office_id(data.get("office"))
    action = Action(
        case_id=case.id, tenant_id=case.tenant_id, pseudonym=case.pseudonym, provider_id=provider_id,
        status=ActionStatus.TO_ORDER if provider_id else ActionStatus.PLANNED, delivered_hours=Decimal("0"),
        submission_key=data.get("submission_key") or None, **values,
    )
    add_keyed(action, CaseError(_("Questa azione era già stata pianificata.")))
    record("action.created", "action", action.id, [n for n, v in values.items() if v is not None] + ["provider_id", "status"])
    result = request_order(action, (data.get("override_reason") or "").strip() or None) if provider_id else None
    action_changed(action)
    db.session.expire(case, ["actions"])
    return action, result


def planned_by_key(case: Case, submission_key: str | None) -> Action | None:
    """The action a planning form with this key already created on the case (the same form posted again)."""
    return by_submission_key(Action, submission_key, case_id=case.id)


def order_action(action: Action, override_reason: str | None = None) -> OrderResult:
    """Order an action left "to order" (the case page's button), through the same path as planning."""
    ensure_can_edit(action.case)
    ensure_open(action.case)
    if action.provider_id is None or action.status != ActionStatus.TO_ORDER:
        raise CaseError(_("Questa azione non è da ordinare."))
    result = request_order(action, (override_reason or "").strip() or None)
    if not result.ordered:
        raise CaseError(result.message or _("Nessun contratto permette di ordinare questa azione."), result.field_name)
    action_changed(action)
    return result


def _check_status(action: Action, status: ActionStatus) -> None:
    """"To order" is left only by ordering (or cancelling); nobody sets it by hand. A provider action once
    cancelled stays so: its order ended with it (``action_cancelled``)."""
    if status == action.status:
        return
    if status == ActionStatus.TO_ORDER:
        raise CaseError(_("Un'azione diventa da ordinare solo quando nessun contratto la copre."), "status")
    if action.status == ActionStatus.TO_ORDER and status != ActionStatus.CANCELLED:
        raise CaseError(_("Prima ordina l'azione al soggetto attuatore (o annullala)."), "status")
    if action.status == ActionStatus.CANCELLED and action.provider_id is not None:
        raise CaseError(_("Un'azione affidata a un soggetto attuatore, una volta annullata, resta annullata: "
                          "pianificane una nuova."), "status")


def _changed(action: Action, event: str, changed: list[str]) -> None:
    """Audit a change; a provider action just cancelled ends its order (the budget listens), then the office
    and the alerts follow."""
    record(event, "action", action.id, changed)
    if "status" in changed and action.status == ActionStatus.CANCELLED and action.provider_id is not None:
        action_cancelled.send(action)
    action_changed(action)


def update_action(action: Action, data: dict, expected_version) -> None:
    """Change the plan (not the provider: the action is shared with it; to change provider cancel the
    action and plan a new one) and, on the same screen, the status."""
    ensure_can_edit(action.case)
    check_version(action, expected_version)
    ensure_open(action.case)
    values = {name: data[name] for name in PLAN_FIELDS + ("status",) if name in data}
    if "office" in data and str(data["office"] or "") != str(action.office_id or ""):
        # Unlike the provider, changeable: nothing is shared with the office.
        values["office_id"] = _office_id(data["office"])
    if "notes" in values:
        values["notes"] = (values["notes"] or "").strip() or None
    _check_plan(values, action)
    start = values.get("planned_start")
    if start and action.delivered_on and start > action.delivered_on:
        raise CaseError(_("L'inizio non può seguire l'ultima erogazione (%(day)s).",
                          day=action.delivered_on.strftime("%d/%m/%Y")), "planned_start")
    if "status" in values:
        values["status"] = ActionStatus(values["status"])
        _check_status(action, values["status"])
    changed = apply_changes(action, values)
    db.session.flush()
    if changed:
        _changed(action, "action.updated", changed)  # a new office is told; the one no longer named sees it withdrawn


def record_action(action: Action, data: dict, expected_version) -> None:
    """What was delivered: status and outcome; hours and date only for an action the node delivers
    itself (a provider action's are its approved deliveries, never typed)."""
    ensure_can_edit(action.case)
    check_version(action, expected_version)
    ensure_open(action.case)
    status = ActionStatus(data["status"]) if data.get("status") else action.status
    _check_status(action, status)
    values = {"status": status, "outcome": (data.get("outcome") or "").strip() or None}
    if action.provider_id is not None:
        if data.get("delivered_hours") or data.get("delivered_on"):
            raise CaseError(_("Le ore e la data di un'azione affidata a un soggetto attuatore sono quelle delle "
                              "prestazioni approvate: non si scrivono a mano."), "delivered_hours")
    else:
        hours, day = data.get("delivered_hours") or Decimal("0"), data.get("delivered_on")
        check_own_hours(status, hours, day)
        check_own_day(status, hours, day)
        if day is not None and day < action.planned_start:
            raise CaseError(_("La data di erogazione non può precedere l'inizio dell'azione (%(day)s).",
                              day=action.planned_start.strftime("%d/%m/%Y")), "delivered_on")
        values.update(delivered_hours=hours, delivered_on=day)
    changed = apply_changes(action, values)
    db.session.flush()
    if changed:
        _changed(action, "action.recorded", changed)
