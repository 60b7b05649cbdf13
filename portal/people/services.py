"""People: creation with pseudonym and blind indexes, the need-to-know rule for identity, duplicates.

Identity (names, codice fiscale, birth year, contact) is shown only to the referring antenna's users,
the node's coordinator and the case worker assigned to the person's case; every reveal is audited.
"""
import enum
from datetime import date

from codicefiscale import codicefiscale
from flask_babel import gettext as _
from sqlalchemy import or_, select

from ..accounts.models import Role
from ..accounts.permissions import current_membership
from ..audit.services import record
from ..crypto import blind_index, normalise
from ..extensions import db
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .models import AgeBand, Person

IDENTITY_FIELDS = ["first_name", "last_name", "tax_code", "birth_year", "contact"]


class PersonError(ValueError):
    pass


def valid_tax_code(value: str) -> bool:
    return codicefiscale.is_valid(value.strip().upper())


def age_band(birth_year: int | None, today: date | None = None) -> AgeBand | None:
    if not birth_year:
        return None
    age = (today or date.today()).year - birth_year
    if age < 25:
        return AgeBand.UNDER_25
    return AgeBand.FROM_25_TO_54 if age <= 54 else AgeBand.OVER_54


def _phonetic(surname: str) -> str:
    """A small Italian-friendly Soundex: first letter plus consonant classes, vowels dropped."""
    classes = {**dict.fromkeys("bfpv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
               "l": "4", **dict.fromkeys("mn", "5"), "r": "6"}
    s = normalise(surname).replace(" ", "")
    if not s:
        return ""
    out, last = s[0], classes.get(s[0], "")
    for ch in s[1:]:
        code = classes.get(ch, "")
        if code and code != last:
            out += code
        last = code
    return (out + "000")[:4]


def refresh_indexes(person: Person) -> None:
    """Recompute blind indexes from the (decrypted) identity: call after any identity change."""
    first, last, year, cf = person.first_name or "", person.last_name or "", person.birth_year, person.tax_code
    person.tax_code_bidx = blind_index(cf.upper() if cf else None, "tax_code")
    person.name_year_bidx = blind_index(f"{last} {first} {year or ''}" if last else None, "name_year")
    decade = f"{year // 10}" if year else "x"
    person.fuzzy_bidx = blind_index(f"{_phonetic(last)} {normalise(first)[:1]} {decade}" if last else None, "fuzzy")


def next_pseudonym(person: Person) -> str:
    node = db.session.get(Tenant, person.node_id)
    prefix = (node.code if node is not None and node.code else "RT").upper()
    return f"{prefix}-{person.created_at.year if person.created_at else date.today().year}-{person.id:06d}"


def set_identity(person: Person, *, first_name, last_name, tax_code=None, birth_year=None, contact=None) -> list[str]:
    """Write identity fields (encrypted by the model) and return the names of those that changed."""
    if tax_code and not valid_tax_code(tax_code):
        raise PersonError(_("Il codice fiscale non è valido."))
    new = {
        "first_name": (first_name or "").strip() or None,
        "last_name": (last_name or "").strip() or None,
        "tax_code": tax_code.strip().upper() if tax_code else None,
        "birth_year": int(birth_year) if birth_year else None,
        "contact": (contact or "").strip() or None,
    }
    changed = []
    for field, value in new.items():
        old = getattr(person, field) if person.id is not None else None
        if person.id is None or old != value:
            setattr(person, field, value)
            changed.append(field)
    if "birth_year" in changed:
        person.age_band = age_band(new["birth_year"])
    refresh_indexes(person)
    return changed if person.id is not None else [f for f in changed if new[f] is not None]


def create_person(*, node_id: int, monitoring: dict | None = None, **identity) -> Person:
    """A new person owned by the current antenna and shared with its node."""
    person = Person(tenant_id=current().tenant_id, node_id=node_id, **(monitoring or {}))
    fields = set_identity(person, **identity)
    db.session.add(person)
    db.session.flush()
    person.pseudonym = next_pseudonym(person)
    db.session.flush()
    record("person.created", "person", person.id, fields)
    return person


def can_see_identity(person: Person, membership=None) -> bool:
    """The need-to-know rule of DESIGN.md, in one place."""
    membership = membership or current_membership()
    if membership is None or person.anonymised_at is not None:
        return False
    role, tenant_id = membership.role, membership.tenant_id
    if role in (Role.ANTENNA_OPERATOR, Role.ANTENNA_ADMIN):
        return person.tenant_id == tenant_id
    if role == Role.COORDINATOR:
        return person.node_id == tenant_id
    if role == Role.CASE_WORKER and person.node_id == tenant_id:
        from ..cases.models import Case

        return db.session.scalar(
            select(Case.id).where(Case.person_id == person.id, Case.case_worker_id == membership.user_id)
        ) is not None
    if role == Role.DATA_PROTECTION_OFFICER and person.node_id == tenant_id:
        # DESIGN.md: the DPO sees identity only through a logged data-subject request, while it is open.
        return open_request_for(person, tenant_id=tenant_id) is not None
    return False


def reveal_identity(person: Person) -> dict | None:
    """Identity for display, audited as a read; None (and nothing logged) if the user may not see it."""
    if not can_see_identity(person):
        return None
    record("person.identity_read", "person", person.id, IDENTITY_FIELDS)
    return {field: getattr(person, field) for field in IDENTITY_FIELDS}


def duplicate_candidates(person: Person) -> list[Person]:
    """Other people of the same node whose keyed identifiers match (exact or tolerant), undecided yet."""
    keys = [(Person.tax_code_bidx, person.tax_code_bidx), (Person.name_year_bidx, person.name_year_bidx),
            (Person.fuzzy_bidx, person.fuzzy_bidx)]
    conditions = [column == value for column, value in keys if value]
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(Person)
            .where(Person.node_id == person.node_id, Person.id != person.id, Person.anonymised_at.is_(None))
            .where(or_(*conditions))
            .where(_undecided(person, Person))
            .order_by(Person.id)
        )
    )


