"""Rules of the legal path (models in legal.py): who may change it, the checks on fund amounts and dates,
and the hearings and deadlines a case worker must see coming.

Like services.py: check permission and version first, flush, audit with field names only, never commit.
"""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import Role
from ..audit.services import record
from ..core.changes import apply_changes
from ..core.locking import ConflictError, check_version
from ..extensions import db
from ..i18n import local_today
from .legal import FundRequest, LegalDeadline, LegalPath
from .models import ENDED_STATES, Case
from .services import CaseError, ensure_can_edit, ensure_can_view

DEADLINE_WINDOW_DAYS = 14


def legal_path(case: Case) -> LegalPath | None:
    return db.session.scalar(select(LegalPath).where(LegalPath.case_id == case.id))


def deadlines(case: Case) -> list[LegalDeadline]:
    return list(db.session.scalars(
        select(LegalDeadline).where(LegalDeadline.case_id == case.id).order_by(LegalDeadline.due_on, LegalDeadline.id)))


def fund_requests(case: Case) -> list[FundRequest]:
    return list(db.session.scalars(
        select(FundRequest).where(FundRequest.case_id == case.id).order_by(FundRequest.requested_on, FundRequest.id)))


def check_legal_dates(started_on, outcome_on) -> None:
    """The outcome comes after the start (the form runs it too, core.fields.ServiceRule)."""
    if started_on and outcome_on and outcome_on < started_on:
        raise CaseError(_("La data dell'esito non può precedere quella di avvio."), "outcome_on")


def save_path(case: Case, data: dict, expected_version) -> LegalPath:
    """Create or change the case's legal path. ``expected_version`` is 0 when the form had none yet."""
    ensure_can_edit(case)
    path = legal_path(case)
    if path is not None:
        check_version(path, expected_version)
    elif str(expected_version or "0") != "0":
        raise ConflictError(case, None)
    check_legal_dates(data.get("started_on"), data.get("outcome_on"))
    values = {
        "action_type": data["action_type"], "counsel": (data.get("counsel") or "").strip() or None,
        "started_on": data.get("started_on"), "outcome": data["outcome"], "outcome_on": data.get("outcome_on"),
    }
    created = path is None
    if created:
        path = LegalPath(case_id=case.id, tenant_id=case.tenant_id, **values)
        db.session.add(path)
        changed = sorted(values)
    else:
        changed = apply_changes(path, values)
    db.session.flush()
    record("legal_path.created" if created else "legal_path.updated", "case", case.id, changed)
    return path


def _save_row(case: Case, model, row, values: dict, entity: str):
    """A new ``model`` row of the case with ``values`` (``row`` None) or ``row`` changed to them; flushed and
    audited as ``<entity>.created`` / ``<entity>.updated`` with the names of the fields set."""
    if row is None:
        row = model(case_id=case.id, tenant_id=case.tenant_id, **values)
        db.session.add(row)
        changed, event = sorted(values), f"{entity}.created"
    else:
        changed, event = apply_changes(row, values), f"{entity}.updated"
    db.session.flush()
    record(event, entity, row.id, changed)
    return row


def save_deadline(case: Case, data: dict, deadline: LegalDeadline | None = None, expected_version=None) -> LegalDeadline:
    ensure_can_edit(case)
    if deadline is not None:
        check_version(deadline, expected_version)
    values = {"due_on": data["due_on"], "kind": data["kind"], "note": (data.get("note") or "").strip() or None,
              "done_on": data.get("done_on")}
    return _save_row(case, LegalDeadline, deadline, values, "legal_deadline")


def check_amounts(data: dict) -> list[tuple[str, str]]:
    """Every (field, message) wrong with a fund request's amounts and dates: granted ≤ requested,
    paid ≤ granted, and requested → granted → paid in time order (an amount needs its date and back)."""
    errors = []
    requested, granted, paid = data.get("requested"), data.get("granted"), data.get("paid")
    requested_on, granted_on, paid_on = data.get("requested_on"), data.get("granted_on"), data.get("paid_on")
    if paid is not None and granted is None:
        errors.append(("paid", _("Un importo erogato richiede un importo concesso.")))
    if granted is not None and requested is not None and granted > requested:
        errors.append(("granted", _("L'importo concesso non può superare quello richiesto.")))
    if paid is not None and granted is not None and paid > granted:
        errors.append(("paid", _("L'importo erogato non può superare quello concesso.")))
    for amount, day, name in ((granted, granted_on, "granted_on"), (paid, paid_on, "paid_on")):
        if (amount is None) != (day is None):
            errors.append((name, _("Indica insieme l'importo e la sua data.")))
    if granted_on and requested_on and granted_on < requested_on:
        errors.append(("granted_on", _("La concessione non può precedere la richiesta.")))
    if paid_on and granted_on and paid_on < granted_on:
        errors.append(("paid_on", _("L'erogazione non può precedere la concessione.")))
    return errors


