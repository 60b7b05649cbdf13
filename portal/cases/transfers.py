"""Moving a case to another node of the same region (the person moved to another province).

The sending node's coordinator proposes; the receiving node's coordinator accepts or declines. The only row
both nodes see is the CaseTransfer (PeerShared: sender OR receiver), and it carries everything the
receiver gets: a snapshot taken at proposal time (summary, pathway, the diary notes the sender chose, the
identity, which documents go along: transfer_files.py copies them on acceptance), encrypted. So the receiver never reads the sender's tables; on acceptance it creates its own
person (new pseudonym, identity, blind indexes: its duplicate search finds the person), referral and case.

While a transfer waits the sender's case is read-only (``services.is_read_only``) and untouched, so a
decline (or a withdrawal) gives it back exactly as it was. On acceptance the sender's side changes too — its
case becomes ``transferred``, the referral's outcome code says so, its audit chain records it, the referring
antenna is told (pseudonym only) — acting as the sender for those few rows, as background jobs do
(``acting_as``): one transaction, both chains or neither.

The row is a copy of the person at both nodes: anonymising either node's person (erasure, retention) clears
its identity and free texts (``transfer_reads.clear_texts``, through cases/gdpr.py), and so does a decline or
a withdrawal (``transfer_reads.clear_copy``); who reads it, and how that is audited: transfer_reads.py.

Once the case has moved the sender no longer follows the person, so what it had opened to others ends with
it: its office referrals are withdrawn (offices.py) and the providers' identity grants revoked (the budget
answers ``case_transferred``).
"""
import json
import secrets
from datetime import date

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Role
from ..audit.chain import hold_chains
from ..audit.services import record
from ..core import links
from ..core.errors import Forbidden, ServiceError
from ..core.locking import check_version
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from ..people.models import Person
from ..people.services import IDENTITY_FIELDS, MONITORING_FIELDS, create_person
from ..referrals.models import Context, LegalBasis, OutcomeCode, Referral, ReferralState, Urgency
from ..referrals.services import add_first_event
from ..tenancy.context import acting_as, current
from ..tenancy.models import Tenant, TenantKind
from . import offices, transfer_files
from .models import ENDED_STATES, Case, CaseState, CaseTransfer, DiaryEntry, TransferState, Verification
from .services import OUTCOME_FOR, is_read_only, node_case_workers, open_case
from .signals import case_changed, case_transferred
from .transfer_reads import clear_copy, coordinator_of

REASON_MAX = 2000
# What the sender's pathway carries over: codes, dates and figures (never an action's internal notes).
ACTION_FIELDS = ("service_type", "phase", "status", "planned_start", "planned_end", "planned_hours",
                 "delivered_hours", "delivered_on", "outcome")
VERIFICATION_FIELDS = ("phase", "months_after", "due_date", "done_on", "job_outcome", "contract_type",
                       "hours_per_week", "sector", "start_date", "still_in_work")


class TransferError(ServiceError):
    """A refused transfer step, with a message fit for the user (shown on the form)."""


# --- who may do what (who reads: transfer_reads.py) ---------------------------------------------------

def may_propose(case: Case, membership=None) -> bool:
    """The case's coordinator, while the case is open and not already proposed."""
    return (coordinator_of(case.tenant_id, membership) and case.state not in ENDED_STATES
            and not is_read_only(case))


def may_decide(transfer: CaseTransfer, membership=None) -> bool:
    return transfer.state == TransferState.PENDING and coordinator_of(transfer.peer_id, membership)


def may_withdraw(transfer: CaseTransfer, membership=None) -> bool:
    return transfer.state == TransferState.PENDING and coordinator_of(transfer.tenant_id, membership)


def target_nodes() -> list[Tenant]:
    """The other active nodes of the current node's region (none without a region: no direct transfer)."""
    node = db.session.get(Tenant, current().tenant_id)
    if node is None or node.region_id is None:
        return []
    return list(db.session.scalars(
        select(Tenant).where(Tenant.region_id == node.region_id, Tenant.kind == TenantKind.NODE, Tenant.active,
                             Tenant.id != node.id).order_by(Tenant.name)
    ))


