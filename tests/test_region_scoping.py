"""The regional centre in the ORM scoping: a region's id matches no row of people's data (both databases)."""
import pytest
from sqlalchemy import select

from portal.cases.models import Action, Case, Verification
from portal.extensions import db
from portal.people.models import Person
from portal.referrals.models import Attachment, Referral, ReferralEvent
from portal.tenancy import context
from portal.tenancy.models import TenantKind
from portal.tenancy.scoping import TenantViolation, get_visible

from .referral_support import victim_attachment

PERSON_DATA = (Person, Referral, ReferralEvent, Attachment, Case, Action, Verification)


def _ids(model) -> list:
    return list(db.session.scalars(select(model.id)))


def test_a_region_reads_no_person_referral_case_action_or_file(session, network):
    victim_attachment(network)
    node = network.tenants["n1"]
    with context.acting_as(node.id):  # the same id, as a node, sees them
        assert all(_ids(m) for m in (Person, Referral, Attachment, Case, Action))
    node_id, case_id, referral_id = node.id, network.case.id, network.referral.id
    node.kind = TenantKind.REGIONAL_CENTRE
    session.flush()
    session.expunge_all()
    context.activate(node_id, None, regional=True)
    assert {m.__name__: _ids(m) for m in PERSON_DATA} == {m.__name__: [] for m in PERSON_DATA}
    assert get_visible(Case, case_id) is None
    assert get_visible(Referral, referral_id) is None
    # Joined and relationship loads are filtered too.
    assert list(db.session.scalars(select(Action).join(Case, Action.case_id == Case.id))) == []


def test_a_region_writes_no_person_data(session, network):
    node = network.tenants["n1"]
    case = network.case
    node.kind = TenantKind.REGIONAL_CENTRE
    session.flush()
    context.activate(node.id, None, regional=True)
    case.closure_reason = "scritto dal centro regionale"
    with pytest.raises(TenantViolation):
        session.flush()
    session.rollback()


def test_a_region_sees_its_memberships_and_audit_trail(session, network):
    from portal.accounts.models import Membership
    from portal.audit.models import AuditEvent
    from portal.audit.services import record

    node = network.tenants["n1"]
    node.kind = TenantKind.REGIONAL_CENTRE
    session.flush()
    context.activate(node.id, network.users["n1_coordinator"].id, regional=True)
    record("probe.region", "probe", "1")
    assert _ids(Membership)
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "probe.region")).all()


def test_reactivating_the_same_tenant_keeps_it_regional(session, network):
    node = network.tenants["n1"]
    context.activate(node.id, None, regional=True)
    context.activate(context.current_tenant_id(), network.users["n1_coordinator"].id)  # as active_memberships does
    assert context.current().regional
    context.activate(network.tenants["n2"].id, None)
    assert not context.current().regional


def test_through_the_pages_a_region_reads_none_of_its_former_nodes_rows(session, network, login):
    """N1's own coordinator, once N1 is a regional centre, finds neither the case nor the referral: the
    pages go through the same scoping (and PostgreSQL policies), with no check of their own to forget."""
    from flask import url_for

    client = login("n1_coordinator")
    with client.application.test_request_context():
        case_url = url_for("cases.detail", case_id=network.case.id)
        referral_url = url_for("referrals.detail", referral_id=network.referral.id)
        list_url = url_for("cases.index")
    assert client.get(case_url).status_code == 200  # as a node, its own case
    network.tenants["n1"].kind = TenantKind.REGIONAL_CENTRE
    session.flush()
    for url in (case_url, referral_url):
        assert client.get(url).status_code in (403, 404), url
    for url in (case_url, referral_url, list_url):
        body = client.get(url).get_data(as_text=True)
        assert "Quartararo" not in body and network.case.pseudonym not in body, url


def test_a_regional_user_can_ask_for_a_password_reset(client, network, mailbox):
    """An anonymous request e-mails a regional user: the outbox row is the region's (or tenantless), never
    refused by the region-blind rule, and the mail leaves."""
    from .helpers import csrf_token

    user = network.users["r_coordinator"]
    token = csrf_token(client, "/password/dimenticata")
    response = client.post("/password/dimenticata", data={"email": user.email, "csrf_token": token})
    assert response.status_code in (200, 302)
    assert any(user.email in m["To"] for m in mailbox.wait_for(1))
