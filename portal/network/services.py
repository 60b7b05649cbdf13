"""The node's side of the network: courses and completions, agreements, activating information points.

Only a node's coordinator changes these rows (checked here, not in views). A point becomes active only when
its organisation has a trained operator and an agreement in force; the error names what is missing. An active
point is published (the public list, the network's directory) only while an agreement is in force and a
trained operator still works for its organisation.
"""
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.models import Membership, Role, User
from ..accounts.permissions import current_membership
from ..audit.services import record
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..directory.models import DirectoryEntry, InformationPoint
from ..extensions import db
from ..i18n import local_today
from ..tenancy import context
from ..tenancy.models import Tenant
from ..tenancy.scoping import get_visible
from . import files
from .models import Agreement, Course, Participation

EXPIRY_WARNING_DAYS = 60


class NetworkError(ServiceError):
    """A refused change, with a message for the user and the form field it is about."""


def is_coordinator() -> bool:
    membership = current_membership()
    return membership is not None and membership.tenant.is_node and membership.role == Role.COORDINATOR


def _node_id() -> int:
    if not is_coordinator():
        raise Forbidden()
    return current_membership().tenant_id


def required_hours() -> Decimal:
    return Decimal(current_app.config.get("TRAINING_REQUIRED_HOURS", 32))


def network_organisations() -> list[Tenant]:
    """The node's antennas (providers do not run information points)."""
    node_id = _node_id()
    return list(db.session.scalars(
        select(Tenant).where(Tenant.node_id == node_id, Tenant.active.is_(True)).order_by(Tenant.name)
    ).all())


def public_points(today: date | None = None) -> list[tuple[InformationPoint, Tenant]]:
    """Published information points, for everyone (the directory's public part): only what the organisation
    publishes about the point."""
    rows = db.session.execute(
        select(InformationPoint, Tenant).join(DirectoryEntry, DirectoryEntry.id == InformationPoint.entry_id)
        .join(Tenant, Tenant.id == DirectoryEntry.organisation_id)
        .where(InformationPoint.active.is_(True), Tenant.active.is_(True))
        .order_by(InformationPoint.municipality_name, InformationPoint.name, InformationPoint.id)
    ).all()
    organisations = {tenant.id: tenant for _point, tenant in rows}.values()
    published = under_agreement(organisations, today) & staffed(organisations)
    return [(point, tenant) for point, tenant in rows if tenant.id in published]


def _published(point: InformationPoint, organisation: Tenant, in_force: bool, trained: bool) -> bool:
    """Whether anyone outside the organisation and its node sees the point: active, of an active organisation
    under an agreement in force, with a trained operator still working there (public_points asks the same).
    Activating a point asks for both; when the last trained operator leaves, the public stops being sent to a
    point nobody trained staffs, until someone trained does (the node's queue flags it meanwhile)."""
    return point.active and organisation.active and in_force and trained


def published_points(entry: DirectoryEntry, today: date | None = None) -> tuple[list[InformationPoint], list[str]]:
    """The entry's points that anyone outside the organisation and its node may see (:func:`_published`), and
    what keeps its active points from the public (messages for its keepers)."""
    active = entry.active_points  # none: no agreement or training to look up
    if not active:
        return [], []
    in_force, trained = bool(under_agreement([entry.organisation], today)), bool(staffed([entry.organisation]))
    gaps = ([] if in_force else [_("Non pubblicato: nessun accordo in vigore")]) + (
        [] if trained else [_("Non pubblicato: nessun operatore formato")])
    return [point for point in active if _published(point, entry.organisation, in_force, trained)], gaps


# --- courses ----------------------------------------------------------------------------------------

def courses() -> list[Course]:
    _node_id()
    return list(db.session.scalars(select(Course).order_by(Course.starts_on.desc(), Course.id.desc())))


def get_course(course_id) -> Course | None:
    _node_id()
    return db.session.get(Course, int(course_id))


def add_course(data: dict) -> Course:
    _node_id()
    course = Course(**data)
    db.session.add(course)
    db.session.flush()
    record("training.course.create", "training_course", course.id, sorted(data))
    return course


def _current_members(organisation_id: int, user_ids: Iterable[int]) -> set[int]:
    """Of ``user_ids``, those who still work for the organisation: an active membership of an active user."""
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    # Memberships are the organisation's rows: look as that organisation, for this one question.
    with context.acting_as(organisation_id):
        return set(db.session.scalars(
            select(Membership.user_id).join(User, User.id == Membership.user_id)
            .where(Membership.tenant_id == organisation_id, Membership.user_id.in_(user_ids),
                   Membership.active.is_(True), User.active.is_(True))))


def _member_of(user: User, organisation_id: int) -> bool:
    return user.id in _current_members(organisation_id, [user.id])


