"""Account rules: authentication with lockout, password reset, invitations, deactivation.

Plain functions that flush and audit; the request commits.
"""
from datetime import datetime, timedelta

from flask import current_app, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import case, func, select

from ..audit.services import record
from ..core.errors import ServiceError
from ..core.links import absolute_url_for
from ..core.signals import required_answers
from ..extensions import db
from ..jobs import after_response
from ..models_base import aware, utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from . import devices, user_sessions
from .models import (
    ANTENNA_ROLES,
    NODE_ROLES,
    PROVIDER_ROLES,
    REGION_ROLES,
    Membership,
    Role,
    SessionEnd,
    User,
    UserSession,
)
from .passwords import hash_password, needs_rehash, verify_password
from .signals import account_mail


class AccountError(ServiceError):
    """A refused account operation, with a message fit for the user (and the form field it is about)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def locked(user: User) -> User:
    """The user row, re-read under a row lock (FOR UPDATE on PostgreSQL; SQLite's transactions already take
    turns): attempts on one account at once (parallel guesses, two logins with one code) are counted one after
    the other, so none is lost and none slips past a lock another has just set."""
    return db.session.scalars(
        select(User).where(User.id == user.id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _as_utc(moment):
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)


def _held(counter) -> bool:
    return bool(counter.locked_until) and _as_utc(counter.locked_until) > utcnow()


def is_locked(user: User) -> bool:
    """Whether this request's attempts on ``user`` (read under :func:`locked`) are held: its browser's own lock
    when it signed in to the account before, else the account's (devices.py)."""
    return _held(devices.counter(user))


def refuse_if_locked(user: User, field: str | None = None) -> None:
    """AccountError (audited, not counted) while ``user``, read under :func:`locked`, is locked: even the right
    password or code is refused, and a code is not checked at all."""
    if is_locked(user):
        record("login.locked", "user", user.id, user_id=user.id)
        raise AccountError(_("Account temporaneamente bloccato per troppi tentativi: riprova più tardi."), field)


def count_failure(user: User) -> None:
    """One more failed attempt (a password, a code) on ``user``, read under :func:`locked`; too many lock it:
    the browser that made them when it has signed in to the account before, else every other browser."""
    cfg = current_app.config
    counter = devices.counter(user)
    counter.failed_logins = (counter.failed_logins or 0) + 1
    if counter.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
        counter.locked_until = utcnow() + timedelta(minutes=cfg["LOGIN_LOCKOUT_MINUTES"])
        counter.failed_logins = 0
    if counter is not user:
        devices.failed(counter)
    db.session.flush()


def clear_failures(user: User) -> None:
    """A whole sign-in went through. With a second factor that is the right code, never the password alone:
    a password someone phished, typed again, would otherwise restart the count of the codes they guess.
    From a browser that signed in before, its own count goes; the account's (other browsers') stays, lock
    included: the owner signing in does not let a guesser elsewhere start again."""
    counter = devices.counter(user)
    if counter is user:
        user.failed_logins = 0
        user.locked_until = None
    else:
        devices.cleared(counter)


def authenticate(email: str, password: str) -> User:
    """Return the user or raise AccountError. Counts failures and locks the account after too many.

    No account oracle: unknown, inactive, locked and wrong-password attempts cost one hash verification
    each and get the same message.
    """
    user = find_user(email)
    now = utcnow()
    password_ok = verify_password(user.password_hash if user is not None else None, password)
    if user is not None:  # after the slow hash, so the lock is held for a moment only
        user = locked(user)
    # One answer for all (no oracle), which must not tell a locked owner that their right password is wrong.
    refused = AccountError(_("E-mail o password non corretti. Dopo troppi tentativi sbagliati l'accesso resta "
                             "bloccato per qualche minuto, anche con la password giusta."))
    if user is not None and is_locked(user):
        record("login.locked", "user", user.id, user_id=user.id)
        raise refused
    if user is None or not user.active or not password_ok:
        if user is not None:
            count_failure(user)
        record("login.failure", "user", user.id if user else None, user_id=user.id if user else None)
        raise refused
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if not user.has_second_factor:  # else the code step clears the count, once the code is right too
        clear_failures(user)
    user.last_login_at = now
    db.session.flush()
    return user


def confirm_password(user: User, password: str, field: str) -> None:
    """The signed-in user's password, asked again before a sensitive change (a new password, the second factor
    off, new recovery codes), or AccountError on ``field``. A session left open on a shared computer must not
    be a door for guessing it: wrong ones count towards the same lock as a login's (the pages also share the
    login's rate limit, which only slows one address), and while the lock holds even the right one is refused.
    A right one clears nothing: only a whole sign-in does."""
    password_ok = verify_password(user.password_hash, password)
    user = locked(user)  # after the slow hash, as at login
    refuse_if_locked(user, field)
    if not password_ok:
        count_failure(user)
        record("login.failure", "user", user.id, user_id=user.id)
        raise AccountError(_("La password attuale non è corretta."), field)