# --- proposing ---------------------------------------------------------------------------------------

def _value(v):
    if isinstance(v, date):
        return v.isoformat()
    if v is None or isinstance(v, bool | int | str):
        return v.value if hasattr(v, "value") else v
    return str(v)  # Decimal hours, kept exact as text


def _take_snapshot(case: Case, note_ids: list[int]) -> tuple[dict, int]:
    referral = db.session.get(Referral, case.referral_id)
    person = case.person
    notes = []
    if note_ids:
        chosen = db.session.scalars(select(DiaryEntry).where(
            DiaryEntry.case_id == case.id, DiaryEntry.id.in_(note_ids)).order_by(DiaryEntry.written_at))
        notes = [{"written_at": e.written_at.isoformat(), "text": e.text} for e in chosen]
        if len(notes) != len(set(note_ids)):
            raise TransferError(_("Scegli solo note del diario di questo caso."), "notes")
    summary = {
        "state": case.state.value, "opened_at": case.opened_at.isoformat(), "urgent": case.urgent,
        "grounds": list(referral.grounds or []), "context": referral.context.value,
        "urgency": referral.urgency.value, "situation": referral.situation, "needs": referral.needs,
        "availability": referral.availability, "consent_notice_version": referral.consent_notice_version,
        "consent_date": _value(referral.consent_date),
        "legal_basis": referral.legal_basis.value if referral.legal_basis else None,
        "monitoring": {f: _value(getattr(person, f)) for f in MONITORING_FIELDS},
    }
    pathway = {
        "actions": [{f: _value(getattr(a, f)) for f in ACTION_FIELDS} for a in case.actions],
        "verifications": [{f: _value(getattr(v, f)) for f in VERIFICATION_FIELDS} for v in case.verifications],
    }
    return {"summary": summary, "pathway": pathway, "notes": notes}, len(notes)


def propose(case: Case, *, target_id, reason: str | None, note_ids=(), file_values=(), expected_version) -> CaseTransfer:
    if not may_propose(case):
        raise Forbidden()
    check_version(case, expected_version)
    targets = {t.id: t for t in target_nodes()}
    try:
        target = targets.get(int(target_id))
    except (TypeError, ValueError):
        target = None
    if target is None:
        raise TransferError(_("Si può trasferire un caso solo a un altro nodo della stessa regione."), "target")
    reason = (reason or "").strip()
    if not reason:
        raise TransferError(_("Indica il motivo del trasferimento."), "reason")
    if len(reason) > REASON_MAX:
        raise TransferError(_("Il motivo supera i %(n)d caratteri.", n=REASON_MAX), "reason")
    try:
        note_ids = sorted({int(i) for i in note_ids or ()})
    except (TypeError, ValueError):
        raise TransferError(_("Scegli solo note del diario di questo caso."), "notes") from None
    content, notes = _take_snapshot(case, note_ids)
    content["files"] = transfer_files.chosen(case, file_values, TransferError)  # copied only on acceptance
    person: Person = case.person
    transfer = CaseTransfer(
        tenant_id=case.tenant_id, peer_id=target.id, case_id=case.id, pseudonym=case.pseudonym,
        state=TransferState.PENDING, proposed_by_id=current_user.id, proposed_at=utcnow(), notes_shared=notes,
    )
    transfer.reason = reason
    transfer.snapshot_json = json.dumps(content)
    transfer.identity_json = json.dumps({f: getattr(person, f) for f in IDENTITY_FIELDS})
    db.session.add(transfer)
    db.session.flush()
    fields = ["peer_id", "reason", "summary", "pathway", "identity"] + (["notes"] if notes else []) + (
        ["files"] if content["files"] else [])
    record("case_transfer.proposed", "case_transfer", transfer.id, fields)
    _tell_node(target, transfer, "case_transfer.proposed",
               _l("Rete – proposta di trasferimento del caso %(code)s", code=transfer.pseudonym))
    return transfer


def withdraw(transfer: CaseTransfer, expected_version) -> None:
    if not may_withdraw(transfer):
        raise Forbidden()
    check_version(transfer, expected_version)
    transfer.state, transfer.decided_by_id, transfer.decided_at = TransferState.WITHDRAWN, current_user.id, utcnow()
    db.session.flush()
    record("case_transfer.withdrawn", "case_transfer", transfer.id, ["state"])
    clear_copy(transfer)


