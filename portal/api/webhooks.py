"""Webhooks: subscriptions of an API client, and their outbox (written with the event, sent after it).

Events are hooked through blinker signals the lower layers send (``referrals.signals``): the API layer
subscribes, the referral domain knows nothing of webhooks. The receiver runs inside the service call, so
the delivery rows are written in the event's own transaction (a rolled-back change sends nothing); they
are sent once that transaction has committed (``after_transaction_end``, as the e-mail outbox does) and
by ``flask rete send-webhooks`` (cron), with exponential backoff until ``WEBHOOK_MAX_ATTEMPTS``.

Signature: ``X-Rete-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`` with
``X-Rete-Timestamp: <unix seconds>``: the receiver recomputes it and refuses old timestamps (replays).
Payloads carry pseudonyms, codes and links only: never identity, never free text.

SSRF guard: the receiver's address is judged by what its name resolves to, at subscription and again at
each delivery, which connects to the very address judged and follows no redirect (``public_addresses``,
``_deliver``). A delivery is sent only while its subscription and its client are still valid (``receiving``).
"""
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from ..accounts.models import Membership, User
from ..audit.services import record
from ..core.after_commit import by_tenant, in_own_session, register
from ..core.errors import ServiceError
from ..core.rows import add_keyed
from ..extensions import db
from ..models_base import utcnow
from ..tenancy import context
from ..tenancy.models import Tenant
from .models import ApiClient, DeliveryStatus, EventKind, Scope, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
CLAIM_SECONDS = 300
TIMEOUT_SECONDS = 10


class WebhookError(ServiceError):
    pass


# --- subscriptions ----------------------------------------------------------------------------------------

# The read scopes that let a client learn an event's data (any one of them): a webhook tells nothing the
# client's API calls could not read (an antenna client holding only webhooks:manage learnt its referrals'
# states). The node reads its referrals, orders and public reports pseudonymised with cases:read.
EVENT_SCOPES = {
    EventKind.REFERRAL_STATE_CHANGED: {Scope.REFERRALS_READ, Scope.CASES_READ},
    EventKind.ORDER_CREATED: {Scope.ORDERS_READ, Scope.CASES_READ},
    EventKind.REPORT_RECEIVED: {Scope.CASES_READ},
}


def may_receive(scopes, event: str) -> bool:
    """``scopes``: a client's (codes, as stored)."""
    kind = EventKind(event)
    return any(scope.value in (scopes or []) for scope in EVENT_SCOPES[kind])


def receivable(client: ApiClient) -> list[EventKind]:
    return [kind for kind in EventKind if may_receive(client.scopes, kind.value)]


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
    target = _target(url)
    if target is None:
        raise WebhookError(_("L'indirizzo del webhook deve essere un URL http o https."), "url")
    scheme, host, port, _path = target
    local_ok = _internal_allowed()
    if scheme == "http" and not local_ok:
        raise WebhookError(_("L'indirizzo del webhook deve usare https."), "url")
    if not local_ok:
        try:
            public_addresses(host, port)
        except NotPublicAddress:  # no requests into Rete's own network (SSRF)
            raise WebhookError(_("L'indirizzo del webhook deve essere raggiungibile da Internet."), "url") from None
        except OSError:
            pass  # a name that does not resolve yet: each delivery checks it again before it connects
    known = {k.value for k in EventKind}
    if not events or not set(events) <= known:
        raise WebhookError(_("Eventi non riconosciuti: scegli tra %(known)s.", known=", ".join(sorted(known))), "events")
    if not all(may_receive(client.scopes, event) for event in events):
        allowed = ", ".join(kind.value for kind in receivable(client)) or "—"
        raise WebhookError(_("Questo client non ha il permesso di leggere i dati di tutti gli eventi scelti: può "
                             "ricevere %(allowed)s.", allowed=allowed), "events")
    secret = secrets.token_urlsafe(32)
    subscription = WebhookSubscription(client_id=client.id, url=url, events=sorted(set(events)), active=True,
                                       submission_key=submission_key or None)
    subscription.secret = secret
    add_keyed(subscription, WebhookError(already_subscribed()))
    record("webhook.subscribed", "webhook_subscription", subscription.id, ["url", "events"])
    return subscription, secret


