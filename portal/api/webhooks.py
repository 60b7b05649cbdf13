"""Webhooks: subscriptions of an API client, and their outbox (written with the event, sent after it).

Events are hooked through blinker signals the lower layers send (``referrals.signals``): the API layer
subscribes, the referral domain knows nothing of webhooks. The receiver runs inside the service call, so
the delivery rows are written in the event's own transaction (a rolled-back change sends nothing); they
are sent once that transaction has committed (``after_transaction_end``, as the e-mail outbox does) and
by ``flask rete send-webhooks`` (cron), with exponential backoff until ``WEBHOOK_MAX_ATTEMPTS``.

Signature: ``X-Rete-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`` with
``X-Rete-Timestamp: <unix seconds>``: the receiver recomputes it and refuses old timestamps (replays).
Payloads carry pseudonyms, codes and links only: never identity, never free text.
"""
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from ..audit.services import record
from ..core.after_commit import by_tenant, in_own_session, register
from ..core.errors import ServiceError
from ..core.rows import add_keyed
from ..extensions import db
from ..models_base import utcnow
from ..tenancy import context
from .models import ApiClient, DeliveryStatus, EventKind, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
CLAIM_SECONDS = 300
TIMEOUT_SECONDS = 10


class WebhookError(ServiceError):
    pass


# --- subscriptions ----------------------------------------------------------------------------------------

def subscriptions(client: ApiClient) -> list[WebhookSubscription]:
    return list(db.session.scalars(select(WebhookSubscription).where(
        WebhookSubscription.client_id == client.id, WebhookSubscription.active.is_(True))
        .order_by(WebhookSubscription.id)))


def already_subscribed() -> str:
    return _("Questa sottoscrizione era già stata creata e il suo segreto è stato mostrato una sola volta: se "
             "non l'hai copiato, annulla la sottoscrizione e creane una nuova.")


