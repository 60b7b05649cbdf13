"""A case transfer carries a copy of the person (identity, situation, chosen diary notes): erasure and
retention at either node clear it, and so does a decline or a withdrawal (the receiver then reads it no more);
its reads, the receiver's too, are in the sender's DPO's access log and count as identity reveals."""
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from portal.alerts.models import SecurityAlert
from portal.audit.models import AuditEvent
from portal.audit.services import record, verify_chains
from portal.cases.models import Action, Case, CaseState, CaseTransfer, TransferState
from portal.extensions import db
from portal.i18n import local_today
from portal.people.models import Person
from portal.referrals.models import Referral
from portal.tenancy import context

from .case_support import add_diary_entry, audit_actions, post
from .fixtures import fresh
from .network import VICTIM_LAST_NAME, VICTIM_TAX_CODE
from .test_alerts_security import set_threshold
from .test_people_dpo import open_request

SITUATION = "Licenziata dopo aver detto al capo reparto di essere incinta (prova trasferimento)."
NOTE = "Nota condivisa: abita ora dalla sorella in via Garibaldi."
OUTCOME = "Ha chiesto di essere chiamata solo al mattino."
REASON = "La persona si è trasferita a Vercelli dalla sorella."


def _transfer(net) -> CaseTransfer:
    with context.acting_as(net.tenants["n1"].id):
        return db.session.scalars(select(CaseTransfer).execution_options(populate_existing=True)).one()