# --- The people screens: who may do what, rectification, duplicates, data-subject rights, retention ---

MONITORING_FIELDS = ["gender", "age_band", "citizenship_group", "disability", "labour_status", "education_level"]
BLIND_INDEX_COLUMNS = ["tax_code_bidx", "name_year_bidx", "fuzzy_bidx"]
ANTENNA_ROLES = (Role.ANTENNA_OPERATOR, Role.ANTENNA_ADMIN)
NODE_PERSON_ROLES = (Role.CASE_WORKER, Role.COORDINATOR, Role.DATA_PROTECTION_OFFICER)


class Forbidden(PermissionError):
    """The current user may not do this (views answer 403)."""


def can_view_person(person: Person, membership=None) -> bool:
    """Who may open the person page (pseudonym and monitoring attributes; identity is a further step)."""
    membership = membership or current_membership()
    if membership is None:
        return False
    if membership.role in ANTENNA_ROLES:
        return person.tenant_id == membership.tenant_id
    if membership.role in NODE_PERSON_ROLES:
        return person.node_id == membership.tenant_id
    return False


def is_node_dpo(person: Person, membership=None) -> bool:
    membership = membership or current_membership()
    return (
        membership is not None and membership.role == Role.DATA_PROTECTION_OFFICER
        and person.node_id == membership.tenant_id
    )


def is_node_coordinator(membership=None) -> bool:
    membership = membership or current_membership()
    return membership is not None and membership.role == Role.COORDINATOR and membership.tenant.is_node


def open_request_for(person: Person, kinds=None, tenant_id: int | None = None):
    """The person's oldest open data-subject request (of one of ``kinds``), if any."""
    from .models import DataSubjectRequest, RequestStatus

    query = select(DataSubjectRequest).where(
        DataSubjectRequest.person_id == person.id, DataSubjectRequest.status == RequestStatus.OPEN
    )
    if tenant_id is not None:
        query = query.where(DataSubjectRequest.tenant_id == tenant_id)
    if kinds:
        query = query.where(DataSubjectRequest.kind.in_(list(kinds)))
    return db.session.scalars(query.order_by(DataSubjectRequest.id).limit(1)).first()


def can_rectify(person: Person, membership=None) -> bool:
    """Who may see the identity may rectify it; the DPO only under an open rectification request."""
    from .models import RequestKind

    membership = membership or current_membership()
    if person.anonymised_at is not None or not can_see_identity(person, membership):
        return False
    if membership.role == Role.DATA_PROTECTION_OFFICER:
        return open_request_for(person, kinds=[RequestKind.RECTIFICATION], tenant_id=membership.tenant_id) is not None
    return True


def monitoring_of(person: Person) -> dict:
    return {field: getattr(person, field) for field in MONITORING_FIELDS}


