"""Actions referred to a public office of the network (employment centre, education and orientation,
labour, equality adviser: ``actions.office_id``).

The office never reads the case nor the action: it gets an OfficeReferral (PeerShared: the node owns it, the
office is the peer), a copy of what it needs — pseudonym, service, phase, dates, the action's status — kept
in step by :func:`sync`, which the pathway calls whenever an action is planned, changed or recorded. A new
(or renewed) referral tells the office's users by e-mail and in the app (pseudonym and link only); naming
another office, or none, withdraws it and tells the office in the app. The office records that it took the
person in charge and, if it likes, an outcome note, which the node reads on the case page.

Same rules as ``services.py``: flush, audit, never commit.
"""
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, select

from ..accounts.members import member_emails
from ..accounts.permissions import OFFICE_ROLES, is_office_member
from ..audit.services import record
from ..core import links
from ..core.changes import apply_changes
from ..core.errors import Forbidden, ServiceError
from ..core.locking import check_version
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..mail import send_mail
from ..models_base import utcnow
from ..notifications.services import notify_roles
from ..tenancy.context import acting_as, current_tenant_id
from ..tenancy.models import Tenant
from ..tenancy.scoping import get_visible
from .labels import SERVICE_TYPE_LABELS
from .models import Action, OfficeReferral, OfficeReferralState

# What the office's copy carries of the action (codes and dates: never the node's notes or outcome).
MIRRORED = ("pseudonym", "service_type", "phase", "planned_start", "planned_end")
NOTE_MAX = 2000


class OfficeError(ServiceError):
    """A refused step on an office referral, with a message for the form."""


# --- the node's side: keeping the office's copy in step --------------------------------------------------

def sync(action: Action) -> None:
    """Bring the office referrals of ``action`` in step with it (called by the pathway, as the node)."""
    rows = list(db.session.scalars(select(OfficeReferral).where(OfficeReferral.action_id == action.id)))
    for row in rows:
        if row.peer_id != action.office_id and row.state != OfficeReferralState.WITHDRAWN:
            _withdraw(row)
    if action.office_id is None:
        return
    row = next((r for r in rows if r.peer_id == action.office_id), None)
    values = {name: getattr(action, name) for name in MIRRORED} | {"action_status": action.status}
    if row is None:
        row = OfficeReferral(action_id=action.id, tenant_id=action.tenant_id, peer_id=action.office_id,
                             state=OfficeReferralState.REFERRED, referred_at=utcnow(), **values)
        db.session.add(row)
        db.session.flush()
        record("office_referral.created", "office_referral", row.id, ["action_id", "peer_id"])
        _tell_office(row)
        return
    changed = apply_changes(row, values)
    if row.state == OfficeReferralState.WITHDRAWN:  # named again: a fresh referral for the office
        row.state, row.referred_at, row.taken_at, row.taken_by_id = OfficeReferralState.REFERRED, utcnow(), None, None
        changed.append("state")
    if changed:
        db.session.flush()
        record("office_referral.updated", "office_referral", row.id, changed)
        if "state" in changed:
            _tell_office(row)


def withdraw_all(case) -> None:
    """The case moved to another node (transfers.py, acting as the sender): the sender no longer follows the
    person, so each of its referrals still open is withdrawn and the office told."""
    rows = db.session.scalars(
        select(OfficeReferral).join(Action, Action.id == OfficeReferral.action_id)
        .where(Action.case_id == case.id, OfficeReferral.state != OfficeReferralState.WITHDRAWN)
        .order_by(OfficeReferral.id))
    for row in list(rows):
        _withdraw(row)


def withdraw_waiting(case) -> None:
    """The case's pathway was closed (services.close_case): a referral the office has not taken yet is withdrawn
    and the office told, so it does not take in charge a person nobody follows any more. One it took stays as
    its record of the work it did."""
    rows = db.session.scalars(
        select(OfficeReferral).join(Action, Action.id == OfficeReferral.action_id)
        .where(Action.case_id == case.id, OfficeReferral.state == OfficeReferralState.REFERRED)
        .order_by(OfficeReferral.id))
    for row in list(rows):
        _withdraw(row)


