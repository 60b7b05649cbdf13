"""Moving a case to another node of the same region: propose, accept or decline, withdraw; who sees what."""
import contextlib

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal.cases.models import Case, CaseState, CaseTransfer, TransferState
from portal.crypto import blind_index
from portal.extensions import db
from portal.people.models import Person
from portal.referrals.models import OutcomeCode, Referral
from portal.tenancy import context

from .case_support import add_diary_entry, audit_actions, post
from .factories import NodeFactory, TenantFactory
from .fixtures import fresh
from .helpers import csrf_from
from .network import VICTIM_LAST_NAME, VICTIM_TAX_CODE
from .transfer_support import columns, third_node, transfers_seen_by

REFUSED = "Si può trasferire un caso solo a un altro nodo della stessa regione."


def _propose(login, net, target=None, notes=(), reason="La persona si è trasferita a Vercelli per lavoro."):
    client = login("n1_coordinator")
    path = f"/casi/{net.case.id}/trasferimento"
    data = {"version": fresh(Case, net.case.id, net.tenants["n1"].id).version,
            "target": target if target is not None else net.tenants["n2"].id, "reason": reason,
            "notes": [str(n) for n in notes]}
    return client, post(client, path, data)


def _send(client, path, data):
    """A POST with a valid CSRF token, whatever the form on ``path``'s page (or no page at all)."""
    return post(client, path, data, page="/profilo/password")


def _transfer(net) -> CaseTransfer:
    with context.acting_as(net.tenants["n1"].id):
        return db.session.scalars(select(CaseTransfer).execution_options(populate_existing=True)).one()


def test_propose_accept_and_continue_at_the_receiving_node(login, network, mailbox):
    net = network
    shared = add_diary_entry(net, "Nota condivisa: preferisce colloqui al mattino.")
    add_diary_entry(net, "Nota interna riservata al nodo uno.")
    client, response = _propose(login, net, notes=[shared.id])
    assert response.status_code == 302, response.get_data(as_text=True)
    transfer = _transfer(net)
    assert transfer.state == TransferState.PENDING and transfer.peer_id == net.tenants["n2"].id
    # Pending: the sender's case is read-only for everyone, its case worker included.
    worker = login("n1_case_worker")
    assert post(worker, f"/casi/{net.case.id}/diario", {"text": "dopo la proposta"},
                page=f"/casi/{net.case.id}").status_code == 403

    receiver = login("n2_coordinator")
    home = receiver.get("/").get_data(as_text=True)
    assert "Trasferimenti in arrivo" in home and net.case.pseudonym in home
    listing = receiver.get("/casi/trasferimenti").get_data(as_text=True)
    assert net.case.pseudonym in listing.split("Altri trasferimenti")[0]  # waiting for N2
    assert net.case.pseudonym in client.get("/casi/trasferimenti").get_data(as_text=True).split("Altri trasferimenti")[-1]
    page = receiver.get(f"/casi/trasferimenti/{transfer.id}").get_data(as_text=True)
    assert "preferisce colloqui al mattino" in page and "riservata al nodo uno" not in page
    assert VICTIM_LAST_NAME not in page  # identity only on request, audited
    assert VICTIM_LAST_NAME in receiver.get(f"/casi/trasferimenti/{transfer.id}?identita=1").get_data(as_text=True)

    response = post(receiver, f"/casi/trasferimenti/{transfer.id}/accetta",
                    {"version": transfer.version, "case_worker": net.users["n2_case_worker"].id},
                    page=f"/casi/trasferimenti/{transfer.id}")
    assert response.status_code == 302
    transfer = _transfer(net)
    assert transfer.state == TransferState.ACCEPTED and transfer.new_case_id
    n2 = net.tenants["n2"].id
    new_case = fresh(Case, transfer.new_case_id, n2)
    assert new_case.tenant_id == n2 and new_case.case_worker_id == net.users["n2_case_worker"].id
    assert new_case.pseudonym == transfer.new_pseudonym != net.case.pseudonym
    with context.acting_as(n2):
        person = db.session.get(Person, new_case.person_id)
        assert (person.tenant_id, person.node_id, person.tax_code) == (n2, n2, VICTIM_TAX_CODE)
        # The duplicate indexes follow: the receiving node finds the person by the codice fiscale's key.
        found = db.session.scalars(select(Person.id).where(
            Person.node_id == n2, Person.tax_code_bidx == blind_index(VICTIM_TAX_CODE, "tax_code"))).all()
        assert found == [person.id]
    # The sender keeps read-only history; the antenna learns a code, never the new node's data.
    old = fresh(Case, net.case.id, net.tenants["n1"].id)
    assert old.state == CaseState.TRANSFERRED
    assert fresh(Referral, net.referral.id, net.tenants["a"].id).outcome_code == OutcomeCode.TRANSFERRED
    history = login("n1_coordinator").get(f"/casi/{net.case.id}").get_data(as_text=True)
    assert "Trasferito a Nodo Due di prova il" in history and "Nota interna riservata" in history
    assert post(client, f"/casi/{net.case.id}/diario", {"text": "dopo"}, page=f"/casi/{net.case.id}").status_code == 403
    # The sender's copy of the person now counts towards retention from the transfer (no longer active).
    from portal.people.gdpr import retention_ends

    with context.acting_as(net.tenants["n1"].id):
        assert retention_ends([db.session.get(Person, net.person.id)])[net.person.id] is not None
    # Both chains record it.
    assert "case_transfer.accepted" in {e.action for e in audit_actions(net, "n1")}
    assert {"case_transfer.accepted", "case.opened_by_transfer", "person.created"} <= {
        e.action for e in audit_actions(net, "n2")}
    # The referring antenna's operator is told, with the pseudonym only.
    mails = [m for m in mailbox.messages if net.users["a_operator"].email in m["To"]]
    assert mails and net.case.pseudonym in mails[-1].get_payload()
    assert VICTIM_LAST_NAME not in mails[-1].as_string() and "Nodo Due" not in mails[-1].as_string()

    # The receiving case worker continues the case.
    n2_worker = login("n2_case_worker")
    response = post(n2_worker, f"/casi/{new_case.id}/diario", {"text": "Primo colloquio a Vercelli."},
                    page=f"/casi/{new_case.id}")
    assert response.status_code == 302
    assert "Primo colloquio a Vercelli." in n2_worker.get(f"/casi/{new_case.id}").get_data(as_text=True)