def rectify(person: Person, *, expected_version, identity: dict, monitoring: dict) -> list[str]:
    """Rectify identity and monitoring attributes; audited with the names of the changed fields only.

    Raises Forbidden, ConflictError (someone saved in between) or PersonError (invalid codice fiscale).
    """
    from ..core.locking import check_version

    if not can_rectify(person):
        raise Forbidden()
    check_version(person, expected_version)
    before = monitoring_of(person)
    for field in MONITORING_FIELDS:
        if field in monitoring:
            setattr(person, field, monitoring[field])
    # Identity last: a changed birth year recomputes the age band.
    changed = set(set_identity(person, **identity))
    changed |= {field for field, value in monitoring_of(person).items() if value != before[field]}
    if changed:
        db.session.flush()
        record("person.rectified", "person", person.id, sorted(changed))
    return sorted(changed)


# --- duplicates ---

def _undecided(person, other):
    """SQL: the pair is neither linked (either way) nor dismissed. ``person`` may be a row or an alias."""
    from sqlalchemy import and_, exists, func

    from .models import DuplicateDismissal as D

    return and_(
        func.coalesce(other.linked_person_id, 0) != person.id,
        func.coalesce(person.linked_person_id, 0) != other.id,
        ~exists().where(
            or_(
                and_(D.person_id == person.id, D.other_person_id == other.id),
                and_(D.person_id == other.id, D.other_person_id == person.id),
            )
        ),
    )


def match_reason(a: Person, b: Person) -> str:
    if a.tax_code_bidx and a.tax_code_bidx == b.tax_code_bidx:
        return "tax_code"
    if a.name_year_bidx and a.name_year_bidx == b.name_year_bidx:
        return "name_year"
    return "similar"


def duplicate_pairs(node_id: int) -> list[tuple[Person, Person, str]]:
    """Undecided pairs of possible duplicates at the node: (older, newer, reason). One query."""
    from sqlalchemy import and_
    from sqlalchemy.orm import aliased

    older, newer = aliased(Person), aliased(Person)
    match = or_(*[
        and_(getattr(older, column).isnot(None), getattr(older, column) == getattr(newer, column))
        for column in BLIND_INDEX_COLUMNS
    ])
    rows = db.session.execute(
        select(older, newer)
        .where(older.node_id == node_id, newer.node_id == node_id, older.id < newer.id)
        .where(older.anonymised_at.is_(None), newer.anonymised_at.is_(None))
        .where(match, _undecided(older, newer))
        .order_by(newer.id, older.id)
    ).all()
    return [(a, b, match_reason(a, b)) for a, b in rows]


def _check_pair(person: Person, other: Person) -> None:
    membership = current_membership()
    if not is_node_coordinator(membership) or person.id == other.id:
        raise Forbidden()
    if person.node_id != membership.tenant_id or other.node_id != membership.tenant_id:
        raise Forbidden()


def link_duplicate(person: Person, other: Person, expected_version) -> None:
    """The coordinator decides ``person`` is the same as ``other``: person.linked_person_id = other."""
    from ..core.locking import check_version

    _check_pair(person, other)
    check_version(person, expected_version)
    person.linked_person_id = other.id
    db.session.flush()
    record("person.linked", "person", person.id, ["linked_person_id"])


def dismiss_duplicate(person: Person, other: Person) -> None:
    """The coordinator decides they are different people: the pair is not proposed again."""
    from flask_login import current_user

    from ..models_base import utcnow
    from .models import DuplicateDismissal

    _check_pair(person, other)
    low, high = sorted((person.id, other.id))
    exists_already = db.session.scalar(
        select(DuplicateDismissal.id).where(DuplicateDismissal.person_id == low, DuplicateDismissal.other_person_id == high)
    )
    if exists_already is None:
        db.session.add(DuplicateDismissal(
            tenant_id=current().tenant_id, person_id=low, other_person_id=high,
            dismissed_by_id=current_user.id, dismissed_at=utcnow(),
        ))
        db.session.flush()
    record("person.duplicate_dismissed", "person", person.id, ["other_person_id"])


# --- who accessed this person ---

def related_objects(person: Person) -> list[tuple[str, str]]:
    """(object_type, object_id) of the person, their referrals, cases and data-subject requests."""
    from ..cases.models import Case
    from ..referrals.models import Referral
    from .models import DataSubjectRequest

    objects = [("person", str(person.id))]
    for object_type, model in (("referral", Referral), ("case", Case), ("data_subject_request", DataSubjectRequest)):
        ids = db.session.scalars(select(model.id).where(model.person_id == person.id).order_by(model.id))
        objects += [(object_type, str(i)) for i in ids]
    return objects


