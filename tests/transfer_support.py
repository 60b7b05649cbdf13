"""Helpers for the case-transfer tests: a third node of the region, a transfer row, the case's columns."""
import json

from sqlalchemy import inspect, select

from portal.accounts.models import Role
from portal.cases.models import Case, CaseTransfer, TransferState
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .factories import MembershipFactory, NodeFactory, UserFactory


def third_node(net):
    """Node N3 of the same region with a coordinator (once per network): neither side of an n1->n2 transfer."""
    if "n3" not in net.tenants:
        net.tenants["n3"] = NodeFactory(slug="nodo-tre", name="Nodo Tre di prova", region=net.tenants["r"])
        user = UserFactory(email="n3.coordinator@prova.example", full_name="Persona N3 Coordinator")
        net.users["n3_coordinator"] = user
        net.memberships["n3_coordinator"] = MembershipFactory(user=user, tenant=net.tenants["n3"], role=Role.COORDINATOR)
        db.session.flush()
    return net.tenants["n3"]


def pending_transfer(case, target, proposed_by):
    """A pending transfer of ``case`` to node ``target``, with the snapshot and identity the service writes."""
    from portal.cases.transfers import _take_snapshot
    from portal.people.services import IDENTITY_FIELDS

    with context.acting_as(case.tenant_id):
        case = db.session.get(Case, case.id)
        content, _ = _take_snapshot(case, [])
        transfer = CaseTransfer(
            tenant_id=case.tenant_id, peer_id=target.id, case_id=case.id, pseudonym=case.pseudonym,
            state=TransferState.PENDING, proposed_by_id=proposed_by.id, proposed_at=utcnow(),
        )
        transfer.reason = "Trasferimento di prova"
        transfer.snapshot_json = json.dumps(content)
        transfer.identity_json = json.dumps({f: getattr(case.person, f) for f in IDENTITY_FIELDS})
        db.session.add(transfer)
        db.session.flush()
    return transfer


def victim_transfer(net):
    """The victim's case proposed by N1 to N3, so N2 is a third node here (once per network); its snapshot
    carries the victim's identity, which no outsider's page may show."""
    if getattr(net, "_transfer", None) is None:
        net._transfer = pending_transfer(net.case, third_node(net), net.users["n1_coordinator"])
    return net._transfer


def columns(obj) -> dict:
    """Every column value of a row (what a decline must leave exactly as it was)."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def transfers_seen_by(tenant_id) -> list[CaseTransfer]:
    with context.acting_as(tenant_id):
        return list(db.session.scalars(select(CaseTransfer).execution_options(populate_existing=True)))