def test_decline_gives_the_case_back_exactly_as_it_was(login, network):
    net = network
    before = columns(fresh(Case, net.case.id, net.tenants["n1"].id))
    _, response = _propose(login, net)
    assert response.status_code == 302
    transfer = _transfer(net)
    receiver = login("n2_coordinator")
    page = f"/casi/trasferimenti/{transfer.id}"
    missing = post(receiver, f"{page}/rifiuta", {"version": transfer.version, "reason": ""}, page=page)
    assert missing.status_code == 200 and "Indica il motivo" in missing.get_data(as_text=True)
    response = post(receiver, f"{page}/rifiuta", {"version": transfer.version, "reason": "Non di nostra competenza."},
                    page=page)
    assert response.status_code == 302
    assert _transfer(net).state == TransferState.DECLINED
    assert columns(fresh(Case, net.case.id, net.tenants["n1"].id)) == before
    with context.acting_as(net.tenants["n2"].id):
        assert db.session.scalar(select(Case.id).where(Case.tenant_id == net.tenants["n2"].id)) is None
    assert "case_transfer.declined" in {e.action for e in audit_actions(net, "n1")}
    # Writable again.
    worker = login("n1_case_worker")
    assert post(worker, f"/casi/{net.case.id}/diario", {"text": "di nuovo nostro"},
                page=f"/casi/{net.case.id}").status_code == 302


def test_withdrawing_makes_the_case_writable_again(login, network):
    net = network
    client, _ = _propose(login, net)
    transfer = _transfer(net)
    response = post(client, f"/casi/trasferimenti/{transfer.id}/ritira", {"version": transfer.version},
                    page=f"/casi/trasferimenti/{transfer.id}")
    assert response.status_code == 302 and _transfer(net).state == TransferState.WITHDRAWN
    # A withdrawn proposal can no longer be accepted.
    receiver = login("n2_coordinator")
    assert _send(receiver, f"/casi/trasferimenti/{transfer.id}/accetta", {"version": 2}).status_code == 403
    assert post(login("n1_case_worker"), f"/casi/{net.case.id}/diario", {"text": "ok"},
                page=f"/casi/{net.case.id}").status_code == 302


def test_only_nodes_of_the_same_region_can_receive(login, network, session):
    net = network
    other_region = TenantFactory(slug="altra-regione", name="Altra regione", kind="regional_centre")
    elsewhere = NodeFactory(slug="nodo-altrove", name="Nodo altrove", region=other_region)
    no_region = NodeFactory(slug="nodo-senza-regione", name="Nodo senza regione")
    session.flush()
    for target in (elsewhere.id, no_region.id, net.tenants["a"].id, net.tenants["r"].id, net.tenants["p"].id,
                   net.tenants["n1"].id, "x"):
        _, response = _propose(login, net, target=target)
        assert response.status_code == 200, target
        assert REFUSED in response.get_data(as_text=True), target
    assert transfers_seen_by(net.tenants["n1"].id) == []
    missing = _propose(login, net, reason="   ")[1]
    assert missing.status_code == 200 and "Indica il motivo del trasferimento." in missing.get_data(as_text=True)


