"""The personalised pathway: actions planned, changed and recorded (delivered hours, status, outcome).

Same rules as ``services.py``: check permissions and versions first, flush, audit, never commit.
"""
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from ..audit.services import record
from ..core.locking import check_version
from ..extensions import db
from .models import Action, ActionStatus, Case
from .services import CaseError, _alerts_changed, apply_values, ensure_can_edit, ensure_open, node_providers

PLAN_FIELDS = ("service_type", "phase", "planned_start", "planned_end", "planned_hours", "notes")
RECORD_FIELDS = ("status", "delivered_hours", "delivered_on", "outcome")

def _check_plan(values: dict) -> None:
    if values.get("planned_end") and values.get("planned_start") and values["planned_end"] < values["planned_start"]:
        raise CaseError(_("La fine prevista non può precedere l'inizio."), "planned_end")
    hours = values.get("planned_hours")
    if hours is not None and Decimal(hours) < 0:
        raise CaseError(_("Le ore non possono essere negative."), "planned_hours")


def _provider_id(value) -> int | None:
    if value in (None, "", "0"):
        return None
    try:
        provider_id = int(value)
    except (TypeError, ValueError):
        provider_id = -1
    if provider_id not in {p.id for p in node_providers()}:
        raise CaseError(_("Scegli un soggetto attuatore della rete."), "provider")
    return provider_id


def plan_action(case: Case, data: dict) -> Action:
    ensure_can_edit(case)
    ensure_open(case)
    values = {name: data.get(name) for name in PLAN_FIELDS}
    values["notes"] = (values.get("notes") or "").strip() or None
    values["planned_hours"] = values.get("planned_hours") or Decimal("0")
    _check_plan(values)
    action = Action(
        case_id=case.id, tenant_id=case.tenant_id, pseudonym=case.pseudonym, provider_id=_provider_id(data.get("provider")),
        status=ActionStatus.PLANNED, delivered_hours=Decimal("0"), **values,
    )
    db.session.add(action)
    db.session.flush()
    record("action.created", "action", action.id, [n for n, v in values.items() if v is not None] + ["provider_id"])
    _alerts_changed(action)
    db.session.expire(case, ["actions"])
    return action


def update_action(action: Action, data: dict, expected_version) -> None:
    """Change the plan (not the provider: the action is shared with it; to change provider cancel the
    action and plan a new one) and, on the same screen, the status."""
    ensure_can_edit(action.case)
    check_version(action, expected_version)
    ensure_open(action.case)
    values = {name: data[name] for name in PLAN_FIELDS + ("status",) if name in data}
    if "notes" in values:
        values["notes"] = (values["notes"] or "").strip() or None
    if "planned_hours" in values and values["planned_hours"] is None:
        values["planned_hours"] = Decimal("0")
    _check_plan({"planned_start": action.planned_start, "planned_end": action.planned_end, **values})
    changed = apply_values(action, values)
    db.session.flush()
    if changed:
        record("action.updated", "action", action.id, changed)
        _alerts_changed(action)


def record_action(action: Action, data: dict, expected_version) -> None:
    """What was delivered: hours, date, status and outcome."""
    ensure_can_edit(action.case)
    check_version(action, expected_version)
    ensure_open(action.case)
    hours = data.get("delivered_hours") or Decimal("0")
    if hours < 0:
        raise CaseError(_("Le ore non possono essere negative."), "delivered_hours")
    status = ActionStatus(data["status"]) if data.get("status") else action.status
    if (hours > 0 or status == ActionStatus.DONE) and not data.get("delivered_on"):
        raise CaseError(_("Indica la data dell'ultima erogazione."), "delivered_on")
    if data.get("delivered_on") and data["delivered_on"] > date.today():
        raise CaseError(_("La data di erogazione non può essere nel futuro."), "delivered_on")
    values = {
        "status": status,
        "delivered_hours": hours,
        "delivered_on": data.get("delivered_on"),
        "outcome": (data.get("outcome") or "").strip() or None,
    }
    changed = apply_values(action, values)
    db.session.flush()
    if changed:
        record("action.recorded", "action", action.id, changed)
        _alerts_changed(action)
