"""Verifying results: the phase-1 job outcome and the phase-2 follow-ups (see services.py for the rest)."""
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_login import current_user

from ..audit.services import record
from ..core.changes import apply_changes
from ..core.checks import check_plausible_day
from ..core.locking import ConflictError, check_version
from ..extensions import db
from ..i18n import local_today
from ..models_base import utcnow
from .models import Case, CaseState, ContractType, JobOutcome, Verification, VerificationPhase
from .services import CaseError, ensure_can_edit, phase_1_verification
from .signals import case_changed

# A follow-up at N months may be recorded from this many days before its due date (not earlier: it
# would measure the person's situation before the period it is meant to verify).
FOLLOW_UP_WINDOW_DAYS = 15


def check_verification_day(day: date | None) -> None:
    """A check not yet made is not a result (the forms run it too, core.fields.ServiceRule)."""
    if day is not None and day > local_today():
        raise CaseError(_("La data della verifica non può essere nel futuro."), "done_on")


def check_job_details(outcome: JobOutcome | None, data: dict) -> None:
    """An employment is told by its contract type, weekly hours, sector and start."""
    if outcome == JobOutcome.EMPLOYED:
        missing = [name for name in ("contract_type", "hours_per_week", "sector", "start_date") if not data.get(name)]
        if missing:
            raise CaseError(_("Per un'assunzione indica tipo di contratto, ore settimanali, settore e data di inizio."), missing[0])
    check_plausible_day(data.get("start_date"), "start_date")


def window_opens(verification: Verification) -> date:
    return verification.due_date - timedelta(days=FOLLOW_UP_WINDOW_DAYS)


def record_job_outcome(case: Case, data: dict, expected_version) -> Verification:
    """Phase 1: the job (re-)insertion outcome, its evidence and the date of the check.

    ``expected_version`` is the phase-1 verification's version, or 0 when the form was rendered before
    one existed (so two people recording it at once cannot create two).
    """
    ensure_can_edit(case)
    existing = phase_1_verification(case)
    if existing is not None:
        check_version(existing, expected_version)
    elif str(expected_version) != "0":
        raise ConflictError(case, None)
    if case.state != CaseState.PHASE_1:
        raise CaseError(_("L'esito della fase 1 si registra durante la fase 1."))
    outcome = JobOutcome(data["job_outcome"]) if data.get("job_outcome") else None
    if outcome is None:
        raise CaseError(_("Indica l'esito."), "job_outcome")
    if not data.get("done_on"):
        raise CaseError(_("Indica la data della verifica."), "done_on")
    check_verification_day(data["done_on"])  # as for a follow-up
    check_job_details(outcome, data)
    values = {
        "job_outcome": outcome,
        "contract_type": ContractType(data["contract_type"]) if data.get("contract_type") and outcome == JobOutcome.EMPLOYED else None,
        "hours_per_week": data.get("hours_per_week") if outcome == JobOutcome.EMPLOYED else None,
        "sector": (data.get("sector") or "").strip() or None if outcome != JobOutcome.NOT_YET else None,
        "start_date": data.get("start_date") if outcome != JobOutcome.NOT_YET else None,
        "evidence": (data.get("evidence") or "").strip() or None,
        "done_on": data["done_on"],
    }
    verification = existing
    if verification is None:
        verification = Verification(
            case_id=case.id, tenant_id=case.tenant_id, phase=VerificationPhase.JOB_INSERTION, due_date=values["done_on"],
        )
        db.session.add(verification)
        # Touch the case (version + 1) so a concurrent first recording conflicts on the case row.
        case.updated_at = utcnow()
    changed = apply_changes(verification, values)
    verification.verified_by_id = current_user.id
    db.session.flush()
    if existing is None:
        db.session.expire(case, ["verifications"])
    record("verification.recorded", "verification", verification.id, changed)
    return verification


def record_follow_up(verification: Verification, data: dict, expected_version) -> None:
    """Phase 2: a planned follow-up, recorded (still in work, difficulties met, support needed)."""
    case = verification.case
    ensure_can_edit(case)
    check_version(verification, expected_version)
    if verification.phase != VerificationPhase.INCLUSION:
        raise CaseError(_("Questa verifica non è un follow-up della fase 2."))
    if case.state != CaseState.PHASE_2:
        raise CaseError(_("I follow-up si registrano durante la fase 2."))
    if data.get("still_in_work") is None:
        raise CaseError(_("Indica se la persona lavora ancora."), "still_in_work")
    if not data.get("done_on"):
        raise CaseError(_("Indica la data della verifica."), "done_on")
    check_verification_day(data["done_on"])
    if data["done_on"] < window_opens(verification):
        raise CaseError(_("Il follow-up a %(months)s mesi si registra dal %(day)s (la scadenza è il %(due)s).",
                          months=verification.months_after, day=window_opens(verification).strftime("%d/%m/%Y"),
                          due=verification.due_date.strftime("%d/%m/%Y")), "done_on")
    values = {
        "done_on": data["done_on"],
        "still_in_work": bool(data["still_in_work"]),
        "difficulties": (data.get("difficulties") or "").strip() or None,
        "support_needed": (data.get("support_needed") or "").strip() or None,
    }
    changed = apply_changes(verification, values)
    verification.verified_by_id = current_user.id
    db.session.flush()
    record("verification.recorded", "verification", verification.id, changed)
    case_changed.send(verification)
