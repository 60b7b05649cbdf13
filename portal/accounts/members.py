"""Who holds a role in a tenant: the one definition of "the active users of tenant T with roles R" that the
domains use to assign, notify and mail (a membership and its user must both be active)."""
from sqlalchemy import Select, select

from ..core.rows import or_404, visible_or_404
from ..extensions import db
from .models import Membership, Role, User


def members_query(tenant_id: int, roles: tuple[Role, ...] | list[Role]) -> Select:
    """Active users of ``tenant_id`` holding one of ``roles``, each once, by name (the caller may narrow the
    columns with ``with_only_columns``). Run it acting as that tenant: memberships are the tenant's rows."""
    return (select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == tenant_id, Membership.role.in_(list(roles)),
                   Membership.active.is_(True), User.active.is_(True))
            .distinct().order_by(User.full_name, User.id))


def members_of(tenant_id: int, *roles: Role) -> list[User]:
    return list(db.session.scalars(members_query(tenant_id, roles)))


def member_emails(tenant_id: int, *roles: Role) -> list[str]:
    return [user.email for user in members_of(tenant_id, *roles)]


def administered_membership(membership_id: int) -> Membership:
    """A membership of the current tenant its administrator acts on (codice fiscale, second factor): 404 for
    one still waiting for its owner to accept, which gives no right over what is the person's
    (invitations.py)."""
    membership = visible_or_404(Membership, membership_id, own=True)
    return or_404(None if membership.pending else membership)
