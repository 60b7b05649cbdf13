"""API clients for tests and the isolation matrix: a key per tenant, victims' clients and subscriptions."""
from portal.accounts.models import Membership, User
from portal.api import keys
from portal.api.clients import acting_role, grantable_scopes
from portal.api.models import ApiClient, WebhookSubscription
from portal.extensions import db
from portal.tenancy import context
from portal.tenancy.models import Tenant


def make_client(tenant: Tenant, created_by: User, scopes=None, **extra) -> tuple[ApiClient, str]:
    """A client with its technical user, written directly (the admin page is tested on its own)."""
    scopes = [s.value for s in grantable_scopes(tenant)] if scopes is None else list(scopes)
    with context.acting_as(tenant.id):
        key, key_id, secret_hash = keys.new_key(tenant.id)
        user = User(email=f"api-{key_id}@api.rete.invalid", full_name=f"Sistema API {key_id}", active=True)
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, tenant_id=tenant.id, role=acting_role(tenant), active=True))
        client = ApiClient(name=f"Sistema {tenant.slug}", key_id=key_id, secret_hash=secret_hash, scopes=scopes,
                           user_id=user.id, created_by_id=created_by.id, **extra)
        db.session.add(client)
        db.session.flush()
    return client, key


def headers_for(net, tenant_key: str) -> dict:
    """Authorization for one client of the tenant, created once per network."""
    cache = net.__dict__.setdefault("_api_keys", {})
    if tenant_key not in cache:
        tenant = net.tenants[tenant_key]
        admin = next(u for k, u in net.users.items() if k.startswith(f"{tenant_key}_"))
        cache[tenant_key] = make_client(tenant, admin)
    return {"Authorization": f"Bearer {cache[tenant_key][1]}"}


def victim_client(net) -> ApiClient:
    """A client of the victim antenna A."""
    headers_for(net, "a")
    return net._api_keys["a"][0]


def victim_subscription(net) -> WebhookSubscription:
    existing = getattr(net, "_victim_subscription", None)
    if existing is not None:
        return existing
    client = victim_client(net)
    with context.acting_as(net.tenants["a"].id):
        sub = WebhookSubscription(client_id=client.id, url="https://ricevente.example/hook",
                                  events=["referral.state_changed"], active=True)
        sub.secret = "segreto-di-prova"
        db.session.add(sub)
        db.session.flush()
    net._victim_subscription = sub
    return sub