def access_events(person: Person, *, limit: int | None = None, offset: int = 0):
    """Audit events about the person and their referrals/case, newest first: (event, user, tenant)."""
    from sqlalchemy import and_

    from ..accounts.models import User
    from ..audit.models import AuditEvent

    by_type: dict[str, list[str]] = {}
    for object_type, object_id in related_objects(person):
        by_type.setdefault(object_type, []).append(object_id)
    condition = or_(*[
        and_(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids)) for object_type, ids in by_type.items()
    ])
    query = (
        select(AuditEvent, User, Tenant)
        .outerjoin(User, User.id == AuditEvent.actor_user_id)
        .outerjoin(Tenant, Tenant.id == AuditEvent.tenant_id)
        .where(condition)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return db.session.execute(query).all()


# --- data-subject requests (the DPO's) ---

def person_requests(person: Person):
    from .models import DataSubjectRequest

    return list(db.session.scalars(
        select(DataSubjectRequest).where(DataSubjectRequest.person_id == person.id).order_by(DataSubjectRequest.id.desc())
    ))


def open_request(person: Person, kind, *, reference: str | None = None, notes: str | None = None,
                 today: date | None = None):
    """The DPO logs a request. An erasure request anonymises at once unless a legal hold or the
    retention obligation forbids it: then it is closed as refused and the reason returned.

    Returns ``(request, refusal)``; ``refusal`` is None when nothing was refused.
    """
    from flask_login import current_user

    from ..models_base import utcnow
    from .models import DataSubjectRequest, RequestKind, RequestStatus

    if not is_node_dpo(person):
        raise Forbidden()
    kind = RequestKind(kind)
    request = DataSubjectRequest(
        tenant_id=current().tenant_id, person_id=person.id, kind=kind, status=RequestStatus.OPEN,
        reference=(reference or "").strip() or None, notes=(notes or "").strip() or None,
        opened_by_id=current_user.id, opened_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    record("data_subject_request.opened", "data_subject_request", request.id,
           ["kind", "person_id"] + [f for f in ("reference", "notes") if getattr(request, f)])
    refusal = None
    if kind == RequestKind.ERASURE:
        refusal = erasure_refusal(person, today or date.today())
        if refusal is None:
            anonymise(person, reason="erasure_request")
            close_request(request, outcome="anonymised")
        else:
            close_request(request, outcome="refused")
    return request, refusal


def close_request(request, outcome: str = "closed") -> None:
    from flask_login import current_user

    from ..models_base import utcnow
    from .models import RequestStatus

    if not is_node_dpo(request.person):
        raise Forbidden()
    if request.status == RequestStatus.CLOSED:
        return
    request.status = RequestStatus.CLOSED
    request.closed_at = utcnow()
    request.closed_by_id = current_user.id
    request.outcome = outcome
    db.session.flush()
    record("data_subject_request.closed", "data_subject_request", request.id, ["status", "outcome"])


# --- export (right of access) ---

def _iso(value):
    return value.isoformat() if value is not None else None


def _value(value):
    return value.value if isinstance(value, enum.Enum) else value


def export_person(person: Person) -> dict:
    """Everything held about the person, for the DPO under an open access request. Audited."""
    from ..cases.models import Case
    from ..models_base import utcnow
    from ..referrals.models import Referral, ReferralEvent
    from .models import RequestKind

    membership = current_membership()
    request = open_request_for(person, kinds=[RequestKind.ACCESS], tenant_id=membership.tenant_id if membership else None)
    if not is_node_dpo(person) or request is None:
        raise Forbidden()
    identity = reveal_identity(person)
    referrals = list(db.session.scalars(select(Referral).where(Referral.person_id == person.id).order_by(Referral.id)))
    tenants = {t.id: t.name for t in db.session.scalars(select(Tenant))}
    events: dict[int, list] = {}
    if referrals:
        for event in db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id.in_([r.id for r in referrals])).order_by(ReferralEvent.at)
        ):
            events.setdefault(event.referral_id, []).append(event)
    cases = list(db.session.scalars(select(Case).where(Case.person_id == person.id).order_by(Case.id)))
    linked = db.session.get(Person, person.linked_person_id) if person.linked_person_id else None
    data = {
        "generated_at": _iso(utcnow()),
        "data_subject_request": {"id": request.id, "kind": request.kind.value, "reference": request.reference},
        "person": {
            "pseudonym": person.pseudonym,
            "created_at": _iso(person.created_at),
            "identity": identity,
            "monitoring": {field: _value(value) for field, value in monitoring_of(person).items()},
            "linked_to": linked.pseudonym if linked is not None else None,
            "legal_hold": bool(person.legal_hold),
            "retain_until": _iso(person.retain_until),
            "anonymised_at": _iso(person.anonymised_at),
        },
        "referrals": [
            {
                "id": r.id, "antenna": tenants.get(r.tenant_id), "state": _value(r.state), "grounds": list(r.grounds or []),
                "context": _value(r.context), "urgency": _value(r.urgency), "situation": r.situation, "needs": r.needs,
                "availability": r.availability, "consent_notice_version": r.consent_notice_version,
                "consent_date": _iso(r.consent_date), "legal_basis": _value(r.legal_basis),
                "submitted_at": _iso(r.submitted_at), "decided_at": _iso(r.decided_at),
                "decline_reason": _value(r.decline_reason), "outcome_summary": r.outcome_summary,
                "events": [
                    {"at": _iso(e.at), "from_state": e.from_state, "to_state": e.to_state, "message": e.message}
                    for e in events.get(r.id, [])
                ],
            }
            for r in referrals
        ],
        "cases": [
            {
                "id": c.id, "state": _value(c.state), "opened_at": _iso(c.opened_at), "closed_at": _iso(c.closed_at),
                "closure_outcome": _value(c.closure_outcome), "closure_reason": c.closure_reason,
                "internal_notes": c.internal_notes, "grounds": c.grounds,
                "actions": [
                    {
                        "service_type": _value(a.service_type), "phase": _value(a.phase), "status": _value(a.status),
                        "provider": tenants.get(a.provider_id), "planned_start": _iso(a.planned_start),
                        "planned_end": _iso(a.planned_end), "planned_hours": str(a.planned_hours),
                        "delivered_hours": str(a.delivered_hours), "delivered_on": _iso(a.delivered_on),
                        "outcome": a.outcome, "notes": a.notes,
                    }
                    for a in c.actions
                ],
                "verifications": [
                    {
                        "phase": _value(v.phase), "months_after": v.months_after, "due_date": _iso(v.due_date),
                        "done_on": _iso(v.done_on), "job_outcome": _value(v.job_outcome),
                        "contract_type": _value(v.contract_type),
                        "hours_per_week": None if v.hours_per_week is None else str(v.hours_per_week),
                        "sector": v.sector, "start_date": _iso(v.start_date), "still_in_work": v.still_in_work,
                        "difficulties": v.difficulties, "support_needed": v.support_needed,
                    }
                    for v in c.verifications
                ],
            }
            for c in cases
        ],
        "accesses": [
            {
                "at": _iso(event.at), "user": user.full_name if user else None, "organisation": tenant.name if tenant else None,
                "action": event.action, "object_type": event.object_type, "object_id": event.object_id,
                "fields": list(event.fields or []),
            }
            for event, user, tenant in access_events(person)
        ],
    }
    record("person.exported", "person", person.id, ["identity", "monitoring", "referrals", "cases", "accesses"])
    return data


