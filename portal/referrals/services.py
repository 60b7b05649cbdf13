"""The referral lifecycle (DESIGN.md "Referral states") and its notifications.

draft --submit--> submitted --request_info--> info_requested --resubmit--> submitted
submitted --accept--> accepted (opens a Case)      submitted --decline(reason)--> declined
draft|submitted|info_requested --withdraw--> withdrawn

Antenna users move submit, resubmit, withdraw; node users move request_info, accept, decline.
Every transition: timestamp, actor, optional message, audit row, e-mail to the other side.
"""
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.permissions import Capability, can, current_membership
from ..audit.services import record
from ..core.locking import check_version
from ..extensions import db
from ..mail import send_mail
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .models import Referral, ReferralEvent, ReferralState as S

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

    link = current_app.config["SERVER_BASE_URL"].rstrip("/") + url_for("referrals.detail", referral_id=referral.id)
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
