"""Unusual access: one user reading many identities in a short time raises a security alert
for the node's data protection officer, with the time it was detected; thresholds configurable."""
from datetime import UTC, timedelta

from sqlalchemy import select

from portal.alerts.models import AlertState, Rule, RuleSetting, SecurityAlert
from portal.alerts.security import check_reader, scan
from portal.alerts.services import ensure_settings
from portal.audit.services import record
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .case_support import post
from .factories import make_person


def security_alerts(net, node="n1"):
    with context.acting_as(net.tenants[node].id):
        return list(db.session.scalars(
            select(SecurityAlert).order_by(SecurityAlert.id).execution_options(populate_existing=True)))


def set_threshold(net, threshold, window=10, enabled=True):
    with context.acting_as(net.tenants["n1"].id):
        ensure_settings(net.tenants["n1"].id)
        setting = db.session.scalar(select(RuleSetting).where(RuleSetting.rule == Rule.UNUSUAL_ACCESS))
        setting.threshold, setting.window_minutes, setting.enabled = threshold, window, enabled
        db.session.flush()


def people(net, n, antenna="a"):
    return [make_person(net.tenants[antenna], first_name=f"Nome{i}", last_name=f"Cognome{i}") for i in range(n)]


def test_reading_many_identities_fast_raises_one_alert_for_the_dpo(login, network, mailbox):
    set_threshold(network, 5)
    crowd = people(network, 7)
    client = login("a_operator")  # the referring antenna sees its people's identity
    before = utcnow()
    for person in crowd[:4]:
        assert client.get(f"/persone/{person.id}/identita").status_code == 200
    assert security_alerts(network) == []
    for person in crowd[4:]:
        client.get(f"/persone/{person.id}/identita")
    (alert,) = security_alerts(network)  # one, updated while open: no duplicate per further reveal
    assert alert.subject_user_id == network.users["a_operator"].id
    assert alert.subject_tenant_id == network.tenants["a"].id and alert.tenant_id == network.tenants["n1"].id
    assert alert.identities_read == 7 and alert.state == AlertState.OPEN
    detected = alert.detected_at.replace(tzinfo=alert.detected_at.tzinfo or UTC)
    assert before <= detected <= utcnow()
    # The node's DPOs are told, without the reader's or the people's names.
    (message,) = mailbox.wait_for(1)
    assert message["To"] == network.users["n1_dpo"].email
    body = mailbox.body(message)
    assert "5" in body and f"/allerte/sicurezza/{alert.id}" in body
    assert network.users["a_operator"].full_name not in body and "Cognome1" not in body
    # The DPO sees it on the home page and in the list; the antenna's own DPO and admin do not.
    dpo = login("n1_dpo")
    assert f"/allerte/sicurezza/{alert.id}" in dpo.get("/").get_data(as_text=True)
    assert network.users["a_operator"].full_name in dpo.get("/allerte/sicurezza").get_data(as_text=True)
    for other in ("a_dpo", "a_admin", "n1_coordinator", "n1_case_worker"):
        assert login(other).get(f"/allerte/sicurezza/{alert.id}").status_code == 403, other
    assert login("n2_dpo").get(f"/allerte/sicurezza/{alert.id}").status_code == 404


def test_below_threshold_or_disabled_raises_nothing(network):
    set_threshold(network, 5)
    crowd = people(network, 4)
    with context.acting_as(network.tenants["a"].id, network.users["a_operator"].id):
        for person in crowd:
            record("person.identity_read", "person", person.id, ["first_name"], user_id=network.users["a_operator"].id)
            check_reader(network.users["a_operator"].id)
    assert security_alerts(network) == []
    set_threshold(network, 2, enabled=False)
    with context.acting_as(network.tenants["a"].id, network.users["a_operator"].id):
        check_reader(network.users["a_operator"].id)
    assert security_alerts(network) == []


def test_the_same_person_read_again_counts_once(network):
    set_threshold(network, 3)
    (person,) = people(network, 1)
    with context.acting_as(network.tenants["a"].id):
        for _ in range(5):
            record("person.identity_read", "person", person.id, ["first_name"], user_id=network.users["a_operator"].id)
        assert check_reader(network.users["a_operator"].id) is None


def test_window_and_resolution(login, network):
    set_threshold(network, 3, window=10)
    crowd = people(network, 6)
    operator = network.users["a_operator"].id
    with context.acting_as(network.tenants["a"].id):
        for person in crowd[:3]:
            record("person.identity_read", "person", person.id, ["first_name"], user_id=operator)
        # outside the window (detected 20 minutes later): nothing
        assert check_reader(operator, now=utcnow() + timedelta(minutes=20)) is None
        alert = check_reader(operator)
    assert alert is not None
    dpo = login("n1_dpo")
    path = f"/allerte/sicurezza/{alert.id}"
    assert post(dpo, f"{path}/stato", {"ack-version": alert.version, "azione": "acknowledge"}, page=path).status_code == 302
    (alert,) = security_alerts(network)
    response = post(dpo, f"{path}/stato", {"res-version": alert.version, "azione": "resolve", "res-note": "Verificato: estrazione autorizzata"},
                    page=path)
    assert response.status_code == 302
    (alert,) = security_alerts(network)
    assert alert.state == AlertState.RESOLVED and alert.open_key is None
    # reads before the resolution do not raise it again; a new burst after it does
    with context.acting_as(network.tenants["a"].id):
        assert check_reader(operator) is None
        for person in crowd[3:]:
            record("person.identity_read", "person", person.id, ["first_name"], user_id=operator)
        assert check_reader(operator) is not None
    assert len(security_alerts(network)) == 2


def test_the_job_finds_bursts_set_based(network):
    set_threshold(network, 3)
    crowd = people(network, 3)
    with context.acting_as(network.tenants["n1"].id):
        for person in crowd:
            record("person.identity_read", "person", person.id, ["first_name"], user_id=network.users["n1_coordinator"].id)
        assert scan(network.tenants["n1"].id) == 1
        assert scan(network.tenants["n1"].id) == 0
    (alert,) = security_alerts(network)
    assert alert.subject_user_id == network.users["n1_coordinator"].id
    assert security_alerts(network, "n2") == []


def test_dpo_sets_the_thresholds(login, network):
    dpo = login("n1_dpo")
    dpo.get("/allerte/regole")
    with context.acting_as(network.tenants["n1"].id):
        setting = db.session.scalar(select(RuleSetting).where(RuleSetting.rule == Rule.UNUSUAL_ACCESS))
    data = {"unusual_access-version": setting.version, "unusual_access-enabled": "y",
            "unusual_access-threshold": "30", "unusual_access-window_minutes": "15"}
    assert post(dpo, "/allerte/regole/unusual_access", data, page="/allerte/regole").status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        setting = db.session.execute(select(RuleSetting).where(RuleSetting.rule == Rule.UNUSUAL_ACCESS)
                                     .execution_options(populate_existing=True)).scalar_one()
    assert (setting.threshold, setting.window_minutes) == (30, 15)
    assert post(login("n1_coordinator"), "/allerte/regole/unusual_access", data, page="/allerte/regole").status_code == 403
