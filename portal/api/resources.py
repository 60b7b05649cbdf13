"""The resources of ``/api/v1``: thin doors onto the domain services (referrals, directory) and the
webhook subscriptions. A foreign or unknown id is 404, a missing scope 403, refused input 422 (a service's
refusal too: its Forbidden, NotFound and ServiceError are mapped once, in problems.py)."""
from datetime import UTC

from flask import g, request, url_for
from sqlalchemy import select

from ..accounts.permissions import Capability, can
from ..directory import services as directory
from ..directory.models import DirectoryEntry
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..people.models import CitizenshipGroup, EducationLevel, Gender, LabourStatus
from ..people.services import reveal_identity
from ..referrals import attachments as referral_files
from ..referrals import services as referrals
from ..referrals.models import Context, Referral, Urgency
from ..referrals.models import ReferralState as S
from . import schemas, webhooks
from .models import Scope, WebhookSubscription
from .problems import Problem
from .rest import operation, page_args, page_from, page_of, readable_or_404

MONITORING_ENUMS = {"gender": Gender, "citizenship_group": CitizenshipGroup, "labour_status": LabourStatus,
                    "education_level": EducationLevel}
# The attachments' body, read from request.files (not a schema): its OpenAPI entry is written by hand.
FILES_BODY = {"content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}},
    "required": ["file"]}}}}


def utc(value):
    """SQLite gives datetimes back naive (they are stored in UTC): RFC 3339 needs the offset."""
    if value is None or getattr(value, "tzinfo", None) is not None:
        return value
    return value.replace(tzinfo=UTC)


def referral_dict(referral: Referral) -> dict:
    """Status and outcome summary: the pseudonym, codes and dates, never identity or free text."""
    return {
        "id": referral.id, "pseudonym": referral.person.pseudonym, "state": referral.state.value,
        "outcome_code": referral.outcome_code.value if referral.outcome_code else None,
        "grounds": list(referral.grounds or []), "context": referral.context.value, "urgency": referral.urgency.value,
        "version": referral.version, "created_at": utc(referral.created_at),
        "submitted_at": utc(referral.submitted_at), "decided_at": utc(referral.decided_at),
        "links": {"self": url_for("api.referral", referral_id=referral.id, _external=True),
                  "html": url_for("referrals.detail", referral_id=referral.id, _external=True)},
    }


def _referral(referral_id: int) -> Referral:
    return readable_or_404(Referral, referral_id, referrals.may_read, "Segnalazione non trovata.")


@operation("/referrals", "GET", scope=Scope.REFERRALS_READ,
           summary=_l("Le segnalazioni dell'organizzazione (antenna: le proprie)"),
           args=schemas.PageArgs, location="query", response=schemas.ReferralPage)
def referral_list(_args):
    if not can(Capability.REFER):
        raise Problem(403, "Solo i sistemi di un'antenna elencano le proprie segnalazioni.")
    query = select(Referral).where(Referral.tenant_id == g.membership.tenant_id)
    return page_of(query, Referral.id, referral_dict)


@operation("/referrals", "POST", scope=Scope.REFERRALS_WRITE, idempotent=True,
           summary=_l("Crea una segnalazione (e, con submit, la invia al nodo)"),
           args=schemas.ReferralIn, response=schemas.ReferralOut, status=201)
def referral_create(data):
    person, consent = data["person"], data.get("consent")
    identity = {k: person.get(k) for k in ("first_name", "last_name", "tax_code", "birth_year", "contact")}
    if identity["tax_code"]:
        identity["tax_code"] = identity["tax_code"].strip().upper()
    monitoring = {"disability": person.get("disability")}
    for name, enum_cls in MONITORING_ENUMS.items():  # codes as the form passes them: enum members
        monitoring[name] = enum_cls(person[name]) if person.get(name) else None
    fields = {
        "grounds": sorted(set(data["grounds"])), "context": Context(data["context"]), "urgency": Urgency(data["urgency"]),
        "situation": (data.get("situation") or "").strip() or None, "needs": (data.get("needs") or "").strip() or None,
        "availability": (data.get("availability") or "").strip() or None,
        "consent_notice_version": consent["notice_version"] if consent else None,
        "consent_date": consent["date"] if consent else None,
        "legal_basis_requested": bool(data["legal_basis_requested"]) and not consent,
    }
    referral, _created = referrals.create_with_person(
        identity=identity, monitoring=monitoring, data=fields, submission_key=referrals.new_submission_key(),
        submit=data["submit"])
    return referral_dict(referral)


