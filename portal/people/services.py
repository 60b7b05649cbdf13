"""People: creation with pseudonym and blind indexes, the need-to-know rule for identity, duplicates.

Identity (names, codice fiscale, birth year, contact) is shown only to the referring antenna's users,
the node's coordinator and the case worker assigned to the person's case; every reveal is audited.
"""
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
            .order_by(Person.id)
        )
    )
