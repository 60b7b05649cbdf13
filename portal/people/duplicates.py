"""Possible duplicates at the node: keyed-hash matches, and the coordinator's link / dismiss decisions."""
from sqlalchemy import case, or_, select

from ..accounts.permissions import current_membership
from ..audit.services import record
from ..extensions import db
from ..tenancy.context import current
from .models import Person
from .services import BLIND_INDEX_COLUMNS, Forbidden, is_node_coordinator

# The referral page names this many possible duplicates, the strongest matches first; the coordinator's
# duplicates page has them all. A common surname in a large node matches hundreds of people on the tolerant
# key alone: every referral page loaded and listed them all.
WARNING_LIMIT = 5


def duplicate_candidates(person: Person, limit: int | None = None) -> list[Person]:
    """Other people of the same node whose keyed identifiers match (exact or tolerant), undecided yet: the
    same codice fiscale first, then the same name and year, then the tolerant match; at most ``limit``."""
    keys = [(Person.tax_code_bidx, person.tax_code_bidx), (Person.name_year_bidx, person.name_year_bidx),
            (Person.fuzzy_bidx, person.fuzzy_bidx)]
    conditions = [column == value for column, value in keys if value]
    if not conditions:
        return []
    strength = case(*[(condition, rank) for rank, condition in enumerate(conditions)], else_=len(conditions))
    statement = (
        select(Person)
        .where(Person.node_id == person.node_id, Person.id != person.id, Person.anonymised_at.is_(None))
        .where(or_(*conditions))
        .where(_undecided(person, Person))
        .order_by(strength, Person.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


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


# The duplicates page lists this many pairs at a time, oldest first: a tolerant key shared by many people
# makes pairs quadratic in their number (a few thousand "Rossi M., 1980s" are millions of pairs).
PAIRS_LIMIT = 200


def duplicate_pairs(node_id: int, limit: int | None = None) -> list[tuple[Person, Person, str]]:
    """Undecided pairs of possible duplicates at the node: (older, newer, reason), at most ``limit``. One query."""
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
        .limit(limit)
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


def warnings_for(person: Person, membership=None, limit: int | None = None) -> list[tuple[Person, str]]:
    """Possible duplicates to show where the node decides on a referral of ``person``: (other, reason), the
    strongest ``limit`` of them.

    Only the node's staff get any: an antenna learns nothing about other antennas' people (the scoping
    would hide their rows anyway; this keeps even the count out of the antenna's pages).
    """
    from .services import NODE_PERSON_ROLES, sent_to_node

    membership = membership or current_membership()
    if membership is None or membership.role not in NODE_PERSON_ROLES or person.node_id != membership.tenant_id \
            or not sent_to_node(person) or person.anonymised_at is not None:
        return []
    return [(other, match_reason(person, other)) for other in duplicate_candidates(person, limit)]


def warning_context(person: Person) -> dict:
    """Template values for ``people/_duplicate_warning.html`` on the referral page: the strongest
    WARNING_LIMIT possible duplicates, and whether there are more (one row more is read to know)."""
    found = warnings_for(person, limit=WARNING_LIMIT + 1)
    return {"duplicates": found[:WARNING_LIMIT], "more_duplicates": len(found) > WARNING_LIMIT,
            "may_decide_duplicates": is_node_coordinator()}


def pair_summary(person: Person) -> dict:
    """What the coordinator compares without any identity: who referred the person, when, on what grounds
    (the referrals answer ``pair_summary``)."""
    from ..tenancy.models import Tenant
    from .signals import pair_summary as pair_summary_signal

    antenna = db.session.get(Tenant, person.tenant_id)
    summary = {"person": person, "antenna": antenna.name if antenna else ""}
    for _receiver, answer in pair_summary_signal.send(person):
        summary.update(answer)
    return summary
