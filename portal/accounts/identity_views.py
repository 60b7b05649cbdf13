"""SPID/CIE sign-in (the OpenID Connect redirect and its return) and its administration: users' fiscal codes,
the organisation's switch that turns password sign-in off."""
from authlib.integrations.base_client import OAuthError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from joserfc.errors import JoseError

from ..core.transaction import attempt
from ..core.views_helpers import acted
from ..extensions import db, limiter
from ..tenancy.context import current
from ..tenancy.models import Tenant
from . import identity, services, sign_in
from .forms import FiscalCodeForm, PasswordSignInForm
from .members import administered_membership
from .models import Membership
from .permissions import Capability, membership_required, requires
from .views import _login_limit, _safe_next, ask_second_factor, complete_login

bp = Blueprint("identity", __name__)
NEXT_KEY = "identity_next"


def _enabled_or_404():
    if not sign_in.identity_provider_enabled():
        abort(404)


@bp.route("/accesso/spid")
def start():
    """A plain link (no form): the strict CSP's form-action would stop a form posting on to the provider."""
    _enabled_or_404()
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    session[NEXT_KEY] = _safe_next(request.args.get("next"))
    cfg = current_app.config
    redirect_uri = cfg["OIDC_REDIRECT_URI"] or url_for("identity.callback", _external=True)
    try:
        return identity.client().authorize_redirect(redirect_uri, acr_values=cfg["OIDC_REQUEST_ACR"] or None)
    except (OAuthError, OSError, ValueError):
        current_app.logger.warning("identity provider unreachable or misconfigured", exc_info=True)
        flash(_("Il servizio di accesso con SPID/CIE non è raggiungibile in questo momento: riprova più tardi."),
              "danger")
        return redirect(url_for("accounts.login"))


@bp.route("/accesso/spid/ritorno")
@limiter.limit(_login_limit)
def callback():
    _enabled_or_404()
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    failed = _("Accesso con SPID/CIE non completato: riprova.")
    provider = identity.client()
    try:
        token = provider.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        fiscal_claim = current_app.config["OIDC_FISCAL_CODE_CLAIM"]
        if fiscal_claim not in claims and "userinfo_endpoint" in provider.load_server_metadata():
            # Some proxies put the SPID attributes in the userinfo only; the ID token's acr and sub stay.
            claims = {**provider.userinfo(token=token), **claims}
    except (OAuthError, JoseError, OSError, ValueError, KeyError):
        # Denied at the provider, state or nonce mismatch, bad signature, expired code: never a 5xx.
        current_app.logger.info("identity provider sign-in not completed", exc_info=True)
        flash(failed, "danger")
        return redirect(url_for("accounts.login"))
    next_url = session.pop(NEXT_KEY, None)
    try:  # not attempt(): the refusal's audit must commit; no form to show it on, so back to the login page
        user, memberships, acr = identity.identify(claims)
    except services.AccountError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("accounts.login"))
    if user.has_second_factor and not sign_in.counts_as_second_factor(acr):
        return ask_second_factor(user, next_url, sign_in.IDENTITY_PROVIDER, acr)
    return complete_login(user, memberships, next_url, sign_in.IDENTITY_PROVIDER, acr)


def _own_membership(membership_id) -> Membership:
    return administered_membership(membership_id)


@bp.route("/utenti/<int:membership_id>/codice-fiscale", methods=["GET", "POST"])
@membership_required
@requires(Capability.MANAGE_USERS)
def fiscal_code(membership_id):
    membership = _own_membership(membership_id)
    user = membership.user
    form = FiscalCodeForm()
    if request.method == "GET":
        with attempt(form):  # refused: said on top of the form, which stays empty
            form.fiscal_code.data = identity.administered_fiscal_code(user, current_user) or ""
    if form.validate_on_submit():
        with attempt(form) as done:
            identity.administer_fiscal_code(user, form.fiscal_code.data, current_user)
        if done:
            flash(_("Codice fiscale di %(name)s aggiornato.", name=user.full_name), "success")
            return redirect(url_for("accounts.users"))
    return render_template("accounts/fiscal_code.html", form=form, membership=membership)


@bp.route("/utenti/accesso-con-password", methods=["POST"])
@membership_required
@requires(Capability.MANAGE_USERS)
def password_sign_in():
    _enabled_or_404()
    form = PasswordSignInForm()
    tenant = db.session.get(Tenant, current().tenant_id)

    def switch():
        services.set_password_sign_in(tenant, disabled=form.disabled.data == "1",
                                      signed_in_with=sign_in.session_method()[0])
        return (_("Accesso con password disattivato per la tua organizzazione.") if tenant.password_sign_in_disabled
                else _("Accesso con password riattivato per la tua organizzazione."))

    return acted(form, switch, lambda said: said, url_for("accounts.users"))
