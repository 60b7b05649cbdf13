"""A webhook tells a client nothing its API calls could not read: each event needs one of the read scopes that
cover its data (``webhooks.EVENT_SCOPES``). A client holding only webhooks:manage was refused GET /referrals yet
learnt its referrals' states, pseudonyms and outcomes from ``referral.state_changed``."""
from sqlalchemy import select

from portal.api.models import WebhookDelivery, WebhookSubscription
from portal.extensions import db
from portal.tenancy import context

from .api_support import headers_for, make_client
from .test_api import NEW_REFERRAL, receiver  # noqa: F401  (fixture: a real HTTP endpoint)

PROBLEM = "application/problem+json"


def _auth(network, tenant_key, scopes):
    _client, key = make_client(network.tenants[tenant_key], network.users[f"{tenant_key}_admin"]
                               if f"{tenant_key}_admin" in network.users else network.users["n1_coordinator"],
                               scopes=scopes)
    return {"Authorization": f"Bearer {key}"}


def test_an_event_needs_a_scope_that_reads_its_data(client, network, receiver):  # noqa: F811
    only_hooks = _auth(network, "a", ["webhooks:manage"])
    assert client.get("/api/v1/referrals", headers=only_hooks).status_code == 403
    refused = client.post("/api/v1/webhooks", headers=only_hooks,
                          json={"url": receiver.url, "events": ["referral.state_changed"]})
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert list(refused.get_json()["errors"]["json"]) == ["events"]
    reader = _auth(network, "a", ["webhooks:manage", "referrals:read"])
    assert client.post("/api/v1/webhooks", headers=reader,
                       json={"url": receiver.url, "events": ["referral.state_changed"]}).status_code == 201
    # A node's public reports: its pseudonymised reader only (an antenna never had them).
    assert client.post("/api/v1/webhooks", headers=reader,
                       json={"url": receiver.url, "events": ["report.received"]}).status_code == 422
    node_hooks = _auth(network, "n1", ["webhooks:manage", "opendata:read"])
    assert client.post("/api/v1/webhooks", headers=node_hooks,
                       json={"url": receiver.url, "events": ["report.received"]}).status_code == 422


def test_a_subscription_older_than_the_rule_receives_nothing_it_may_not_read(client, network):
    """Made before the rule (written directly): the event is not queued for it."""
    only_hooks, _key = make_client(network.tenants["a"], network.users["a_admin"], scopes=["webhooks:manage"])
    with context.acting_as(network.tenants["a"].id):
        sub = WebhookSubscription(client_id=only_hooks.id, url="http://127.0.0.1:9/h",
                                  events=["referral.state_changed"], active=True)
        sub.secret = "s" * 32
        db.session.add(sub)
        db.session.flush()
    assert client.post("/api/v1/referrals", headers=headers_for(network, "a"),
                       json={**NEW_REFERRAL, "submit": True}).status_code == 201
    with context.acting_as(network.tenants["a"].id):
        assert not db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)).all()
