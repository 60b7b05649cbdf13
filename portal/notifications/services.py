"""In-app notifications: writing them for a user, and the current user's list, count and read markers.

``notify`` is the API for other packages (``send_mail(..., kind=...)`` calls it for recipients who are
users). Every read is narrowed twice: to the current tenant by the scoping layer (and RLS), and to the
current user here, the one place that reads notifications.
"""
from flask import current_app
from flask_login import current_user
from sqlalchemy import func, select, update

from ..accounts.members import members_of
from ..accounts.models import Membership, User
from ..core.rows import one_page
from ..extensions import db
from ..models_base import utcnow
from ..tenancy import context
from ..tenancy.scoping import get_visible
from .models import Notification

PAGE_SIZE = 20


def users_by_email(addresses: list[str]) -> dict[str, User]:
    """Active users with these addresses, by lower-cased address (one query)."""
    lowered = [a.lower() for a in addresses]
    if not lowered:
        return {}
    users = db.session.scalars(select(User).where(func.lower(User.email).in_(lowered), User.active.is_(True)))
    return {u.email.lower(): u for u in users}


def home_tenant(user_id: int, preferred: int | None = None) -> int | None:
    """The tenant where this user sees a notice: ``preferred`` or the current tenant if they are active
    members there, else their first active membership. Read as the user (memberships are UserShared)."""
    db.session.flush()  # the caller's pending rows belong to the caller's context, not to this lookup
    with context.acting_as(None, user_id=user_id):
        tenants = list(db.session.scalars(
            select(Membership.tenant_id).where(Membership.user_id == user_id, Membership.active.is_(True))
            .order_by(Membership.id)
        ))
    for candidate in (preferred, context.current_tenant_id()):
        if candidate is not None and candidate in tenants:
            return candidate
    return tenants[0] if tenants else None


def local_path(link: str | None) -> str | None:
    """Keep a link inside Rete: absolute links to SERVER_BASE_URL become paths; anything else is dropped."""
    if not link:
        return None
    base = current_app.config["SERVER_BASE_URL"].rstrip("/")
    if link.startswith(base + "/"):
        link = link[len(base):]
    return link[:300] if link.startswith("/") and not link.startswith("//") else None


def notify(user_id: int, kind: str, params: dict | None = None, link: str | None = None,
           tenant_id: int | None = None) -> Notification | None:
    """Give ``user_id`` an in-app notification in ``tenant_id`` (default: their home tenant, see
    ``home_tenant``). ``kind`` is a code registered in ``labels``; ``params`` codes and pseudonyms only.
    Written in the caller's transaction, like the change it reports."""
    tenant_id = tenant_id if tenant_id is not None else home_tenant(user_id)
    if tenant_id is None:
        return None
    row = Notification(user_id=user_id, kind=kind, params=dict(params or {}), link=local_path(link),
                       tenant_id=tenant_id, created_at=utcnow())
    current = context.current()
    if current.tenant_id == tenant_id:
        db.session.add(row)
        db.session.flush()  # now, under this context: callers acting as several tenants switch soon after
        return row
    db.session.flush()  # the caller's changes under the caller's tenant, then this row as the recipient's
    with context.acting_as(tenant_id):
        db.session.add(row)
        db.session.flush()
    return row


def notify_roles(tenant_id: int, roles, kind: str, params: dict | None = None, link: str | None = None) -> int:
    """Notify every active user holding one of ``roles`` in ``tenant_id`` (e.g. a node's coordinators),
    looked up acting as that tenant (memberships are the tenant's). Returns how many were notified."""
    db.session.flush()
    with context.acting_as(tenant_id):
        user_ids = [user.id for user in members_of(tenant_id, *roles)]
    for user_id in user_ids:
        notify(user_id, kind, params, link, tenant_id=tenant_id)
    return len(user_ids)


# --- the current user's notifications -----------------------------------------------------------------

def _mine():
    return Notification.user_id == current_user.id


def unread_statement(tenant_id: int, user_id: int):
    """One count on the partial index ix_notifications_unread (tenant, user WHERE read_at IS NULL)."""
    return (select(func.count()).select_from(Notification)
            .where(Notification.tenant_id == tenant_id, Notification.user_id == user_id,
                   Notification.read_at.is_(None)))


def unread_count() -> int:
    tenant_id = context.current_tenant_id()
    if tenant_id is None or not current_user.is_authenticated:
        return 0
    return db.session.scalar(unread_statement(tenant_id, current_user.id)) or 0


def page(number: int) -> tuple[list[Notification], bool]:
    """Newest first; one query (a row more than the page tells whether a next page exists)."""
    return one_page(db.session.scalars, select(Notification).where(
        Notification.tenant_id == context.current_tenant_id(), _mine()).order_by(Notification.id.desc()), number, PAGE_SIZE)


def get_mine(notification_id) -> Notification | None:
    """Another user's (or tenant's) notification is None: the view answers 404."""
    row = get_visible(Notification, notification_id)
    return row if row is not None and row.user_id == current_user.id else None


def mark_read(row: Notification) -> None:
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.flush()


def mark_all_read() -> int:
    result = db.session.execute(
        update(Notification).where(Notification.tenant_id == context.current_tenant_id(), _mine(),
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
