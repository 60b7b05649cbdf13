"""Device cookies: a browser that has signed in to an account keeps a count of failed attempts of its own.

Without them, five wrong passwords from anybody locked the account's owner out too, right password and all,
and one address could keep a list of known addresses locked around the clock. As OWASP's "Slow down online
guessing attacks with device cookies" describes, a browser that signed in to the account before (it holds a
signed cookie naming the account and a random nonce) is counted and locked on its own; every other browser
shares the account's count (``User.failed_logins``/``locked_until``), so guessing from new browsers is held as
before while the owner's own browser still opens.

Hand-written because no maintained Flask extension does this; the cookie is signed by itsdangerous (as the
reset links are) and carries no more than a user id, the nonce and a keyed digest of the account's password
and second factor, so a new password or factor forgets every browser. A device's failures are kept in
``device_locks`` (a row only once it has failed, deleted by its next whole sign-in), not in the cookie, so a
browser replaying an older cookie does not get its count back.
"""
import hashlib
import hmac
from datetime import UTC, timedelta
from secrets import token_hex

from flask import current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, inspect, select

from ..extensions import db
from ..models_base import utcnow
from .models import DeviceLock, User

COOKIE = "rete_device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rete-device")


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config["DEVICE_COOKIE_DAYS"])


def _nonce(user: User) -> str | None:
    """The nonce of this request's device cookie when it was issued to ``user`` and is still valid."""
    raw = request.cookies.get(COOKIE) if has_request_context() else None
    if not raw:
        return None
    try:
        data = _serializer().loads(raw, max_age=int(_lifetime().total_seconds()))
    except BadSignature:  # forged, from another secret, or expired
        return None
    if not isinstance(data, dict) or data.get("u") != user.id or data.get("f") != _fingerprint(user):
        return None
    nonce = data.get("n")
    return nonce if isinstance(nonce, str) and len(nonce) == 32 else None


def _fingerprint(user: User) -> str:
    """Changes with the password and the second factor: a new one (reset after a phishing, a lost phone) forgets
    every browser the account had, so whoever signed in with the old one keeps no count of their own."""
    enrolled = user.totp_enabled_at
    if enrolled is not None:  # seconds since the epoch: SQLite gives the moment back without its zone
        enrolled = int(enrolled.replace(tzinfo=enrolled.tzinfo or UTC).timestamp())
    material = f"{user.id}|{user.password_hash or ''}|{enrolled or ''}"
    return hmac.new(current_app.config["SECRET_KEY"].encode(), material.encode(), hashlib.sha256).hexdigest()[:16]


def counter(user: User) -> User | DeviceLock:
    """Where this request's attempts on ``user`` (read under services.locked, which serialises them) count:
    its device's row (new and not yet stored if it has not failed before), or the account itself."""
    nonce = _nonce(user)
    if nonce is None:
        return user
    row = db.session.scalar(select(DeviceLock).where(DeviceLock.nonce == nonce))
    return row if row is not None else DeviceLock(user_id=user.id, nonce=nonce, failed_logins=0)


def failed(row: DeviceLock) -> None:
    """A device's failure is being counted: store its row, and drop the account's rows of devices whose
    cookies have expired (nobody can present them any more)."""
    row.last_failed_at = utcnow()
    db.session.add(row)
    db.session.execute(delete(DeviceLock).where(DeviceLock.user_id == row.user_id,
                                                DeviceLock.last_failed_at < utcnow() - _lifetime()))


def cleared(row: DeviceLock) -> None:
    if inspect(row).persistent:  # a device that had not failed has no row
        db.session.delete(row)


def remember(response, user: User):
    """After a whole sign-in: this browser is now one of ``user``'s devices (a new nonce each time)."""
    token = _serializer().dumps({"u": user.id, "n": token_hex(16), "f": _fingerprint(user)})
    response.set_cookie(COOKIE, token, max_age=int(_lifetime().total_seconds()), httponly=True,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], samesite="Lax")
    return response