def record_participation(course: Course, email: str, organisation_id: int, completed_on: date | None,
                         hours_attended: Decimal | None) -> Participation:
    """Enrol a user of the network (by e-mail) for one of the node's organisations; completion if given."""
    node_id = _node_id()
    organisation = db.session.get(Tenant, organisation_id)
    if organisation is None or organisation.network_node_id != node_id:
        raise NetworkError(_("Scegli un'organizzazione della rete."), "organisation_id")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not _member_of(user, organisation.id):
        raise NetworkError(_("Nessun utente con questa e-mail fa parte dell'organizzazione scelta."), "email")
    if hours_attended is not None and hours_attended > course.hours:
        raise NetworkError(_("Le ore frequentate superano la durata del corso."), "hours_attended")
    if (completed_on is None) != (hours_attended is None):
        raise NetworkError(_("Per registrare il completamento indica sia la data sia le ore frequentate."),
                           "completed_on" if completed_on is None else "hours_attended")  # the one missing
    participation = db.session.scalar(select(Participation).where(
        Participation.course_id == course.id, Participation.user_id == user.id,
        Participation.organisation_id == organisation.id))
    if participation is None:
        participation = Participation(course_id=course.id, user_id=user.id, organisation_id=organisation.id)
        db.session.add(participation)
    participation.completed_on, participation.hours_attended = completed_on, hours_attended
    db.session.flush()
    record("training.participation.record", "training_participation", participation.id,
           ["user_id", "organisation_id", "completed_on", "hours_attended"])
    return participation


# A trained operator is a current one: a participation completed for the organisation (the node's rows) by
# someone who still works there. Someone whose membership ended (or whose account was deactivated) no longer
# staffs its points, so they stop counting; the participation stays, as the course's record of who completed
# it then. No figure counts trained operators over a past period; one that does should count participations
# completed in it, whatever the memberships are today.
def _trained_clause():
    return (Participation.completed_on.is_not(None), Participation.hours_attended >= required_hours())


def trained_operators(organisation_id: int) -> list[User]:
    """The organisation's current users who completed at least the required hours of training for it."""
    users = list(db.session.scalars(
        select(User).join(Participation, Participation.user_id == User.id)
        .where(Participation.organisation_id == organisation_id, *_trained_clause())
        .distinct().order_by(User.full_name)
    ))
    current = _current_members(organisation_id, (user.id for user in users))
    return [user for user in users if user.id in current]


def _trained_by_organisation(organisation_ids: Iterable[int]) -> dict[int, list[str]]:
    """{organisation id: names of its current trained operators}: one query for the training, then one per
    organisation that has any for its memberships (each organisation's own rows)."""
    trained: dict[int, list[tuple[int, str]]] = {}
    rows = db.session.execute(
        select(Participation.organisation_id, User.id, User.full_name).join(User, User.id == Participation.user_id)
        .where(Participation.organisation_id.in_(set(organisation_ids)), *_trained_clause())
        .distinct().order_by(User.full_name, User.id))
    for organisation_id, user_id, name in rows:
        trained.setdefault(organisation_id, []).append((user_id, name))
    out: dict[int, list[str]] = {}
    for organisation_id, people in trained.items():
        current = _current_members(organisation_id, (user_id for user_id, _name in people))
        if names := [name for user_id, name in people if user_id in current]:
            out[organisation_id] = names
    return out


# --- agreements -------------------------------------------------------------------------------------

def agreements_in_force(organisation_ids: Iterable[int], today: date | None = None) -> dict[int, Agreement]:
    """{organisation id: its agreement in force today (in Rome), the one ending last}, in one query.
    Agreements are the node's rows: ask as the node."""
    organisation_ids = set(organisation_ids)
    if not organisation_ids:
        return {}
    found = db.session.scalars(
        select(Agreement).where(*_in_force(organisation_ids, today or local_today()))
        .order_by(Agreement.expires_on, Agreement.id))
    return {agreement.organisation_id: agreement for agreement in found}  # ascending: the last one stays


def _in_force(organisation_ids, today: date) -> tuple:
    return Agreement.organisation_id.in_(organisation_ids), Agreement.signed_on <= today, Agreement.expires_on >= today


def agreement_in_force(organisation_id: int, today: date | None = None) -> Agreement | None:
    return agreements_in_force([organisation_id], today).get(organisation_id)


def _by_node(organisations: Iterable[Tenant]) -> list[tuple[int, set[int]]]:
    """The organisations' ids by their node, whose rows (agreements, training) say what is asked of them; a node
    signs no agreement with itself nor trains itself."""
    by_node: dict[int, set[int]] = {}
    for organisation in organisations:
        if organisation.node_id is not None:
            by_node.setdefault(organisation.node_id, set()).add(organisation.id)
    return sorted(by_node.items())


def staffed(organisations: Iterable[Tenant]) -> set[int]:
    """Ids of the ``organisations`` with a current trained operator, whatever node they belong to (the
    training is the node's rows: read as that node, for this one question; nothing of them is shown)."""
    found: set[int] = set()
    for node_id, organisation_ids in _by_node(organisations):
        with context.acting_as(node_id):
            found |= set(_trained_by_organisation(organisation_ids))
    return found