# --- the SSRF guard: the same at subscription and at each delivery -----------------------------------------

class NotPublicAddress(Exception):
    """The receiver's name or address leads into a private network (Rete's own, the cloud's metadata)."""


# The well-known NAT64 prefix (an IPv6-only host's DNS64 answer for an IPv4 address): judged by that address.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAMES = ("localhost", "localhost.localdomain")


def _internal_allowed() -> bool:
    """Development and the tests' receivers on 127.0.0.1 (``WEBHOOK_ALLOW_HTTP``): http and local addresses."""
    return current_app.config.get("WEBHOOK_ALLOW_HTTP", current_app.debug or current_app.testing)


def _target(url: str) -> tuple[str, str, int, str] | None:
    """(scheme, host, port, path and query) of an http(s) URL, or None."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # beyond 65535, or not a number
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable: not private, shared (100.64.0.0/10), loopback, link-local, multicast, reserved or
    unspecified, nor an IPv6 address that wraps such an IPv4 one (mapped, 6to4, NAT64)."""
    if address.version == 6:
        if address in NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        wrapped = address.ipv4_mapped or address.sixtofour
        if wrapped is not None and not is_public(wrapped):
            return False
    return address.is_global and not (address.is_private or address.is_multicast or address.is_reserved
                                      or address.is_loopback or address.is_link_local or address.is_unspecified
                                      or getattr(address, "is_site_local", False))


def public_addresses(host: str, port: int) -> list[tuple]:
    """``getaddrinfo(host)`` if every address it gives is public, else ``NotPublicAddress``; ``OSError`` when
    the name does not resolve. Resolving is what judges 2130706433, 0x7f000001 or 127.0.0.01 as the
    127.0.0.1 a connection would reach, and a name by where it leads."""
    name = host.lower().rstrip(".")
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        raise NotPublicAddress()
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not found or not all(is_public(ipaddress.ip_address(info[4][0])) for info in found):
        raise NotPublicAddress()
    return found


def _open(addresses: list[tuple], timeout: float) -> socket.socket:
    """A connection to the first of ``addresses`` that answers, never a new lookup: a DNS answer that
    changed since the check would lead elsewhere."""
    error: OSError = OSError("no address")
    for family, kind, proto, _name, sockaddr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to the addresses already judged; the Host header still names the host."""

    def __init__(self, host: str, port: int, addresses: list[tuple], timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self):
        self.sock = _open(self.addresses, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the addresses already judged; SNI and the certificate check use the host's name."""

    def __init__(self, host: str, port: int, addresses: list[tuple], timeout: float):
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self):
        self.sock = self.tls.wrap_socket(_open(self.addresses, self.timeout), server_hostname=self.host)


def _deliver(url: str, body: bytes, headers: dict) -> int:
    """POST ``body``; the receiver's status. The address is judged at each delivery (a name may lead
    elsewhere by now) and the connection goes to the address judged. http.client follows no redirect: a
    3xx is the receiver's answer, as a redirect could lead into the network."""
    target = _target(url)
    if target is None:
        raise ValueError("not an http(s) URL")
    scheme, host, port, path = target
    if _internal_allowed():
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    else:
        addresses = public_addresses(host, port)
    connection = (_PinnedHTTPS if scheme == "https" else _PinnedHTTP)(host, port, addresses, TIMEOUT_SECONDS)
    try:
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def unsubscribe(subscription: WebhookSubscription) -> None:
    subscription.active = False
    db.session.flush()
    end_pending(select(WebhookSubscription.id).where(WebhookSubscription.id == subscription.id), CANCELLED)
    record("webhook.unsubscribed", "webhook_subscription", subscription.id, ["active"])


