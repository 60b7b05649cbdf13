"""Helpers for the office-referral tests: a second office of N1 (F) with its operator, and a referral of the
victim's action to F, created on demand (F is nobody's in the isolation matrix: every attacker is an outsider)."""
from sqlalchemy import select

from portal.accounts.models import Role
from portal.cases.models import OfficeReferral, OfficeReferralState
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context
from portal.tenancy.models import TenantKind

from .factories import MembershipFactory, TenantFactory, UserFactory


def second_office(net):
    """Office F of N1 (a labour office) with an operator, once per network."""
    if "f" not in net.tenants:
        net.tenants["f"] = TenantFactory(slug="ufficio-lavoro-prova", name="Ufficio lavoro di prova",
                                         kind=TenantKind.LABOUR_OFFICE, node=net.tenants["n1"])
        user = UserFactory(email="f.operator@prova.example", full_name="Persona F Operator")
        net.users["f_operator"] = user
        net.memberships["f_operator"] = MembershipFactory(user=user, tenant=net.tenants["f"], role=Role.ANTENNA_OPERATOR)
        db.session.flush()
    return net.tenants["f"]


def victim_referral(net) -> OfficeReferral:
    """N1's victim action referred to office F (the row the pathway writes), with an outcome note of F's."""
    office = second_office(net)
    with context.acting_as(net.tenants["n1"].id):
        row = db.session.scalar(select(OfficeReferral).where(OfficeReferral.peer_id == office.id))
        if row is None:
            a = net.action
            row = OfficeReferral(
                tenant_id=a.tenant_id, peer_id=office.id, action_id=a.id, pseudonym=a.pseudonym,
                service_type=a.service_type, phase=a.phase, planned_start=a.planned_start, action_status=a.status,
                state=OfficeReferralState.REFERRED, referred_at=utcnow(),
            )
            row.outcome_note = "VITTIMA-SEGRETO-7731"
            db.session.add(row)
            db.session.flush()
    return row


def referrals_of(net, office_key: str):
    with context.acting_as(net.tenants[office_key].id):
        return list(db.session.scalars(
            select(OfficeReferral).where(OfficeReferral.peer_id == net.tenants[office_key].id)
            .order_by(OfficeReferral.id).execution_options(populate_existing=True)))
