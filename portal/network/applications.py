"""Public calls (avvisi) and applications (candidature).

An organisation applies without an account; nothing but the application row (the node's, TenantOwned) exists
until the node accepts. The applicant follows it through a link holding a random token, stored as its
sha256 only (the token is 256 random bits: a slow hash adds nothing). Acceptance creates the antenna tenant,
invites its first admin, records the agreement and the proposed points, inactive until training.
"""
import hashlib
import re
import secrets
from datetime import date

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts.invitations import invite_user
from ..accounts.models import Role
from ..accounts.visitor import as_visitor
from ..audit.services import record
from ..core.changes import apply_changes
from ..core.locking import check_version
from ..core.rows import add_keyed, by_submission_key
from ..directory.models import DirectoryEntry, InformationPoint
from ..extensions import db
from ..i18n import local_today
from ..mail import send_mail
from ..models_base import utcnow
from ..tenancy import context
from ..tenancy.models import Tenant
from . import files, services
from .models import Application, ApplicationStatus, Call

POINT_FIELDS = ("name", "address", "municipality_name", "opening_hours", "languages", "accessibility", "phone",
                "email")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_call(call_id) -> Call | None:
    return db.session.get(Call, int(call_id))


def open_calls(today: date) -> list[Call]:
    """Calls open today, of active nodes, closing soonest first: the public list."""
    return list(db.session.scalars(
        select(Call).join(Tenant, Tenant.id == Call.node_id)
        .where(Call.opens_on <= today, Call.closes_on >= today, Tenant.active.is_(True))
        .order_by(Call.closes_on, Call.id)
    ))


def calls_of_node() -> list[Call]:
    node_id = services._node_id()
    return list(db.session.scalars(select(Call).where(Call.node_id == node_id).order_by(Call.opens_on.desc())))


def publish_call(data: dict) -> Call:
    node_id = services._node_id()
    if data["closes_on"] < data["opens_on"]:
        raise services.NetworkError(_("La chiusura dell'avviso deve seguire l'apertura."), "closes_on")
    call = Call(node_id=node_id, **data)
    db.session.add(call)
    db.session.flush()
    record("network.call.create", "network_call", call.id, sorted(data))
    return call


def follow_link(application: Application, token: str) -> str:
    return current_app.config["SERVER_BASE_URL"].rstrip("/") + url_for(
        "network_public.follow", call_id=application.call_id, token=token)


def by_key(call: Call, submission_key: str | None) -> Application | None:
    """The application a form with this key already sent to ``call`` (a double click, a page sent again)."""
    if not submission_key:
        return None
    with context.acting_as(call.node_id, user_id=None):
        found = by_submission_key(Application, submission_key)
    return found if found is not None and found.call_id == call.id else None


def apply(call: Call, data: dict, stored=None, today: date | None = None,
          submission_key: str | None = None) -> tuple[Application, str]:
    """A new application to ``call`` (open today); returns it and the follow-up token (shown once, e-mailed).
    A ``submission_key`` already used (the same form posted twice at once) is refused: one application per form."""
    if not call.is_open(today or local_today()):
        raise services.NetworkError(_("L'avviso non è aperto alle candidature."))
    token = secrets.token_urlsafe(32)
    with as_visitor(call.node_id):
        application = Application(call_id=call.id, token_hash=token_hash(token), status=ApplicationStatus.SUBMITTED,
                                  submission_key=submission_key or None, **data)
        _attach(application, stored)
        add_keyed(application, services.NetworkError(_("Questa candidatura era già stata inviata.")))
        record("network.application.submit", "network_application", application.id, sorted(data))
        # The applicant has no tenant: the mail is the node's, so it leaves right after the commit. Nothing the
        # applicant typed goes in it: anyone may apply with any address, and the portal's own mail must not carry
        # their words ("your account expires, sign in at …") to it. The link shows the application.
        send_mail(data["contact_email"], _("Rete – candidatura ricevuta: %(title)s", title=call.title),
                  _("Buongiorno,\n\nabbiamo ricevuto una candidatura all'avviso \"%(title)s\" che indica questo "
                    "indirizzo come contatto. Puoi seguirla (e correggerla, se il nodo lo chiede) da questo collegamento "
                    "personale, da non condividere:\n%(link)s\n\nSe non l'hai inviata tu, ignora questo messaggio.\n",
                    title=call.title, link=follow_link(application, token)))
    return application, token


