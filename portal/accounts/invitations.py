"""Invitations: an organisation's administrator gives an e-mail address a role there.

Typing an address is no right to learn whether it already has an account, nor whose it is, nor to hand it a
role: the address may be someone's in another organisation. So every invitation to someone new to the
organisation makes a membership that waits (``pending``, not active) until the address's owner accepts it
from the link in the mail, and it reads the same whether the address had an account or not: the same mail,
the same message to the administrator, "Invito in attesa" and the address in the user list, and what belongs
to the person (name, codice fiscale, second factor) out of reach until then. A new address gets its account
(named as the administrator typed) at once, inactive in the organisation; accepting leads it on to choose
its password. Withdrawn, the invitation is deleted: a row that stayed would read as a former member's. A
former member (their membership deactivated here) is given their role back at once: the organisation knew
them. An antenna's contact person who applied to join the network (network/applications.py) is invited the
same way: the application's address was never confirmed, so anyone could have typed someone else's. An
invitation accepted, or a former member taken back, is a membership gained: the codice fiscale recorded for
SPID/CIE sign-in is cleared (identity.membership_gained), as whoever recorded it did not answer for this role.
"""
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from ..audit.services import record
from ..core.links import absolute_url_for
from ..extensions import db
from ..models_base import utcnow
from ..tenancy import context
from ..tenancy.context import current
from ..tenancy.models import Tenant
from . import identity
from .models import Membership, Role, User, role_label
from .services import AccountError, find_user, make_reset_token, normalise_email, roles_for, send_account_mail


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    waits: bool  # someone new to the organisation: the membership waits for the address's owner to accept


def invite_user(email: str, full_name: str, role: Role, inviter: User) -> Invitation:
    """A membership of the current tenant for ``email``, and the mail that tells its owner (see the module)."""
    tenant = db.session.get(Tenant, current().tenant_id)
    if role not in roles_for(tenant):
        raise AccountError(_("Questo ruolo non è previsto per la tua organizzazione."), "role")
    user = find_user(email)
    if user is None:
        user = User(email=normalise_email(email), full_name=full_name.strip(), active=True)
        db.session.add(user)
        db.session.flush()
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.tenant_id == tenant.id)
    )
    if membership is not None and membership.active:
        raise AccountError(_("Questa persona fa già parte della tua organizzazione."), "email")
    waits = membership is None or membership.pending
    if membership is None:
        membership = Membership(user_id=user.id, tenant_id=tenant.id)
        db.session.add(membership)
    elif membership.pending:
        # Sent again: its validity runs from now (services.invitation_open), and the new version voids the
        # earlier mail's link.
        membership.updated_at = utcnow()
    membership.role, membership.active, membership.pending = role, not waits, waits
    db.session.flush()
    record("membership.invited", "membership", membership.id, ["role", "active", "pending"])
    if not waits:  # a former member is back at once: a membership gained
        identity.membership_gained(user)
    values = {"inviter": inviter.full_name, "org": tenant.name, "h": current_app.config["INVITATION_HOURS"]}
    if waits:
        # One text whether the address had an account or not (the inviter's outbox shows it), and not
        # "Gentile <name>": nothing of the invitation names the person before they accept.
        body = _("%(inviter)s ti invita a Rete per %(org)s, con il ruolo «%(role)s».\n"
                 "Se accetti, apri questo collegamento (valido %(h)d ore): %(link)s\n"
                 "Se non aspettavi questo invito, ignora il messaggio: nessun accesso ti sarà dato.\n",
                 role=role_label(role, tenant), link=absolute_url_for("accounts.accept_invitation", token=_token(membership)), **values)
    elif user.password_hash:
        body = _("Gentile %(name)s,\n\n%(inviter)s ti ha dato accesso a Rete per %(org)s.\n"
                 "Accedi con le tue credenziali: %(link)s\n", name=user.full_name, link=absolute_url_for("accounts.login"),
                 **values)
    else:
        body = _("Gentile %(name)s,\n\n%(inviter)s ti ha invitato a Rete per %(org)s.\n"
                 "Scegli la tua password qui (collegamento valido %(h)d ore): %(link)s\n",
                 name=user.full_name, link=absolute_url_for("accounts.reset_password", token=make_reset_token(user, invitation=True)),
                 **values)
    send_account_mail(user.email, _("Rete – invito da %(org)s", org=tenant.name), body)
    return Invitation(membership, waits)


# --- the owner's answer: a signed, expiring link to one pending membership ---------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="rete-membership-invitation")


def _token(membership: Membership) -> str:
    # The version: an invitation cancelled and sent again makes the first mail's link useless.
    return _serializer().dumps({"m": membership.id, "u": membership.user_id, "v": membership.version})


def pending_for(token: str) -> Membership:
    """The pending membership a link is for, readable as its owner (no sign-in: the link went to their mailbox,
    as a password reset's does)."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["INVITATION_HOURS"] * 3600)
    except SignatureExpired as exc:
        raise AccountError(_("Il collegamento è scaduto: chiedi all'organizzazione di invitarti di nuovo.")) from exc
    except BadSignature as exc:
        raise AccountError(_("Il collegamento non è valido.")) from exc
    with context.acting_as(None, data.get("u")):  # the owner's own memberships, as at login
        membership = db.session.get(Membership, data.get("m"))
        if (membership is None or membership.user_id != data.get("u") or not membership.pending
                or membership.version != data.get("v") or not membership.user.active or not membership.tenant.active):
            raise AccountError(_("Il collegamento non è valido o è già stato usato."))
    return membership


def accept(membership: Membership) -> None:
    with context.acting_as(membership.tenant_id, membership.user_id):
        membership.active, membership.pending = True, False
        db.session.flush()
        record("membership.accepted", "membership", membership.id, ["active", "pending"], user_id=membership.user_id)
        identity.membership_gained(membership.user)