# --- the receiving node's answer ---------------------------------------------------------------------

def decline(transfer: CaseTransfer, reason: str | None, expected_version) -> None:
    """The case stays the sender's, exactly as it was (its row is never touched by a proposal); the transfer's
    copy of the person goes, audited in the sender's chain (its person)."""
    if not may_decide(transfer):
        raise Forbidden()
    check_version(transfer, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise TransferError(_("Indica il motivo per cui il trasferimento non è accolto."), "reason")
    if len(reason) > REASON_MAX:
        raise TransferError(_("Il motivo supera i %(n)d caratteri.", n=REASON_MAX), "reason")
    hold_chains(transfer.tenant_id, transfer.peer_id)  # both nodes' chains record it: one lock order
    transfer.state, transfer.decided_by_id, transfer.decided_at = TransferState.DECLINED, current_user.id, utcnow()
    transfer.decline_reason = reason
    db.session.flush()
    record("case_transfer.declined", "case_transfer", transfer.id, ["state", "decline_reason"])
    with acting_as(transfer.tenant_id):
        record("case_transfer.declined", "case_transfer", transfer.id, ["state", "decline_reason"])
        clear_copy(transfer)
        _tell_node(db.session.get(Tenant, transfer.tenant_id), transfer, "case_transfer.declined",
                   _l("Rete – trasferimento del caso %(code)s non accolto", code=transfer.pseudonym))


def accept(transfer: CaseTransfer, expected_version, case_worker_id=None) -> Case:
    """The receiving node's own person, referral and case from the snapshot; then the sender's side."""
    if not may_decide(transfer):
        raise Forbidden()
    check_version(transfer, expected_version)
    worker = _case_worker(case_worker_id)
    content = json.loads(transfer.snapshot_json or "{}")
    summary, pathway = content["summary"], content["pathway"]
    node_id, now = current().tenant_id, utcnow()
    identity = json.loads(transfer.identity_json or "{}")
    hold_chains(transfer.tenant_id, transfer.peer_id)  # both nodes' chains record it: one lock order
    person = create_person(node_id=node_id, monitoring=_monitoring(summary["monitoring"]), **identity)
    person.shared_at = now
    referral = Referral(
        uid=secrets.token_hex(16), person_id=person.id, node_id=node_id, tenant_id=node_id,
        created_by_id=current_user.id, state=ReferralState.ACCEPTED, grounds=summary["grounds"],
        context=Context(summary["context"]), urgency=Urgency(summary["urgency"]), availability=summary["availability"],
        consent_notice_version=summary["consent_notice_version"],
        consent_date=date.fromisoformat(summary["consent_date"]) if summary["consent_date"] else None,
        legal_basis=LegalBasis(summary["legal_basis"]) if summary["legal_basis"] else None,
        submission_key=f"transfer-{transfer.uid}", submitted_at=now, decided_at=now,
        outcome_code=OUTCOME_FOR[CaseState(summary["state"])],
    )
    referral.situation, referral.needs = summary["situation"], summary["needs"]
    db.session.add(referral)
    db.session.flush()
    add_first_event(referral, now, _("Caso trasferito da un altro nodo della regione"))
    case = open_case(referral, case_worker_id=worker, urgent=bool(summary["urgent"]))
    case.state = CaseState(summary["state"])
    for row in pathway["verifications"]:
        db.session.add(Verification(case_id=case.id, tenant_id=node_id, **_verification(row)))
    transfer.state, transfer.decided_by_id, transfer.decided_at = TransferState.ACCEPTED, current_user.id, now
    transfer.new_case_id, transfer.new_pseudonym = case.id, person.pseudonym
    db.session.flush()
    record("referral.created", "referral", referral.id, ["grounds", "context", "situation", "needs"])
    record("case.opened_by_transfer", "case", case.id, ["state", "case_worker_id"])
    record("case_transfer.accepted", "case_transfer", transfer.id, ["state", "new_case_id"])
    case_changed.send(case)
    transfer_files.copy(transfer, case, content.get("files", []), TransferError)
    _finish_at_sender(transfer)
    return case


def _case_worker(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        user_id = int(value)
    except (TypeError, ValueError):
        user_id = None
    if user_id not in {u.id for u in node_case_workers()}:
        raise TransferError(_("Scegli un operatore o un'operatrice del nodo."), "case_worker")
    return user_id


def _monitoring(values: dict) -> dict:
    from ..people import models as people

    kinds = {"gender": people.Gender, "age_band": people.AgeBand, "citizenship_group": people.CitizenshipGroup,
             "labour_status": people.LabourStatus, "education_level": people.EducationLevel}
    return {f: (kinds[f](v) if f in kinds and v is not None else v) for f, v in values.items()}


def _verification(row: dict) -> dict:
    from decimal import Decimal

    from .models import ContractType, JobOutcome, VerificationPhase

    out = dict(row)
    for f in ("due_date", "done_on", "start_date"):
        out[f] = date.fromisoformat(out[f]) if out.get(f) else None
    out["hours_per_week"] = Decimal(out["hours_per_week"]) if out.get("hours_per_week") else None
    for f, kind in (("phase", VerificationPhase), ("job_outcome", JobOutcome), ("contract_type", ContractType)):
        out[f] = kind(out[f]) if out.get(f) else None
    return out


def _finish_at_sender(transfer: CaseTransfer) -> None:
    """Acting as the sender: its case becomes read-only history, its chain records the acceptance, what it
    had opened to others ends (office referrals, identity grants), the antenna learns the outcome (a code)
    and is told by e-mail with the pseudonym only."""
    db.session.flush()  # the receiver's rows under the receiver's context
    with acting_as(transfer.tenant_id):
        case = db.session.get(Case, transfer.case_id)
        case.state = CaseState.TRANSFERRED
        db.session.flush()
        record("case.transferred", "case", case.id, ["state"])
        record("case_transfer.accepted", "case_transfer", transfer.id, ["state", "new_case_id"])
        referral = db.session.get(Referral, case.referral_id)
        if referral is not None and referral.outcome_code != OutcomeCode.TRANSFERRED:
            referral.outcome_code = OutcomeCode.TRANSFERRED
            db.session.flush()
            record("referral.outcome", "referral", referral.id, ["outcome_code"])
        case_changed.send(case)
        offices.withdraw_all(case)
        case_transferred.send(case)
        _tell_node(db.session.get(Tenant, transfer.tenant_id), transfer, "case_transfer.accepted",
                   _l("Rete – trasferimento del caso %(code)s accolto", code=transfer.pseudonym))
        if referral is not None and referral.tenant_id != transfer.tenant_id:
            _tell_antenna(referral)


# --- telling people (pseudonyms only) ----------------------------------------------------------------

def _link(endpoint: str, **values) -> str:
    return links.absolute_url_for(endpoint, **values)


def _tell_node(node: Tenant, transfer: CaseTransfer, kind: str, subject) -> None:
    """The node's mailbox and, in the app, its coordinators."""
    from ..notifications.services import notify_roles

    link = _link("cases.transfer_detail", transfer_id=transfer.id)
    if node.email:
        send_mail(node.email, subject, _l("%(subject)s.\nPer i dettagli accedi a Rete: %(link)s\n",
                                          subject=subject, link=link))  # the mailbox: the portal's language
    notify_roles(node.id, (Role.COORDINATOR,), kind, {"code": transfer.pseudonym}, link)


def _tell_antenna(referral: Referral) -> None:
    from ..accounts.models import User
    from ..referrals.services import referral_link

    user = db.session.get(User, referral.created_by_id)
    if user is None or not user.email:
        return
    code = referral.person.pseudonym
    link = referral_link(referral)
    send_mail(
        user.email, _l("Rete – segnalazione %(code)s: caso trasferito", code=code),
        _l("La persona della segnalazione %(code)s è ora seguita da un altro nodo della regione.\n"
           "Per i dettagli accedi a Rete: %(link)s\n", code=code, link=link),
        kind="case_transfer.antenna", params={"code": code}, link=link, notify_tenant=referral.tenant_id,
    )
