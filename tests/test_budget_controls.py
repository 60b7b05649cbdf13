"""Controls on services: the coordinator's sample checks of approved deliveries (size or %,
reproducible seed), verification outcomes whose discrepancies reduce the delivered figures (SQL sums of
adjustment rows), and the provider scorecard (punctuality, approved vs returned, participants' outcomes)."""
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.budget import controls, figures
from portal.budget.models import DeliveryAdjustment, DeliveryStatus, SampleCheck, SampleCheckItem, VerificationOutcome
from portal.cases.models import JobOutcome, Verification, VerificationPhase
from portal.extensions import db
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .factories import make_action
from .fixtures import fresh
from .helpers import csrf_from, csrf_token
from .network import VICTIM_FIRST_NAME, VICTIM_LAST_NAME


def _events(network, action):
    with context.acting_as(network.tenants["n1"].id):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _approved(network, n=10, price="25.00", value="900.00"):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="CAMPIONE01", value=value, price=price,
                             quantity="30")
    order = make_order(contract, network.action, quantity="30")
    deliveries = [make_delivery(order, units="1", status=DeliveryStatus.APPROVED, day=date(2026, 3, 1 + i)) for i in range(n)]
    return contract, order, deliveries


def _check(network, check_id):
    with context.acting_as(network.tenants["n1"].id):
        check = db.session.scalar(select(SampleCheck).where(SampleCheck.id == check_id))
        items = list(db.session.scalars(select(SampleCheckItem).where(SampleCheckItem.check_id == check_id)
                                        .order_by(SampleCheckItem.position).execution_options(populate_existing=True)))
        return check, items


def _draw(client, network, **data):
    token = csrf_token(client, "/budget/controlli")
    return client.post("/budget/controlli/campioni", data={"csrf_token": token, "provider": network.tenants["p"].id, **data})


def test_draw_by_size_is_reproducible_and_excludes_what_was_drawn(login, network):
    _contract, _order, deliveries = _approved(network)
    coordinator = login("n1_coordinator")
    response = _draw(coordinator, network, size="3", seed="12345", note="Primo controllo")
    assert response.status_code == 302
    check_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    check, items = _check(network, check_id)
    assert check.seed == 12345 and check.population == 10 and len(items) == 3
    ids = sorted(d.id for d in deliveries)
    assert [i.delivery_id for i in items] == controls.sample_ids(ids, 3, 12345)  # the same seed, the same sample
    assert check.population_digest == controls.digest(ids)
    page = coordinator.get(f"/budget/controlli/campioni/{check_id}").get_data(as_text=True)
    assert 'data-reproducible="yes"' in page and "12345" in page and network.case.pseudonym in page
    assert VICTIM_LAST_NAME not in page and VICTIM_FIRST_NAME not in page
    with context.acting_as(network.tenants["n1"].id):
        same, redrawn = controls.redraw(check)
    assert same and redrawn == [i.delivery_id for i in items]
    assert _events(network, "sample_check.drawn")
    # A second draw chooses among the 7 not drawn yet; 50% of 7 rounds up to 4.
    second = _draw(coordinator, network, percent="50")
    check2, items2 = _check(network, int(second.headers["Location"].rstrip("/").split("/")[-1]))
    assert check2.population == 7 and len(items2) == 4 and check2.requested_percent == Decimal("50.00")
    assert not {i.delivery_id for i in items} & {i.delivery_id for i in items2}
    listing = coordinator.get("/budget/controlli").get_data(as_text=True)
    assert f'data-check="{check_id}"' in listing and f'data-check="{check2.id}"' in listing


def test_draw_errors_keep_input_and_only_the_coordinator_draws(login, network):
    coordinator = login("n1_coordinator")
    none = _draw(coordinator, network, size="2", note="Da tenere")
    body = none.get_data(as_text=True)
    assert none.status_code == 200 and "Nessuna prestazione approvata" in body and 'value="Da tenere"' in body
    _approved(network, n=2)
    both = _draw(coordinator, network, size="2", percent="10")
    assert both.status_code == 200 and "uno dei due" in both.get_data(as_text=True)
    officer = login("n1_budget_officer")
    assert officer.get("/budget/controlli").status_code == 200  # sees the checks
    assert _draw(officer, network, size="1").status_code == 403  # does not draw
    for key in ("n1_case_worker", "p_user", "a_operator"):
        assert login(key).get("/budget/controlli").status_code == 403