# --- the outbox -------------------------------------------------------------------------------------------

# Why a delivery was not sent, on the deliveries page (``last_error``, a code like the transport's).
CANCELLED, REVOKED, EXPIRED, DISABLED = "SubscriptionCancelled", "ClientRevoked", "ClientExpired", "ClientDisabled"


def receiving(now):
    """The subscriptions still sent to: active, of a client the API would still let in (not revoked, not
    expired, its technical user, membership and organisation active, as ``clients.authenticate`` asks)."""
    return (select(WebhookSubscription)
            .join(ApiClient, ApiClient.id == WebhookSubscription.client_id)
            .join(Membership, (Membership.user_id == ApiClient.user_id) & (Membership.tenant_id == ApiClient.tenant_id))
            .join(User, User.id == ApiClient.user_id)
            .join(Tenant, Tenant.id == ApiClient.tenant_id)
            .where(WebhookSubscription.active.is_(True), ApiClient.revoked_at.is_(None),
                   or_(ApiClient.expires_at.is_(None), ApiClient.expires_at > now),
                   Membership.active.is_(True), User.active.is_(True), Tenant.active.is_(True)))


def end_pending(subscription_ids, reason: str) -> None:
    """Give up at once the pending deliveries of these subscriptions (a select of their ids): cancelled or
    revoked, they would not be sent, and the page says so now rather than at their next attempt."""
    db.session.execute(update(WebhookDelivery).where(WebhookDelivery.subscription_id.in_(subscription_ids),
                                                     WebhookDelivery.status == DeliveryStatus.PENDING)
                       .values(status=DeliveryStatus.FAILED, last_error=reason)
                       .execution_options(synchronize_session=False))


def enqueue(tenant_id: int, kind: EventKind, payload: dict) -> int:
    """Write one delivery per receiving subscription of ``tenant_id`` to ``kind``, in the caller's transaction,
    acting as that tenant (the event may be another tenant's action: the node accepting a referral)."""
    db.session.flush()  # the caller's own changes, under its own context
    written = 0
    with context.acting_as(tenant_id):
        subs = db.session.execute(receiving(utcnow()).add_columns(ApiClient.scopes))
        body = {"event": kind.value, "occurred_at": utcnow().isoformat(), "data": payload}
        for sub, scopes in subs:
            # Checked again here: a subscription made before the scope rule (or a client's scopes since changed).
            if kind.value not in (sub.events or []) or not may_receive(scopes, kind.value):
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
        # Written while the subscription and its client were valid: checked again, as it may wait for hours.
        reason = _not_receiving(session, row, utcnow())
        if reason is None:
            sent += _post(row)
        else:
            row.status, row.last_error = DeliveryStatus.FAILED, reason  # last_status: the last answer received
            log.info("webhooks: delivery %s not sent (%s)", row.id, reason)
        session.commit()  # each outcome at once
    return sent


def _not_receiving(session, row: WebhookDelivery, now) -> str | None:
    """None while the delivery's subscription is receiving, else why not (for the page)."""
    if session.scalar(receiving(now).where(WebhookSubscription.id == row.subscription_id)) is not None:
        return None
    subscription = row.subscription
    client = session.get(ApiClient, subscription.client_id)
    if not subscription.active:
        return CANCELLED
    if client.revoked_at is not None:
        return REVOKED
    return DISABLED if client.usable(now) else EXPIRED


def _post(row: WebhookDelivery) -> int:
    subscription = row.subscription
    body = json.dumps({"id": row.id, **row.payload}, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "Rete-Webhooks/1",
               "X-Rete-Event": row.event, "X-Rete-Delivery": str(row.id), "X-Rete-Timestamp": timestamp,
               "X-Rete-Signature": sign(subscription.secret, timestamp, body)}
    try:
        status = _deliver(subscription.url, body, headers)
    except Exception as exc:  # unreachable, not public, timeout, TLS: retried
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
