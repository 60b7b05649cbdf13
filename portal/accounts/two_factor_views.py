"""Second-factor screens: the code step of a login, enrolment and removal, an administrator's reset."""
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.fields import form_check
from ..core.views_helpers import acted
from ..crypto import DecryptionError, decrypt
from ..extensions import db, limiter
from ..models_base import utcnow
from . import recovery_codes, services, sign_in, two_factor
from .forms import CodeForm, DisableSecondFactorForm, PasswordConfirmForm, VersionedActionForm
from .members import administered_membership
from .models import User
from .permissions import Capability, current_membership, membership_required, requires
from .session import active_memberships
from .views import CURRENT_PASSWORD_SCOPE, PENDING_2FA_KEY, _login_limit, complete_login

bp = Blueprint("two_factor", __name__)
ENROL_KEY = "totp_enrolment"
PENDING_SECONDS = 300
# What a user who must enrol may still reach before doing so.
OPEN_ENDPOINTS = {
    "two_factor.setup", "accounts.logout", "accounts.choose_tenant", "static", "core.accessibility", "core.privacy",
    "core.set_language", "core.health", "core.feedback",
}


@bp.before_app_request
def _require_enrolment():
    """With TOTP_REQUIRED, node staff without a factor go to enrolment before anything else."""
    membership = current_membership()
    if membership is None or request.endpoint in OPEN_ENDPOINTS or current_user.has_second_factor:
        return None
    if sign_in.second_factor_by_identity_provider():  # SPID level 2 or CIE: already two factors
        return None
    if two_factor.required_for(current_user, [membership]):
        flash(_("Per il tuo ruolo è obbligatoria la verifica in due passaggi: attivala per continuare."), "warning")
        return redirect(url_for("two_factor.setup"))
    return None


@bp.route("/accesso/codice", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def verify():
    pending = session.get(PENDING_2FA_KEY)
    if not pending or utcnow().timestamp() - pending["at"] > PENDING_SECONDS:
        session.pop(PENDING_2FA_KEY, None)
        flash(_("Accesso scaduto: inserisci di nuovo e-mail e password."), "warning")
        return redirect(url_for("accounts.login"))
    user = db.session.get(User, pending["user_id"])
    if user is None or not user.active or not user.has_second_factor:
        abort(400)
    form = CodeForm()
    if form.validate_on_submit():
        try:  # not attempt(): a wrong code's count towards the lock must commit
            passed = two_factor.check_login_code(user, form.code.data)
        except services.AccountError as exc:  # locked, checked under the row lock (codes sent at once)
            flash(str(exc), "danger")
            return redirect(url_for("accounts.login"))
        if passed:
            method, acr = pending.get("method", sign_in.PASSWORD), pending.get("acr")
            return complete_login(user, sign_in.usable(active_memberships(user), method, acr), pending["next"],
                                  method, acr)
        form.code.errors.append(_("Codice non valido o già usato: controlla l'ora del telefono e riprova."))
    return render_template("accounts/two_factor_verify.html", form=form)


@bp.route("/profilo/verifica-due-passaggi", methods=["GET", "POST"])
@limiter.shared_limit(_login_limit, scope=CURRENT_PASSWORD_SCOPE, methods=["POST"])
@login_required
def setup():
    user = current_user._get_current_object()
    if user.has_second_factor:
        return _manage(user)
    sealed = session.get(ENROL_KEY)
    try:
        secret = decrypt(sealed, f"totp-enrolment.{user.id}") if sealed else None
    except DecryptionError:
        secret = None
    if secret is None:
        secret = two_factor.new_secret()
        session[ENROL_KEY] = two_factor.sealed_for_session(secret, user)
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.enable(user, secret, form.code.data):
            session.pop(ENROL_KEY, None)
            flash(_("Verifica in due passaggi attivata."), "success")
            # Shown in this response only: never stored in clear, never shown again.
            return render_template("accounts/two_factor_recovery.html", codes=recovery_codes.replace(user))
        form.code.errors.append(_("Il codice non corrisponde: controlla l'ora del telefono e riprova."))
    uri = two_factor.provisioning_uri(user, secret)
    return render_template(
        "accounts/two_factor_setup.html", form=form, secret=two_factor.grouped(secret),
        qr=two_factor.qr_svg(uri, _("Codice QR da inquadrare con l'app di autenticazione")),
        required=two_factor.required_for(user, active_memberships(user)),
    )


def _manage(user, codes_form=None):
    form = DisableSecondFactorForm()
    required = two_factor.required_for(user, active_memberships(user))
    # form_check, not attempt(): a wrong password's or code's count towards the lock must commit, as at login.
    if form.validate_on_submit() and form_check(form, services.confirm_password, user, form.password.data, "password") \
            and form_check(form, two_factor.confirm_code, user, form.code.data):
        two_factor.disable(user, user)
        flash(_("Verifica in due passaggi disattivata."), "info")
        return redirect(url_for("two_factor.setup") if required else url_for("core.home"))
    return render_template("accounts/two_factor_manage.html", form=form, user=user, required=required,
                           codes_form=codes_form or PasswordConfirmForm(prefix="codes"), remaining=recovery_codes.remaining(user))


@bp.route("/profilo/verifica-due-passaggi/codici", methods=["POST"])
@limiter.shared_limit(_login_limit, scope=CURRENT_PASSWORD_SCOPE, methods=["POST"])
@login_required
def recovery():
    """New recovery codes (the old ones stop working), after the password is confirmed."""
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for("two_factor.setup"))
    form = PasswordConfirmForm(prefix="codes")  # the page has a second password field (to disable)
    if form.validate_on_submit() and form_check(form, services.confirm_password, user, form.password.data, "password"):
        return render_template("accounts/two_factor_recovery.html", codes=recovery_codes.regenerate(user))
    return _manage(user, codes_form=form)


@bp.route("/utenti/<int:membership_id>/azzera-verifica", methods=["POST"])
@membership_required
@requires(Capability.MANAGE_USERS)
def reset(membership_id):
    """A lost phone: the tenant's administrator removes the factor; the user enrols again at next login."""
    membership = administered_membership(membership_id)
    form = VersionedActionForm()
    return acted(form, lambda: two_factor.reset(membership, current_user._get_current_object(), form.version.data),
                 _("Verifica in due passaggi azzerata per %(name)s.", name=membership.user.full_name),
                 url_for("accounts.users"))