def test_discrepancy_reduces_the_delivered_figures_and_can_be_corrected(login, network):
    contract, _order, deliveries = _approved(network, n=4)
    coordinator = login("n1_coordinator")
    check_id = int(_draw(coordinator, network, size="2", seed="7").headers["Location"].split("/")[-1])
    check, items = _check(network, check_id)
    first, second = items
    second_version = second.version
    page = coordinator.get(f"/budget/controlli/campioni/{check_id}").get_data(as_text=True)
    token = csrf_from(page)

    def verify(item, version, **data):
        fields = {f"v{item.id}-{k}": v for k, v in {"version": version, **data}.items()}
        return coordinator.post(f"/budget/controlli/verifiche/{item.id}", data={"csrf_token": token, **fields})

    assert verify(first, first.version, outcome="confirmed").status_code == 302
    no_amount = verify(second, second_version, outcome="discrepancy", note="Foglio firme mancante")
    body = no_amount.get_data(as_text=True)
    assert no_amount.status_code == 200 and "indica l&#39;importo non riconosciuto" in body and "Foglio firme mancante" in body
    too_much = verify(second, second_version, outcome="discrepancy", discrepancy_amount="30,00", note="x")
    assert "supera il valore della prestazione" in too_much.get_data(as_text=True)
    assert verify(second, second_version, outcome="discrepancy", discrepancy_amount="10,00",
                  note="Foglio firme mancante").status_code == 302
    _, (first_now, second_now) = _check(network, check_id)
    assert first_now.outcome == VerificationOutcome.CONFIRMED and second_now.outcome == VerificationOutcome.DISCREPANCY
    assert verify(second, second_version, outcome="confirmed").status_code == 409  # stale version
    with context.acting_as(network.tenants["n1"].id):
        figs = figures.contract_of(contract)
        assert figs.delivered == Decimal("90.00") and figs.adjusted == Decimal("10.00")  # 4 × 25 − 10
        line = figures.line_of(budget_of(network).lines[0])
        assert line.delivered == Decimal("90.00")
    statement = coordinator.get(f"/budget/contratti/{contract.id}").get_data(as_text=True)
    assert 'data-figure="delivered">€\xa090,00' in statement and 'data-figure="adjusted">− €\xa010,00' in statement
    overview = coordinator.get("/budget/").get_data(as_text=True)
    assert 'data-figure="delivered">€\xa090,00' in overview
    provider = login("p_user")  # the provider sees the same figure, not the sample
    assert 'data-figure="delivered">€\xa090,00' in provider.get(f"/budget/contratti/{contract.id}").get_data(as_text=True)
    assert provider.get(f"/budget/controlli/campioni/{check_id}").status_code == 403
    assert _events(network, "sample_check.verified") and _events(network, "delivery_adjustment.created")
    # Corrected to "confirmed": the adjustment row goes, the figure comes back.
    assert verify(second, second_now.version, outcome="confirmed").status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalar(select(DeliveryAdjustment.id)) is None
        assert figures.contract_of(contract).delivered == Decimal("100.00")
    assert _events(network, "delivery_adjustment.deleted")
    officer = login("n1_budget_officer")
    officer_token = csrf_token(officer, "/budget/controlli")
    assert officer.post(f"/budget/controlli/verifiche/{second.id}", data={"csrf_token": officer_token}).status_code == 403


def test_checks_list_runs_a_bounded_number_of_queries(login, network, count_queries):
    _approved(network, n=12)
    coordinator = login("n1_coordinator")
    _draw(coordinator, network, size="2")

    def measure():
        coordinator.get("/budget/controlli")
        with count_queries() as counter:
            assert coordinator.get("/budget/controlli").status_code == 200
        return counter.count

    small = measure()
    for _ in range(3):
        _draw(coordinator, network, size="2")
    assert measure() == small


# --- the provider scorecard ----------------------------------------------------------------------------

def _stamp(delivery, logged: datetime):
    with context.acting_as(delivery.tenant_id):
        delivery.created_at = logged
        db.session.flush()


