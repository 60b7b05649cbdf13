"""API clients of a tenant: created, listed and revoked by the tenant's user administrator; and the
authentication of a call (the tenant context and the acting membership, as a login sets them)."""
from datetime import datetime

from flask import g
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.models import Membership, Role, User
from ..accounts.permissions import Capability, can, current_membership
from ..audit.services import record
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.rows import add_keyed
from ..extensions import db
from ..models_base import utcnow
from ..tenancy import context
from ..tenancy.models import Tenant
from . import keys, webhooks
from .models import ApiClient, Scope, WebhookSubscription

# What a client may be granted, by the kind of its organisation: the scopes its tenant's pages allow.
ANTENNA_SCOPES = (Scope.REFERRALS_READ, Scope.REFERRALS_WRITE, Scope.IDENTITY_READ, Scope.DIRECTORY_READ,
                  Scope.WEBHOOKS)
NODE_SCOPES = (Scope.CASES_READ, Scope.OPEN_DATA_READ, Scope.DIRECTORY_READ, Scope.WEBHOOKS)
PROVIDER_SCOPES = (Scope.ORDERS_READ, Scope.DELIVERIES_WRITE, Scope.DIRECTORY_READ, Scope.WEBHOOKS)


class ClientError(ServiceError):
    """A refused request, with a message for the administrator."""


def may_manage() -> bool:
    """A regional centre has no API clients (it reads aggregates on its pages only)."""
    membership = current_membership()
    return can(Capability.MANAGE_USERS) and membership is not None and not membership.tenant.is_region


def grantable_scopes(tenant: Tenant) -> tuple[Scope, ...]:
    if tenant.is_node:
        return NODE_SCOPES
    return PROVIDER_SCOPES if tenant.is_provider else ANTENNA_SCOPES


def acting_role(tenant: Tenant) -> Role:
    """The least role that lets the services serve the client's scopes: an antenna system refers like an
    operator; elsewhere a role with no case or identity rights (node: a case worker assigned nothing)."""
    if tenant.is_node:
        return Role.CASE_WORKER
    if tenant.is_provider:
        return Role.PROVIDER_USER
    return Role.ANTENNA_OPERATOR


def clients() -> list[ApiClient]:
    if not may_manage():
        raise Forbidden()
    return list(db.session.scalars(select(ApiClient).order_by(ApiClient.created_at.desc(), ApiClient.id.desc())))


def already_created() -> str:
    return _("Questo client era già stato creato e la sua chiave è stata mostrata una sola volta: se non "
             "l'hai copiata, revoca il client e creane uno nuovo.")


def create_client(name: str, scopes: list[str], expires_at: datetime | None,
                  submission_key: str | None = None) -> tuple[ApiClient, str]:
    """A client with its technical user; returns the key, which is never shown again. A ``submission_key``
    already used (the same form posted twice) is refused: one client per form."""
    if not may_manage():
        raise Forbidden()
    tenant = db.session.get(Tenant, context.current_tenant_id())
    allowed = {s.value for s in grantable_scopes(tenant)}
    if not scopes or not set(scopes) <= allowed:
        raise ClientError(_("Scegli almeno un permesso tra quelli disponibili per la tua organizzazione."), "scopes")
    if expires_at is not None and expires_at <= utcnow():
        raise ClientError(_("La scadenza deve essere nel futuro."), "expires_on")
    key, key_id, secret_hash = keys.new_key(tenant.id)
    # No password and an address that cannot receive mail: the technical user can never log in.
    user = User(email=f"api-{key_id}@api.rete.invalid", full_name=_("Sistema API: %(name)s", name=name)[:200],
                password_hash=None, active=True)
    db.session.add(user)
    db.session.flush()
    db.session.add(Membership(user_id=user.id, tenant_id=tenant.id, role=acting_role(tenant), active=True))
    client = ApiClient(name=name, key_id=key_id, secret_hash=secret_hash, scopes=sorted(set(scopes)),
                       user_id=user.id, created_by_id=current_user.id, expires_at=expires_at,
                       submission_key=submission_key or None)
    add_keyed(client, ClientError(already_created()))
    record("api_client.created", "api_client", client.id, ["name", "scopes", "expires_at"])
    return client, key


def get_client(client_id) -> ApiClient | None:
    return db.session.scalar(select(ApiClient).where(ApiClient.id == client_id))


def revoke_client(client: ApiClient) -> None:
    if not may_manage():
        raise Forbidden()
    if client.revoked_at is not None:
        return
    client.revoked_at = utcnow()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == client.user_id))
    if membership is not None:
        membership.active = False
    db.session.flush()
    webhooks.end_pending(select(WebhookSubscription.id).where(WebhookSubscription.client_id == client.id),
                         webhooks.REVOKED)
    record("api_client.revoked", "api_client", client.id, ["revoked_at"])


# --- one call --------------------------------------------------------------------------------------------

class AuthError(Exception):
    """401: no key, a malformed, unknown, wrong, expired or revoked one (the same answer for each)."""


def verified_client_id(header: str | None) -> int | None:
    """The id of the usable client whose key the header carries, or None, binding nothing (no tenant context,
    no signed-in user): for the rate limit's key, which is asked before the app's other request hooks, and
    those must not take the call for a signed-in user's (the second-factor guard would redirect it)."""
    scheme, _sep, token = (header or "").partition(" ")
    parsed = keys.parse(token.strip()) if scheme.lower() == "bearer" else None
    if parsed is None:
        return None
    tenant_id, key_id, secret = parsed
    with context.acting_as(tenant_id):
        client = db.session.scalar(select(ApiClient).where(ApiClient.key_id == key_id))
        usable = client is not None and keys.matches(secret, client.secret_hash) and client.usable(utcnow())
        return client.id if usable else None


def authenticate(header: str | None) -> ApiClient:
    """Bind the call to its client: tenant context, acting membership and user, as a session login does."""
    g.membership, g.api_client = None, None
    context.reset()
    scheme, _sep, token = (header or "").partition(" ")
    parsed = keys.parse(token.strip()) if scheme.lower() == "bearer" else None
    if parsed is None:
        raise AuthError()
    tenant_id, key_id, secret = parsed
    context.activate(tenant_id)
    client = db.session.scalar(select(ApiClient).where(ApiClient.key_id == key_id))
    now = utcnow()
    if client is None or not keys.matches(secret, client.secret_hash) or not client.usable(now):
        context.reset()
        raise AuthError()
    context.activate(tenant_id, client.user_id)
    membership = db.session.scalar(select(Membership).where(
        Membership.user_id == client.user_id, Membership.tenant_id == tenant_id, Membership.active.is_(True)))
    if membership is None or not membership.tenant.active or not client.user.active:
        context.reset()
        raise AuthError()
    g.membership, g.api_client = membership, client
    g._login_user = client.user  # Flask-Login's current_user: services and the audit see the client's user
    client.last_used_at = now
    return client


def has_scope(scope: Scope) -> bool:
    client = g.get("api_client")
    return client is not None and scope.value in (client.scopes or [])
