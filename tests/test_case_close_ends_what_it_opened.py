"""Closing a pathway ends what the node had opened to others for it: the providers' identity grants are revoked
(audited, with the reason; they had already stopped counting, budget/grants.live) and a referral an office has
not taken yet is withdrawn, the office told, so nobody takes in charge a person the node no longer follows. A
referral the office took stays: it is the office's record of its work."""
import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.budget.models import IdentityGrant
from portal.cases.models import Case, OfficeReferralState
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_grant, make_order
from .case_support import post
from .fixtures import fresh
from .office_support import referrals_of, victim_referral


def _close(login, network):
    url = f"/casi/{network.case.id}/chiudi"
    version = fresh(Case, network.case.id, network.tenants["n1"].id).version
    response = post(login("n1_coordinator"), url, {"version": version, "outcome": "other", "reason": "Concluso."})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _events(network, action, object_id):
    with context.acting_as(network.tenants["n1"].id):
        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_id == str(object_id))))


def test_closing_the_case_revokes_its_identity_grants(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="CLOSE00001")
    make_order(contract, network.action)
    grant = make_grant(network.case, network.tenants["p"])
    _close(login, network)
    revoked = fresh(IdentityGrant, grant.id, network.tenants["n1"].id)
    assert revoked.revoked_at is not None and revoked.revoked_by_id is None
    assert revoked.revoke_reason == "Percorso concluso."
    assert _events(network, "identity_grant.revoked", grant.id)
    page = login("n1_coordinator").get(f"/budget/casi/{network.case.id}/accesso-identita").get_data(as_text=True)
    assert "Revocato il" in page


@pytest.mark.parametrize("state, after", [
    (OfficeReferralState.REFERRED, OfficeReferralState.WITHDRAWN),
    (OfficeReferralState.TAKEN, OfficeReferralState.TAKEN),
])
def test_closing_the_case_withdraws_the_referrals_no_office_took(login, network, state, after):
    row = victim_referral(network)
    with context.acting_as(network.tenants["n1"].id):
        row.state = state
        db.session.flush()
    _close(login, network)
    (seen,) = referrals_of(network, "f")
    assert seen.state == after
    assert bool(_events(network, "office_referral.withdrawn", row.id)) == (after == OfficeReferralState.WITHDRAWN)


def test_the_close_page_says_what_stays_and_the_office_no_longer_reads_a_stale_status(login, network):
    """The victim's action is planned: the close page says it stays as it is; once withdrawn, the office's
    copy (no longer kept in step) shows no action status ("Pianificata" beside "Ritirata dal nodo")."""
    victim_referral(network)
    page = login("n1_coordinator").get(f"/casi/{network.case.id}/chiudi").get_data(as_text=True)
    assert "1 azione del percorso non è conclusa né annullata" in page
    _close(login, network)
    office = login("f_operator")
    listing = office.get("/casi/ufficio").get_data(as_text=True)
    assert "Ritirata dal nodo" in listing and "Pianificata" not in listing
    (row,) = referrals_of(network, "f")
    assert "Pianificata" not in office.get(f"/casi/ufficio/{row.id}").get_data(as_text=True)
