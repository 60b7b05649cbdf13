"""The referral lifecycle (DESIGN.md "Referral states") and its notifications.

draft --submit--> submitted --request_info--> info_requested --resubmit--> submitted
submitted --accept--> accepted (opens a Case)      submitted --decline(reason)--> declined
draft|submitted|info_requested --withdraw--> withdrawn

Antenna users move submit, resubmit, withdraw; node users move request_info, accept, decline.
Every transition: timestamp, actor, optional message, audit row, e-mail to the other side.
"""
import hashlib
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, or_, select
from werkzeug.utils import secure_filename

from ..accounts.permissions import Capability, can, current_membership
from ..audit.services import record
from ..core.locking import check_version
from ..extensions import db
from ..mail import send_mail
from ..models_base import utcnow
from ..tenancy import context as tenant_context
from ..tenancy.context import current
from ..tenancy.models import Tenant, TenantKind
from .models import Attachment, Referral, ReferralEvent
from .models import ReferralState as S

ANTENNA, NODE = "antenna", "node"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    target: S
    side: str


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", (S.DRAFT,), S.SUBMITTED, ANTENNA),
        Transition("resubmit", (S.INFO_REQUESTED,), S.SUBMITTED, ANTENNA),
        Transition("withdraw", (S.DRAFT, S.SUBMITTED, S.INFO_REQUESTED), S.WITHDRAWN, ANTENNA),
        Transition("request_info", (S.SUBMITTED,), S.INFO_REQUESTED, NODE),
        Transition("accept", (S.SUBMITTED,), S.ACCEPTED, NODE),
        Transition("decline", (S.SUBMITTED,), S.DECLINED, NODE),
    ]
}
EDITABLE_STATES = (S.DRAFT, S.INFO_REQUESTED)


class ReferralError(ValueError):
    """A refused transition, with a message fit for the user."""


class Forbidden(PermissionError):
    """The current user may not do this (views answer 403)."""


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def side_of_current_user(referral: Referral) -> str | None:
    tenant_id = current().tenant_id
    if referral.tenant_id == tenant_id and can(Capability.REFER):
        return ANTENNA
    if referral.node_id == tenant_id and can(Capability.DECIDE_REFERRALS):
        return NODE
    return None


def allowed_transitions(referral: Referral) -> list[str]:
    side = side_of_current_user(referral)
    return [t.name for t in TRANSITIONS.values() if t.side == side and referral.state in t.sources]


def find_by_submission_key(key: str) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.submission_key == key))


def create_referral(*, person, submission_key: str, data: dict) -> Referral:
    """A draft owned by the current antenna. The same submission key twice returns the first referral."""
    if not can(Capability.REFER):
        raise Forbidden()
    existing = find_by_submission_key(submission_key)
    if existing is not None:
        return existing
    tenant = db.session.get(Tenant, current().tenant_id)
    referral = Referral(
        uid=secrets.token_hex(16), person_id=person.id, node_id=tenant.node_id, tenant_id=tenant.id,
        created_by_id=current_user.id, state=S.DRAFT, submission_key=submission_key,
    )
    apply_data(referral, data)
    db.session.add(referral)
    db.session.flush()
    record("referral.created", "referral", referral.id, sorted(data))
    return referral


def apply_data(referral: Referral, data: dict) -> list[str]:
    """Set the editable fields; return the names of those that changed."""
    changed = []
    for field, value in data.items():
        if getattr(referral, field) != value:
            setattr(referral, field, value)
            changed.append(field)
    return changed


def update_referral(referral: Referral, data: dict, expected_version) -> None:
    if side_of_current_user(referral) != ANTENNA:
        raise Forbidden()
    if referral.state not in EDITABLE_STATES:
        raise ReferralError(_("La segnalazione non è più modificabile."))
    check_version(referral, expected_version)
    changed = apply_data(referral, data)
    db.session.flush()
    if changed:
        record("referral.updated", "referral", referral.id, changed)


def _check_submittable(referral: Referral) -> None:
    if not referral.grounds:
        raise ReferralError(_("Indica almeno un motivo di discriminazione."))
    if not (referral.consent_notice_version and referral.consent_date) and referral.legal_basis is None:
        raise ReferralError(
            _("Senza il consenso informato della persona (versione dell'informativa e data) la segnalazione non può essere inviata.")
        )


