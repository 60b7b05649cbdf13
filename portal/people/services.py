"""People: creation with pseudonym and blind indexes, the need-to-know rule for identity, rectification.

Duplicates live in ``duplicates.py``, search in ``search.py``; data-subject requests, erasure and retention in
``gdpr.py``, the access log in ``access_log.py``, the export in ``export.py``.

Identity (names, codice fiscale, birth year, contact) is shown only to the referring antenna's users,
the node's coordinator and the case worker assigned to the person's case, and a provider the node granted
access for a case (``budget.grants``); every reveal is audited. The last two are decided by cases and
budget, answering the ``identity_needed`` signal.
"""
import contextlib
from contextvars import ContextVar
from datetime import date

from codicefiscale import codicefiscale
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.models import Role
from ..accounts.permissions import current_membership
from ..audit.services import record
from ..core import bulk
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..crypto import blind_index, normalise
from ..extensions import db
from ..i18n import local_day, local_today
from ..tenancy.context import current
from ..tenancy.models import Tenant
from . import pseudonyms
from .models import AgeBand, Person
from .signals import identity_needed

IDENTITY_FIELDS = ["first_name", "last_name", "tax_code", "birth_year", "contact"]


class PersonError(ServiceError):
    pass


def valid_tax_code(value: str) -> bool:
    code = value.strip().upper()
    memo = _remembered_codes.get()
    if memo is None:
        return codicefiscale.is_valid(code)
    if code not in memo:
        memo[code] = codicefiscale.is_valid(code)
    return memo[code]


# Decoding tries every omocode variant (~10 ms under load), and one run checks a code more than once (an
# import: the row's check, then the person's creation; a forum post: its body as written and as shown). The
# answers are remembered only within the run: codici fiscali are identifying, so none outlives it.
_remembered_codes: ContextVar[dict[str, bool] | None] = ContextVar("remembered_tax_codes", default=None)


@contextlib.contextmanager
def remembering_tax_codes():
    """Within the block, each distinct codice fiscale is decoded once; after it, nothing is kept."""
    if _remembered_codes.get() is not None:  # nested in another run: its memo serves
        yield
        return
    memo: dict[str, bool] = {}
    token = _remembered_codes.set(memo)
    try:
        yield
    finally:
        _remembered_codes.reset(token)
        memo.clear()  # a context copied meanwhile (a thread's) holds the dict, not its codes


def age_band(birth_year: int | None, today: date | None = None) -> AgeBand | None:
    if not birth_year:
        return None
    age = (today or local_today()).year - birth_year
    if age < 25:
        return AgeBand.UNDER_25
    return AgeBand.FROM_25_TO_54 if age <= 54 else AgeBand.OVER_54


def phonetic(surname: str) -> str:
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


def identity_indexes(first_name, last_name, birth_year, tax_code) -> dict:
    """The blind indexes of an identity (column -> keyed hash), for a person or a row not yet one."""
    first, last, year, cf = first_name or "", last_name or "", birth_year, tax_code
    decade = f"{year // 10}" if year else "x"
    return {
        "tax_code_bidx": blind_index(cf.upper() if cf else None, "tax_code"),
        "name_year_bidx": blind_index(f"{last} {first} {year or ''}" if last else None, "name_year"),
        "fuzzy_bidx": blind_index(f"{phonetic(last)} {normalise(first)[:1]} {decade}" if last else None, "fuzzy"),
    }


def refresh_indexes(person: Person) -> None:
    """Recompute blind indexes from the (decrypted) identity: call after any identity change."""
    indexes = identity_indexes(person.first_name, person.last_name, person.birth_year, person.tax_code)
    for column, value in indexes.items():
        setattr(person, column, value)


def next_pseudonym(person: Person) -> str:
    node = db.session.get(Tenant, person.node_id)
    prefix = (node.code if node is not None and node.code else "RT").upper()
    year = local_day(person.created_at).year if person.created_at else local_today().year  # Rome's new year
    return f"{prefix}-{year}-{pseudonyms.next_number(prefix, year):06d}"


def set_identity(person: Person, *, first_name, last_name, tax_code=None, birth_year=None, contact=None) -> list[str]:
    """Write identity fields (encrypted by the model) and return the names of those that changed."""
    if tax_code and not valid_tax_code(tax_code):
        raise PersonError(_("Il codice fiscale non è valido."), "tax_code")
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
    bulk.assign_id(person)  # the pseudonym is made from the id
    person.pseudonym = next_pseudonym(person)
    bulk.flush()
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
        return person.node_id == tenant_id and sent_to_node(person)
    if role == Role.CASE_WORKER and person.node_id == tenant_id:
        return _needed_above(person, membership)
    if role == Role.DATA_PROTECTION_OFFICER and person.node_id == tenant_id:
        # DESIGN.md: the DPO sees identity only through a logged data-subject request, while it is open.
        return open_request_for(person, tenant_id=tenant_id) is not None
    if role == Role.PROVIDER_USER:
        return _needed_above(person, membership)
    return False


def _needed_above(person: Person, membership) -> bool:
    """The assigned case worker (cases) or a provider the node granted access for a case, not revoked
    (budget): their domains answer ``identity_needed``; no answer is no access."""
    return any(answer for _receiver, answer in identity_needed.send(person, membership=membership))


def reveal_identity(person: Person) -> dict | None:
    """Identity for display, audited as a read; None (and nothing logged) if the user may not see it."""
    if not can_see_identity(person):
        return None
    record_identity_read(person.id)
    return {field: getattr(person, field) for field in IDENTITY_FIELDS}


def record_identity_read(person_id: int, fields=None) -> None:
    """Every reveal of identity, whoever shows it: audited, then checked for unusual access (many
    identities read in a short time alert the node's DPO). ``fields``: what was read, when
    not the whole identity (a search hit: ``search`` and the fields searched on)."""
    record_identity_reads([(person_id, IDENTITY_FIELDS if fields is None else fields)])


def record_identity_reads(reads: list) -> None:
    """Several reveals at once (``(person_id, fields)`` each: an import's rows matched by identity): each in its
    person's access log, then the unusual-access check once, which counts the reads in its window and so finds
    after the last what it would have found after each (20,000 rows ran it 20,000 times)."""
    from .signals import identity_read

    for person_id, fields in reads:
        record("person.identity_read", "person", person_id, fields)
    if reads:
        identity_read.send(reads[-1][0])


# --- The people screens: who may do what, rectification ---

MONITORING_FIELDS = ["gender", "age_band", "citizenship_group", "disability", "labour_status", "education_level"]
BLIND_INDEX_COLUMNS = ["tax_code_bidx", "name_year_bidx", "fuzzy_bidx"]
ANTENNA_ROLES = (Role.ANTENNA_OPERATOR, Role.ANTENNA_ADMIN)
NODE_PERSON_ROLES = (Role.CASE_WORKER, Role.COORDINATOR, Role.DATA_PROTECTION_OFFICER)


def can_view_person(person: Person, membership=None) -> bool:
    """Who may open the person page (pseudonym and monitoring attributes; identity is a further step)."""
    membership = membership or current_membership()
    if membership is None:
        return False
    if membership.role in ANTENNA_ROLES:
        return person.tenant_id == membership.tenant_id
    if membership.role in NODE_PERSON_ROLES:
        return person.node_id == membership.tenant_id and sent_to_node(person)
    return False


def sent_to_node(person: Person) -> bool:
    """A referral of the person reached the node (NodeShared.__shared_when__: the scoping hides the rest)."""
    return person.shared_at is not None


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
