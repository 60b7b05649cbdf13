"""Who is acting: Flask-Login user loading, the chosen membership and the tenant context per request."""
from datetime import timedelta

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from ..extensions import db, login_manager
from ..i18n import lazy_gettext as _l
from ..models_base import utcnow
from ..tenancy import context
from . import sign_in, user_sessions
from .models import Membership, SessionEnd, User

MEMBERSHIP_KEY = "membership_id"
LAST_SEEN_KEY = "last_seen"


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
    session[MEMBERSHIP_KEY] = membership.id
    context.activate(membership.tenant_id, membership.user_id, regional=membership.tenant.is_region)
    g.membership = membership


def _idle_expired() -> bool:
    last = session.get(LAST_SEEN_KEY)
    now = utcnow().timestamp()
    session[LAST_SEEN_KEY] = now
    timeout = timedelta(minutes=current_app_config("IDLE_TIMEOUT_MINUTES")).total_seconds()
    return last is not None and now - last > timeout


def current_app_config(key):
    from flask import current_app

    return current_app.config[key]


def _bind_request_context():
    g.membership = None
    context.reset()
    if request.endpoint == "static":
        return None
    if not current_user.is_authenticated:
        return None
    if _idle_expired():
        user_sessions.end_current(SessionEnd.IDLE)
        logout_user()
        session.clear()
        flash(_l("La sessione è scaduta per inattività: accedi di nuovo."), "warning")
        return redirect(url_for("accounts.login", next=request.full_path))
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


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Accedi per continuare.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    app.before_request(_bind_request_context)

    @app.teardown_request
    def _clear_context(exc):
        context.reset()