# --- erasure, anonymisation and retention ---

def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _day(value) -> date | None:
    return value.date() if value is not None and hasattr(value, "date") else value


def retention_ends(persons: list[Person]) -> dict[int, date | None]:
    """For each person, the day their data may be kept until, or None while a referral or case is still
    active. The period (RETENTION_YEARS) runs from the latest case closure, referral decision or
    withdrawal; a person with no referral at all counts from their creation."""
    from flask import current_app

    from ..cases.models import Case, CaseState
    from ..referrals.models import Referral, ReferralEvent, ReferralState

    years = current_app.config["RETENTION_YEARS"]
    ids = [p.id for p in persons]
    if not ids:
        return {}
    referrals = list(db.session.scalars(select(Referral).where(Referral.person_id.in_(ids))))
    cases = {c.referral_id: c for c in db.session.scalars(select(Case).where(Case.person_id.in_(ids)))}
    withdrawn: dict[int, object] = {}
    if referrals:
        for event in db.session.scalars(
            select(ReferralEvent).where(
                ReferralEvent.referral_id.in_([r.id for r in referrals]), ReferralEvent.to_state == ReferralState.WITHDRAWN.value
            )
        ):
            withdrawn[event.referral_id] = max(event.at, withdrawn.get(event.referral_id, event.at))
    starts: dict[int, list] = {p.id: [] for p in persons}
    active: set[int] = set()
    for r in referrals:
        if r.state == ReferralState.DECLINED:
            starts[r.person_id].append(_day(r.decided_at or r.updated_at))
        elif r.state == ReferralState.WITHDRAWN:
            starts[r.person_id].append(_day(withdrawn.get(r.id) or r.decided_at or r.updated_at))
        elif r.state == ReferralState.ACCEPTED:
            case = cases.get(r.id)
            if case is not None and case.state == CaseState.CLOSED and case.closed_at is not None:
                starts[r.person_id].append(_day(case.closed_at))
            else:
                active.add(r.person_id)
        else:
            active.add(r.person_id)
    out = {}
    for p in persons:
        if p.id in active:
            out[p.id] = None
        else:
            start = max(starts[p.id]) if starts[p.id] else _day(p.created_at)
            out[p.id] = _add_years(start, years)
    return out


