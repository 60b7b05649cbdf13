"""Sign-in with the national digital identity (SPID/CIE) through an OpenID Connect provider.

Rete is the relying party (Authlib's Flask client: state, nonce and PKCE, ID token signature, issuer,
audience and expiry checked by the library). The provider vouches for a codice fiscale; the user recorded with
that code (encrypted, found by blind index) signs in, with the memberships the level of assurance opens.
Nothing else links an identity to an account: no e-mail matching, no account created on the fly.
"""
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import select
from stdnum.it import codicefiscale

from ..audit.services import record
from ..crypto import blind_index
from ..extensions import db
from ..models_base import utcnow
from . import sign_in, user_sessions
from .models import SessionEnd, User
from .services import AccountError, check_administrable, locked
from .session import active_memberships

CLIENT_NAME = "identity_provider"
EXTENSION_KEY = "rete_identity_provider"
FISCAL_CODE_PURPOSE = "user.fiscal_code"
# SPID attribute values carry the ETSI natural-person prefix (TINIT-<codice fiscale>).
FISCAL_CODE_PREFIXES = ("TINIT-", "TINIT")


def init_identity_provider(app: Flask) -> None:
    oauth = OAuth(app)
    cfg = app.config
    if cfg["OIDC_ISSUER"] and cfg["OIDC_CLIENT_ID"]:
        oauth.register(
            CLIENT_NAME,
            client_id=cfg["OIDC_CLIENT_ID"],
            client_secret=cfg["OIDC_CLIENT_SECRET"] or None,
            server_metadata_url=cfg["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": cfg["OIDC_SCOPES"], "code_challenge_method": "S256", "timeout": 10},
        )
    app.extensions[EXTENSION_KEY] = oauth


def client():
    return current_app.extensions[EXTENSION_KEY].create_client(CLIENT_NAME)


# --- users' fiscal codes ---------------------------------------------------------------------------

def normalise_fiscal_code(value: str | None) -> str | None:
    """Upper case, no spaces, no TINIT- prefix; None if empty."""
    value = "".join((value or "").split()).upper()
    for prefix in FISCAL_CODE_PREFIXES:
        if value.startswith(prefix) and len(value) > 16:
            value = value[len(prefix):].lstrip("-")
            break
    return value or None


def valid_fiscal_code(value: str | None) -> bool:
    return bool(value) and codicefiscale.is_valid(value)


def fiscal_code_index(value: str) -> str | None:
    return blind_index(normalise_fiscal_code(value), FISCAL_CODE_PURPOSE)


def user_by_fiscal_code(value: str) -> User | None:
    return db.session.scalar(select(User).where(User.fiscal_code_bidx == fiscal_code_index(value)))


def _check_administrator(user: User, actor: User) -> None:
    # Recorded on one's own account, the code would let whoever holds that identity in with no password and,
    # from SPID level 2, no code: a screen left open must not be enough. Another administrator records it.
    if actor.id == user.id:
        raise AccountError(_("Non puoi registrare o modificare il codice fiscale del tuo stesso account: chiedilo a "
                             "un altro amministratore."))
    check_administrable(user)


def administered_fiscal_code(user: User, actor: User) -> str | None:
    """The code, for the administrator's page that corrects it: only one who may set it reads it."""
    _check_administrator(user, actor)
    return user.fiscal_code


def administer_fiscal_code(user: User, value: str | None, actor: User) -> None:
    """An administrator records (or removes) ``user``'s code: never their own, and only if they answer for
    every organisation the user belongs to or is invited to (services.check_administrable)."""
    _check_administrator(user, actor)
    set_fiscal_code(user, value)


def set_fiscal_code(user: User, value: str | None) -> None:
    """Record (or remove, with None) the code an identity provider will vouch for; one user per code."""
    code = normalise_fiscal_code(value)
    if code is not None and not valid_fiscal_code(code):
        raise AccountError(_("Il codice fiscale non è valido."), "fiscal_code")
    if code is not None:
        other = user_by_fiscal_code(code)
        if other is not None and other.id != user.id:
            raise AccountError(_("Questo codice fiscale è già associato a un altro utente."), "fiscal_code")
    if code == user.fiscal_code:
        return
    _store(user, code, "user.fiscal_code_set" if code else "user.fiscal_code_removed")


def membership_gained(user: User) -> None:
    """``user`` has just gained a membership (an invitation accepted, a former member taken back). Whoever
    recorded their code answered for the organisations they had then, not for this one: the code is cleared, and
    the sessions it may have opened end, until someone who answers for all of them records it again."""
    user = locked(user)  # re-read: a code recorded meanwhile is cleared too
    if user.fiscal_code_enc is not None:
        _store(user, None, "user.fiscal_code_cleared")


def _store(user: User, code: str | None, action: str) -> None:
    previous = user.fiscal_code_enc
    user.fiscal_code = code
    user.fiscal_code_bidx = fiscal_code_index(code) if code else None
    db.session.flush()
    record(action, "user", user.id, ["fiscal_code"])
    if previous is not None:
        _end_sessions(user)


def _end_sessions(user: User) -> None:
    """The old code may have opened sessions (someone else's identity, recorded by mistake or on purpose): they
    end, as after a new password. The rows do not say how they were opened, so all of them end, but the one
    making the request when it is the user's own, opened with the password."""
    row = user_sessions.current_session()
    keep = row if (row is not None and row.user_id == user.id
                   and sign_in.session_method()[0] != sign_in.IDENTITY_PROVIDER) else None
    user_sessions.end_all(user, SessionEnd.FISCAL_CODE, keep=keep)


# --- the sign-in ------------------------------------------------------------------------------------

def _refuse(action: str, message: str, user: User | None = None):
    # The code itself is identifying: only the outcome (and the user, once known) goes to the audit.
    record(action, "user", user.id if user else None, user_id=user.id if user else None)
    raise AccountError(message)


def identify(claims: dict):
    """The user and usable memberships for the identity the provider vouched for, or AccountError (audited).

    ``claims``: the ID token's claims (with the userinfo's merged in)."""
    code = normalise_fiscal_code(str(claims.get(current_app.config["OIDC_FISCAL_CODE_CLAIM"]) or ""))
    acr = claims.get("acr")
    acr = acr if isinstance(acr, str) else None
    no_match = _("Non risulta un utente di Rete con il codice fiscale della tua identità digitale. Se lavori per "
                 "un ente della rete, chiedi all'amministratore della tua organizzazione di registrare il tuo "
                 "codice fiscale nel tuo profilo, poi riprova.")
    if not valid_fiscal_code(code):
        _refuse("login.identity_no_match", no_match)
    user = user_by_fiscal_code(code)
    if user is None or not user.active:
        _refuse("login.identity_no_match", no_match, user)
    memberships = active_memberships(user)
    if not memberships:
        _refuse("login.identity_no_membership", _("Il tuo account non è attivo presso alcuna organizzazione."), user)
    usable = sign_in.usable(memberships, sign_in.IDENTITY_PROVIDER, acr)
    if not usable:
        _refuse("login.identity_level_too_low",
                _("Il livello di sicurezza dell'identità digitale usata non è sufficiente per il tuo ruolo: "
                  "accedi con SPID di livello 2 o superiore, oppure con la CIE."), user)
    user.last_login_at = utcnow()
    db.session.flush()
    record("login.identity_success", "user", user.id, user_id=user.id)
    return user, usable, acr
