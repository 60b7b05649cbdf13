"""Identity grants: the node lets a provider see a person's identity for one case, with a reason.

Who grants: the case worker assigned to the case or the coordinator (``cases.services.can_edit``). To whom:
a provider delivering an action of that case (an action planned with it, not cancelled). Revocable by the
same people also once the case is read-only (a transfer pending or done: revoking only takes access away);
the row stays as history. Both steps are audited.

A grant counts only while it is needed (:func:`live`): its case not ended, and the provider still with an
open order on an action of the case that is not cancelled. When the case moves to another node the grants
are revoked (``cases.signals.case_transferred``): nobody at the sender may grant again, so none stays behind;
when its pathway is closed too (``case_closed``), so the grant's history says when access ended.

The rule itself — may this membership see this person's identity? — stays in one place,
``people.services.can_see_identity``, which reads the active grants. The provider cannot read the
node's case or the antenna's person row (tenant scoping and PostgreSQL RLS): :func:`provider_identity`
reads them acting as the node for the length of one decision, then records the reveal in the provider's
own audit chain and runs the unusual-access check, exactly as ``people.services.reveal_identity`` does.
"""
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select

from ..accounts.permissions import current_membership
from ..audit.services import record
from ..cases import services as case_services
from ..cases.models import ENDED_STATES, Action, ActionStatus, Case, CaseState
from ..cases.signals import case_closed, case_transferred
from ..core.locking import check_version
from ..extensions import db
from ..models_base import utcnow
from ..people.models import Person
from ..people.services import IDENTITY_FIELDS, can_see_identity, record_identity_read
from ..tenancy.context import acting_as, current
from ..tenancy.models import Tenant
from .models import IdentityGrant, OrderStatus, ServiceOrder
from .services import BudgetError, Forbidden, is_provider


def may_manage_grants(case: Case) -> bool:
    return case_services.can_edit(case)


def ensure_may_manage(case: Case) -> None:
    if not may_manage_grants(case):
        raise Forbidden()


def may_revoke_grants(case: Case) -> bool:
    """Who grants, also on a read-only case (transfer pending or done): revoking only takes access away."""
    return case_services.is_responsible(case)


def live():
    """The conditions under which an IdentityGrant row counts, beside not being revoked: its case is not
    ended, and its provider still has an open order on a not-cancelled action of the case. Read as the node
    (the provider sees neither the case nor the other rows)."""
    open_order = exists(
        select(ServiceOrder.id).join(Action, Action.id == ServiceOrder.action_id)
        .where(Action.case_id == IdentityGrant.case_id, Action.status != ActionStatus.CANCELLED,
               ServiceOrder.provider_id == IdentityGrant.provider_id, ServiceOrder.status == OrderStatus.OPEN))
    not_ended = exists(select(Case.id).where(Case.id == IdentityGrant.case_id, Case.state.not_in(ENDED_STATES)))
    return (IdentityGrant.revoked_at.is_(None), not_ended, open_order)


def case_providers(case: Case) -> list[Tenant]:
    """The providers delivering an action of the case (one query)."""
    ids = select(Action.provider_id).where(
        Action.case_id == case.id, Action.provider_id.is_not(None), Action.status != ActionStatus.CANCELLED
    )
    return list(db.session.scalars(select(Tenant).where(Tenant.id.in_(ids)).order_by(Tenant.name)))


def grants_of(case: Case) -> list[IdentityGrant]:
    return list(db.session.scalars(
        select(IdentityGrant).where(IdentityGrant.case_id == case.id).order_by(IdentityGrant.revoked_at.is_not(None), IdentityGrant.id.desc())
    ))


def counting_ids(case: Case) -> set[int]:
    """The case's grants that open the identity now (not revoked, and :func:`live`), for the grants page."""
    return set(db.session.scalars(select(IdentityGrant.id).where(IdentityGrant.case_id == case.id, *live())))


def active_grant(case_id: int, provider_id: int) -> IdentityGrant | None:
    return db.session.scalars(select(IdentityGrant).where(
        IdentityGrant.case_id == case_id, IdentityGrant.provider_id == provider_id, IdentityGrant.revoked_at.is_(None)
    ).limit(1)).first()


def grant(case: Case, provider_id, reason: str | None) -> IdentityGrant:
    ensure_may_manage(case)
    if case.state == CaseState.CLOSED:
        raise BudgetError(_("Il percorso è concluso: non si concedono nuovi accessi."))
    provider = next((p for p in case_providers(case) if str(p.id) == str(provider_id)), None)
    if provider is None:
        raise BudgetError(_("Scegli un soggetto attuatore che eroga un'azione di questo percorso."), "provider")
    reason = (reason or "").strip()
    if not reason:
        raise BudgetError(_("Indica perché il soggetto attuatore deve conoscere l'identità della persona."), "reason")
    if active_grant(case.id, provider.id) is not None:
        raise BudgetError(_("Il soggetto attuatore ha già accesso all'identità per questo percorso."), "provider")
    row = IdentityGrant(
        tenant_id=case.tenant_id, provider_id=provider.id, case_id=case.id, person_id=case.person_id,
        pseudonym=case.pseudonym, reason=reason, granted_by_id=current_user.id,
    )
    db.session.add(row)
    db.session.flush()
    record("identity_grant.created", "identity_grant", row.id, ["case_id", "person_id", "provider_id", "reason"])
    return row