def _withdraw(row: OfficeReferral) -> None:
    row.state = OfficeReferralState.WITHDRAWN
    db.session.flush()
    record("office_referral.withdrawn", "office_referral", row.id, ["state"])
    notify_roles(row.peer_id, OFFICE_ROLES, "office.withdrawn", {"code": row.pseudonym}, _path(row))


def _path(row: OfficeReferral) -> str:
    return links.path_for("cases.office_referral", referral_id=row.id)


def _tell_office(row: OfficeReferral) -> None:
    """E-mail and in-app notice to the office's users (and its address): pseudonym, service and a link only."""
    db.session.flush()  # the node's pending rows (the audit event) under the node, before acting as the office
    with acting_as(row.peer_id):  # memberships are the office's own rows
        recipients = set(member_emails(row.peer_id, *OFFICE_ROLES))
    office = db.session.get(Tenant, row.peer_id)
    if office is not None and office.email:
        recipients.add(office.email)
    if not recipients:
        return
    path = _path(row)
    link = links.absolute(path)
    send_mail(
        sorted(recipients), _l("Rete – il nodo vi invia la persona %(code)s", code=row.pseudonym),
        _l("Il nodo vi indirizza la persona %(code)s per un'azione del suo percorso (%(service)s, dal %(day)s).\n"
           "L'invio è su Rete, dove potete registrare la presa in carico: %(link)s\n",
           code=row.pseudonym, service=SERVICE_TYPE_LABELS[row.service_type], day=f"{row.planned_start:%d/%m/%Y}",
           link=link),
        kind="office.referred", params={"code": row.pseudonym}, link=path, notify_tenant=row.peer_id,
    )


def for_actions(action_ids) -> dict[int, OfficeReferral]:
    """The node's view: each action's current (not withdrawn) office referral, for the case page."""
    if not action_ids:
        return {}
    rows = db.session.scalars(select(OfficeReferral).where(
        OfficeReferral.action_id.in_(list(action_ids)), OfficeReferral.state != OfficeReferralState.WITHDRAWN))
    return {row.action_id: row for row in rows}


# --- the office's side -----------------------------------------------------------------------------------

def listing() -> list[OfficeReferral]:
    """The referrals to the current office: waiting ones first, then the newest."""
    if not is_office_member():
        raise Forbidden()
    waiting_first = case((OfficeReferral.state == OfficeReferralState.REFERRED, 0),
                         (OfficeReferral.state == OfficeReferralState.TAKEN, 1), else_=2)
    return list(db.session.scalars(
        select(OfficeReferral).where(OfficeReferral.peer_id == current_tenant_id())
        .order_by(waiting_first, OfficeReferral.referred_at.desc(), OfficeReferral.id.desc())
    ))


def get(referral_id) -> OfficeReferral | None:
    """One referral to the current office; another office's (or tenant's) is None: the view answers 404."""
    row = get_visible(OfficeReferral, referral_id)
    return row if row is not None and row.peer_id == current_tenant_id() else None


def node_names(rows) -> dict[int, str]:
    ids = {row.tenant_id for row in rows}
    return {t.id: t.name for t in db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)))} if ids else {}


def take_in_charge(row: OfficeReferral, note: str | None, expected_version) -> None:
    """The office took the person in charge (the first time: when and who) and, optionally, what came of it.
    Recorded again to change the note; a referral the node withdrew is closed to the office."""
    if not is_office_member() or row.peer_id != current_tenant_id():
        raise Forbidden()
    check_version(row, expected_version)
    if row.state == OfficeReferralState.WITHDRAWN:
        raise OfficeError(_("Il nodo ha ritirato questo invio: non si registra più nulla."))
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise OfficeError(_("La nota è troppo lunga (al massimo %(n)s caratteri).", n=NOTE_MAX), "note")
    changed = []
    if row.state != OfficeReferralState.TAKEN:
        row.state, row.taken_at, row.taken_by_id = OfficeReferralState.TAKEN, utcnow(), current_user.id
        changed += ["state", "taken_at", "taken_by_id"]
    if note != row.outcome_note:
        row.outcome_note = note
        changed.append("outcome_note")
    if changed:
        db.session.flush()
        record("office_referral.taken", "office_referral", row.id, changed)