def under_agreement(organisations: Iterable[Tenant], today: date | None = None) -> set[int]:
    """Ids of the ``organisations`` with an agreement in force, whatever node they belong to: one query per
    node. For pages whose reader may not read the node's agreements (the public, the network's members)."""
    found: set[int] = set()
    today = today or local_today()
    for node_id, organisation_ids in _by_node(organisations):
        # The node's rows: read as that node, for this one question (in force or not); nothing of them is shown.
        with context.acting_as(node_id):
            found |= set(db.session.scalars(select(Agreement.organisation_id).where(*_in_force(organisation_ids, today))))
    return found


def record_agreement(organisation_id: int, signed_on: date, expires_on: date, stored=None) -> Agreement:
    """``stored`` is a core.files.StoredFile already checked by the caller (the view), kept here."""
    node_id = _node_id()
    organisation = db.session.get(Tenant, organisation_id)
    if organisation is None or organisation.network_node_id != node_id or organisation.is_node:
        raise NetworkError(_("Scegli un'organizzazione della rete."), "organisation_id")
    if expires_on <= signed_on:
        raise NetworkError(_("La scadenza dell'accordo deve seguire la data di firma."), "expires_on")
    agreement = Agreement(organisation_id=organisation.id, signed_on=signed_on, expires_on=expires_on)
    if stored is not None:
        files.keep(agreement, stored)
    db.session.add(agreement)
    db.session.flush()
    record("network.agreement.create", "network_agreement", agreement.id,
           ["organisation_id", "signed_on", "expires_on"] + (["document"] if stored else []))
    return agreement


def get_agreement(agreement_id) -> Agreement | None:
    _node_id()
    return get_visible(Agreement, int(agreement_id))  # the tenant's rule even for a row already in the session


# --- information points -----------------------------------------------------------------------------

def network_points(node_id: int | None = None) -> list[InformationPoint]:
    node_id = node_id or _node_id()
    return list(db.session.scalars(
        select(InformationPoint).join(DirectoryEntry).join(Tenant, Tenant.id == DirectoryEntry.organisation_id)
        .where(Tenant.node_id == node_id).order_by(Tenant.name, InformationPoint.name)
    ))


def get_point(point_id) -> InformationPoint | None:
    point = db.session.get(InformationPoint, int(point_id))
    if point is None or point.entry.organisation.node_id != _node_id():
        return None  # another network's point: as if it did not exist
    return point


def missing_for_activation(point: InformationPoint, today: date | None = None) -> list[str]:
    organisation_id = point.entry.organisation_id
    missing = []
    if not trained_operators(organisation_id):
        missing.append(_("un operatore che abbia completato la formazione antidiscriminazione (almeno %(h)s ore)",
                         h=required_hours()))
    if agreement_in_force(organisation_id, today) is None:
        missing.append(_("un accordo firmato con il nodo e in vigore"))
    return missing


def set_active(point: InformationPoint, active: bool, version) -> InformationPoint:
    _node_id()
    check_version(point, version)
    if active:
        missing = missing_for_activation(point)
        if missing:
            raise NetworkError(_("Il punto informativo non può essere attivato: manca %(what)s.",
                                 what=_(" e ").join(missing)))
        point.agreement_id = agreement_in_force(point.entry.organisation_id).id
    point.active = active
    db.session.flush()
    record("directory.point.activate" if active else "directory.point.deactivate", "directory_information_point",
           point.id, ["active", "agreement_id"] if active else ["active"])
    return point


def point_rows(node_id: int | None = None, today: date | None = None) -> list[dict]:
    """Each point of the network with what the node watches: a trained operator, the agreement's expiry."""
    today = today or local_today()
    points = network_points(node_id)
    organisation_ids = {point.entry.organisation_id for point in points}
    trained = _trained_by_organisation(organisation_ids)
    agreements = agreements_in_force(organisation_ids, today)
    rows = []
    for point in points:
        organisation_id = point.entry.organisation_id
        agreement = agreements.get(organisation_id)
        rows.append({
            "point": point, "organisation": point.entry.organisation, "trained": organisation_id in trained,
            "operators": trained.get(organisation_id, []),
            "agreement": agreement,
            # What the public list shows (public_points): said here, not re-spelled by the page.
            "published": _published(point, point.entry.organisation, agreement is not None, organisation_id in trained),
            "expiring": agreement is not None and agreement.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS),
        })
    return rows


def attention_counts(node_id: int | None = None, today: date | None = None) -> dict:
    """For the node's work queue: points without a trained operator or agreement, agreements expiring within
    60 days. ``node_id``: the node whose rows the caller reads (the current tenant; defaults to the
    coordinator's node)."""
    rows = point_rows(node_id, today)
    return {"without_trained_operator": sum(1 for r in rows if not r["trained"]),
            "without_agreement": sum(1 for r in rows if r["agreement"] is None),
            "agreement_expiring": sum(1 for r in rows if r["expiring"])}