def revoke(row: IdentityGrant, reason: str | None, expected_version) -> None:
    case = db.session.get(Case, row.case_id)
    if case is None or row.tenant_id != current().tenant_id or not may_revoke_grants(case):
        raise Forbidden()
    check_version(row, expected_version)
    if row.revoked_at is not None:
        raise BudgetError(_("L'accesso è già stato revocato."))
    row.revoked_at = utcnow()
    row.revoked_by_id = current_user.id
    row.revoke_reason = (reason or "").strip() or None
    db.session.flush()
    record("identity_grant.revoked", "identity_grant", row.id, ["revoke_reason", "revoked_at", "revoked_by_id"])


def _revoke_with_case(case, reason: str) -> None:
    """The case's grants end with its pathway. No user revoked them: ``revoked_by_id`` stays empty, the
    reason says why."""
    for row in db.session.scalars(select(IdentityGrant).where(
            IdentityGrant.case_id == case.id, IdentityGrant.revoked_at.is_(None)).order_by(IdentityGrant.id)):
        row.revoked_at = utcnow()
        row.revoke_reason = reason
        db.session.flush()
        record("identity_grant.revoked", "identity_grant", row.id, ["revoke_reason", "revoked_at"])


def on_case_transferred(case, **_kw) -> None:
    """Receiver of ``cases.signals.case_transferred`` (acting as the sending node)."""
    _revoke_with_case(case, _("Caso trasferito a un altro nodo della regione."))


def on_case_closed(case, **_kw) -> None:
    """Receiver of ``cases.signals.case_closed``."""
    _revoke_with_case(case, _("Percorso concluso."))


case_transferred.connect(on_case_transferred, weak=False)
case_closed.connect(on_case_closed, weak=False)


# --- the provider's side -------------------------------------------------------------------------------

def provider_grant(order: ServiceOrder) -> IdentityGrant | None:
    """The grant that covers this order's case for the current provider, if it still counts (:func:`live`,
    checked as the node: only the grant's id comes out)."""
    if not is_provider() or order.provider_id != current().tenant_id:
        return None
    action = db.session.get(Action, order.action_id)
    if action is None:
        return None
    with acting_as(order.tenant_id):
        grant_id = db.session.scalar(select(IdentityGrant.id).where(
            IdentityGrant.case_id == action.case_id, IdentityGrant.provider_id == order.provider_id, *live()
        ).limit(1))
    return db.session.get(IdentityGrant, grant_id) if grant_id is not None else None


def provider_identity(order: ServiceOrder) -> dict | None:
    """The identity behind an order for the provider, if the need-to-know rule allows it; audited.

    None (and nothing logged) without an active grant. The person and case rows are read as the node,
    the decision is ``can_see_identity`` with the provider's membership, the reveal is recorded as the
    provider (its chain, shared with the node like every network event).
    """
    granted = provider_grant(order)
    if granted is None:
        return None
    membership = current_membership()
    with acting_as(order.tenant_id):
        person = db.session.get(Person, granted.person_id)
        identity = None
        if person is not None and can_see_identity(person, membership):
            identity = {field: getattr(person, field) for field in IDENTITY_FIELDS}
        if person is not None:
            db.session.expunge(person)  # never left in the provider's session
    if identity is None:
        return None
    record_identity_read(granted.person_id)  # as the provider, in its own audit chain
    return identity


def clear_texts(case_ids: list[int]) -> list[str]:
    """Anonymisation (gdpr.py): free texts of the budget rows about these cases — grant reasons, the
    provider's and the reviewer's delivery notes, sample-check notes, adjustment reasons. Amounts, dates and
    states stay for the accounts. Returns the cleared ``table.column`` names."""
    from .models import Delivery, DeliveryAdjustment, SampleCheckItem

    if not case_ids:
        return []
    cleared: list[str] = []

    def clear(rows, columns, prefix, blank=None):
        for row in rows:
            for column in columns:
                if getattr(row, column):
                    setattr(row, column, blank(column) if blank else None)
                    cleared.append(f"{prefix}.{column}")

    grants = db.session.scalars(select(IdentityGrant).where(IdentityGrant.case_id.in_(case_ids)))
    clear(grants, ("reason", "revoke_reason"), "identity_grant", blank=lambda column: "" if column == "reason" else None)
    orders = select(ServiceOrder.id).where(ServiceOrder.action_id.in_(select(Action.id).where(Action.case_id.in_(case_ids))))
    deliveries = list(db.session.scalars(select(Delivery).where(Delivery.order_id.in_(orders))))
    clear(deliveries, ("note", "review_note"), "delivery")
    ids = [d.id for d in deliveries]
    if ids:
        clear(db.session.scalars(select(SampleCheckItem).where(SampleCheckItem.delivery_id.in_(ids))), ("note",),
              "sample_check_item")
        clear(db.session.scalars(select(DeliveryAdjustment).where(DeliveryAdjustment.delivery_id.in_(ids))), ("reason",),
              "delivery_adjustment", blank=lambda column: "")
    return cleared
