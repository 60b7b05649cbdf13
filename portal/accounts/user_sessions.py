"""Server-side login sessions.

The signed session cookie carries a random token; its SHA-256 names a ``user_sessions`` row, looked up with
the user in one indexed query on every request. Ending the row ends the session wherever the cookie is: on
logout, when the password changes or is reset, when the user is deactivated or loses their second factor,
from the user's "Sessioni attive" list, after ``IDLE_TIMEOUT_MINUTES`` idle and ``SESSION_ABSOLUTE_HOURS``
after login whatever the activity.
"""
import hashlib
import re
import secrets
from datetime import timedelta
from functools import cache

from flask import current_app, g, has_request_context, request, session
from sqlalchemy import and_, bindparam, delete, select, update

from ..audit.services import record
from ..extensions import db
from ..models_base import utcnow
from .models import Membership, SessionEnd, User, UserSession

SESSION_KEY = "sid"
# last_seen_at is written at most this often: reading pages must not turn into one UPDATE per request.
TOUCH_SECONDS = 60
# Rows are kept a while after they end (the list, a DPO's question); the audit log keeps the events.
KEEP_DAYS = 30

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _as_utc(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def device_summary(user_agent: str) -> str:
    """'Firefox · Linux': enough to recognise one's own device, without keeping the full fingerprint."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    summary = " · ".join(part for part in (browser, system) if part)
    return summary or re.sub(r"[^\w .-]", "", user_agent.split("/", 1)[0])[:40]


def start(user: User) -> UserSession:
    """A new session for ``user`` (the caller has already cleared the old cookie: no fixation)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.started_at < now - timedelta(days=KEEP_DAYS)))
    agent = request.user_agent.string if has_request_context() else ""
    row = UserSession(user_id=user.id, token_hash=_digest(token), device=device_summary(agent or ""),
                      started_at=now, last_seen_at=now)
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = token
    g.user_session = row
    return row


def current_session() -> UserSession | None:
    return g.get("user_session")


def passive(view):
    """Marks a view the page calls by itself, on a timer (the header bell): it answers a signed-in user but is
    not the user's activity, so it never keeps an idle session alive. An open tab left on a shared office
    computer must still be signed out after ``IDLE_TIMEOUT_MINUTES``. It only reads the session row: an idle
    session is refused, and the user's next request records its end (a poll never writes, so polls firing
    together never queue for the same row)."""
    view.passive = True
    return view


def passive_request() -> bool:
    return getattr(current_app.view_functions.get(request.endpoint or ""), "passive", False)


def ended_reason() -> SessionEnd | None:
    """Why the session this request's cookie names has ended (idle, too old, logout…), if it has."""
    return g.get("session_ended")


@cache
def _session_user_membership():
    """Built once: this statement runs on every request, and building it cost more than running it."""
    return (select(UserSession, User, Membership).join(User, User.id == UserSession.user_id)
            .outerjoin(Membership, and_(Membership.id == bindparam("membership_id"),
                                        Membership.user_id == UserSession.user_id))
            .where(UserSession.token_hash == bindparam("token_hash")))


def load(user_id: int) -> User | None:
    """The user whose live session the request's cookie names, in one query (None: ended or expired)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return None
    # The membership the session chose (its tenant eagerly joined) comes in the same statement: the request
    # binds it next (session._bind_request_context) and finds it in the identity map, not in another query.
    chosen = session.get("membership_id")
    chosen = chosen if isinstance(chosen, int) else None
    found = db.session.execute(_session_user_membership(), {"token_hash": _digest(token), "membership_id": chosen}).first()
    if found is None:
        return None
    row, user, membership = found
    if row.ended_at is not None:  # ended earlier (maybe by a concurrent request of this very cookie): say why
        g.session_ended = row.end_reason
        return None
    g.preloaded_membership = membership  # held for the request: the identity map keeps rows weakly
    if row.user_id != user_id or not user.active:
        return None
    now = utcnow()
    cfg = current_app.config
    idle = now - _as_utc(row.last_seen_at)
    if now - _as_utc(row.started_at) >= timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]):
        g.session_ended = SessionEnd.EXPIRED
    elif idle >= timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]):
        g.session_ended = SessionEnd.IDLE
    if ended_reason():
        if not passive_request():
            _end(row, ended_reason(), now)
        return None
    if idle.total_seconds() >= TOUCH_SECONDS and not passive_request():
        row.last_seen_at = now
    g.user_session = row
    return user


def time_left() -> dict:
    """How long this request's session has before it ends, for the page's warning: ``remaining`` seconds (0:
    ended or none) and ``limit``, true when the absolute lifetime, which no activity extends, ends it first."""
    row = current_session()
    if row is None:
        return {"remaining": 0, "limit": False}
    now, cfg = utcnow(), current_app.config
    idle = timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]) - (now - _as_utc(row.last_seen_at))
    absolute = timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]) - (now - _as_utc(row.started_at))
    return {"remaining": max(0, int(min(idle, absolute).total_seconds())), "limit": absolute < idle}


def extend() -> dict:
    """The user said "stay signed in", or typed: active now, whatever ``TOUCH_SECONDS`` would skip."""
    row = current_session()
    if row is not None:
        row.last_seen_at = utcnow()
        db.session.flush()
    return time_left()


def _end(row: UserSession, reason: SessionEnd, now=None) -> None:
    row.ended_at = now or utcnow()
    row.end_reason = reason
    db.session.flush()


def end_current(reason: SessionEnd = SessionEnd.LOGOUT) -> None:
    row = current_session()
    if row is not None and row.ended_at is None:
        _end(row, reason)
    g.user_session = None


def end_all(user: User, reason: SessionEnd, keep: UserSession | None = None) -> int:
    """End every live session of ``user`` (but ``keep``, the one making the change); audited."""
    statement = (
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    ended = db.session.execute(statement).rowcount
    if ended:
        record("sessions.ended", "user", user.id, ("ended_at",))
    return ended


def live_sessions(user: User) -> list[UserSession]:
    """The user's sessions still open (newest activity first) for the "Sessioni attive" list."""
    now = utcnow()
    cfg = current_app.config
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               UserSession.started_at > now - timedelta(hours=cfg["SESSION_ABSOLUTE_HOURS"]),
               UserSession.last_seen_at > now - timedelta(minutes=cfg["IDLE_TIMEOUT_MINUTES"]))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    )
    return list(rows)


def end_own(user: User, session_id: int) -> bool:
    """End one of the user's own sessions from the list; False if it is not theirs or not open."""
    row = db.session.get(UserSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return False
    _end(row, SessionEnd.ENDED_BY_USER)
    record("session.ended", "user", user.id, ("ended_at",), user_id=user.id)
    return True
