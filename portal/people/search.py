"""Finding a person.

By pseudonym: everyone who may open person pages (what the scoping lets them see). By identity (name,
codice fiscale, year of birth): only who may see identity — the node's coordinator, a case worker (their
cases), the DPO (people with an open data-subject request) — through the keyed blind indexes, never by
decrypting rows. Each identity search is audited with its kind and result count (never the query) and each
person found counts as an identity read for the unusual-access check (``record_identity_read``).
"""
from dataclasses import dataclass
from string import ascii_lowercase

from flask_babel import gettext as _
from sqlalchemy import case, or_, select

from ..accounts.models import Role
from ..accounts.permissions import current_membership
from ..audit.services import record
from ..crypto import blind_index, normalise
from ..extensions import db
from ..i18n import local_today
from .models import Person
from .services import (
    Forbidden,
    PersonError,
    can_see_identity,
    can_view_person,
    phonetic,
    record_identity_read,
    valid_tax_code,
)

IDENTITY_SEARCH_ROLES = (Role.COORDINATOR, Role.CASE_WORKER, Role.DATA_PROTECTION_OFFICER)
MAX_RESULTS = 50
# Candidates read from the indexes before the need-to-know filter (a case worker's or the DPO's few).
MAX_CANDIDATES = 500
FIRST_YEAR = 1900


@dataclass(frozen=True)
class Hit:
    person: Person
    exact: bool  # same codice fiscale, or same name, surname and year; otherwise a tolerant match


@dataclass
class Found:
    """What an identity search shows: the hits, and whether the candidates reached the cap (the page asks to
    narrow the search: first name and birth year)."""
    hits: list
    narrow: bool = False


def may_search_identity(membership=None) -> bool:
    membership = membership or current_membership()
    return membership is not None and membership.role in IDENTITY_SEARCH_ROLES and membership.tenant.is_node


def by_pseudonym(code: str) -> list[Person]:
    """People whose pseudonym starts with ``code`` (the pseudonym index answers a prefix)."""
    code = (code or "").strip().upper()
    if not code:
        return []
    escaped = code.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = db.session.scalars(
        select(Person).where(Person.pseudonym.like(f"{escaped}%", escape="\\")).order_by(Person.pseudonym)
        .limit(MAX_RESULTS)
    )
    return [p for p in rows if can_view_person(p)]


def _name_keys(last_name: str, first_name: str, birth_year: int | None) -> tuple[set[str], set[str]]:
    """Blind-index keys to look up: exact (surname, name, year) and tolerant (phonetic surname, initial,
    decade). What the query leaves open is enumerated — every year without a year, every initial without a
    name: a few hundred hashes at most, still no decryption."""
    years = [birth_year] if birth_year else range(FIRST_YEAR, local_today().year + 1)
    exact = set()
    if first_name:
        exact = {blind_index(f"{last_name} {first_name} {year}", "name_year") for year in years}
        if not birth_year:
            exact.add(blind_index(f"{last_name} {first_name} ", "name_year"))
    decades = {f"{year // 10}" for year in years} | {"x"}  # "x": the year was never recorded
    initials = [normalise(first_name)[:1]] if first_name else list(ascii_lowercase)
    fuzzy = {
        blind_index(f"{phonetic(last_name)} {initial} {decade}", "fuzzy") for initial in initials for decade in decades
    }
    return exact, fuzzy


def by_identity(*, last_name=None, first_name=None, birth_year=None, tax_code=None) -> list[Hit]:
    """People of the node the current user may see the identity of, matching the query. Audited.

    Raises Forbidden (not allowed to search by identity) or PersonError (an incomplete query).
    """
    membership = current_membership()
    if not may_search_identity(membership):
        raise Forbidden()
    last_name, first_name = (last_name or "").strip(), (first_name or "").strip()
    query = select(Person).where(Person.node_id == membership.tenant_id, Person.anonymised_at.is_(None))
    if tax_code:
        tax_code = tax_code.strip().upper()
        if not valid_tax_code(tax_code):
            raise PersonError(_("Il codice fiscale non è valido."))
        exact_keys = {blind_index(tax_code, "tax_code")}
        query = query.where(Person.tax_code_bidx.in_(exact_keys))
        fields = ["tax_code"]
    elif last_name:
        exact_keys, fuzzy_keys = _name_keys(last_name, first_name, birth_year)
        query = query.where(or_(Person.name_year_bidx.in_(exact_keys), Person.fuzzy_bidx.in_(fuzzy_keys)))
        fields = ["last_name"] + (["first_name"] if first_name else []) + (["birth_year"] if birth_year else [])
    else:
        raise PersonError(_("Indica il codice fiscale, oppure il cognome (con il nome e l'anno di nascita, se li conosci)."))
    # Exact matches first, then the newest: past the cap a common surname's sound-alikes are what is cut,
    # never the person asked for; and the page says when the cap was reached (narrow the search).
    exact_column = Person.tax_code_bidx if tax_code else Person.name_year_bidx
    candidates = db.session.scalars(query.order_by(case((exact_column.in_(exact_keys), 0), else_=1),
                                                   Person.id.desc()).limit(MAX_CANDIDATES)).all()
    hits = [
        Hit(p, exact=(p.tax_code_bidx if tax_code else p.name_year_bidx) in exact_keys)
        for p in candidates if can_see_identity(p, membership)
    ]
    hits.sort(key=lambda hit: (not hit.exact, hit.person.pseudonym or ""))
    hits = hits[:MAX_RESULTS]
    # The search event has no object: its object id is the number of people found; the query is never kept.
    record("person.searched", "person_search", len(hits), fields)
    for hit in hits:  # finding someone by identity links it to the pseudonym: a read, in their access log
        record_identity_read(hit.person.id, ["search", *fields])
    return Found(hits, narrow=len(candidates) == MAX_CANDIDATES)