def remember_language(user: User, language: str | None) -> str | None:
    """The language ``user`` chose (kept with the account, for their mail and their next sign-in elsewhere), or,
    given none, the one they chose before; None when neither is one of the portal's."""
    languages = current_app.config["LANGUAGES"]
    if language in languages:
        if user.locale != language:
            user.locale = language
            db.session.flush()
        return language
    return user.locale if user.locale in languages else None


def record_login(membership: Membership) -> None:
    record("login.success", "membership", membership.id, user_id=membership.user_id)


def record_password_refused(user: User) -> None:
    """Right password, but every organisation of the user signs in only with SPID/CIE."""
    record("login.password_disabled", "user", user.id, user_id=user.id)


# --- password reset and invitations: signed, expiring, single-use tokens -------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rete-password-reset")


def _fingerprint(user: User) -> str:
    # Changes whenever the password does, so a used token cannot be replayed.
    return (user.password_hash or "unset")[-12:]


def make_reset_token(user: User, *, invitation: bool = False) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user), "k": "i" if invitation else "r"})


def _token_hours(kind: str | None) -> int:
    cfg = current_app.config
    return cfg["INVITATION_HOURS"] if kind == "i" else cfg["PASSWORD_RESET_HOURS"]


def user_for_token(token: str) -> User:
    """The user a reset or invitation link is for; each kind lives as long as its e-mail says."""
    serializer = _serializer()
    try:
        data = serializer.loads(token)
        data = serializer.loads(token, max_age=_token_hours(data.get("k")) * 3600)
    except SignatureExpired as exc:
        raise AccountError(_("Il collegamento è scaduto: richiedine uno nuovo.")) from exc
    except BadSignature as exc:
        raise AccountError(_("Il collegamento non è valido.")) from exc
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        raise AccountError(_("Il collegamento non è valido o è già stato usato."))
    return user


ACCOUNT_MAIL_UNANSWERED = "account_mail has no receiver: the notifications package is not loaded"


def send_account_mail(address: str, subject: str, body: str) -> None:
    """Queued by the outbox, a layer above, which answers ``account_mail`` (accounts/signals.py)."""
    required_answers(account_mail, address, subject=subject, body=body, unanswered=ACCOUNT_MAIL_UNANSWERED)


def request_password_reset(email: str) -> None:
    """Send a reset link, once the answer has gone, if the account exists. The caller shows the same message
    either way, and answers as fast: looking the address up, the mail and the audit row come after."""
    # A wiring fault (no outbox loaded) is told now, not logged after a page that says the mail is on its way.
    if not account_mail.receivers:
        raise RuntimeError(ACCOUNT_MAIL_UNANSWERED)
    after_response(send_password_reset, email, str(get_locale() or "it"), request.remote_addr)


def send_password_reset(email: str, locale: str, ip: str | None) -> None:
    with force_locale(locale):
        _send_password_reset(email, ip)


def _send_password_reset(email: str, ip: str | None) -> None:
    user = find_user(email)
    if user is None or not user.active:
        return
    link = absolute_url_for("accounts.reset_password", token=make_reset_token(user))
    send_account_mail(
        user.email,
        _("Rete – reimpostazione della password"),
        _("Gentile %(name)s,\n\nper scegliere una nuova password apri questo collegamento (valido %(h)d ore):\n%(link)s\n\n"
          "Se non hai chiesto tu la reimpostazione, ignora questo messaggio.",
          name=user.full_name, h=current_app.config["PASSWORD_RESET_HOURS"], link=link),
    )
    record("password.reset_requested", "user", user.id, user_id=user.id, ip=ip)  # the asker's, as before


