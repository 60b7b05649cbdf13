"""The referral lifecycle (DESIGN.md "Referral states") and its notifications.

draft --submit--> submitted --request_info--> info_requested --resubmit--> submitted
submitted --accept--> accepted (opens a Case)      submitted --decline(reason)--> declined
draft|submitted|info_requested --withdraw--> withdrawn

Antenna users move submit, resubmit, withdraw; node users move request_info, accept, decline.
Every transition: timestamp, actor, optional message, audit row, e-mail to the other side.

Lists live in ``listing.py``, attachments in ``attachments.py``, the reminders job in ``reminders.py``.
"""
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..accounts.permissions import Capability, can, current_membership
from ..audit.services import record
from ..core import bulk, links
from ..core.changes import apply_changes
from ..core.errors import Forbidden, ServiceError  # noqa: F401  (Forbidden re-exported: <domain>.Forbidden)
from ..core.locking import check_version
from ..core.signals import required_answers
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from ..tenancy.context import current
from ..tenancy.models import Tenant
from .models import LegalBasis, OutcomeCode, Referral, ReferralEvent
from .models import ReferralState as S
from .signals import referral_accepted, referral_changed, state_changed, texts_needed

ANTENNA, NODE = "antenna", "node"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple
    target: S
    side: str
    needs_antenna: bool = False  # addresses the sending antenna: not for a referral the node sent itself


TRANSITIONS = {
    t.name: t
    for t in [
        Transition("submit", (S.DRAFT,), S.SUBMITTED, ANTENNA),
        Transition("resubmit", (S.INFO_REQUESTED,), S.SUBMITTED, ANTENNA),
        Transition("withdraw", (S.DRAFT, S.SUBMITTED, S.INFO_REQUESTED), S.WITHDRAWN, ANTENNA),
        Transition("request_info", (S.SUBMITTED,), S.INFO_REQUESTED, NODE, needs_antenna=True),
        Transition("accept", (S.SUBMITTED,), S.ACCEPTED, NODE),
        Transition("decline", (S.SUBMITTED,), S.DECLINED, NODE),
    ]
}
EDITABLE_STATES = (S.DRAFT, S.INFO_REQUESTED)


class ReferralError(ServiceError):
    """A refused transition, with a message fit for the user."""


def last_notice_version() -> str | None:
    """The version of the information notice on the antenna's latest referral that has one: the printed notice
    it hands to people changes rarely, so the form offers it again (the operator changes it when it does)."""
    return db.session.scalar(select(Referral.consent_notice_version).where(
        Referral.tenant_id == current().tenant_id, Referral.consent_notice_version.is_not(None))
        .order_by(Referral.id.desc()).limit(1))


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def sent_to_node(referral: Referral) -> bool:
    """Submitted at least once. A draft (or a draft withdrawn before sending) belongs to its antenna alone."""
    return referral.submitted_at is not None


def side_of_current_user(referral: Referral) -> str | None:
    tenant_id = current().tenant_id
    if referral.tenant_id == tenant_id and can(Capability.REFER):
        return ANTENNA
    if referral.node_id == tenant_id and can(Capability.DECIDE_REFERRALS) and sent_to_node(referral):
        return NODE
    return None


def has_consent(referral: Referral) -> bool:
    return bool(referral.consent_notice_version and referral.consent_date)


def referred_by_node(referral: Referral) -> bool:
    """The node is its own sender (a public report it converted, a case it imported or received by transfer):
    no antenna to ask or to write to. The history says which."""
    return referral.tenant_id == referral.node_id


def allowed_transitions(referral: Referral) -> list[str]:
    side = side_of_current_user(referral)
    if side == NODE and not may_decide(referral):
        return []
    return [t.name for t in TRANSITIONS.values() if t.side == side and referral.state in t.sources
            and not (t.needs_antenna and referred_by_node(referral))]


def may_decide(referral: Referral) -> bool:
    """The node decides on a referral (takes the person in charge, declines, asks for information, records
    the legal basis) through who may read its story: the coordinator, or a case worker with need-to-know.
    A case worker deciding blind could accept the referral assigning it to themselves, and so gain its texts
    and the person's identity."""
    return side_of_current_user(referral) == NODE and can_read_texts(referral)


def find_by_submission_key(key: str) -> Referral | None:
    return db.session.scalar(select(Referral).where(Referral.submission_key == key))


