"""Who is acting: Flask-Login user loading, the chosen membership and the tenant context per request."""
from flask import Flask, flash, g, request, session
from flask_login import current_user, login_url, logout_user
from sqlalchemy import select

from ..core.errors import error_page, kept_input
from ..extensions import db, login_manager
from ..i18n import lazy_gettext as _l
from ..tenancy import context
from . import sign_in, user_sessions
from .models import Membership, SessionEnd, User
from .permissions import window_redirect

MEMBERSHIP_KEY = "membership_id"
ENDED_KEY = "session_ended"


@login_manager.user_loader
def load_user(user_id: str):
    try:
        uid = int(user_id)
    except ValueError:
        return None
    context.activate(None, uid)  # lets the user see their own memberships, nothing else yet
    return user_sessions.load(uid)  # None once the server-side session ended


def active_memberships(user: User) -> list[Membership]:
    """The user's usable memberships; readable before a tenant is chosen thanks to the user sharer."""
    context.activate(context.current_tenant_id(), user.id)
    rows = db.session.scalars(
        select(Membership).where(Membership.user_id == user.id, Membership.active.is_(True)).order_by(Membership.id)
    )
    return [m for m in rows if m.tenant.active]


def choose_membership(membership: Membership) -> None:
    if session.get(MEMBERSHIP_KEY) != membership.id:  # written only when it changes: else every answer re-signs
        session[MEMBERSHIP_KEY] = membership.id       # and sends the cookie again (Set-Cookie, zlib, HMAC)
    context.activate(membership.tenant_id, membership.user_id, regional=membership.tenant.is_region)
    g.membership = membership


# What the login page says when the server ended the session a request presented (user_sessions.load).
ENDED_MESSAGES = {
    SessionEnd.IDLE: _l("La sessione è scaduta per inattività: accedi di nuovo."),
    SessionEnd.EXPIRED: _l("La sessione è scaduta: accedi di nuovo."),
}


def _forget_ended_session() -> None:
    """The cookie still names a session the server no longer honours: drop its sign-in (the rest of the cookie,
    a form's CSRF token, stays) and keep why it ended, when the user should be told, for the login page."""
    if user_sessions.SESSION_KEY not in session or user_sessions.passive_request():  # a poll only reads
        return
    logout_user()
    session.pop(user_sessions.SESSION_KEY, None)
    session.pop(MEMBERSHIP_KEY, None)
    if user_sessions.ended_reason() in ENDED_MESSAGES:  # said on the login page, whichever request leads there
        session[ENDED_KEY] = user_sessions.ended_reason().value


def ended_message():
    """Why the last session ended, once (the login page shows it), when the server ended it for a reason."""
    return ENDED_MESSAGES.get(session.pop(ENDED_KEY, None))


def _bind_request_context():
    g.membership = None
    context.reset()
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        _forget_ended_session()
        return None
    membership_id = session.get(MEMBERSHIP_KEY)
    membership = None
    if membership_id is not None:
        membership = db.session.get(Membership, membership_id)
    if (membership is None or membership.user_id != current_user.id or not membership.active
            or not sign_in.session_allows(membership)):  # e.g. password sign-in switched off meanwhile
        session.pop(MEMBERSHIP_KEY, None)
        context.activate(None, current_user.id)
        return None
    choose_membership(membership)
    return None


def _unauthorized():
    """Not signed in. A page: to the login page, back here after. A request htmx sent from a page (a filter, a
    form in a panel): the whole window goes to the login page (``HX-Redirect``) instead of the login page
    being swapped into the panel."""
    # Back here after signing in; a form sent (POST) goes back to the page it was sent from, not to an address
    # that only takes POST. A foreign address is dropped by the login page (_safe_next).
    back = request.url if request.method == "GET" else request.headers.get("HX-Current-URL") or request.referrer
    target = login_url(login_manager.login_view, next_url=back or request.url_root)
    if not request.headers.get("HX-Request"):
        # A form of ours sent after its session ended (idle, too old, ended in another tab or from another
        # device): a redirect would drop what was written, so the page shows it back with the way in again.
        if fields := kept_input():
            return error_page("errors/session_ended.html", 401, fields=fields, reason=ended_message(),
                              sign_in=target)
    if ENDED_KEY not in session:  # else the login page says why the session ended (ended_message)
        flash(login_manager.login_message, login_manager.login_message_category)
    return window_redirect(target, 401)


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Accedi per continuare.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.unauthorized_handler(_unauthorized)
    app.before_request(_bind_request_context)

    @app.teardown_request
    def _clear_context(exc):
        context.reset()
