"""Webhooks stop with their subscription and their client: no delivery is written for a cancelled
subscription or a client that is revoked, expired or whose technical user may no longer act, and a delivery
already waiting (a failed attempt backs off for hours) is not sent once either has ended: it is given up,
with the reason on the administrator's deliveries page."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.accounts.models import Membership, User
from portal.api.models import ApiClient, DeliveryStatus, WebhookDelivery, WebhookSubscription
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .api_support import headers_for, make_client
from .helpers import post_form
from .test_api import NEW_REFERRAL, receiver  # noqa: F401  (fixture: a real HTTP endpoint)


def _subscribed(client, network, receiver) -> tuple[ApiClient, str, int]:  # noqa: F811
    """A client of antenna A of its own, subscribed to referral.state_changed at ``receiver``."""
    row, key = make_client(network.tenants["a"], network.users["a_admin"])
    made = client.post("/api/v1/webhooks", headers={"Authorization": f"Bearer {key}"},
                       json={"url": receiver.url, "events": ["referral.state_changed"]})
    assert made.status_code == 201, made.get_data(as_text=True)
    return row, key, made.get_json()["id"]


def _event(client, network) -> None:
    """A referral sent by another system of A: ``referral.state_changed`` for A's subscriptions."""
    assert client.post("/api/v1/referrals", headers=headers_for(network, "a"), json=NEW_REFERRAL).status_code == 201


def _end(how: str, client, admin, network, api_client: ApiClient, key: str, subscription_id: int) -> None:
    tenant_id = network.tenants["a"].id
    if how == "cancelled":
        gone = client.delete(f"/api/v1/webhooks/{subscription_id}", headers={"Authorization": f"Bearer {key}"})
        assert gone.status_code == 204
    elif how == "revoked":
        revoked = post_form(admin, f"/amministrazione/api/{api_client.id}/revoca", {},
                            page="/amministrazione/api/")
        assert revoked.status_code == 302
    with context.acting_as(tenant_id):
        if how == "deactivated":  # as a cancellation that happened while the delivery was being claimed
            db.session.execute(update(WebhookSubscription).where(WebhookSubscription.id == subscription_id)
                               .values(active=False))
        elif how == "expired":
            db.session.execute(update(ApiClient).where(ApiClient.id == api_client.id)
                               .values(expires_at=utcnow() - timedelta(minutes=1)))
        elif how == "membership":
            db.session.execute(update(Membership).where(Membership.user_id == api_client.user_id).values(active=False))
        elif how == "user":
            db.session.execute(update(User).where(User.id == api_client.user_id).values(active=False))


def _deliveries(network, subscription_id: int) -> list[WebhookDelivery]:
    with context.acting_as(network.tenants["a"].id):
        return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
                                       .execution_options(populate_existing=True)))


ENDINGS = ["cancelled", "deactivated", "revoked", "expired", "membership", "user"]
REASONS = {"cancelled": "SubscriptionCancelled", "deactivated": "SubscriptionCancelled", "revoked": "ClientRevoked",
           "expired": "ClientExpired", "membership": "ClientDisabled", "user": "ClientDisabled"}


@pytest.mark.parametrize("how", ENDINGS)
def test_no_delivery_is_written_once_the_subscription_or_its_client_has_ended(client, login, network, receiver,  # noqa: F811
                                                                               how):
    api_client, key, subscription_id = _subscribed(client, network, receiver)
    _end(how, client, login("a_admin"), network, api_client, key, subscription_id)
    _event(client, network)
    assert receiver.received == []
    assert _deliveries(network, subscription_id) == []


@pytest.mark.parametrize("how", ENDINGS)
def test_a_waiting_delivery_is_given_up_once_the_subscription_or_its_client_has_ended(app, client, login, network,
                                                                                       receiver, how):  # noqa: F811
    admin = login("a_admin")  # before the command commits: the network's rows expire, and reload only in their tenant
    api_client, key, subscription_id = _subscribed(client, network, receiver)
    receiver.status = 503
    _event(client, network)
    assert len(receiver.received) == 1  # the first attempt failed: the delivery waits for the next one
    [row] = _deliveries(network, subscription_id)
    assert row.status == DeliveryStatus.PENDING
    _end(how, client, admin, network, api_client, key, subscription_id)
    with context.acting_as(network.tenants["a"].id):
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.id == row.id)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    receiver.status = 204
    result = app.test_cli_runner().invoke(args=["rete", "send-webhooks"])
    assert result.exit_code == 0, result.output
    assert len(receiver.received) == 1
    [row] = _deliveries(network, subscription_id)
    assert (row.status, row.last_status, row.last_error) == (DeliveryStatus.FAILED, 503, REASONS[how])
    page = admin.get("/amministrazione/api/consegne").get_data(as_text=True)
    assert REASONS[how] in page