def test_who_may_propose_and_answer(login, network):
    net = network
    path = f"/casi/{net.case.id}/trasferimento"
    assert login("n1_case_worker").get(path).status_code == 403  # the coordinator proposes
    assert login("n1_coordinator").get(path).status_code == 200
    _propose(login, net)
    transfer = _transfer(net)
    page = f"/casi/trasferimenti/{transfer.id}"
    assert _send(login("n1_coordinator"), f"{page}/accetta", {"version": 1}).status_code == 403
    assert login("n2_case_worker").get(page).status_code == 403
    assert _send(login("n2_case_worker"), f"{page}/accetta", {"version": 1}).status_code == 403
    third_node(net)
    for key in ("n3_coordinator", "r_coordinator", "a_operator", "p_user"):
        client = login(key)
        assert client.get(page).status_code in (403, 404), key
        assert _send(client, f"{page}/accetta", {"version": 1}).status_code in (403, 404), key
    # Proposed twice? The case is read-only while a transfer waits.
    assert login("n1_coordinator").get(path).status_code == 403


def test_only_the_two_nodes_see_the_transfer_row(login, network):
    net = network
    _propose(login, net)
    n3 = third_node(net)
    assert len(transfers_seen_by(net.tenants["n1"].id)) == 1
    assert len(transfers_seen_by(net.tenants["n2"].id)) == 1
    for tenant_id in (n3.id, net.tenants["a"].id, net.tenants["p"].id):
        assert transfers_seen_by(tenant_id) == [], tenant_id
    with context.acting_as(net.tenants["r"].id):
        context.activate(net.tenants["r"].id, None, regional=True)
        assert db.session.scalars(select(CaseTransfer)).all() == []
    context.reset()


def test_the_budget_officer_orders_nothing_for_a_case_in_transfer(app, network):
    """Ordering is the one write a budget officer makes on a case: refused too while the case moves."""
    import pytest
    from flask import g

    from portal.budget import ordering
    from portal.budget.services import BudgetError
    from portal.cases.models import Action

    from .budget_support import budget_of, make_contract
    from .factories import make_action
    from .transfer_support import pending_transfer

    net = network
    contract = make_contract(net, budget_of(net), net.tenants["p"], value="100000.00", quantity="100")
    action = make_action(net.case, provider=net.tenants["p"], status="to_order")
    pending_transfer(net.case, net.tenants["n2"], net.users["n1_coordinator"])
    with app.test_request_context(), context.acting_as(net.tenants["n1"].id, net.users["n1_budget_officer"].id):
        g.membership = net.memberships["n1_budget_officer"]
        action = db.session.get(Action, action.id)
        with pytest.raises(BudgetError, match="trasferito o in attesa di trasferimento"):
            ordering.order_action(action, contract.lines[0])


@pytest.mark.parametrize("answer", ["accetta", "rifiuta"])
def test_answering_takes_both_nodes_chain_heads_lowest_tenant_first(app, login, network, answer):
    """Accepting or declining writes to the receiver's and the sender's audit chains. Taken side by side
    (receiver, then sender), two transfers crossing between the same two nodes, answered at the same moment,
    would each hold one head and wait for the other's: PostgreSQL would end one with a deadlock."""
    net = network
    sender, receiver_id = net.tenants["n1"].id, net.tenants["n2"].id
    assert sender < receiver_id  # so the receiver's side alone would take the wrong one first
    _propose(login, net)
    transfer = _transfer(net)
    receiver = login("n2_coordinator")
    page = f"/casi/trasferimenti/{transfer.id}"
    token = csrf_from(receiver.get(page).get_data(as_text=True))
    with _chain_heads_taken(app) as keys:
        response = receiver.post(f"{page}/{answer}", data={
            "version": transfer.version, "reason": "Non di nostra competenza.", "csrf_token": token})
    assert response.status_code == 302
    assert keys[:2] == [f"t{sender}", f"t{receiver_id}"]


def test_the_receiver_s_reads_take_both_nodes_chain_heads_lowest_tenant_first(app, login, network):
    """A read by the receiving node is recorded in its chain and the sender's: both heads first, lowest tenant
    id first, as an answer does (the receiver's alone first would deadlock against a crossing transfer)."""
    net = network
    sender, receiver_id = net.tenants["n1"].id, net.tenants["n2"].id
    assert sender < receiver_id
    _propose(login, net)
    transfer = _transfer(net)
    receiver = login("n2_coordinator")
    with _chain_heads_taken(app) as keys:
        response = receiver.get(f"/casi/trasferimenti/{transfer.id}?identita=1")
    assert response.status_code == 200
    assert keys[:2] == [f"t{sender}", f"t{receiver_id}"]


@contextlib.contextmanager
def _chain_heads_taken(app):
    """The tenant chain heads ("t<id>") the statements inside touch, in the order first touched."""
    keys: list = []

    def heads(conn, cursor, statement, parameters, *args):
        if "audit_chain_heads" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters or ()
            keys.extend(v for v in values if isinstance(v, str) and v not in keys and v[:1] == "t")

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", heads)
    try:
        yield keys
    finally:
        sa.event.remove(engine, "before_cursor_execute", heads)