def set_password(user: User, password: str, keep: UserSession | None = None) -> None:
    """Set (change or reset) the password; every session of the user ends but ``keep`` (the one changing it)."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    if not user.has_second_factor:  # with one, the link (the mailbox) is no reason to forget wrong codes
        clear_failures(user)
    record("password.changed", "user", user.id, ["password"], user_id=user.id)
    user_sessions.end_all(user, SessionEnd.PASSWORD, keep=keep)


# --- tenant administration ------------------------------------------------------------------------

def roles_for(tenant: Tenant) -> list[Role]:
    """Roles a tenant of this kind can hand out."""
    if tenant.is_node:
        pool = NODE_ROLES
    elif tenant.is_provider:
        pool = PROVIDER_ROLES
    elif tenant.is_region:
        pool = REGION_ROLES
    else:
        pool = ANTENNA_ROLES
    return [r for r in Role if r in pool]


def tenant_memberships() -> list[Membership]:
    """Memberships of the current tenant (the scoping rule keeps other tenants out)."""
    return list(
        db.session.scalars(
            select(Membership).join(Membership.user)
            .where(Membership.tenant_id == current().tenant_id)
            # Invitations waiting last, by address: their owner's name is not this list's to show, nor to sort by.
            .order_by(Membership.pending, func.lower(case((Membership.pending, User.email), else_=User.full_name)))
        )
    )


def deactivate_membership(membership: Membership, actor: User, expected_version: int) -> None:
    if membership.user_id == actor.id:
        raise AccountError(_("Non puoi disattivare il tuo stesso accesso."))
    from ..core.locking import check_version

    check_version(membership, expected_version)
    if membership.pending:
        # An invitation withdrawn: deleted, as it was never a member here (kept, it would read as a former
        # member's, name and all); the person's sessions are none of this organisation's business.
        record("membership.withdrawn", "membership", membership.id, ["pending"])
        db.session.delete(membership)
        db.session.flush()
        return
    membership.active = False
    db.session.flush()
    record("membership.deactivated", "membership", membership.id, ["active"])
    # A session is not bound to one membership: each request re-reads the one it chose, so a session working
    # for this organisation is sent to choose among what is left at its next request (session.py). Its
    # sessions end only when nothing is left, never the person's work for other organisations.
    if not any(db.session.get(Tenant, other).active for other in _active_elsewhere(membership.user,
                                                                                    membership.tenant_id)):
        user_sessions.end_all(membership.user, SessionEnd.DEACTIVATED)


def _invitations_sent_before() -> datetime:
    """An invitation sent (or sent again: invitations.invite_user touches the row, which also voids the earlier
    link) before this has expired with its link, ``INVITATION_HOURS`` later."""
    return utcnow() - timedelta(hours=current_app.config["INVITATION_HOURS"])


def invitation_open():
    """SQL: a membership waiting for its owner whose link may still be accepted. An expired one opens nothing:
    the list of users says so, to be sent again or withdrawn."""
    return Membership.pending.is_(True) & (Membership.updated_at > _invitations_sent_before())


def invitation_expired(membership: Membership) -> bool:
    return membership.pending and aware(membership.updated_at) <= _invitations_sent_before()


def _active_elsewhere(user: User, tenant_id: int, *, invited: bool = False) -> list[int]:
    """The tenants other than ``tenant_id`` where ``user`` has an active membership (``invited``: or one waiting
    for them to accept, while its link is valid)."""
    from ..tenancy import context

    held = Membership.active.is_(True)
    if invited:
        held = held | invitation_open()
    with context.acting_as(tenant_id, user.id):  # the user's own memberships, wherever they are
        return list(db.session.scalars(
            select(Membership.tenant_id).where(Membership.user_id == user.id, held, Membership.tenant_id != tenant_id)
        ))


def check_administrable(user: User, refusal: str | None = None) -> None:
    """What is the user's everywhere (the sign-in identity, the second factor, all their sessions) is
    administered only by an organisation that answers for every organisation they belong to: otherwise an
    administrator who added someone's account (an address is enough) could read their codice fiscale, route a
    SPID/CIE sign-in into their roles elsewhere, or strip the second factor guarding the node's data.
    An invitation waiting elsewhere counts: accepted, it would open a role this administrator does not answer
    for (and a membership gained later clears the codice fiscale anyway: identity.membership_gained).
    ``refusal``: the message, when the refused action is not the codice fiscale."""
    tenant_id = current().tenant_id
    # A node answers for its own antennas: their staff may be administered by the node's administrator.
    if any(db.session.get(Tenant, other).node_id != tenant_id
           for other in _active_elsewhere(user, tenant_id, invited=True)):
        raise AccountError(refusal or _("Questa persona ha accesso anche ad altre organizzazioni: il suo codice "
                                        "fiscale può essere registrato solo dall'amministratore del nodo."))


def set_password_sign_in(tenant: Tenant, *, disabled: bool, signed_in_with: str) -> None:
    """The organisation's switch; turning password off is allowed to someone signed in with SPID/CIE only,
    so the administrator proves the other door works before closing this one."""
    from . import sign_in

    if disabled == tenant.password_sign_in_disabled:
        return
    if disabled and signed_in_with != sign_in.IDENTITY_PROVIDER:
        raise AccountError(_("Per disattivare l'accesso con password entra prima con SPID o CIE."))
    tenant.password_sign_in_disabled = disabled
    db.session.flush()
    record("tenant.password_sign_in_disabled" if disabled else "tenant.password_sign_in_enabled", "tenant",
           tenant.id, ["password_sign_in_disabled"])