def _attach(application: Application, stored) -> None:
    if stored is not None:
        files.keep(application, stored)


def by_token(call: Call, token: str) -> Application | None:
    if not token or len(token) > 100:
        return None
    with context.acting_as(call.node_id, user_id=None):
        return db.session.scalar(select(Application).where(
            Application.call_id == call.id, Application.token_hash == token_hash(token)))


def edit(application: Application, data: dict, version, stored=None) -> Application:
    """The applicant's corrections, allowed only while the node asks for changes."""
    if application.status != ApplicationStatus.CHANGES_REQUESTED:
        raise services.NetworkError(_("La candidatura si può modificare solo quando il nodo chiede modifiche."))
    with as_visitor(application.tenant_id):
        check_version(application, version)
        changed = apply_changes(application, data)
        _attach(application, stored)
        application.status = ApplicationStatus.SUBMITTED
        db.session.flush()
        record("network.application.edit", "network_application", application.id,
               changed + (["attachment"] if stored else []))
    return application


# --- the node's review ------------------------------------------------------------------------------

def applications() -> list[Application]:
    services._node_id()
    return list(db.session.scalars(select(Application).order_by(Application.created_at.desc())))


def get_application(application_id) -> Application | None:
    services._node_id()
    return db.session.get(Application, int(application_id))


def _decidable(application: Application, version) -> None:
    services._node_id()
    check_version(application, version)
    if application.status in (ApplicationStatus.ACCEPTED, ApplicationStatus.REJECTED):
        raise services.NetworkError(_("La candidatura è già stata decisa."))


def request_changes(application: Application, message: str, version) -> None:
    _decidable(application, version)
    application.status, application.review_message = ApplicationStatus.CHANGES_REQUESTED, message
    db.session.flush()
    record("network.application.request_changes", "network_application", application.id, ["status", "review_message"])
    send_mail(application.contact_email, _("Rete – la tua candidatura richiede modifiche"),
              _("Gentile %(name)s,\n\nil nodo chiede alcune modifiche alla candidatura di %(org)s. Apri il "
                "collegamento personale che hai ricevuto con la conferma per leggerle e correggere.\n",
                name=application.contact_name, org=application.organisation_name))


def reject(application: Application, reason: str, version) -> None:
    _decidable(application, version)
    application.status, application.review_message = ApplicationStatus.REJECTED, reason
    application.decided_at = utcnow()
    db.session.flush()
    record("network.application.reject", "network_application", application.id, ["status", "review_message"])
    send_mail(application.contact_email, _("Rete – esito della candidatura"),
              _("Gentile %(name)s,\n\nla candidatura di %(org)s non è stata accolta. Motivo:\n%(reason)s\n",
                name=application.contact_name, org=application.organisation_name, reason=reason))


def _unique_slug(name: str) -> str:
    base = (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "organizzazione")[:60]
    slug, n = base, 1
    while db.session.scalar(select(Tenant.id).where(Tenant.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def accept(application: Application, version, signed_on: date, expires_on: date, stored, inviter) -> Tenant:
    """The antenna tenant, its first admin's invitation, the agreement and the proposed points (inactive)."""
    _decidable(application, version)
    node_id = application.tenant_id
    tenant = Tenant(slug=_unique_slug(application.organisation_name), name=application.organisation_name,
                    kind=application.kind, node_id=node_id, active=True, email=application.contact_email)
    db.session.add(tenant)
    db.session.flush()
    services.record_agreement(tenant.id, signed_on, expires_on, stored)
    with context.acting_as(tenant.id):  # the new organisation's own rows: its first admin, its directory entry
        # As any invitation: the role waits for the address's owner (an application's address is unconfirmed).
        invite_user(application.contact_email, application.contact_name, Role.ANTENNA_ADMIN, inviter)
    entry = DirectoryEntry(organisation_id=tenant.id, grounds=[])
    db.session.add(entry)
    db.session.flush()
    for point in application.points or []:
        db.session.add(InformationPoint(entry_id=entry.id, active=False,
                                        **{k: point.get(k) or None for k in POINT_FIELDS if k != "name"},
                                        name=point["name"]))
    application.status, application.organisation_id, application.decided_at = (
        ApplicationStatus.ACCEPTED, tenant.id, utcnow())
    db.session.flush()
    record("network.application.accept", "network_application", application.id, ["status", "organisation_id"])
    return tenant
