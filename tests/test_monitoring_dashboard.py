"""Monitoring dashboards: the node's numbers on small known data, the filters, the antenna's
own dashboard (nothing of other tenants), permissions, a bounded number of queries, no decryption."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.cases.models import ActionStatus, CaseState, ClosureOutcome, JobOutcome, Verification, VerificationPhase
from portal.extensions import db
from portal.i18n import LOCALE_KEY
from portal.monitoring import queries
from portal.monitoring.filters import Filters
from portal.referrals.models import Ground, OutcomeCode, ReferralState
from portal.tenancy import context

from .factories import make_action, make_case, make_person, make_referral
from .region_support import outside_region

MARCH = Filters(date(2026, 3, 1), date(2026, 3, 31))
TODAY = date(2026, 3, 30)
QS = "?dal=2026-03-01&al=2026-03-31"


def at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _set(obj, tenant_id, **values):
    with context.acting_as(tenant_id):
        for name, value in values.items():
            setattr(obj, name, value)
        db.session.flush()


def _verification(case, **values):
    with context.acting_as(case.tenant_id):
        v = Verification(case_id=case.id, tenant_id=case.tenant_id, **values)
        db.session.add(v)
        db.session.flush()
    return v


def build_known(net) -> dict:
    """Referrals, cases, actions and verifications with dates in March 2026 (see the expectations below).

    The network fixture's own referral and case are dated today (outside March); its one action starts
    on 2 March 2026 (counselling by provider P, planned, 10 h) and so counts among March's actions.
    """
    a, b, n1 = net.tenants["a"], net.tenants["b"], net.tenants["n1"]
    op_a, op_b = net.users["a_operator"], net.users["b_operator"]
    p1 = make_person(a, first_name="Ada", birth_year=2005, gender="female", age_band="under_25", labour_status="unemployed",
                     education_level="isced_0_2", citizenship_group="non_eu", disability=True)
    r1 = make_referral(a, op_a, person=p1, grounds=[Ground.ETHNICITY.value, Ground.GENDER.value])
    _set(r1, a.id, submitted_at=at(2), decided_at=at(4), outcome_code=OutcomeCode.PHASE_2)
    c1 = make_case(r1, state="phase_2")
    _set(c1, n1.id, opened_at=at(4))
    make_action(c1, "counselling", provider=net.tenants["p"], planned_start=date(2026, 3, 10),
                status=ActionStatus.DONE, delivered_hours=Decimal("8"))
    make_action(c1, "training", phase="job_insertion", planned_start=date(2026, 3, 20), planned_hours=Decimal("6"))
    make_action(c1, "tutoring", planned_start=date(2026, 3, 5), status=ActionStatus.CANCELLED)
    _verification(c1, phase=VerificationPhase.JOB_INSERTION, due_date=date(2026, 3, 25), done_on=date(2026, 3, 25),
                  job_outcome=JobOutcome.EMPLOYED)
    _verification(c1, phase=VerificationPhase.INCLUSION, months_after=3, due_date=date(2026, 3, 15))
    _verification(c1, phase=VerificationPhase.INCLUSION, months_after=6, due_date=date(2026, 3, 28),
                  done_on=date(2026, 3, 28), still_in_work=True)

    r2 = make_referral(a, op_a, grounds=[Ground.AGE.value], state="declined")
    _set(r2, a.id, submitted_at=at(5), decided_at=at(6), outcome_code=OutcomeCode.NOT_TAKEN_IN_CHARGE)
    r3 = make_referral(a, op_a, state="draft", grounds=[Ground.RELIGION.value])
    _set(r3, a.id, created_at=at(12))

    p4 = make_person(b, first_name="Bruno", gender="male", age_band="25_54", labour_status="long_term_unemployed",
                     education_level="isced_3_4", citizenship_group="italian", disability=False)
    r4 = make_referral(b, op_b, person=p4, grounds=[Ground.RELIGION.value])
    _set(r4, b.id, submitted_at=at(10), decided_at=at(16), outcome_code=OutcomeCode.COMPLETED)
    c2 = make_case(r4, state="closed")
    _set(c2, n1.id, opened_at=at(16), closed_at=at(30, hour=9), closure_outcome=ClosureOutcome.EMPLOYED)
    make_action(c2, "training", planned_start=date(2026, 3, 20), planned_hours=Decimal("4"),
                status=ActionStatus.DONE, delivered_hours=Decimal("4"))

    r5 = make_referral(b, op_b, grounds=[Ground.ETHNICITY.value])
    _set(r5, b.id, submitted_at=at(2, month=4))
    for r in (r1, r2, r4):
        _set(r, r.tenant_id, state=ReferralState.ACCEPTED if r is not r2 else ReferralState.DECLINED)
    return {"c1": c1, "c2": c2, "r1": r1}


@pytest.fixture
def known(network):
    return build_known(network)


def as_node(net):
    return context.acting_as(net.tenants["n1"].id)


def test_node_dashboard_numbers(network, known):
    with as_node(network):
        d = queries.node_dashboard(MARCH, today=TODAY)
    assert d.referrals_total == 3 and d.intersectional == 1
    assert dict(d.by_ground) == {Ground.ETHNICITY: 1, Ground.AGE: 1, Ground.RELIGION: 1, Ground.DISABILITY: 0,
                                 Ground.GENDER: 1, Ground.SEXUAL_ORIENTATION: 0, Ground.OTHER: 0}
    assert d.by_antenna == [("Antenna Alfa", 2), ("Antenna Beta", 1)]
    assert d.by_month == [("2026-03", 3)]
    # Over a longer period the months with nothing are there as 0: the month chart is a line through time.
    with as_node(network):
        winter = queries.node_dashboard(Filters(date(2025, 12, 15), date(2026, 4, 30)), today=TODAY)
    assert winter.by_month == [("2025-12", 0), ("2026-01", 0), ("2026-02", 0), ("2026-03", 3), ("2026-04", 1)]
    assert dict(d.by_referral_state) == {ReferralState.ACCEPTED: 2, ReferralState.DECLINED: 1}
    # decisions after 2, 1 and 6 days: nearest-rank median 2, p90 6
    assert (d.to_decision.median, d.to_decision.p90, d.to_decision.n) == (pytest.approx(2), pytest.approx(6), 3)
    # first (not cancelled) action 8 days (c1: 2 -> 10 March) and 10 days (c2: 10 -> 20 March) after submission
    assert (d.to_first_action.median, d.to_first_action.p90, d.to_first_action.n) == (8, 10, 2)
    assert dict(d.cases_by_state) == {CaseState.OPEN: 0, CaseState.PHASE_1: 0, CaseState.PHASE_2: 1, CaseState.CLOSED: 1,
                                      CaseState.TRANSFERRED: 0}
    services = {k: (v.planned, v.delivered, v.planned_hours, v.delivered_hours) for k, v in d.actions_by_service}
    assert services == {"counselling": (2, 1, 20.0, 8.0), "training": (2, 1, 10.0, 4.0), "tutoring": (0, 0, 0.0, 0.0)}
    providers = {k: (v.planned, v.delivered) for k, v in d.actions_by_provider}
    assert providers == {"Fornitore Pi": (2, 1), None: (2, 1)}
    assert dict(d.phase_1)[JobOutcome.EMPLOYED] == 1 and sum(n for _, n in d.phase_1) == 1
    fu = d.follow_ups
    assert (fu.due, fu.done, fu.to_do, fu.overdue) == (2, 1, 1, 1)


@pytest.mark.parametrize(("filters", "referrals", "planned_actions"), [
    ({"antenna": "b"}, 1, 1),
    ({"ground": "ethnicity"}, 1, 3),  # r1; actions of c1 (2 not cancelled) and of the network's own case (1)
    ({"ground": "religion"}, 1, 1),
    ({"provider": "p"}, 1, 2),
])
def test_node_filters(network, known, filters, referrals, planned_actions):
    f = Filters(MARCH.start, MARCH.end, antenna_id=network.tenants[filters["antenna"]].id if "antenna" in filters else None,
                ground=filters.get("ground", ""), provider_id=network.tenants["p"].id if "provider" in filters else None)
    with as_node(network):
        d = queries.node_dashboard(f, today=TODAY)
    assert d.referrals_total == referrals
    assert sum(row.planned for _, row in d.actions_by_service) == planned_actions


def test_period_filter(network, known):
    with as_node(network):
        april = queries.node_dashboard(Filters(date(2026, 4, 1), date(2026, 4, 30)), today=TODAY)
    assert april.referrals_total == 1 and april.by_antenna == [("Antenna Beta", 1)]
    assert sum(n for _, n in april.cases_by_state) == 0


def test_node_page_and_get_form(network, known, login):
    client = login("n1_coordinator")
    html = client.get("/monitoraggio/" + QS).get_data(as_text=True)
    assert "Antenna Alfa" in html and 'id="referrals-antenna"' in html
    assert 'data-chart="bar"' in html and "<script>" not in html
    # every chart has its table
    for table in ("referrals-ground", "referrals-month", "cases-state", "actions-service", "actions-provider", "phase-1"):
        assert f'id="{table}"' in html
    filtered = client.get(f"/monitoraggio/{QS}&antenna={network.tenants['b'].id}").get_data(as_text=True)
    assert 'data-value="1"' in filtered
    partial = client.get("/monitoraggio/" + QS, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.get_data(as_text=True)
    # a refused period: the error on its field, no other period's figures (tests/test_monitoring_period.py)
    bad = client.get("/monitoraggio/?dal=2026-03-31&al=2026-03-01")
    assert bad.status_code == 200 and "viene prima" in bad.get_data(as_text=True)


def test_budget_panel_only_with_money_rights(network, known, login):
    assert "h-budget" not in login("n1_case_worker").get(f"/monitoraggio/{QS}").get_data(as_text=True)


def test_antenna_sees_only_its_own(network, known, login):
    with context.acting_as(network.tenants["a"].id):
        own = queries.antenna_dashboard(MARCH)
    assert own.referrals_total == 2
    assert dict(own.by_referral_state) == {ReferralState.DRAFT: 1, ReferralState.ACCEPTED: 1, ReferralState.DECLINED: 1}
    assert dict(own.outcomes) == {OutcomeCode.PHASE_2: 1, OutcomeCode.NOT_TAKEN_IN_CHARGE: 1}
    assert dict(own.by_ground)[Ground.RELIGION] == 0  # antenna B's religion referral is not A's
    with context.acting_as(network.tenants["b"].id):
        other = queries.antenna_dashboard(MARCH)
    assert other.referrals_total == 1 and dict(other.outcomes) == {OutcomeCode.COMPLETED: 1}
    html = login("b_operator").get("/monitoraggio/antenna" + QS).get_data(as_text=True)
    assert "Percorso concluso" in html and "Non presa in carico" not in html and "Presa in carico – fase 2" not in html


def test_antenna_outcomes_are_one_bucket_per_outcome_in_the_readers_language(network, known, login):
    """The outcome is a code: written by node users of either language it is one bucket, labelled when shown."""
    referral = make_referral(network.tenants["a"], network.users["a_operator"], grounds=["age"])
    _set(referral, network.tenants["a"].id, submitted_at=at(20), decided_at=at(21), state=ReferralState.ACCEPTED,
         outcome_code=OutcomeCode.PHASE_2)
    with context.acting_as(network.tenants["a"].id):
        assert dict(queries.antenna_dashboard(MARCH).outcomes)[OutcomeCode.PHASE_2] == 2
    client = login("a_operator")
    with client.session_transaction() as session:
        session[LOCALE_KEY] = "en"
    html = client.get("/monitoraggio/antenna" + QS).get_data(as_text=True)
    assert "Taken in charge – phase 2: social and work inclusion" in html and "inclusione socio-lavorativa" not in html


@pytest.mark.parametrize(("user", "path", "status"), [
    ("n1_dpo", "/monitoraggio/", 403),
    ("n1_sysadmin", "/monitoraggio/", 403),
    ("p_user", "/monitoraggio/", 403),
    ("a_operator", "/monitoraggio/", 403),
    ("n1_coordinator", "/monitoraggio/antenna", 403),
    ("n1_case_worker", "/monitoraggio/open-data.csv", 403),
    ("n1_budget_officer", "/monitoraggio/open-data", 403),
    ("n1_case_worker", "/monitoraggio/rapporto", 200),
    ("n1_budget_officer", "/monitoraggio/", 200),
    ("a_admin", "/monitoraggio/antenna", 200),
])
def test_permissions(network, login, user, path, status):
    assert login(user).get(path).status_code == status


def test_home_and_nav_links(network, login):
    assert "/monitoraggio/" in login("n1_coordinator").get("/").get_data(as_text=True)
    assert "/monitoraggio/antenna" in login("a_operator").get("/").get_data(as_text=True)


def test_bounded_queries(network, known, login, count_queries):
    client = login("n1_coordinator")
    client.get("/monitoraggio/" + QS)
    with count_queries() as small:
        client.get("/monitoraggio/" + QS)
    for n in range(6):  # more referrals, cases and actions: the same statements
        person = make_person(network.tenants["b"], first_name=f"N{n}", gender="female")
        r = make_referral(network.tenants["b"], network.users["b_operator"], person=person)
        _set(r, network.tenants["b"].id, submitted_at=at(20))
        make_action(make_case(r), "orientation", planned_start=date(2026, 3, 21))
    with count_queries() as large:
        client.get("/monitoraggio/" + QS)
    assert large.count == small.count
    assert small.count <= 25, small.statements


def test_dashboards_and_exports_never_decrypt(network, known, login, monkeypatch, count_queries):
    import portal.crypto

    def refuse(*args, **kwargs):
        raise AssertionError("monitoring decrypted an identity field")

    outside_region(network)  # its open data released at this export, not with a region's (tests/region_support.py)
    coordinator, antenna = login("n1_coordinator"), login("a_operator")
    monkeypatch.setattr(portal.crypto, "decrypt", refuse)
    with count_queries() as counter:
        for client, path in [(coordinator, "/monitoraggio/"), (coordinator, "/monitoraggio/rapporto"),
                             (coordinator, "/monitoraggio/rapporto.xlsx"), (coordinator, "/monitoraggio/open-data.csv"),
                             (antenna, "/monitoraggio/antenna")]:
            query = "?dal=2026-01-01&al=2026-03-31" if "open-data" in path else QS  # open data: a closed quarter
            assert client.get(path + query).status_code == 200, path
    # and no statement even reads an encrypted column of people, referrals or cases
    sealed = ("first_name_enc", "last_name_enc", "tax_code_enc", "birth_year_enc", "contact_enc", "situation_enc",
              "needs_enc", "text_enc")
    assert not [s for s in counter.statements if any(column in s for column in sealed)]
