"""Alert screens: home panels, list with filters and pages, acknowledge and resolve with a
note, owner routing, optimistic locking, the rule settings page, and who may reach what."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.alerts.models import Alert, AlertState, Rule, RuleSetting
from portal.alerts.services import evaluate
from portal.alerts.summary import handled_in_period
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .case_support import post
from .factories import make_case, make_referral
from .test_alerts_rules import alerts, run, stale_referral


@pytest.fixture
def two_alerts(network):
    """An overdue action of the case worker's case, and an overdue referral for the coordination."""
    referral = stale_referral(network)
    run(network, today=utcnow().date())
    mine = alerts(network, Rule.ACTION_OVERDUE)[0]
    theirs = alerts(network, Rule.REFERRAL_UNDECIDED)[0]
    return {"mine": mine, "coordination": theirs, "referral": referral}


def test_case_worker_home_shows_own_alerts_only(login, network, two_alerts):
    page = login("n1_case_worker").get("/").get_data(as_text=True)
    assert 'data-queue="alerts.open"' in page
    assert f"/allerte/{two_alerts['mine'].id}" in page
    assert f"/allerte/{two_alerts['coordination'].id}" not in page


def test_coordinator_home_and_list_show_all(login, network, two_alerts):
    client = login("n1_coordinator")
    page = client.get("/").get_data(as_text=True)
    assert 'data-queue="alerts.open"' in page and f"/allerte/{two_alerts['coordination'].id}" in page
    assert "Regole delle allerte" in page
    listing = client.get("/allerte/").get_data(as_text=True)
    assert f"/allerte/{two_alerts['mine'].id}" in listing and f"/allerte/{two_alerts['coordination'].id}" in listing
    only_referrals = client.get("/allerte/?regola=referral_undecided").get_data(as_text=True)
    assert f"/allerte/{two_alerts['mine'].id}" not in only_referrals
    coordination = client.get("/allerte/?responsabile=0").get_data(as_text=True)
    assert f"/allerte/{two_alerts['coordination'].id}" in coordination and f"/allerte/{two_alerts['mine'].id}" not in coordination
    by_worker = client.get(f"/allerte/?responsabile={network.users['n1_case_worker'].id}").get_data(as_text=True)
    assert f"/allerte/{two_alerts['mine'].id}" in by_worker and f"/allerte/{two_alerts['coordination'].id}" not in by_worker


def test_list_paginates(login, network):
    for _ in range(27):
        stale_referral(network)
    run(network, today=utcnow().date())
    client = login("n1_coordinator")
    first = client.get("/allerte/").get_data(as_text=True)
    assert "Pagina successiva" in first
    second = client.get("/allerte/?pagina=2").get_data(as_text=True)
    assert "Pagina precedente" in second and "Pagina successiva" not in second


def test_list_query_count_does_not_grow(login, network, count_queries):
    client = login("n1_coordinator")
    for _ in range(3):
        stale_referral(network)
    run(network, today=utcnow().date())
    client.get("/allerte/")
    with count_queries() as few:
        client.get("/allerte/")
    for _ in range(10):
        stale_referral(network)
    run(network, today=utcnow().date())
    with count_queries() as many:
        client.get("/allerte/")
    assert many.count == few.count


def test_acknowledge_then_resolve_with_a_note(login, network, two_alerts):
    client = login("n1_case_worker")
    alert = two_alerts["mine"]
    path = f"/allerte/{alert.id}"
    page = client.get(path).get_data(as_text=True)
    assert f"/casi/{network.case.id}" in page
    response = post(client, f"{path}/stato", {"ack-version": alert.version, "azione": "acknowledge"}, page=path)
    assert response.status_code == 302
    (alert,) = alerts(network, Rule.ACTION_OVERDUE)
    assert alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_by_id == network.users["n1_case_worker"].id
    empty = post(client, f"{path}/stato", {"res-version": alert.version, "azione": "resolve", "res-note": " "}, page=path)
    assert "Scrivi come è stata risolta" in empty.get_data(as_text=True)
    assert alerts(network, Rule.ACTION_OVERDUE)[0].state == AlertState.ACKNOWLEDGED
    done = post(client, f"{path}/stato", {"res-version": alert.version, "azione": "resolve", "res-note": "Sentito il fornitore"}, page=path)
    assert done.status_code == 302
    (alert,) = alerts(network, Rule.ACTION_OVERDUE)
    assert alert.state == AlertState.RESOLVED and alert.resolution_note == "Sentito il fornitore" and not alert.auto_resolved
    assert "Sentito il fornitore" in client.get(path).get_data(as_text=True)
    today = utcnow().date()
    with context.acting_as(network.tenants["n1"].id):
        figures = handled_in_period(today - timedelta(days=1), today)
    assert figures == {"opened": 2, "acknowledged": 1, "resolved": 1, "open_now": 1}


def test_stale_version_is_a_conflict(login, network, two_alerts):
    client = login("n1_coordinator")
    alert = two_alerts["coordination"]
    path = f"/allerte/{alert.id}"
    stale = alert.version
    assert post(client, f"{path}/stato", {"ack-version": stale, "azione": "acknowledge"}, page=path).status_code == 302
    response = post(client, f"{path}/stato", {"res-version": stale, "azione": "resolve", "res-note": "Deciso"}, page=path)
    assert response.status_code == 409
    assert alerts(network, Rule.REFERRAL_UNDECIDED)[0].state == AlertState.ACKNOWLEDGED


def test_the_coordinator_follows_the_referral_link(login, network, two_alerts):
    client = login("n1_coordinator")
    page = client.get(f"/allerte/{two_alerts['coordination'].id}").get_data(as_text=True)
    assert f"/segnalazioni/{two_alerts['referral'].id}" in page
    assert client.get(f"/segnalazioni/{two_alerts['referral'].id}").status_code == 200