@operation("/referrals/<int:referral_id>", "GET", scope=Scope.REFERRALS_READ,
           summary=_l("Stato ed esito di una segnalazione"),
           response=schemas.ReferralOut)
def referral(referral_id):
    return referral_dict(_referral(referral_id))


@operation("/referrals/<int:referral_id>/identity", "GET", scope=Scope.IDENTITY_READ,
           summary=_l("L'identità della persona segnalata, se la regola need-to-know lo consente (lettura registrata)"),
           response=schemas.IdentityOut)
def referral_identity(referral_id):
    identity = reveal_identity(_referral(referral_id).person)  # decides and audits (person.identity_read)
    if identity is None:
        raise Problem(403, "L'identità di questa persona non è visibile a questo client.")
    db.session.commit()
    return identity


@operation("/referrals/<int:referral_id>/submit", "POST", scope=Scope.REFERRALS_WRITE, idempotent=True,
           summary=_l("Invia al nodo (o re-invia dopo una richiesta di informazioni)"),
           args=schemas.VersionIn, response=schemas.ReferralOut)
def referral_submit(data, referral_id):
    item = _referral(referral_id)
    name = "resubmit" if item.state == S.INFO_REQUESTED else "submit"
    version = data.get("version") if data.get("version") is not None else item.version
    referrals.transition(item, name, expected_version=version)
    return referral_dict(item)


@operation("/referrals/<int:referral_id>/attachments", "POST", scope=Scope.REFERRALS_WRITE, idempotent=True,
           summary=_l("Allega documenti (multipart, campo 'file', anche ripetuto)"),
           requestBody=FILES_BODY,
           response=schemas.AttachmentsOut, status=201)
def referral_attachments(referral_id):
    item = _referral(referral_id)
    uploads = [u for u in request.files.getlist("file") if u and u.filename]
    if not uploads:
        raise Problem(400, "Nessun file nel campo 'file' (multipart/form-data).")
    added = referral_files.add_attachments(item, uploads)
    return {"items": [{"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
                      for a in added]}


# --- directory ----------------------------------------------------------------------------------------------

def directory_dict(entry: DirectoryEntry) -> dict:
    org = entry.organisation
    return {"id": entry.id, "organisation": org.name, "kind": org.kind.value,
            "municipality_code": entry.municipality_code, "municipality_name": entry.municipality_name,
            "address": entry.address, "phone": entry.phone, "email": entry.email, "website": entry.website,
            "grounds": list(entry.grounds or []), "services": entry.services}


@operation("/directory", "GET", scope=Scope.DIRECTORY_READ,
           summary=_l("L'elenco della rete (come /rete)"),
           args=schemas.DirectoryArgs, location="query", response=schemas.DirectoryPage)
def directory_list(args):
    """The directory service's search (at most 500 organisations), paged by id here."""
    before, limit = page_args()
    rows = sorted(directory.search(q=args.get("q")), key=lambda e: e.id, reverse=True)
    if before is not None:
        rows = [r for r in rows if r.id < before]
    return page_from(rows[:limit + 1], limit, directory_dict)


# --- webhooks -----------------------------------------------------------------------------------------------

def webhook_dict(sub: WebhookSubscription, secret: str | None = None) -> dict:
    out = {"id": sub.id, "url": sub.url, "events": list(sub.events or [])}
    if secret:
        out["secret"] = secret
    return out


@operation("/webhooks", "GET", scope=Scope.WEBHOOKS,
           summary=_l("Le sottoscrizioni del client"),
           response=schemas.WebhookPage)
def webhook_list():
    return {"items": [webhook_dict(s) for s in webhooks.subscriptions(g.api_client)]}


@operation("/webhooks", "POST", scope=Scope.WEBHOOKS, idempotent=True,
           summary=_l("Sottoscrive eventi dell'organizzazione; il segreto di firma è mostrato una volta"),
           args=schemas.WebhookIn, response=schemas.WebhookOut, status=201)
def webhook_create(data):
    sub, secret = webhooks.subscribe(g.api_client, data["url"], data["events"])
    return webhook_dict(sub, secret)


@operation("/webhooks/<int:subscription_id>", "DELETE", scope=Scope.WEBHOOKS,
           summary=_l("Annulla una sottoscrizione"),
           status=204)
def webhook_delete(subscription_id):
    sub = readable_or_404(WebhookSubscription, subscription_id,
                         lambda s: s.client_id == g.api_client.id and s.active, "Sottoscrizione non trovata.")
    webhooks.unsubscribe(sub)
    db.session.commit()
    return ""
