"""Second factor (TOTP, RFC 6238) for the node's staff: enrolment, verification, reset.

Node staff read special-category data (GDPR art. 9), so their accounts take a second factor; whether it is
*required* is ``TOTP_REQUIRED`` (on in production). The secret is encrypted at rest like personal data
(EncryptedField, bound to the user's uid, re-encrypted by ``flask rete rotate-keys``); a code is accepted
once (the last accepted time step is kept), within one step of clock drift either way.
"""
import hmac
import io
import time
from datetime import datetime

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _

from ..audit.services import record
from ..core.locking import check_version
from ..crypto import encrypt
from ..extensions import db
from ..models_base import utcnow
from . import recovery_codes, user_sessions
from .models import SECOND_FACTOR_ROLES, Membership, SessionEnd, User
from .permissions import Capability, can_in_node
from .services import AccountError, check_administrable, clear_failures, count_failure, locked, refuse_if_locked

ISSUER = "Rete Novara"


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def sealed_for_session(secret: str, user: User) -> str:
    """The secret being enrolled travels in the (signed, not encrypted) session cookie: seal it."""
    return encrypt(secret, f"totp-enrolment.{user.id}")


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> str:
    """An inline SVG (no script, no style attribute: fine under the strict CSP)."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", xmldecl=False, svgns=True, nl=False, scale=5, title=title,
                                    svgclass="rete-qr", lineclass=None)
    return out.getvalue().decode()


def grouped(secret: str) -> str:
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (now, or one step before/after), unless it was already used."""
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = time.time()
    for drift in (0, -1, 1):
        step = totp.timecode(datetime.fromtimestamp(now + drift * totp.interval))
        if hmac.compare_digest(totp.generate_otp(step), code):
            return None if last_step is not None and step <= last_step else step
    return None


def guarded(membership) -> bool:
    """A membership whose sign-in needs the second factor (when required): node staff, and whoever can manage a
    node's users (its system administrator too), who could hand those roles out or reset their factor."""
    return membership.role in SECOND_FACTOR_ROLES or can_in_node(Capability.MANAGE_USERS, membership)


def required_for(user: User, memberships) -> bool:
    return bool(current_app.config["TOTP_REQUIRED"]) and any(guarded(m) for m in memberships)


def enable(user: User, secret: str, code: str) -> bool:
    step = matching_step(secret, code, None)
    if step is None:
        record("2fa.enrolment_failed", "user", user.id, user_id=user.id)
        return False
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    db.session.flush()
    record("2fa.enabled", "user", user.id, user_id=user.id)
    return True


def check_login_code(user: User, code: str) -> bool:
    """Verify the code (or a recovery code) of a pending login; failures count towards the same lockout. While
    the account is locked: AccountError, and nothing counted."""
    user = locked(user)  # a second login checking the same code sees the step (or recovery code) this one spent
    refuse_if_locked(user)  # a lock set by a code checked at the same moment: this one is not even tried
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is None and recovery_codes.use(user, code):
        clear_failures(user)
        db.session.flush()
        record("login.recovery_code_used", "user", user.id, user_id=user.id)
        return True
    if step is None:
        count_failure(user)
        record("login.2fa_failure", "user", user.id, user_id=user.id)
        return False
    user.totp_last_step = step
    clear_failures(user)
    db.session.flush()
    record("login.2fa_success", "user", user.id, user_id=user.id)
    return True


def confirm_code(user: User, code: str) -> None:
    """The code asked again to turn the factor off, or AccountError on the form's ``code``; a wrong one counts
    towards the lock like one at login."""
    user = locked(user)
    refuse_if_locked(user, "code")
    if matching_step(user.totp_secret, code, user.totp_last_step) is None:
        count_failure(user)
        record("login.2fa_failure", "user", user.id, user_id=user.id)
        raise AccountError(_("Codice non valido o già usato."), "code")


def disable(user: User, actor: User) -> None:
    """Remove the factor (the user, or a tenant administrator for a lost device); audited with who."""
    user.totp_secret = None
    user.totp_last_step = None
    user.totp_enabled_at = None
    recovery_codes.remove(user)
    db.session.flush()
    record("2fa.disabled" if actor.id == user.id else "2fa.reset", "user", user.id, fields=("totp_secret",),
           user_id=actor.id)
    # A lost phone may be a stolen one: the sessions it may have opened end (the user's own stays).
    user_sessions.end_all(user, SessionEnd.SECOND_FACTOR,
                          keep=user_sessions.current_session() if actor.id == user.id else None)


def reset(membership: Membership, actor: User, expected_version) -> None:
    """A lost phone: the administrator removes the factor, which guards the user everywhere, so only one who
    answers for every organisation the user belongs to (check_administrable); never on one's own account, which
    would strip it with neither password nor code (the profile's page asks for both). ``expected_version`` is
    the membership's as the user list showed it: a list gone stale (the access changed meanwhile) is a
    conflict, not a reset of what the administrator did not see."""
    user = membership.user
    check_version(membership, expected_version)
    if actor.id == user.id:
        raise AccountError(_("Non puoi azzerare la tua stessa verifica in due passaggi: per disattivarla usa la "
                             "pagina «Verifica in due passaggi» del tuo profilo."))
    check_administrable(user, _("Questa persona ha accesso anche ad altre organizzazioni: la sua verifica in due "
                                "passaggi può essere azzerata solo dall'amministratore del nodo."))
    disable(user, actor)
