"""A node imports its own cases: people it already followed before Rete, with no antenna referral.

Built as a converted public report or an accepted case transfer builds them: the person through
``people.services.create_person`` (owned by the node, pseudonym, encrypted identity, blind indexes, audit),
a referral owned by the node itself, already accepted (its texts and codes through the referral form's
``apply_data``), then the case through ``cases.services.open_case``, in the state, with the case worker and
the opening date of the row. Everything is the importing node's: a node imports only into itself.

Undo removes a case only while nobody has touched it since the import: no row of any table refers to it
(diary, actions, documents, verifications, transfers…; alerts the evaluation raised count only once somebody
acknowledged or resolved one) and neither it nor its referral changed after the batch was imported; the
referral, its alerts and the person go with it (the person only if nothing else refers to them).
"""
import secrets
from datetime import UTC, datetime

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..alerts.models import Alert
from ..audit.services import record
from ..cases.models import Case
from ..cases.services import OUTCOME_FOR, node_case_workers, open_case
from ..core import bulk
from ..extensions import db
from ..models_base import utcnow
from ..people.models import Person
from ..people.services import create_person
from ..referrals.models import Referral, ReferralEvent, ReferralState
from ..referrals.services import add_first_event, apply_data, find_by_submission_key
from ..tenancy.context import current


def workers() -> dict[str, int]:
    """The node's case workers and coordinators a row may name, by lower-case e-mail."""
    return {user.email.strip().lower(): user.id for user in node_case_workers()}


def create_case(key: str, checked, key_checked: bool = False) -> tuple[Referral, bool]:
    """The node's person, accepted referral and case for one checked row; ``(referral, created)``."""
    existing = None if key_checked else find_by_submission_key(key)
    if existing is not None:
        return existing, False
    node_id, case_data = current().tenant_id, checked.case
    opened = datetime(*case_data["opened_on"].timetuple()[:3], tzinfo=UTC) if case_data["opened_on"] else utcnow()
    person = create_person(node_id=node_id, monitoring=checked.monitoring, **checked.identity)
    person.shared_at = opened
    referral = Referral(
        uid=secrets.token_hex(16), person_id=person.id, node_id=node_id, tenant_id=node_id,
        created_by_id=current_user.id, state=ReferralState.ACCEPTED, submission_key=key,
        submitted_at=opened, decided_at=opened, outcome_code=OUTCOME_FOR[case_data["state"]],
    )
    referral.person = person
    db.session.add(referral)
    apply_data(referral, checked.data)
    bulk.assign_id(referral)
    add_first_event(referral, utcnow(), _("Caso già seguito dal nodo, importato da un file"))
    case = open_case(referral, case_worker_id=case_data["case_worker_id"], urgent=case_data["urgent"])
    case.state, case.opened_at = case_data["state"], opened
    bulk.flush()
    record("referral.created", "referral", referral.id, sorted(checked.data))
    record("case.opened_by_import", "case", case.id, ["state", "case_worker_id", "opened_at"])
    # No case_changed per row: in a batch the case is not written yet, and the alerts' periodic evaluation
    # takes the imported cases up as it does providers' deliveries (not thousands of evaluations at once).
    return referral, True


def _referenced(table_name: str, ids, allowed: set[str]) -> set[int]:
    """Which of ``table_name``'s rows ``ids`` a row of any other table (but ``allowed``) points at (foreign keys):
    one statement per referencing column, whatever the number of ids."""
    found: set[int] = set()
    for table in db.metadata.sorted_tables:
        if table.name in allowed:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == "id":
                found.update(db.session.scalars(select(fk.parent).where(fk.parent.in_(ids)).distinct()))
    return found


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # SQLite gives naive UTC back


def undoable(referrals: list[Referral], imported_at) -> set[int]:
    """The ids of the referrals whose case the import opened is untouched since (see the module's docstring),
    checked together: a few statements for the whole list, not dozens per row."""
    if not referrals:
        return set()
    tenant_id = current().tenant_id
    cases = {case.referral_id: case for case in db.session.scalars(
        select(Case).where(Case.referral_id.in_([referral.id for referral in referrals])))}
    candidates = [r for r in referrals if r.id in cases and r.tenant_id == tenant_id and (
        imported_at is None or max(_utc(cases[r.id].updated_at), _utc(r.updated_at)) <= _utc(imported_at))]
    if not candidates:
        return set()
    case_ids, referral_ids = [cases[r.id].id for r in candidates], [r.id for r in candidates]
    handled = set()
    for case_id, referral_id in db.session.execute(select(Alert.case_id, Alert.referral_id).where(
            Alert.case_id.in_(case_ids) | Alert.referral_id.in_(referral_ids),
            Alert.acknowledged_by_id.is_not(None) | Alert.resolved_by_id.is_not(None))):
        handled.update((("case", case_id), ("referral", referral_id)))
    events = dict(db.session.execute(select(ReferralEvent.referral_id, func.count(ReferralEvent.id))
                                     .where(ReferralEvent.referral_id.in_(referral_ids))
                                     .group_by(ReferralEvent.referral_id)).all())
    cases_used = _referenced("cases", case_ids, {"alerts"})
    referrals_used = _referenced("referrals", referral_ids, {"cases", "referral_events", "import_rows", "alerts"})
    return {r.id for r in candidates
            if ("case", cases[r.id].id) not in handled and ("referral", r.id) not in handled
            and cases[r.id].id not in cases_used and r.id not in referrals_used and events.get(r.id) == 1}


def _alerts_of(case: Case, referral: Referral):
    """The alerts the evaluation raised on the case: removed with it unless somebody handled one."""
    return (Alert.case_id == case.id) | (Alert.referral_id == referral.id)


def discard_case(referral: Referral) -> None:
    """Delete the case, its referral and (if nothing else refers to them) the person; each audited."""
    case = db.session.scalar(select(Case).where(Case.referral_id == referral.id))
    person = db.session.get(Person, referral.person_id)
    case_id, referral_id = case.id, referral.id
    for alert in db.session.scalars(select(Alert).where(_alerts_of(case, referral))):
        db.session.delete(alert)
    db.session.flush()
    db.session.delete(case)
    for event in db.session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral_id)):
        db.session.delete(event)
    db.session.delete(referral)
    db.session.flush()
    record("case.discarded", "case", case_id, [])
    record("referral.discarded", "referral", referral_id, [])
    if person.id not in _referenced("people", [person.id], {"import_rows"}):
        person_id = person.id
        db.session.delete(person)
        db.session.flush()
        record("person.discarded", "person", person_id, [])