def test_another_case_worker_may_not_handle_my_alert(app, login, network, two_alerts):
    from .factories import MembershipFactory, UserFactory

    other = UserFactory(email="altro.cm@prova.example")
    membership = MembershipFactory(user=other, tenant=network.tenants["n1"], role="case_worker")
    db.session.flush()
    from .helpers import log_in

    client = app.test_client()
    log_in(client, other.email, membership_id=membership.id)
    assert client.get(f"/allerte/{two_alerts['mine'].id}").status_code == 403
    assert f"/allerte/{two_alerts['mine'].id}" not in client.get("/allerte/").get_data(as_text=True)


@pytest.mark.parametrize("user", ["a_operator", "a_admin", "a_dpo", "p_user", "n1_budget_officer"])
def test_antennas_providers_and_other_roles_reach_no_alert_route(login, network, two_alerts, user):
    client = login(user)
    alert_id = two_alerts["mine"].id
    for path in ("/allerte/", f"/allerte/{alert_id}", "/allerte/regole", "/allerte/sicurezza"):
        assert client.get(path).status_code == 403, path
    assert "/allerte" not in client.get("/").get_data(as_text=True)


def test_other_node_sees_nothing_of_n1(login, network, two_alerts):
    client = login("n2_coordinator")
    assert client.get(f"/allerte/{two_alerts['mine'].id}").status_code == 404
    listing = client.get("/allerte/").get_data(as_text=True)
    assert two_alerts["mine"].pseudonym not in listing and "Nessuna allerta" in listing


def test_rule_settings_with_optimistic_locking(login, network):
    client = login("n1_coordinator")
    page = client.get("/allerte/regole").get_data(as_text=True)
    assert "Segnalazione senza decisione" in page and "Accessi insoliti" not in page  # the DPO's thresholds
    with context.acting_as(network.tenants["n1"].id):
        setting = db.session.scalar(select(RuleSetting).where(RuleSetting.rule == Rule.REFERRAL_UNDECIDED))
    version = setting.version
    data = {"referral_undecided-version": version, "referral_undecided-enabled": "y", "referral_undecided-threshold": "3"}
    response = post(client, "/allerte/regole/referral_undecided", data, page="/allerte/regole")
    assert response.status_code == 302
    conflict = post(client, "/allerte/regole/referral_undecided", {**data, "referral_undecided-threshold": "9"},
                    page="/allerte/regole")
    assert conflict.status_code == 409
    with context.acting_as(network.tenants["n1"].id):
        setting = db.session.execute(select(RuleSetting).where(RuleSetting.rule == Rule.REFERRAL_UNDECIDED)
                                     .execution_options(populate_existing=True)).scalar_one()
    assert setting.threshold == 3 and setting.enabled
    bad = post(client, "/allerte/regole/referral_undecided", {**data, "referral_undecided-version": setting.version,
                                                              "referral_undecided-threshold": "-2"}, page="/allerte/regole")
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True) or "Indica" in bad.get_data(as_text=True)
    # the case worker may not change rules; the DPO only the unusual-access one
    assert login("n1_case_worker").get("/allerte/regole").status_code == 403
    dpo = login("n1_dpo")
    dpo_page = dpo.get("/allerte/regole").get_data(as_text=True)
    assert "Accessi insoliti" in dpo_page and "Segnalazione senza decisione" not in dpo_page
    forbidden = post(dpo, "/allerte/regole/referral_undecided", data, page="/allerte/regole")
    assert forbidden.status_code == 403


def test_a_threshold_the_service_refuses_stays_on_its_field(login, network):
    """Zero passes the form (other rules accept it) but not the drop-out rule: the page again, the message on
    the threshold's control, nothing saved."""
    client = login("n1_coordinator")
    client.get("/allerte/regole")  # the settings rows exist
    with context.acting_as(network.tenants["n1"].id):
        setting = db.session.scalar(select(RuleSetting).where(RuleSetting.rule == Rule.DROP_OUT))
        before = setting.threshold
    refused = post(client, "/allerte/regole/drop_out", {"drop_out-version": setting.version, "drop_out-enabled": "y",
                                                        "drop_out-threshold": "0"}, page="/allerte/regole")
    assert refused.status_code == 200
    assert 'id="drop_out-threshold-error">Indica una soglia valida.' in refused.get_data(as_text=True)
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.get(RuleSetting, setting.id, populate_existing=True).threshold == before


def test_evaluate_in_system_context_for_the_seed(network):
    """The seeder evaluates without a tenant (system context): same result, no leak into N2."""
    referral = stale_referral(network)
    with context.system("test"):
        evaluate(network.tenants["n1"].id, today=date.today())
    with context.acting_as(network.tenants["n1"].id):
        rows = db.session.scalars(select(Alert).where(Alert.referral_id == referral.id)).all()
    assert len(rows) == 1 and rows[0].tenant_id == network.tenants["n1"].id


def test_accepting_through_the_referral_screen_resolves_the_alert(login, network):
    referral = stale_referral(network)
    run(network, today=utcnow().date())
    assert alerts(network, Rule.REFERRAL_UNDECIDED)[0].state == AlertState.OPEN
    client = login("n1_coordinator")
    response = post(client, f"/segnalazioni/{referral.id}/stato/accept", {
        "version": referral.version, "case_worker_id": network.users["n1_case_worker"].id,
    }, page=f"/segnalazioni/{referral.id}")
    assert response.status_code == 302
    assert alerts(network, Rule.REFERRAL_UNDECIDED)[0].state == AlertState.RESOLVED


def test_open_case_hook_unused_case_ok(network):
    make_case(make_referral(network.tenants["a"], network.users["a_operator"]))
    assert run(network)["opened"] >= 0
