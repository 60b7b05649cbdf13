"""An action naming a public office reaches it: the office is told (pseudonym only), lists what the node
sent it, records that it took the person in charge; it sees only what names it."""
from sqlalchemy import select

from portal.cases.models import OfficeReferralState
from portal.extensions import db
from portal.notifications.models import Notification
from portal.tenancy import context

from .case_support import audit_actions, post
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME
from .office_support import referrals_of, second_office, victim_referral
from .test_public_offices import _actions, _plan


def _notices(net, key):
    user = net.users[key]
    with context.acting_as(None, user_id=user.id):
        tenant = net.memberships[key].tenant_id
    with context.acting_as(tenant, user_id=user.id):
        return [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def _edit(client, action, office):
    path = f"/casi/azioni/{action.id}"
    return post(client, path, {"service_type": "job_matching", "phase": "job_insertion", "office": office,
                               "planned_start": "2026-04-01", "planned_end": "2026-05-15", "planned_hours": "6",
                               "notes": "", "version": str(action.version)}, page=path)


def test_the_office_is_told_lists_and_takes_the_person_in_charge(login, network, mailbox):
    net = network
    worker = login("n1_case_worker")
    assert _plan(worker, net.case.id, office=str(net.tenants["e"].id)).status_code == 302
    [action] = _actions(net)
    [row] = referrals_of(net, "e")
    assert (row.pseudonym, row.state, row.action_id) == (net.case.pseudonym, OfficeReferralState.REFERRED, action.id)
    # Told by e-mail (its users) and in the app: the pseudonym and a link, never the identity.
    mails = [m for m in mailbox.messages if net.users["e_operator"].email in m["To"]]
    assert len(mails) == 1 and net.case.pseudonym in mails[0]["Subject"]
    body = mails[0].get_body().get_content() if hasattr(mails[0], "get_body") else str(mails[0])
    assert f"/casi/ufficio/{row.id}" in body
    assert VICTIM_LAST_NAME not in body and VICTIM_FIRST_NAME not in body
    assert "office.referred" in _notices(net, "e_admin")
    assert "office.referred" not in _notices(net, "a_operator")

    office = login("e_operator")
    listing = office.get("/casi/ufficio").get_data(as_text=True)
    assert net.case.pseudonym in listing and "job_matching" not in listing  # the label, not the code
    assert "Nodo Uno di prova" in listing and VICTIM_LAST_NAME not in listing
    detail = f"/casi/ufficio/{row.id}"
    page = office.get(detail).get_data(as_text=True)
    assert "Da prendere in carico" in page and VICTIM_LAST_NAME not in page
    assert post(office, detail, {"version": str(row.version), "note": "Colloquio fatto, iscritta al CPI."}).status_code == 302
    [row] = referrals_of(net, "e")
    assert row.state == OfficeReferralState.TAKEN and row.taken_by_id == net.users["e_operator"].id
    assert row.outcome_note == "Colloquio fatto, iscritta al CPI."
    assert "office_referral.taken" in [e.action for e in audit_actions(net, "e")]
    # The node reads it on the case page.
    case_page = worker.get(f"/casi/{net.case.id}").get_data(as_text=True)
    assert "presa in carico dall'ufficio il" in case_page and "iscritta al CPI" in case_page

    # The node changes the dates: the office's copy follows. Then it names another office: withdrawn here,
    # told there.
    f = second_office(net)
    assert _edit(worker, _actions(net)[0], str(net.tenants["e"].id)).status_code == 302
    assert referrals_of(net, "e")[0].planned_end.isoformat() == "2026-05-15"
    assert _edit(worker, _actions(net)[0], str(f.id)).status_code == 302
    [old] = referrals_of(net, "e")
    assert old.state == OfficeReferralState.WITHDRAWN
    assert "office.withdrawn" in _notices(net, "e_operator")
    [new] = referrals_of(net, "f")
    assert new.state == OfficeReferralState.REFERRED and "office.referred" in _notices(net, "f_operator")
    assert "Ritirata dal nodo" in office.get("/casi/ufficio").get_data(as_text=True)
    refused = post(office, detail, {"version": str(old.version), "note": "dopo"})
    assert refused.status_code == 200 and referrals_of(net, "e")[0].outcome_note == "Colloquio fatto, iscritta al CPI."
    # E never sees F's referral.
    assert office.get(f"/casi/ufficio/{new.id}").status_code == 404


def test_only_an_offices_users_reach_the_pages(login, network):
    row = victim_referral(network)
    for key in ("a_operator", "a_admin", "n1_coordinator", "n1_case_worker", "p_user", "r_coordinator"):
        client = login(key)
        assert client.get("/casi/ufficio").status_code == 403, key
        assert client.get(f"/casi/ufficio/{row.id}").status_code in (403, 404), key
    office = login("e_operator")
    assert office.get("/casi/ufficio").status_code == 200
    assert office.get(f"/casi/ufficio/{row.id}").status_code == 404
    assert "VITTIMA-SEGRETO-7731" in login("f_operator").get(f"/casi/ufficio/{row.id}").get_data(as_text=True)


def test_anonymisation_clears_the_offices_note(app, network):
    from portal.cases.gdpr import clear_texts

    row = victim_referral(network)
    with app.test_request_context(), context.acting_as(network.tenants["n1"].id):
        cleared = clear_texts(network.person)
        db.session.flush()
    assert "office_referral.outcome_note" in cleared
    assert referrals_of(network, "f")[0].outcome_note is None
    assert row.id


def test_an_order_from_the_budget_page_reaches_the_office_copy(login, network):
    """An action for a provider that also names an office, left "to order", ordered from the contract page
    (the budget's own door, not the case page): the office's copy follows the action's new status."""
    from portal.cases import offices
    from portal.cases.models import ActionStatus

    from .budget_support import budget_of, make_contract
    from .factories import make_action

    contract = make_contract(network, budget_of(network), network.tenants["p"])
    action = make_action(network.case, provider=network.tenants["p"], status=ActionStatus.TO_ORDER,
                         office_id=network.tenants["e"].id)
    with context.acting_as(network.tenants["n1"].id):
        offices.sync(action)
        db.session.flush()
    [copy] = referrals_of(network, "e")
    assert copy.action_status == ActionStatus.TO_ORDER
    path = f"/budget/contratti/{contract.id}/ordini/nuovo"
    response = post(login("n1_budget_officer"), path, {"action": str(action.id), "line": str(contract.lines[0].id),
                                                       "quantity": "4", "override_reason": ""}, page=path)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [copy] = referrals_of(network, "e")
    assert copy.action_status == ActionStatus.PLANNED


def test_moving_the_case_to_another_node_withdraws_its_office_referrals(login, network):
    """The sender no longer follows the person once the case moved: the referrals it made (waiting or taken in
    charge) are withdrawn, audited in its chain, and the office is told; the office records nothing more."""
    from portal.cases.models import Case, OfficeReferral

    from .fixtures import fresh
    from .transfer_support import transfers_seen_by

    net = network
    waiting = victim_referral(net)
    with context.acting_as(net.tenants["n1"].id):  # and one the other office already took in charge
        taken = OfficeReferral(tenant_id=net.action.tenant_id, peer_id=net.tenants["e"].id, action_id=net.action.id,
                               pseudonym=net.action.pseudonym, service_type=net.action.service_type, phase=net.action.phase,
                               planned_start=net.action.planned_start, action_status=net.action.status,
                               state=OfficeReferralState.TAKEN, referred_at=waiting.referred_at)
        db.session.add(taken)
        db.session.flush()
    coordinator = login("n1_coordinator")
    assert post(coordinator, f"/casi/{net.case.id}/trasferimento", {
        "version": fresh(Case, net.case.id, net.tenants["n1"].id).version, "target": net.tenants["n2"].id,
        "reason": "Si è trasferita.", "notes": []}).status_code == 302
    [transfer] = transfers_seen_by(net.tenants["n1"].id)
    page = f"/casi/trasferimenti/{transfer.id}"
    assert post(login("n2_coordinator"), f"{page}/accetta", {"version": transfer.version, "case_worker": ""},
                page=page).status_code == 302

    assert [r.state for r in referrals_of(net, "f")] == [OfficeReferralState.WITHDRAWN]
    assert [r.state for r in referrals_of(net, "e")] == [OfficeReferralState.WITHDRAWN]
    withdrawn = {int(e.object_id) for e in audit_actions(net, "n1", "office_referral") if e.action == "office_referral.withdrawn"}
    assert withdrawn == {waiting.id, taken.id}
    assert "office.withdrawn" in _notices(net, "e_operator") and "office.withdrawn" in _notices(net, "f_operator")
    office = login("e_operator")
    refused = post(office, f"/casi/ufficio/{taken.id}", {"version": str(referrals_of(net, "e")[0].version), "note": "dopo"})
    assert refused.status_code == 200 and "ritirato" in refused.get_data(as_text=True)
