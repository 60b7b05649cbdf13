"""Directory rules: anyone in the network reads it; an antenna's admin edits its own entry, the node's
coordinator and system admin every entry of their network. Every change is audited."""
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Role
from ..accounts.permissions import current_membership
from ..audit.services import record
from ..core.changes import apply_changes
from ..core.errors import Forbidden, NotFound  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..core.rows import add_once, by_id
from ..extensions import db
from ..tenancy.models import Tenant
from .models import DirectoryEntry, InformationPoint
from .municipalities import cadastral_of

EDITABLE = ("description", "address", "municipality_code", "phone", "email", "website", "referents", "grounds",
            "services")


def may_edit(entry: DirectoryEntry) -> bool:
    membership = current_membership()
    if membership is None:
        return False
    if membership.role == Role.ANTENNA_ADMIN and entry.organisation_id == membership.tenant_id:
        return True
    return (
        membership.tenant.is_node and membership.role in (Role.COORDINATOR, Role.SYSTEM_ADMIN)
        and entry.organisation.network_node_id == membership.tenant_id
    )


def search(q: str | None = None, kind: str | None = None, ground: str | None = None,
           municipality: str | None = None) -> list[DirectoryEntry]:
    query = select(DirectoryEntry).join(Tenant, Tenant.id == DirectoryEntry.organisation_id).where(Tenant.active.is_(True))
    if q:
        like = f"%{q.strip()[:100]}%"
        code = cadastral_of(q)  # an ISTAT (003106) or cadastral (F952) code typed in the search box
        query = query.where(or_(
            Tenant.name.ilike(like), DirectoryEntry.services.ilike(like), DirectoryEntry.municipality_name.ilike(like),
            DirectoryEntry.description.ilike(like), *([DirectoryEntry.municipality_code == code] if code else []),
        ))
    if kind:
        query = query.where(Tenant.kind == kind)
    if municipality:  # ISTAT or cadastral
        query = query.where(DirectoryEntry.municipality_code == (cadastral_of(municipality) or municipality))
    rows = list(db.session.scalars(query.order_by(Tenant.name).limit(500)).unique())
    if ground:  # JSON list: filtered here, the directory is small (one row per organisation)
        rows = [r for r in rows if ground in (r.grounds or [])]
    return rows


def by_organisation_slug(slug: str) -> DirectoryEntry | None:
    """The entry of an active organisation, by its slug (the target of @mentions in the forum)."""
    return db.session.scalar(
        select(DirectoryEntry).join(Tenant, Tenant.id == DirectoryEntry.organisation_id)
        .where(Tenant.slug == slug, Tenant.active.is_(True))
    )


def get(entry_id) -> DirectoryEntry | None:
    return by_id(DirectoryEntry, entry_id)


def update(entry: DirectoryEntry, data: dict, version) -> DirectoryEntry:
    if not may_edit(entry):
        raise Forbidden()
    check_version(entry, version)
    from .municipalities import name_of

    changed = apply_changes(entry, data, EDITABLE)
    entry.municipality_name = name_of(entry.municipality_code) if entry.municipality_code else None
    db.session.flush()
    if changed:
        record("directory.entry.update", "directory_entry", entry.id, changed)
    return entry


def add_point(entry: DirectoryEntry, data: dict) -> InformationPoint:
    if not may_edit(entry):
        raise Forbidden()
    point = InformationPoint(entry_id=entry.id, active=False, **data)  # the node activates it (portal/network)
    db.session.add(point)
    db.session.flush()
    record("directory.point.create", "directory_information_point", point.id, sorted(data))
    return point


def point_of(entry: DirectoryEntry, point_id) -> InformationPoint:
    point = next((p for p in entry.points if str(p.id) == str(point_id)), None)
    if point is None:
        raise NotFound()
    return point


def update_point(entry: DirectoryEntry, point_id, data: dict, version) -> InformationPoint:
    """The organisation's admin (or its node) corrects a point's details; activation stays the node's."""
    if not may_edit(entry):
        raise Forbidden()
    point = point_of(entry, point_id)
    check_version(point, version)
    changed = apply_changes(point, data)
    db.session.flush()
    if changed:
        record("directory.point.update", "directory_information_point", point.id, changed)
    return point


def remove_point(entry: DirectoryEntry, point_id) -> bool:
    """Delete the point (True), or only take it out of the directory when referrals name it (False)."""
    if not may_edit(entry):
        raise Forbidden()
    point = next((p for p in entry.points if str(p.id) == str(point_id)), None)
    if point is None:
        raise NotFound()
    try:
        with db.session.begin_nested():
            db.session.delete(point)
            db.session.flush()
    except IntegrityError:
        # Referrals name it as where they came from: the point stays for them, out of the directory.
        db.session.refresh(point)
        point.active = False
        db.session.flush()
        record("directory.point.deactivate", "directory_information_point", point.id, ["active"])
        return False
    record("directory.point.delete", "directory_information_point", point.id, [])
    return True


def may_manage_network() -> bool:
    """The node's coordinator keeps the points' activation, training, calls and applications (portal/network)."""
    membership = current_membership()
    return membership is not None and membership.tenant.is_node and membership.role == Role.COORDINATOR


def may_keep_own_entry() -> bool:
    membership = current_membership()
    return membership is not None and (
        membership.role == Role.ANTENNA_ADMIN
        or (membership.tenant.is_node and membership.role in (Role.COORDINATOR, Role.SYSTEM_ADMIN))
    )


def own_entry() -> DirectoryEntry:
    """The current organisation's entry, created empty the first time its admin opens it."""
    if not may_keep_own_entry():
        raise Forbidden()
    tenant_id = current_membership().tenant_id
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.organisation_id == tenant_id))
    if entry is None:
        entry = DirectoryEntry(organisation_id=tenant_id, grounds=[])
        if not add_once(entry):  # opened in two tabs at once: the entry the other request created
            return db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.organisation_id == tenant_id))
        record("directory.entry.create", "directory_entry", entry.id, [])
    return entry