def _propose(login, net):
    """N1 proposes the victim's case to N2 with a diary note; the copy holds the situation and the action's outcome."""
    with context.acting_as(net.tenants["a"].id):
        db.session.get(Referral, net.referral.id).situation = SITUATION
        db.session.flush()
    with context.acting_as(net.tenants["n1"].id):
        db.session.get(Action, net.action.id).outcome = OUTCOME
        db.session.flush()
    note = add_diary_entry(net, NOTE)
    response = post(login("n1_coordinator"), f"/casi/{net.case.id}/trasferimento", {
        "version": fresh(Case, net.case.id, net.tenants["n1"].id).version, "target": net.tenants["n2"].id,
        "reason": REASON, "notes": [str(note.id)],
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    return _transfer(net)


def _accept(login, net, transfer) -> Case:
    response = post(login("n2_coordinator"), f"/casi/trasferimenti/{transfer.id}/accetta",
                    {"version": transfer.version, "case_worker": net.users["n2_case_worker"].id},
                    page=f"/casi/trasferimenti/{transfer.id}")
    assert response.status_code == 302
    transfer = _transfer(net)
    assert transfer.state == TransferState.ACCEPTED
    return fresh(Case, transfer.new_case_id, net.tenants["n2"].id)


def _assert_copy_cleared(clients, net, transfer_id):
    transfer = _transfer(net)
    assert transfer.identity_enc is None and transfer.reason_enc is None
    content = json.loads(transfer.snapshot_json)
    assert content["summary"]["situation"] is None and content["notes"] == []
    assert all(a["outcome"] is None for a in content["pathway"]["actions"])
    assert content["summary"]["grounds"] and content["pathway"]["actions"]  # codes and dates stay
    for key, client in clients.items():
        page = client.get(f"/casi/trasferimenti/{transfer_id}")
        html = page.get_data(as_text=True)
        assert page.status_code == 200, key
        for text in ("Licenziata dopo", "via Garibaldi", "solo al mattino", "dalla sorella", VICTIM_LAST_NAME):
            assert text not in html, (key, text)
        assert "resa anonima" in html and "identita=1" not in html  # no button leading to a refusal
        assert client.get(f"/casi/trasferimenti/{transfer_id}?identita=1").status_code == 403, key


def test_retention_at_the_sending_node_clears_the_transfer_s_copy(app, login, network):
    net = network
    transfer = _propose(login, net)
    n2_coordinator = login("n2_coordinator")
    page = n2_coordinator.get(f"/casi/trasferimenti/{transfer.id}").get_data(as_text=True)
    assert "Licenziata dopo" in page and "via Garibaldi" in page  # the copy, before
    new_case = _accept(login, net, transfer)
    sender, receiver, transfer_id = net.person.pseudonym, new_case.pseudonym, transfer.id

    # The sender's case is read-only history since the transfer: its retention period runs from it.
    today = local_today() + timedelta(days=365 * app.config["RETENTION_YEARS"] + 10)
    clients = {key: login(key) for key in ("n1_coordinator", "n2_coordinator")}  # before the session forgets
    db.session.expire_all()  # the requests' changes, not this session's earlier reads
    result = app.test_cli_runner().invoke(args=["rete", "apply-retention", "--today", today.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"anonimizzata: {sender}" in result.output
    assert receiver not in result.output  # the receiver's own person: its case is open

    _assert_copy_cleared(clients, net, transfer_id)
    with context.acting_as(net.tenants["n1"].id):
        [event] = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "person.anonymised.retention", AuditEvent.object_id == str(net.person.id))).all()
        assert {"case_transfer.identity", "case_transfer.reason", "case_transfer.snapshot"} <= set(event.fields)
    # The receiving node's own person is its own row, untouched.
    with context.acting_as(net.tenants["n2"].id):
        person = db.session.get(Person, new_case.person_id)
        assert person.anonymised_at is None and person.tax_code == VICTIM_TAX_CODE


def test_erasure_at_the_receiving_node_clears_the_transfer_s_copy(login, network):
    net = network
    transfer = _propose(login, net)
    new_case = _accept(login, net, transfer)
    with context.acting_as(net.tenants["n2"].id):  # the receiver's case closed long ago: erasure may run
        case = db.session.get(Case, new_case.id)
        case.state, case.closed_at = CaseState.CLOSED, datetime(2015, 3, 1, tzinfo=UTC)
        db.session.flush()
        person = db.session.get(Person, new_case.person_id)

    dpo = login("n2_dpo")
    response = open_request(dpo, person, "erasure")
    assert "Richiesta di cancellazione eseguita" in dpo.get(response.headers["Location"]).get_data(as_text=True)

    _assert_copy_cleared({key: login(key) for key in ("n1_coordinator", "n2_coordinator")}, net, transfer.id)
    # The sending node's person is its own row (its history), untouched.
    with context.acting_as(net.tenants["n1"].id):
        assert db.session.get(Person, net.person.id).last_name == VICTIM_LAST_NAME


def test_reads_of_a_transfer_are_in_both_dpos_access_logs_and_the_export(login, network):
    net = network
    transfer = _propose(login, net)
    assert login("n1_coordinator").get(f"/casi/trasferimenti/{transfer.id}?identita=1").status_code == 200
    assert login("n2_coordinator").get(f"/casi/trasferimenti/{transfer.id}?identita=1").status_code == 200
    new_case = _accept(login, net, transfer)
    read = "ha letto i dati identificativi della persona proposta da un altro nodo"

    n1_dpo = login("n1_dpo")
    html = n1_dpo.get(f"/persone/{net.person.id}/accessi").get_data(as_text=True)
    assert read in html and f"trasferimento del caso n. {transfer.id}" in html
    assert net.users["n1_coordinator"].full_name in html
    assert open_request(n1_dpo, net.person, "access").status_code == 302
    export = json.loads(n1_dpo.get(f"/persone/{net.person.id}/esporta").get_data(as_text=True))
    assert {("case_transfer.identity_read", str(transfer.id))} <= {
        (a["action"], a["object_id"]) for a in export["accesses"] if a["object_type"] == "case_transfer"}

    # The receiving node's person came from the transfer: its DPO sees its coordinator's read of it.
    html = login("n2_dpo").get(f"/persone/{new_case.person_id}/accessi").get_data(as_text=True)
    assert read in html and net.users["n2_coordinator"].full_name in html


def test_reading_a_transfer_s_identity_counts_towards_unusual_access(login, network):
    net = network
    set_threshold(net, 2)
    transfer = _propose(login, net)
    coordinator = net.users["n1_coordinator"]
    with context.acting_as(net.tenants["n1"].id, coordinator.id):
        # A person whose id is the transfer's: still two different identities.
        record("person.identity_read", "person", transfer.id, ["last_name"], user_id=coordinator.id)
    assert login("n1_coordinator").get(f"/casi/trasferimenti/{transfer.id}?identita=1").status_code == 200
    with context.acting_as(net.tenants["n1"].id):
        [alert] = db.session.scalars(select(SecurityAlert).execution_options(populate_existing=True)).all()
        assert alert.subject_user_id == coordinator.id and alert.identities_read == 2


@pytest.mark.parametrize("ending", ["withdrawn", "declined"])
def test_a_declined_or_withdrawn_proposal_is_closed_to_the_receiving_node(login, network, ending):
    """The case stays with the sender: the receiver no longer reads the proposal, and the row's copy of the
    identity and of the texts goes (audited in the sender's chain). The sender keeps its own person and case."""
    net = network
    transfer = _propose(login, net)
    page = f"/casi/trasferimenti/{transfer.id}"
    receiver = login("n2_coordinator")
    assert VICTIM_TAX_CODE in receiver.get(f"{page}?identita=1").get_data(as_text=True)  # while pending
    if ending == "withdrawn":
        response = post(login("n1_coordinator"), f"{page}/ritira", {"version": transfer.version}, page=page)
    else:
        response = post(receiver, f"{page}/rifiuta", {"version": transfer.version, "reason": "Non di nostra competenza."},
                        page=page)
    assert response.status_code == 302

    assert receiver.get(page).status_code == 403
    assert receiver.get(f"{page}?identita=1").status_code == 403
    listing = receiver.get("/casi/trasferimenti").get_data(as_text=True)
    assert net.case.pseudonym in listing and f'href="{page}"' not in listing  # listed, no longer a link
    transfer = _transfer(net)
    assert transfer.state == TransferState(ending) and transfer.identity_enc is None
    content = json.loads(transfer.snapshot_json)
    assert content["summary"]["situation"] is None and content["notes"] == []
    assert all(a["outcome"] is None for a in content["pathway"]["actions"])
    assert content["summary"]["grounds"] and content["pathway"]["actions"]  # codes and dates stay
    assert transfer.reason == REASON  # the sender's own words on its proposal
    if ending == "declined":
        assert transfer.decline_reason == "Non di nostra competenza."
    [cleared] = [e for e in audit_actions(net, "n1", "case_transfer", transfer.id) if e.action == "case_transfer.copy_cleared"]
    assert {"case_transfer.identity", "case_transfer.snapshot"} <= set(cleared.fields)

    sender = login("n1_coordinator")
    html = sender.get(page).get_data(as_text=True)
    assert "La proposta è chiusa" in html and "identita=1" not in html and "Licenziata dopo" not in html
    with context.acting_as(net.tenants["n1"].id):
        assert db.session.get(Person, net.person.id).tax_code == VICTIM_TAX_CODE
        assert db.session.get(Referral, net.referral.id).situation == SITUATION
    assert VICTIM_LAST_NAME in sender.get(f"/casi/{net.case.id}?identita=1").get_data(as_text=True)


def test_the_receiving_node_s_reads_are_in_the_sender_s_access_log_and_export(login, network):
    """The transfer carries the sender's person: the receiver's reads of it are recorded in the sender's chain
    too, so the sender's DPO sees them in the person's access log and the art. 15 export."""
    net = network
    transfer = _propose(login, net)
    receiver = login("n2_coordinator")
    assert receiver.get(f"/casi/trasferimenti/{transfer.id}?identita=1").status_code == 200
    n2_user = net.users["n2_coordinator"]
    at_sender = {(e.action, e.actor_user_id) for e in audit_actions(net, "n1", "case_transfer", transfer.id)}
    assert {("case_transfer.read", n2_user.id), ("case_transfer.identity_read", n2_user.id)} <= at_sender
    at_receiver = {(e.action, e.actor_user_id) for e in audit_actions(net, "n2", "case_transfer", transfer.id)}
    assert {("case_transfer.read", n2_user.id), ("case_transfer.identity_read", n2_user.id)} <= at_receiver

    n1_dpo = login("n1_dpo")
    html = n1_dpo.get(f"/persone/{net.person.id}/accessi").get_data(as_text=True)
    assert "ha letto i dati identificativi della persona proposta da un altro nodo" in html
    assert n2_user.full_name in html
    assert open_request(n1_dpo, net.person, "access").status_code == 302
    export = json.loads(n1_dpo.get(f"/persone/{net.person.id}/esporta").get_data(as_text=True))
    assert ("case_transfer.identity_read", str(transfer.id), n2_user.full_name) in {
        (a["action"], a["object_id"], a["user"]) for a in export["accesses"]}
    for key in ("n1", "n2"):  # both chains still verify: the heads were taken before the events
        with context.acting_as(net.tenants[key].id):
            assert verify_chains([f"t{net.tenants[key].id}"]) == [], key
