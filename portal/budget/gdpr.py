"""The budget's part of the person's rights and identity (people sends, budget answers; people never
imports budget): anonymisation clears the free texts of the budget rows about the person's cases
(grants.clear_texts), the access log gets the identity grants, and a provider the node granted access for
a case, not revoked and still needed, may see the identity (``identity_needed``)."""
from sqlalchemy import select

from ..accounts.models import Role
from ..extensions import db
from ..people.signals import identity_needed, person_anonymising, person_objects
from .models import IdentityGrant


@person_anonymising.connect
def clear_texts(person) -> list[str]:
    from ..cases.models import Case
    from .grants import clear_texts as clear_grant_texts

    return clear_grant_texts(list(db.session.scalars(select(Case.id).where(Case.person_id == person.id))))


@person_objects.connect
def objects(person) -> list[tuple[str, str]]:
    return [("identity_grant", str(i)) for i in db.session.scalars(
        select(IdentityGrant.id).where(IdentityGrant.person_id == person.id).order_by(IdentityGrant.id))]


@identity_needed.connect
def granted_provider(person, *, membership) -> bool:
    """A grant that still counts (``grants.live``: read as the node, which the caller acts as)."""
    from .grants import live

    return membership.role == Role.PROVIDER_USER and db.session.scalar(select(IdentityGrant.id).where(
        IdentityGrant.person_id == person.id, IdentityGrant.provider_id == membership.tenant_id,
        IdentityGrant.tenant_id == person.node_id, *live(),
    ).limit(1)) is not None