def transition(referral: Referral, name: str, *, expected_version, message: str | None = None, **extra) -> ReferralEvent:
    """Move the referral; raise Forbidden/ReferralError/ConflictError without changing anything."""
    spec = TRANSITIONS.get(name)
    if spec is None or side_of_current_user(referral) != spec.side:
        raise Forbidden()
    check_version(referral, expected_version)
    if referral.state not in spec.sources:
        raise ReferralError(_("Operazione non consentita nello stato attuale della segnalazione."))
    if name in ("submit", "resubmit"):
        _check_submittable(referral)
    if name == "request_info" and not (message or "").strip():
        raise ReferralError(_("Scrivi quali informazioni servono."))
    if name == "accept":
        worker = extra.get("case_worker_id")
        if worker is None or int(worker) not in {u.id for u in case_workers(referral.node_id)}:
            raise ReferralError(_("Scegli il case manager del nodo a cui affidare la persona."))
    if name == "decline":
        if extra.get("decline_reason") is None or not (message or "").strip():
            raise ReferralError(_("Per respingere indica il motivo e un messaggio per l'antenna."))
        referral.decline_reason = extra["decline_reason"]
    now = utcnow()
    previous = referral.state
    referral.state = spec.target
    if name in ("submit", "resubmit"):
        referral.submitted_at = now
        referral.reminded_at = None
    if name in ("accept", "decline"):
        referral.decided_at = now
    event = ReferralEvent(
        referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id,
        actor_id=current_user.id, actor_tenant_id=current().tenant_id, at=now,
        from_state=previous.value, to_state=spec.target.value, message=(message or "").strip() or None,
    )
    db.session.add(event)
    if name == "accept":
        from ..cases.services import open_case

        case = open_case(referral, case_worker_id=extra.get("case_worker_id"), urgent=referral.urgency == "urgent")
        referral.outcome_summary = _("Presa in carico dal nodo")
        record("case.opened", "case", case.id, ["referral_id", "case_worker_id"])
    elif name == "decline":
        referral.outcome_summary = _("Non presa in carico")
    db.session.flush()
    record(f"referral.{name}", "referral", referral.id, ["state"] + (["message"] if event.message else []))
    notify(referral, spec)
    return event


def notify(referral: Referral, spec: Transition) -> None:
    """E-mail the other side. Only the pseudonym and the new state: never special-category data."""
    if spec.side == ANTENNA:
        recipient = db.session.get(Tenant, referral.node_id).email
    else:
        from ..accounts.models import User

        recipient = db.session.get(User, referral.created_by_id).email
    if not recipient:
        return
    from .labels import STATE_LABELS

    link = referral_link(referral)
    send_mail(
        recipient,
        _("Rete – segnalazione %(code)s: %(state)s", code=referral.person.pseudonym, state=STATE_LABELS[referral.state]),
        _("La segnalazione %(code)s è ora nello stato \"%(state)s\".\nPer i dettagli accedi a Rete: %(link)s\n",
          code=referral.person.pseudonym, state=STATE_LABELS[referral.state], link=link),
    )


def stale_referrals(days: int | None = None) -> list[Referral]:
    """Submitted referrals with no decision after ``days`` (REFERRAL_STALE_DAYS) days."""
    days = days if days is not None else current_app.config["REFERRAL_STALE_DAYS"]
    limit = utcnow() - timedelta(days=days)
    return list(
        db.session.scalars(
            select(Referral).where(Referral.state == S.SUBMITTED, Referral.submitted_at <= limit).order_by(Referral.submitted_at)
        )
    )


def is_stale(referral: Referral) -> bool:
    if referral.state != S.SUBMITTED or referral.submitted_at is None:
        return False
    submitted = referral.submitted_at if referral.submitted_at.tzinfo else referral.submitted_at.replace(tzinfo=utcnow().tzinfo)
    return utcnow() - submitted > timedelta(days=current_app.config["REFERRAL_STALE_DAYS"])


# --- screens' services: lists, reading, creation with the person, attachments, reminders ------------

PAGE_SIZE = 25


def referral_link(referral: Referral) -> str:
    """Absolute link to the referral page, buildable in a request, a job or a CLI command alike."""
    path = current_app.url_map.bind("localhost").build("referrals.detail", {"referral_id": referral.id})
    return current_app.config["SERVER_BASE_URL"].rstrip("/") + path


def case_workers(node_id: int) -> list:
    """Active case workers of the node (the current tenant must be that node)."""
    from ..accounts.models import Membership, Role, User

    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == node_id, Membership.role == Role.CASE_WORKER,
                   Membership.active.is_(True), User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def may_read(referral: Referral) -> bool:
    """The referring antenna's operators/admins and the node's coordinator and case workers."""
    return side_of_current_user(referral) is not None