def erasure_refusal(person: Person, today: date) -> str | None:
    """Why the person's data cannot be erased today (a message for the DPO), or None if it can."""
    from flask_babel import format_date

    if person.anonymised_at is not None:
        return _("I dati di questa persona sono già stati anonimizzati.")
    if person.legal_hold:
        return _("Cancellazione rifiutata: sui dati di questa persona è attivo un blocco per obblighi di legge (legal hold).")
    if person.retain_until is not None and person.retain_until > today:
        return _("Cancellazione rifiutata: i dati vanno conservati per obbligo di legge fino al %(date)s.",
                 date=format_date(person.retain_until))
    end = retention_ends([person])[person.id]
    if end is None:
        return _("Cancellazione rifiutata: la persona ha una segnalazione o una presa in carico ancora in corso. "
                 "Va prima chiusa (o ritirata la segnalazione).")
    if end > today:
        return _("Cancellazione rifiutata: il periodo di conservazione obbligatoria termina il %(date)s.",
                 date=format_date(end))
    return None


def anonymise(person: Person, *, reason: str) -> list[str]:
    """Clear identity (ciphertexts and blind indexes) and the free texts about the person; keep the
    pseudonym and the monitoring attributes for statistics. Audited with field names only."""
    from ..cases.models import Case
    from ..models_base import utcnow
    from ..referrals.models import Referral, ReferralEvent

    cleared = []
    for name in Person.ENCRYPTED_FIELDS:
        column = vars(Person)[name].column
        if getattr(person, column) is not None:
            setattr(person, column, None)
            cleared.append(name)
    for column in BLIND_INDEX_COLUMNS:
        setattr(person, column, None)
    person.anonymised_at = utcnow()
    referrals = list(db.session.scalars(select(Referral).where(Referral.person_id == person.id)))
    for r in referrals:
        if r.situation_enc is not None or r.needs_enc is not None:
            r.situation_enc = r.needs_enc = None
            cleared.append("referral.situation")
            cleared.append("referral.needs")
    if referrals:
        for event in db.session.scalars(
            select(ReferralEvent).where(ReferralEvent.referral_id.in_([r.id for r in referrals]), ReferralEvent.message.isnot(None))
        ):
            event.message = None
            cleared.append("referral_event.message")
    for case in db.session.scalars(select(Case).where(Case.person_id == person.id)):
        if case.internal_notes_enc is not None:
            case.internal_notes_enc = None
            cleared.append("case.internal_notes")
    db.session.flush()
    record(f"person.anonymised.{reason}", "person", person.id, sorted(set(cleared)) + ["anonymised_at"])
    return cleared


def apply_retention(today: date, batch_size: int = 200) -> dict:
    """Anonymise every person past retention, node by node (acting as the node, so row-level security
    holds even for this job). Legal holds and explicit retention dates are respected."""
    from ..tenancy import context
    from ..tenancy.models import TenantKind

    report = {"anonymised": [], "held": 0, "kept": 0}
    nodes = list(db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.NODE).order_by(Tenant.id)))
    for node in nodes:
        with context.acting_as(node.id):
            last_id = 0
            while True:
                batch = list(db.session.scalars(
                    select(Person)
                    .where(Person.node_id == node.id, Person.anonymised_at.is_(None), Person.id > last_id)
                    .order_by(Person.id).limit(batch_size)
                ))
                if not batch:
                    break
                last_id = batch[-1].id
                ends = retention_ends(batch)
                for person in batch:
                    if person.legal_hold:
                        report["held"] += 1
                    elif (person.retain_until is not None and person.retain_until > today) or ends[person.id] is None \
                            or ends[person.id] > today:
                        report["kept"] += 1
                    else:
                        anonymise(person, reason="retention")
                        report["anonymised"].append(person.pseudonym)
    return report
