"""Login, tenant choice, logout, password reset and the tenant's user administration."""
import hashlib
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.fields import form_check
from ..core.transaction import attempt
from ..core.views_helpers import acted
from ..extensions import db, limiter
from ..i18n import LOCALE_KEY
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.scoping import get_visible
from . import devices, invitations, services, sign_in, user_sessions
from .forms import (
    ActionForm,
    ChangePasswordForm,
    ChooseTenantForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    VersionedActionForm,
)
from .models import Membership, Role, SessionEnd, role_label
from .permissions import Capability, membership_required, requires
from .session import active_memberships, choose_membership, ended_message

bp = Blueprint("accounts", __name__)
PENDING_2FA_KEY = "pending_2fa"


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would help phishing."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("core.home")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# The pages that ask a signed-in user's password again share one budget of the login's size: moving from one
# to the next buys no more guesses (services.confirm_password counts them towards the account's lock too).
CURRENT_PASSWORD_SCOPE = "current-password"


@bp.route("/accesso", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:  # not attempt(): the refusal's failure count and audit must commit (the lockout counts them)
            user = services.authenticate(form.email.data, form.password.data)
        except services.AccountError as exc:
            flash(str(exc), "danger")
            return render_template("accounts/login.html", form=form)
        memberships = active_memberships(user)
        if not memberships:
            flash(_("Il tuo account non è attivo presso alcuna organizzazione."), "danger")
            return render_template("accounts/login.html", form=form)
        memberships = sign_in.usable(memberships, sign_in.PASSWORD, None)
        if not memberships:
            services.record_password_refused(user)
            flash(_("La tua organizzazione ha scelto l'accesso con SPID o CIE: usa il pulsante «Entra con SPID/CIE»."),
                  "danger")
            return render_template("accounts/login.html", form=form)
        if user.has_second_factor:  # password right: the code comes next, still logged out
            return ask_second_factor(user, form.next.data, sign_in.PASSWORD, None)
        return complete_login(user, memberships, form.next.data)
    ended = ended_message()  # signed out by the server (idle, too old): say so here, once
    if ended:
        flash(ended, "warning")
    return render_template("accounts/login.html", form=form)


def ask_second_factor(user, next_url, method, acr):
    fresh_session()
    session[PENDING_2FA_KEY] = {"user_id": user.id, "next": next_url or "", "at": utcnow().timestamp(),
                                "method": method, "acr": acr}
    return redirect(url_for("two_factor.verify"))


def fresh_session() -> None:
    """A fresh session on login (no fixation); the chosen language survives."""
    language = session.get(LOCALE_KEY)
    session.clear()
    if language:
        session[LOCALE_KEY] = language


def complete_login(user, memberships, next_url, method=sign_in.PASSWORD, acr=None):
    """``memberships``: those this sign-in opens (sign_in.usable)."""
    fresh_session()
    language = services.remember_language(user, session.get(LOCALE_KEY))  # chosen here, or before elsewhere
    if language:
        session[LOCALE_KEY] = language
    sign_in.remember(method, acr)
    login_user(user)
    user_sessions.start(user)
    if len(memberships) == 1:
        choose_membership(memberships[0])
        services.record_login(memberships[0])
        response = redirect(_safe_next(next_url))
    else:
        response = redirect(url_for("accounts.choose_tenant", next=next_url or None))
    return devices.remember(response, user)  # its own count of failures from now on


@bp.route("/accesso/organizzazione", methods=["GET", "POST"])
@login_required
def choose_tenant():
    memberships = sign_in.usable(active_memberships(current_user), *sign_in.session_method())
    form = ChooseTenantForm(next=request.args.get("next", ""))
    form.membership.choices = [(m.id, f"{m.tenant.name} – {role_label(m.role, m.tenant)}") for m in memberships]
    if form.validate_on_submit():
        chosen = next(m for m in memberships if m.id == form.membership.data)
        choose_membership(chosen)
        services.record_login(chosen)
        return redirect(_safe_next(form.next.data))
    return render_template("accounts/choose_tenant.html", form=form)


@bp.route("/esci", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        from ..audit.services import record

        record("logout", "user", current_user.id)
        user_sessions.end_current(SessionEnd.LOGOUT)
    logout_user()
    fresh_session()  # the chosen language stays: the page after signing out speaks it
    flash(_("Sei uscito da Rete."), "info")
    return redirect(url_for("accounts.login"))


def _reset_address_limit() -> str:
    return current_app.config["PASSWORD_RESET_ADDRESS_LIMIT"]


def _reset_address_key() -> str:
    """The address asked for, hashed (the limiter's storage keeps no address): one address's mailbox cannot be
    flooded from many clients. Known and unknown addresses count alike, so the 429 tells nothing."""
    typed = (request.form.get("email") or "").strip().lower()
    return hashlib.sha256(typed.encode("utf-8")).hexdigest()


@bp.route("/password/dimenticata", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_reset_address_limit, methods=["POST"], key_func=_reset_address_key, scope="reset-address")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # Same answer whether or not the address exists: no account enumeration.
        flash(_("Se l'indirizzo è registrato, riceverai a breve un messaggio con le istruzioni."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/nuova/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:  # a link expired or used is no form's error: said on the page that sends a new one
        user = services.user_for_token(token)
    except services.AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = NewPasswordForm(email=user.email)
    if form.validate_on_submit():
        services.set_password(user, form.password.data)
        flash(_("Password impostata: ora puoi accedere."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form, user=user)


@bp.route("/invito/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    """The owner of an existing account accepts a role an organisation offered (invitations.py): the link
    from the mail, then one button, so a mail scanner opening the link accepts nothing."""
    try:
        membership = invitations.pending_for(token)
    except services.AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("accounts.login"))
    form = ActionForm()
    if form.validate_on_submit():
        invitations.accept(membership)
        if not membership.user.password_hash:  # an account never used: it needs its password first
            flash(_("Invito accettato: scegli la tua password, poi entra in Rete per %(org)s.",
                    org=membership.tenant.name), "success")
            return redirect(url_for("accounts.reset_password",
                                    token=services.make_reset_token(membership.user, invitation=True)))
        flash(_("Invito accettato: entra in Rete e scegli %(org)s.", org=membership.tenant.name), "success")
        return redirect(url_for("accounts.choose_tenant") if current_user.is_authenticated
                        and current_user.id == membership.user_id else url_for("accounts.login"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=membership)


@bp.route("/profilo/password", methods=["GET", "POST"])
@limiter.shared_limit(_login_limit, scope=CURRENT_PASSWORD_SCOPE, methods=["POST"])
@membership_required
def change_password():
    form = ChangePasswordForm(email=current_user.email)
    # form_check, not attempt(): a wrong password's count towards the lock must commit, as at login.
    if form.validate_on_submit() and form_check(form, services.confirm_password, current_user, form.current.data, "current"):
        # The other sessions end (a thief's copy of the cookie among them); this one goes on.
        services.set_password(current_user, form.password.data, keep=user_sessions.current_session())
        flash(_("Password aggiornata: le altre sessioni sono state chiuse."), "success")
        return redirect(url_for("core.home"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/utenti")
@membership_required
@requires(Capability.MANAGE_USERS)
def users():
    from ..tenancy.models import Tenant

    memberships = services.tenant_memberships()
    return render_template(
        "accounts/users.html", memberships=memberships, action_form=VersionedActionForm(),
        expired={m.id for m in memberships if services.invitation_expired(m)},
        identity_enabled=sign_in.identity_provider_enabled(), tenant=db.session.get(Tenant, current().tenant_id),
    )


@bp.route("/utenti/invita", methods=["GET", "POST"])
@membership_required
@requires(Capability.MANAGE_USERS)
def invite():
    from ..tenancy.models import Tenant

    tenant = db.session.get(Tenant, current().tenant_id)
    form = InviteForm()
    form.role.choices = [(r.value, role_label(r, tenant)) for r in services.roles_for(tenant)]
    if form.validate_on_submit():
        with attempt(form) as done:
            invitation = invitations.invite_user(form.email.data, form.full_name.data, Role(form.role.data),
                                                 current_user)
        if done:
            # The same words whether the address had an account or not (invitations.py).
            flash(_("Invito inviato a %(email)s: l'accesso sarà attivo quando la persona lo avrà accettato.",
                    email=form.email.data) if invitation.waits
                  else _("Invito inviato a %(email)s.", email=form.email.data), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/invite.html", form=form)


@bp.route("/utenti/<int:membership_id>/disattiva", methods=["POST"])
@membership_required
@requires(Capability.MANAGE_USERS)
def deactivate(membership_id):
    membership = get_visible(Membership, membership_id)
    # Another tenant's membership is invisible (404, never a 403 that confirms it exists); a user's own
    # membership elsewhere is visible to them but not administrable from here.
    if membership is None or membership.tenant_id != current().tenant_id:
        abort(404)
    form = VersionedActionForm()
    return acted(form, lambda: services.deactivate_membership(membership, current_user, form.version.data),
                 _("Invito annullato.") if membership.pending else _("Accesso disattivato."), url_for("accounts.users"))


@bp.route("/profilo/sessioni")
@login_required
def sessions():
    return render_template(
        "accounts/sessions.html", rows=user_sessions.live_sessions(current_user), this=user_sessions.current_session()
    )


@bp.route("/sessione/tempo")
@user_sessions.passive  # asking how long is left is not activity
def session_time():
    """The idle-timeout warning's question (rete.js): seconds left, 0 once the session has ended."""
    return user_sessions.time_left(), 200, {"Cache-Control": "no-store"}


@bp.route("/sessione/prolunga", methods=["POST"])
def session_extend():
    """"Resta collegato/a", or the user typing: the session is active now (CSRF-checked like every POST)."""
    return user_sessions.extend(), 200, {"Cache-Control": "no-store"}


@bp.route("/profilo/sessioni/<int:session_id>/termina", methods=["POST"])
@login_required
def end_session(session_id):
    if not ActionForm().validate_on_submit():
        abort(400)
    # Only the user's own sessions: another user's id is simply not found.
    if not user_sessions.end_own(current_user, session_id):
        abort(404)
    flash(_("Sessione chiusa."), "success")
    return redirect(url_for("accounts.sessions"))


@bp.route("/profilo/sessioni/termina-altre", methods=["POST"])
@login_required
def end_other_sessions():
    if not ActionForm().validate_on_submit():
        abort(400)
    user_sessions.end_all(current_user, SessionEnd.ENDED_BY_USER, keep=user_sessions.current_session())
    flash(_("Le altre sessioni sono state chiuse."), "success")
    return redirect(url_for("accounts.sessions"))