FUND_FIELDS = ("fund", "requested", "requested_on", "granted", "granted_on", "paid", "paid_on")


def save_fund_request(case: Case, data: dict, request: FundRequest | None = None, expected_version=None) -> FundRequest:
    ensure_can_edit(case)
    if request is not None:
        check_version(request, expected_version)
    errors = check_amounts(data)
    if errors:
        raise CaseError(errors[0][1], errors[0][0])
    values = {name: data.get(name) for name in FUND_FIELDS}
    return _save_row(case, FundRequest, request, values, "fund_request")


def legal_context(case: Case) -> dict:
    """What the case page shows of the legal path (anyone who may view the case)."""
    ensure_can_view(case)
    return {"legal_path": legal_path(case), "legal_deadlines": deadlines(case), "fund_requests": fund_requests(case)}


def upcoming_deadlines(user, today: date | None = None):
    """A set-based SELECT of the open hearings and deadlines due within 14 days or overdue, on open cases
    assigned to ``user`` (the coordinator: every case of the node, assigned or not). Columns: deadline id,
    case id, pseudonym, due_on, kind. The caller's tenant scoping (ORM criteria, RLS) keeps it to the node."""
    from ..accounts.permissions import current_membership

    today = today or local_today()
    query = (
        select(LegalDeadline.id.label("deadline_id"), Case.id.label("case_id"), Case.pseudonym, LegalDeadline.due_on,
               LegalDeadline.kind)
        .join(Case, Case.id == LegalDeadline.case_id)
        .where(LegalDeadline.done_on.is_(None), LegalDeadline.due_on <= today + timedelta(days=DEADLINE_WINDOW_DAYS),
               Case.state.not_in(ENDED_STATES))
        .order_by(LegalDeadline.due_on, LegalDeadline.id)
    )
    membership = current_membership()
    if membership is None or membership.role != Role.COORDINATOR:
        query = query.where(Case.case_worker_id == user.id)
    return query


def is_due(deadline: LegalDeadline, today: date | None = None) -> bool:
    today = today or local_today()
    return deadline.done_on is None and deadline.due_on <= today + timedelta(days=DEADLINE_WINDOW_DAYS)




def legal_events(case: Case) -> list[tuple]:
    """The scheda analitica's rows of the legal path, in time order: (day or None, what, detail).
    Codes become labels here; amounts stay Decimal for the template's money filter."""
    from .legal import DEADLINE_KIND_LABELS, FUND_LABELS, LEGAL_ACTION_LABELS, LEGAL_OUTCOME_LABELS

    events = []
    path = legal_path(case)
    if path is not None:
        events.append((path.started_on, LEGAL_ACTION_LABELS[path.action_type], LEGAL_OUTCOME_LABELS[path.outcome], None))
        if path.outcome_on:
            events.append((path.outcome_on, _("Esito della tutela legale"), LEGAL_OUTCOME_LABELS[path.outcome], None))
    for deadline in deadlines(case):
        events.append((deadline.due_on, DEADLINE_KIND_LABELS[deadline.kind], deadline.note or "", None))
    for request in fund_requests(case):
        fund = FUND_LABELS[request.fund]
        events.append((request.requested_on, _("Richiesta: %(fund)s", fund=fund), "", request.requested))
        if request.granted is not None:
            events.append((request.granted_on, _("Concessione: %(fund)s", fund=fund), "", request.granted))
        if request.paid is not None:
            events.append((request.paid_on, _("Erogazione: %(fund)s", fund=fund), "", request.paid))
    return sorted(events, key=lambda e: (e[0] is None, e[0] or date.min))