def read_texts(referral: Referral) -> dict:
    """The encrypted free texts (special-category content), audited as a read."""
    if not may_read(referral):
        raise Forbidden()
    record("referral.read", "referral", referral.id, ["situation", "needs"])
    return {"situation": referral.situation, "needs": referral.needs}


def list_referrals(*, page: int = 1, state: S | None = None):
    """One page of the current tenant's referrals: the antenna's own, or the node's inbox.

    Returns ``(rows, has_next)``, each row ``(referral, antenna_name)``; one query whatever the page size.
    """
    membership = current_membership()
    tenant_id = current().tenant_id
    query = select(Referral, Tenant.name).join(Tenant, Tenant.id == Referral.tenant_id)
    if can(Capability.REFER) and not membership.tenant.is_node:
        query = query.where(Referral.tenant_id == tenant_id)
        if state is not None:
            query = query.where(Referral.state == state)
        order = (Referral.updated_at.desc(), Referral.id.desc())
    elif can(Capability.DECIDE_REFERRALS) and membership.tenant.is_node:
        query = query.where(Referral.node_id == tenant_id)
        # The inbox holds what was sent; drafts only on request (the node may record a legal basis).
        query = query.where(Referral.state == state) if state is not None else query.where(Referral.state != S.DRAFT)
        # Waiting first, the longest-waiting at the top; then the decided ones, the latest first.
        waiting = case((Referral.state == S.SUBMITTED, 0), (Referral.state == S.INFO_REQUESTED, 1), else_=2)
        order = (waiting, case((waiting < 2, Referral.submitted_at)).asc(), Referral.submitted_at.desc(), Referral.id.desc())
    else:
        raise Forbidden()
    page = max(page, 1)
    rows = db.session.execute(query.order_by(*order).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def timeline(referral: Referral) -> list:
    """The events with who moved them (name and organisation), oldest first, in one query."""
    from ..accounts.models import User

    return db.session.execute(
        select(ReferralEvent, User.full_name, Tenant.name)
        .join(User, User.id == ReferralEvent.actor_id)
        .join(Tenant, Tenant.id == ReferralEvent.actor_tenant_id)
        .where(ReferralEvent.referral_id == referral.id)
        .order_by(ReferralEvent.at, ReferralEvent.id)
    ).all()


def create_with_person(*, identity: dict, monitoring: dict, data: dict, submission_key: str, submit: bool = False,
                       message: str | None = None):
    """The antenna's new-referral form: the person, the draft and, if asked, its submission.

    Idempotent on ``submission_key``: a second post of the same form returns ``(first referral, False)``
    and changes nothing. Raises ReferralError (before writing anything) when a submission lacks consent.
    """
    if not can(Capability.REFER):
        raise Forbidden()
    existing = find_by_submission_key(submission_key)
    if existing is not None:
        return existing, False
    if submit:
        probe = Referral(grounds=data.get("grounds"), consent_notice_version=data.get("consent_notice_version"),
                         consent_date=data.get("consent_date"))
        _check_submittable(probe)
    from ..people.services import create_person

    tenant = db.session.get(Tenant, current().tenant_id)
    person = create_person(node_id=tenant.node_id, monitoring=monitoring, **identity)
    referral = create_referral(person=person, submission_key=submission_key, data=data)
    if submit:
        transition(referral, "submit", expected_version=referral.version, message=message)
    return referral, True


def update_with_person(referral: Referral, *, identity: dict, monitoring: dict, data: dict, expected_version,
                       expected_person_version) -> None:
    """The antenna's edit form (draft or info requested): referral and person, both version-checked."""
    if side_of_current_user(referral) != ANTENNA:
        raise Forbidden()
    if referral.state not in EDITABLE_STATES:
        raise ReferralError(_("La segnalazione non è più modificabile."))
    check_version(referral, expected_version)
    from ..people import services as people

    try:  # version-checked and audited by the people domain
        people.rectify(referral.person, expected_version=expected_person_version, identity=identity, monitoring=monitoring)
    except people.Forbidden as exc:
        raise Forbidden() from exc
    update_referral(referral, data, expected_version)


def set_legal_basis(referral: Referral, legal_basis, expected_version) -> None:
    """Only the node records the legal basis that may stand in for consent (art. 9.2 GDPR)."""
    if side_of_current_user(referral) != NODE:
        raise Forbidden()
    if referral.state not in (S.DRAFT, S.SUBMITTED, S.INFO_REQUESTED):
        raise ReferralError(_("La segnalazione non è più modificabile."))
    check_version(referral, expected_version)
    if referral.legal_basis != legal_basis:
        referral.legal_basis = legal_basis
        db.session.flush()
        record("referral.legal_basis", "referral", referral.id, ["legal_basis"])


# Attachments: the type comes from the content (magic bytes), never from the name or the browser.
MAGIC = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
]


def sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in MAGIC:
        if head.startswith(magic):
            return content_type, extension
    return None


def may_attach(referral: Referral) -> bool:
    side = side_of_current_user(referral)
    if side == ANTENNA:
        return referral.state in EDITABLE_STATES
    return side == NODE and referral.state != S.WITHDRAWN


def attachment_path(attachment: Attachment) -> str:
    return os.path.join(current_app.config["ATTACHMENT_DIR"], attachment.storage_key)


def add_attachment(referral: Referral, upload) -> Attachment:
    """Check and store one uploaded file (a werkzeug FileStorage) outside static/, under a random name."""
    if not may_attach(referral):
        raise Forbidden()
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    content = upload.stream.read(limit + 1)
    if not content:
        raise ReferralError(_("Il file è vuoto."))
    if len(content) > limit:
        raise ReferralError(_("Il file supera la dimensione massima di %(mb)s MB.", mb=round(limit / 1048576, 1)))
    kind = sniff(content[:16])
    if kind is None:
        raise ReferralError(_("Sono ammessi solo file PDF, PNG o JPEG."))
    content_type, extension = kind
    stem = os.path.splitext(secure_filename(upload.filename or "") or "allegato")[0][:150] or "allegato"
    storage_key = secrets.token_hex(24)
    directory = current_app.config["ATTACHMENT_DIR"]
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, storage_key)
    with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
        out.write(content)
    attachment = Attachment(
        referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id,
        filename=stem + extension, content_type=content_type, size=len(content), storage_key=storage_key,
        sha256=hashlib.sha256(content).hexdigest(), uploaded_by_id=current_user.id,
    )
    db.session.add(attachment)
    db.session.flush()
    record("referral.attachment_added", "attachment", attachment.id, ["filename", "content_type", "size", "sha256"])
    return attachment


def read_attachment(attachment: Attachment) -> str:
    """The file's path on disk for download, audited as a read."""
    record("referral.attachment_read", "attachment", attachment.id, ["content"])
    return attachment_path(attachment)


# Reminders: `flask rete remind-stale`.

def remind_stale(days: int | None = None) -> int:
    """E-mail each node once per period about each referral waiting longer than ``days``.

    Works node by node, acting as that node (so PostgreSQL row-level security applies as for a user).
    Returns the number of reminders sent.
    """
    from flask_babel import force_locale

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # no request: no user's language
        return _remind_stale(days)


def _remind_stale(days: int | None) -> int:
    from ..i18n import format_day

    days = days if days is not None else current_app.config["REFERRAL_STALE_DAYS"]
    limit = utcnow() - timedelta(days=days)
    nodes = list(db.session.scalars(select(Tenant).where(Tenant.kind == TenantKind.NODE, Tenant.active.is_(True)).order_by(Tenant.id)))
    sent = 0
    for node in nodes:
        with tenant_context.acting_as(node.id):
            referrals = db.session.scalars(
                select(Referral)
                .where(Referral.node_id == node.id, Referral.state == S.SUBMITTED, Referral.submitted_at <= limit)
                .where(or_(Referral.reminded_at.is_(None), Referral.reminded_at <= limit))
                .order_by(Referral.submitted_at)
            ).all()
            for referral in referrals:
                referral.reminded_at = utcnow()
                db.session.flush()
                record("referral.reminded", "referral", referral.id, ["reminded_at"], tenant_id=node.id)
                if node.email:
                    send_mail(
                        node.email,
                        _("Rete – segnalazione %(code)s in attesa da più di %(days)s giorni",
                          code=referral.person.pseudonym, days=days),
                        _("La segnalazione %(code)s è stata inviata al nodo il %(date)s ed è ancora in attesa di una "
                          "decisione.\nPer i dettagli accedi a Rete: %(link)s\n",
                          code=referral.person.pseudonym, date=format_day(referral.submitted_at),
                          link=referral_link(referral)),
                    )
                    sent += 1
    return sent