def create_referral(*, person, submission_key: str, data: dict, _key_checked: bool = False) -> Referral:
    """A draft owned by the current antenna. The same submission key twice returns the first referral."""
    if not can(Capability.REFER):
        raise Forbidden()
    existing = None if _key_checked else find_by_submission_key(submission_key)
    if existing is not None:
        return existing
    tenant = db.session.get(Tenant, current().tenant_id)
    referral = Referral(
        uid=secrets.token_hex(16), person_id=person.id, node_id=tenant.node_id, tenant_id=tenant.id,
        created_by_id=current_user.id, state=S.DRAFT, submission_key=submission_key,
    )
    apply_data(referral, data)
    db.session.add(referral)
    bulk.assign_id(referral)
    record("referral.created", "referral", referral.id, sorted(data))
    return referral


def information_points(tenant_id: int) -> list:
    """The antenna's active information points, which a referral may say it came from."""
    from ..directory.models import DirectoryEntry, InformationPoint

    return list(db.session.scalars(
        select(InformationPoint).join(DirectoryEntry)
        .where(DirectoryEntry.organisation_id == tenant_id, InformationPoint.active.is_(True))
        .order_by(InformationPoint.name)))


def _point_ids(tenant_id: int) -> set[int]:
    held = bulk.kept()  # a batch (the import) reads them once, not once a row
    if held is None:
        return {p.id for p in information_points(tenant_id)}
    if ("information_points", tenant_id) not in held:
        held["information_points", tenant_id] = {p.id for p in information_points(tenant_id)}
    return held["information_points", tenant_id]


def add_first_event(referral: Referral, at, message: str) -> ReferralEvent:
    """The history's first step of a referral the node brings in itself (a transferred or imported case, a
    public report): from nothing to its state, by the current user acting for the node."""
    event = ReferralEvent(
        referral_id=referral.id, tenant_id=referral.node_id, node_id=referral.node_id, actor_id=current_user.id,
        actor_tenant_id=referral.node_id, at=at, from_state=None, to_state=referral.state.value, message=message,
    )
    db.session.add(event)
    return event


def apply_data(referral: Referral, data: dict) -> list[str]:
    """Set the editable fields; return the names of those that changed."""
    point_id = data.get("information_point_id")
    if point_id is not None and point_id not in _point_ids(referral.tenant_id or current().tenant_id):
        raise ReferralError(_("Scegli uno dei punti informativi attivi della tua organizzazione."))
    return apply_changes(referral, data)


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
    """Sending needs grounds and either the person's consent or the request that the node assess another
    legal basis (consent could not be collected); a legal basis the node already recorded also stands."""
    if not referral.grounds:
        raise ReferralError(_("Indica almeno un motivo di discriminazione."))
    if not has_consent(referral) and referral.legal_basis is None and not referral.legal_basis_requested:
        raise ReferralError(
            _("Senza il consenso informato della persona (versione dell'informativa e data) la segnalazione non può "
              "essere inviata, a meno di chiedere al nodo di valutare una base giuridica.")
        )


def _check_acceptable(referral: Referral) -> None:
    """The node takes a person in charge only with consent or a legal basis it has recorded."""
    if not has_consent(referral) and referral.legal_basis is None:
        raise ReferralError(
            _("Manca il consenso della persona: prima di prendere in carico registra la base giuridica del trattamento.")
        )