def test_scorecard_counts_punctuality_reviews_and_outcomes(login, network):
    contract = make_contract(network, budget_of(network), network.tenants["p"], cig="SCHEDA0001", value="900.00")
    order = make_order(contract, network.action)  # the action is planned for 02/03/2026, no end date
    on_time = make_delivery(order, status=DeliveryStatus.APPROVED)
    late = make_delivery(order, status=DeliveryStatus.APPROVED)
    returned = make_delivery(order, status=DeliveryStatus.RETURNED)
    pending = make_delivery(order)
    _stamp(on_time, datetime(2026, 3, 20, 10, tzinfo=UTC))
    _stamp(late, datetime(2026, 5, 20, 10, tzinfo=UTC))
    _stamp(returned, datetime(2026, 3, 4, 10, tzinfo=UTC))
    _stamp(pending, datetime(2026, 4, 1, 9, tzinfo=UTC))  # 30 days after: still on time
    with context.acting_as(network.tenants["n1"].id):
        returned.times_returned = 1
        late.times_returned = 2  # returned twice, then approved
        db.session.add(Verification(tenant_id=network.case.tenant_id, case_id=network.case.id, phase=VerificationPhase.JOB_INSERTION,
                                    due_date=date(2026, 6, 1), done_on=date(2026, 6, 1), job_outcome=JobOutcome.EMPLOYED))
        db.session.flush()
    # A second participant with an approved delivery and no outcome yet; a third with none approved (not counted).
    from .factories import make_case, make_referral

    other_case = make_case(make_referral(network.tenants["a"], network.users["a_operator"]))
    make_delivery(make_order(contract, make_action(other_case, provider=network.tenants["p"])), status=DeliveryStatus.APPROVED)
    third = make_case(make_referral(network.tenants["a"], network.users["a_operator"]))
    make_delivery(make_order(contract, make_action(third, provider=network.tenants["p"])))

    url = f"/budget/fornitori/{network.tenants['p'].id}/scheda"
    for key in ("n1_coordinator", "n1_case_worker", "n1_budget_officer", "p_user"):
        page = login(key).get(url).get_data(as_text=True)
        assert 'data-score="deliveries">6<' in page, key
        assert 'data-score="on_time">3 (50%)' in page  # the 2 fresh deliveries are late against 02/03/2026 too
        assert 'data-score="approved">3<' in page and 'data-score="submitted">2<' in page
        assert 'data-score="returned">1<' in page and 'data-score="returned_ever">2<' in page
        assert "2 partecipanti" in page
        assert VICTIM_LAST_NAME not in page and network.case.pseudonym not in page
        if key == "p_user":  # two participants the provider knows: their outcomes are not its to read
            assert 'data-outcome="hidden"' in page and 'data-outcome="employed"' not in page
        else:
            assert 'data-outcome="employed">1<' in page and 'data-outcome="none">1<' in page
    assert login("n1_dpo").get(url).status_code == 403
    for key in ("a_operator", "n2_coordinator"):
        assert login(key).get(url).status_code == 404
    assert login("n1_coordinator").get("/budget/fornitori").status_code == 200
    assert login("p_user").get("/budget/fornitori").status_code == 403


def test_provider_scorecard_does_not_give_one_participant_s_phase_1_outcome(login, network):
    """The provider knows who its participants are (its orders): with one, the count would be that person's
    outcome, recorded by the node and never shared with the provider."""
    order = make_order(make_contract(network, budget_of(network), network.tenants["p"], cig="SCHEDA0002"), network.action)
    make_delivery(order, status=DeliveryStatus.APPROVED)
    with context.acting_as(network.tenants["n1"].id):
        db.session.add(Verification(tenant_id=network.case.tenant_id, case_id=network.case.id, phase=VerificationPhase.JOB_INSERTION,
                                    due_date=date(2026, 6, 30), done_on=date(2026, 6, 1), job_outcome=JobOutcome.EMPLOYED))
        db.session.flush()
    url = f"/budget/fornitori/{network.tenants['p'].id}/scheda"
    page = login("p_user").get(url).get_data(as_text=True)
    assert "Gli esiti li vede il nodo" in page and "1 partecipanti" in page
    assert 'data-outcome="employed"' not in page and 'data-outcome="none"' not in page
    assert 'data-outcome="employed">1<' in login("n1_coordinator").get(url).get_data(as_text=True)  # the node: all


def test_provider_never_sees_the_outcome_split(login, network, monkeypatch):
    """Even with every count large, comparing the page before and after the node records one outcome would tell
    the provider (who knows its participants) that person's outcome: it sees the participants, not the split."""
    from portal.budget import scorecard

    counts = {o.value: 7 for o in JobOutcome} | {"": 6}
    monkeypatch.setattr(scorecard, "_participants", lambda provider: (None, sum(counts.values())))
    monkeypatch.setattr(scorecard, "_outcomes", lambda cases, participants: dict(counts))
    url = f"/budget/fornitori/{network.tenants['p'].id}/scheda"
    page = login("p_user").get(url).get_data(as_text=True)
    assert 'data-outcome="traineeship"' not in page and 'data-outcome="none"' not in page
    assert "Gli esiti li vede il nodo" in page and f"{sum(counts.values())} partecipanti" in page
    node = login("n1_coordinator").get(url).get_data(as_text=True)
    assert 'data-outcome="traineeship">7<' in node and "Gli esiti li vede il nodo" not in node


def test_fresh_rows_after_seeding_helpers(network):
    """fresh() reads through the scoping like the app (guards the helpers these tests rely on)."""
    _contract, _order, deliveries = _approved(network, n=1)
    assert fresh(type(deliveries[0]), deliveries[0].id, network.tenants["p"].id) is not None
    assert fresh(type(deliveries[0]), deliveries[0].id, network.tenants["a"].id) is None