def subscribe(client: ApiClient, url: str, events: list[str],
              submission_key: str | None = None) -> tuple[WebhookSubscription, str]:
    """A subscription and its signing secret (returned once; kept encrypted to sign). A ``submission_key``
    already used (the page's form posted twice) is refused: one subscription per form."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebhookError(_("L'indirizzo del webhook deve essere un URL http o https."), "url")
    local_ok = current_app.config.get("WEBHOOK_ALLOW_HTTP", current_app.debug or current_app.testing)
    if parts.scheme == "http" and not local_ok:
        raise WebhookError(_("L'indirizzo del webhook deve usare https."), "url")
    if not local_ok and _internal(parts.hostname or ""):  # no requests into Rete's own network (SSRF)
        raise WebhookError(_("L'indirizzo del webhook deve essere raggiungibile da Internet."), "url")
    known = {k.value for k in EventKind}
    if not events or not set(events) <= known:
        raise WebhookError(_("Eventi non riconosciuti: scegli tra %(known)s.", known=", ".join(sorted(known))), "events")
    secret = secrets.token_urlsafe(32)
    subscription = WebhookSubscription(client_id=client.id, url=url, events=sorted(set(events)), active=True,
                                       submission_key=submission_key or None)
    subscription.secret = secret
    add_keyed(subscription, WebhookError(already_subscribed()))
    record("webhook.subscribed", "webhook_subscription", subscription.id, ["url", "events"])
    return subscription, secret


def _internal(host: str) -> bool:
    """A literal loopback, private or link-local address, or localhost. (Names resolving to such addresses
    are the network's firewall's to stop: resolution here could change before the delivery.)"""
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


def unsubscribe(subscription: WebhookSubscription) -> None:
    subscription.active = False
    db.session.flush()
    record("webhook.unsubscribed", "webhook_subscription", subscription.id, ["active"])


# --- the outbox -------------------------------------------------------------------------------------------

def enqueue(tenant_id: int, kind: EventKind, payload: dict) -> int:
    """Write one delivery per active subscription of ``tenant_id`` to ``kind``, in the caller's transaction,
    acting as that tenant (the event may be another tenant's action: the node accepting a referral)."""
    db.session.flush()  # the caller's own changes, under its own context
    written = 0
    with context.acting_as(tenant_id):
        subs = db.session.scalars(select(WebhookSubscription).join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
                                  .where(WebhookSubscription.active.is_(True), ApiClient.revoked_at.is_(None)))
        body = {"event": kind.value, "occurred_at": utcnow().isoformat(), "data": payload}
        for sub in subs:
            if kind.value not in (sub.events or []):
                continue
            db.session.add(WebhookDelivery(subscription_id=sub.id, tenant_id=tenant_id, event=kind.value,
                                           payload=body, status=DeliveryStatus.PENDING, attempts=0,
                                           next_attempt_at=utcnow()))
            written += 1
        db.session.flush()
    return written


def _send_after_commit(rows: list, bind) -> None:
    if current_app.config.get("WEBHOOKS_SEND_AFTER_COMMIT", True):
        in_own_session(bind, lambda session: send_rows(rows, session), "webhooks")


register(WebhookDelivery, _send_after_commit)


def send_rows(rows: list, session) -> int:
    sent = 0
    for tenant_id, ids in by_tenant(rows).items():
        with context.acting_as(tenant_id):
            sent += _attempt(session, select(WebhookDelivery.id).where(WebhookDelivery.id.in_(ids)))
    return sent


def send_due(limit: int = 500) -> tuple[int, int]:
    """``flask rete send-webhooks``: what is due, acting as each tenant in turn. Returns (sent, pending)."""
    from ..tenancy.models import Tenant

    now = utcnow()
    due = (select(WebhookDelivery.id).where(WebhookDelivery.status == DeliveryStatus.PENDING,
                                            WebhookDelivery.next_attempt_at <= now)
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    sent = left = 0
    for tenant_id in db.session.scalars(select(Tenant.id).order_by(Tenant.id)).all():
        with context.acting_as(tenant_id):
            sent += _attempt(db.session, due.where(WebhookDelivery.tenant_id == tenant_id))
            left += db.session.scalar(select(func.count(WebhookDelivery.id)).where(
                WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.status == DeliveryStatus.PENDING)) or 0
            db.session.commit()
    return sent, left


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _attempt(session, candidates) -> int:
    now = utcnow()
    claimed = []
    for row_id in list(session.scalars(candidates)):  # whoever moves next_attempt_at first owns the row
        result = session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == row_id, WebhookDelivery.status == DeliveryStatus.PENDING,
                                          WebhookDelivery.next_attempt_at <= now)
            .values(next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS), attempts=WebhookDelivery.attempts + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(row_id)
    session.commit()
    sent = 0
    for row in list(session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(claimed))
                                    .order_by(WebhookDelivery.id))):
        sent += _post(row)
        session.commit()  # each outcome at once
    return sent


def _post(row: WebhookDelivery) -> int:
    subscription = row.subscription
    body = json.dumps({"id": row.id, **row.payload}, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(subscription.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "Rete-Webhooks/1",
        "X-Rete-Event": row.event, "X-Rete-Delivery": str(row.id), "X-Rete-Timestamp": timestamp,
        "X-Rete-Signature": sign(subscription.secret, timestamp, body)})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (http/https only)
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except Exception as exc:  # unreachable, timeout, TLS: retried
        _failed(row, None, type(exc).__name__)
        return 0
    if 200 <= status < 300:
        row.status, row.sent_at, row.last_status, row.last_error = DeliveryStatus.SENT, utcnow(), status, None
        return 1
    _failed(row, status, f"HTTP {status}")
    return 0


def _failed(row: WebhookDelivery, status: int | None, error: str) -> None:
    row.last_status, row.last_error = status, error[:200]
    if row.attempts >= current_app.config.get("WEBHOOK_MAX_ATTEMPTS", 8):
        row.status = DeliveryStatus.FAILED
        log.error("webhooks: delivery %s given up after %s attempts (%s)", row.id, row.attempts, error)
        return
    base = current_app.config.get("WEBHOOK_BACKOFF_SECONDS", 60)
    row.next_attempt_at = utcnow() + timedelta(seconds=min(base * 2 ** (row.attempts - 1), 6 * 3600))
    log.warning("webhooks: delivery %s not sent (%s), attempt %s", row.id, error, row.attempts)


def deliveries(limit: int = 200) -> list[WebhookDelivery]:
    """The tenant's delivery log, newest first (the administrator's page)."""
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)))