def transition(referral: Referral, name: str, *, expected_version, message: str | None = None, **extra) -> ReferralEvent:
    """Move the referral; raise Forbidden/ReferralError/ConflictError without changing anything."""
    spec = TRANSITIONS.get(name)
    if spec is None or side_of_current_user(referral) != spec.side or (spec.side == NODE and not may_decide(referral)):
        raise Forbidden()
    check_version(referral, expected_version)
    if referral.state not in spec.sources:
        raise ReferralError(_("Operazione non consentita nello stato attuale della segnalazione."))
    if name in ("submit", "resubmit"):
        _check_submittable(referral)
    if spec.needs_antenna and referred_by_node(referral):
        raise ReferralError(_("La segnalazione è del nodo stesso: non c'è un'antenna a cui chiedere informazioni."))
    if name == "request_info" and not (message or "").strip():
        raise ReferralError(_("Scrivi quali informazioni servono."))
    if name == "accept":
        _check_acceptable(referral)
        worker = extra.get("case_worker_id")
        if worker is None or int(worker) not in {u.id for u in case_workers(referral.node_id)}:
            raise ReferralError(_("Scegli il case manager del nodo a cui affidare la persona."))
    if name == "decline":
        if extra.get("decline_reason") is None or not (message or "").strip():
            raise ReferralError(_("Per non accogliere indica il motivo e una nota per la cronologia.")
                                if referred_by_node(referral) else
                                _("Per respingere indica il motivo e un messaggio per l'antenna."))
        referral.decline_reason = extra["decline_reason"]
    now = utcnow()
    previous = referral.state
    referral.state = spec.target
    if name in ("submit", "resubmit"):
        # The first sending stays the referral's date (and the column the node's visibility hangs on); a
        # new sending after a request for information is its own date and a new event in the history.
        if referral.submitted_at is None:
            referral.submitted_at = now
        else:
            referral.resubmitted_at = now
        referral.reminded_at = None
        if referral.person.shared_at is None:  # from now on the node sees the person too (NodeShared rule)
            referral.person.shared_at = now
    if name in ("accept", "decline"):
        referral.decided_at = now
    event = ReferralEvent(
        referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id,
        actor_id=current_user.id, actor_tenant_id=current().tenant_id, at=now,
        from_state=previous.value, to_state=spec.target.value, message=(message or "").strip() or None,
    )
    db.session.add(event)
    if name == "accept":
        required_answers(referral_accepted, referral, case_worker_id=extra.get("case_worker_id"),
                         urgent=referral.urgency == "urgent",
                         unanswered="referral_accepted has no receiver: the cases package is not loaded")
        referral.outcome_code = OutcomeCode.TAKEN_IN_CHARGE
    elif name == "decline":
        referral.outcome_code = OutcomeCode.NOT_TAKEN_IN_CHARGE
    db.session.flush()
    record(f"referral.{name}", "referral", referral.id, ["state"] + (["message"] if event.message else []))
    referral_changed.send(referral)  # the alerts of this referral (and of its new case) follow it
    if referral.submitted_at is not None:  # a draft withdrawn before sending was never the node's to know of
        notify(referral, spec)

    state_changed.send(referral, transition=name)
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
    notice = {"kind": "referral.moved", "params": {"code": referral.person.pseudonym, "state": referral.state.value},
              "link": link}
    send_mail(
        recipient,
        _l("Rete – segnalazione %(code)s: %(state)s", code=referral.person.pseudonym, state=STATE_LABELS[referral.state]),
        _l("La segnalazione %(code)s è ora nello stato \"%(state)s\".\nPer i dettagli accedi a Rete: %(link)s\n",
           code=referral.person.pseudonym, state=STATE_LABELS[referral.state], link=link),
        notify_tenant=referral.tenant_id if spec.side == NODE else referral.node_id, **notice,
    )
    if spec.side == ANTENNA:  # the node's mailbox is no user: its deciders see it in the app
        from ..accounts.models import Role
        from ..notifications.services import notify_roles

        notify_roles(referral.node_id, (Role.COORDINATOR, Role.CASE_WORKER), **notice)


# --- screens' services: reading, creation with the person, the legal basis ----------------------------

def referral_link(referral: Referral) -> str:
    """Absolute link to the referral page, buildable in a request, a job or a CLI command alike."""
    return links.absolute_url_for("referrals.detail", referral_id=referral.id)


def case_workers(node_id: int) -> list:
    """Active case workers of the node (the current tenant must be that node)."""
    from ..accounts.members import members_of
    from ..accounts.models import Role

    return members_of(node_id, Role.CASE_WORKER)


def may_read(referral: Referral) -> bool:
    """The referring antenna's operators/admins and the node's coordinator and case workers."""
    return side_of_current_user(referral) is not None


def can_read_texts(referral: Referral) -> bool:
    """Need-to-know for the referral's story (free texts, availability, messages, attachments), the one rule
    the referral page, its attachments and the case page ask: the referring antenna; at the node the
    coordinator, and a case worker only once the referral's case is assigned to them. Any other reader of
    the node sees what the inbox shows (pseudonym, state, grounds, antenna, dates)."""
    side = side_of_current_user(referral)
    if side == ANTENNA:
        return True
    if side != NODE:
        return False
    from ..accounts.models import Role

    membership = current_membership()
    if membership.role == Role.COORDINATOR:
        return True
    return any(answer for _receiver, answer in texts_needed.send(referral, membership=membership))


def read_texts(referral: Referral) -> dict:
    """The encrypted free texts (special-category content), audited as a read."""
    if not can_read_texts(referral):
        raise Forbidden()
    record("referral.read", "referral", referral.id, ["situation", "needs"])
    return {"situation": referral.situation, "needs": referral.needs}


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


def _check_named(identity: dict) -> None:
    """An antenna refers someone it knows by name (the form's required fields, also for the API and the
    import: spaces alone were stored as no name). Only a node converting an anonymous public report makes a
    person without one (reports/services.py)."""
    for field, message in (("first_name", _("Indica il nome.")), ("last_name", _("Indica il cognome."))):
        if not (identity.get(field) or "").strip():
            raise ReferralError(message, field)


def create_with_person(*, identity: dict, monitoring: dict, data: dict, submission_key: str, submit: bool = False,
                       message: str | None = None, uploads=(), key_checked: bool = False):
    """The antenna's new-referral form: the person, the draft and, if asked, its submission.

    Idempotent on ``submission_key``: a second post of the same form returns ``(first referral, False)``
    and changes nothing. ``uploads`` (files of the form) become attachments before the referral is sent. Raises ReferralError (before writing anything) when a submission lacks consent.
    ``key_checked``: the caller looked the key up already (the import, a chunk of keys at a time); the
    unique key still refuses a race.
    """
    if not can(Capability.REFER):
        raise Forbidden()
    _check_named(identity)
    existing = None if key_checked else find_by_submission_key(submission_key)
    if existing is not None:
        return existing, False
    if submit:
        probe = Referral(grounds=data.get("grounds"), consent_notice_version=data.get("consent_notice_version"),
                         consent_date=data.get("consent_date"),
                         legal_basis_requested=bool(data.get("legal_basis_requested")))
        _check_submittable(probe)
    from ..people.services import create_person

    tenant = db.session.get(Tenant, current().tenant_id)
    person = create_person(node_id=tenant.node_id, monitoring=monitoring, **identity)
    referral = create_referral(person=person, submission_key=submission_key, data=data, _key_checked=True)
    if uploads:
        from .attachments import add_attachments  # attachments build on this module

        add_attachments(referral, uploads)
    if submit:
        transition(referral, "submit", expected_version=referral.version, message=message)
    return referral, True


def update_with_person(referral: Referral, *, identity: dict, monitoring: dict, data: dict, expected_version,
                       expected_person_version) -> None:
    """The antenna's edit form (draft or info requested): referral and person, both version-checked."""
    if side_of_current_user(referral) != ANTENNA:
        raise Forbidden()
    check_version(referral, expected_version)  # first: sent or withdrawn since the form was opened is a conflict
    if referral.state not in EDITABLE_STATES:
        raise ReferralError(_("La segnalazione non è più modificabile."))
    _check_named(identity)
    from ..people import services as people

    try:  # version-checked and audited by the people domain
        people.rectify(referral.person, expected_version=expected_person_version, identity=identity, monitoring=monitoring)
    except people.Forbidden as exc:
        raise Forbidden() from exc
    update_referral(referral, data, expected_version)


LEGAL_BASIS_STATES = (S.SUBMITTED, S.INFO_REQUESTED)


def set_legal_basis(referral: Referral, legal_basis, expected_version) -> None:
    """Only the node records the legal basis that may stand in for consent (art. 9.2 GDPR), on a referral
    sent to it and not yet decided; ``accept`` needs consent or this."""
    if not may_decide(referral):
        raise Forbidden()
    if referral.state not in LEGAL_BASIS_STATES:
        raise ReferralError(_("La segnalazione non è più modificabile."))
    check_version(referral, expected_version)
    if legal_basis == LegalBasis.CONSENT and not has_consent(referral):
        raise ReferralError(_("Il consenso lo registra l'antenna, con la versione dell'informativa e la data."))
    if referral.legal_basis != legal_basis:
        referral.legal_basis = legal_basis
        db.session.flush()
        record("referral.legal_basis", "referral", referral.id, ["legal_basis"])
