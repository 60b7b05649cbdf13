"""Alert rules: each fires, does not fire, never duplicates; auto-resolution, manual
resolution, disabled rules, owners."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.alerts.models import Alert, AlertState, Rule, RuleSetting
from portal.alerts.services import ensure_settings, evaluate
from portal.cases.models import ActionStatus, Verification, VerificationPhase
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order
from .factories import make_action, make_case, make_referral

TODAY = date(2026, 11, 25)


def run(net, today=TODAY, **scope):
    with context.acting_as(net.tenants["n1"].id):
        return evaluate(net.tenants["n1"].id, today=today, **scope)


def alerts(net, rule=None, state=None):
    with context.acting_as(net.tenants["n1"].id):
        query = select(Alert).execution_options(populate_existing=True).order_by(Alert.id)
        if rule:
            query = query.where(Alert.rule == rule)
        if state:
            query = query.where(Alert.state == state)
        return list(db.session.scalars(query))


def set_threshold(net, rule, threshold=None, enabled=True):
    with context.acting_as(net.tenants["n1"].id):
        ensure_settings(net.tenants["n1"].id)
        setting = db.session.scalar(select(RuleSetting).where(RuleSetting.rule == rule))
        setting.enabled = enabled
        if threshold is not None:
            setting.threshold = threshold
        db.session.flush()


def stale_referral(net, days=10):
    referral = make_referral(net.tenants["a"], net.users["a_operator"])
    with context.acting_as(net.tenants["a"].id):
        referral.submitted_at = utcnow() - timedelta(days=days)
        db.session.flush()
    return referral


def test_referral_undecided_fires_once_and_resolves_when_decided(network):
    fresh = make_referral(network.tenants["a"], network.users["a_operator"])
    old = stale_referral(network, days=10)
    draft = make_referral(network.tenants["a"], network.users["a_operator"], state="draft")
    run(network, today=utcnow().date())
    found = alerts(network, Rule.REFERRAL_UNDECIDED)
    assert [a.object_id for a in found] == [old.id]
    assert fresh.id not in [a.object_id for a in found] and draft.id not in [a.object_id for a in found]
    alert = found[0]
    assert alert.owner_id is None and alert.referral_id == old.id and alert.pseudonym
    assert run(network, today=utcnow().date())["opened"] == 0
    assert len(alerts(network, Rule.REFERRAL_UNDECIDED)) == 1
    make_case(old, case_worker=network.users["n1_case_worker"])  # accepted
    run(network, today=utcnow().date())
    (alert,) = alerts(network, Rule.REFERRAL_UNDECIDED)
    assert alert.state == AlertState.RESOLVED and alert.auto_resolved and alert.open_key is None


def test_case_without_action(network):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    case = make_case(referral, case_worker=network.users["n1_case_worker"])
    with context.acting_as(network.tenants["n1"].id):
        case.opened_at = utcnow() - timedelta(days=20)
        db.session.flush()
    run(network, today=utcnow().date())
    found = alerts(network, Rule.CASE_WITHOUT_ACTION)
    # network.case has an action: only the new, empty case fires
    assert [a.object_id for a in found] == [case.id]
    assert found[0].owner_id == network.users["n1_case_worker"].id
    run(network, today=utcnow().date())
    assert len(alerts(network, Rule.CASE_WITHOUT_ACTION)) == 1
    make_action(case)
    run(network, today=utcnow().date(), case_id=case.id)
    assert alerts(network, Rule.CASE_WITHOUT_ACTION)[0].state == AlertState.RESOLVED


def test_case_without_action_not_before_threshold(network):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    make_case(referral, case_worker=network.users["n1_case_worker"])  # opened now
    run(network, today=utcnow().date())
    assert alerts(network, Rule.CASE_WITHOUT_ACTION) == []


def test_action_overdue(network):
    # network.action: planned, starts 02/03/2026, no planned end.
    run(network, today=date(2026, 3, 5))
    assert alerts(network, Rule.ACTION_OVERDUE) == []
    run(network, today=TODAY)
    (alert,) = alerts(network, Rule.ACTION_OVERDUE)
    assert alert.object_type == "action" and alert.object_id == network.action.id and alert.case_id == network.case.id
    assert alert.due_on == date(2026, 3, 2) and alert.owner_id == network.users["n1_case_worker"].id
    run(network, today=TODAY)
    assert len(alerts(network, Rule.ACTION_OVERDUE)) == 1
    with context.acting_as(network.tenants["n1"].id):
        network.action.status = ActionStatus.CANCELLED
        db.session.flush()
    run(network, today=TODAY)
    assert alerts(network, Rule.ACTION_OVERDUE)[0].state == AlertState.RESOLVED


def test_delivery_missing(network):
    set_threshold(network, Rule.ACTION_OVERDUE, enabled=False)
    action = make_action(network.case, provider=network.tenants["p"], status=ActionStatus.IN_PROGRESS,
                         planned_start=TODAY - timedelta(days=30))
    recent = make_action(network.case, provider=network.tenants["p"], status=ActionStatus.IN_PROGRESS,
                         planned_start=TODAY - timedelta(days=3))
    own = make_action(network.case, status=ActionStatus.IN_PROGRESS, planned_start=TODAY - timedelta(days=30))
    run(network)
    found = [a.object_id for a in alerts(network, Rule.DELIVERY_MISSING)]
    assert found == [action.id]
    assert recent.id not in found and own.id not in found  # too recent; delivered by the node itself
    contract = make_contract(network, budget_of(network), network.tenants["p"])
    make_delivery(make_order(contract, action), day=TODAY - timedelta(days=20))
    run(network)
    assert alerts(network, Rule.DELIVERY_MISSING)[0].state == AlertState.RESOLVED


def _follow_up(net, due, done_on=None):
    with context.acting_as(net.tenants["n1"].id):
        verification = Verification(case_id=net.case.id, tenant_id=net.tenants["n1"].id, phase=VerificationPhase.INCLUSION,
                                    months_after=3, due_date=due, done_on=done_on)
        db.session.add(verification)
        db.session.flush()
    return verification


def test_follow_up_due(network):
    soon = _follow_up(network, TODAY + timedelta(days=5))
    _follow_up(network, TODAY + timedelta(days=60))
    _follow_up(network, TODAY - timedelta(days=5), done_on=TODAY - timedelta(days=5))
    run(network)
    (alert,) = alerts(network, Rule.FOLLOW_UP_DUE)
    assert alert.object_type == "verification" and alert.object_id == soon.id and alert.due_on == soon.due_date
    run(network)
    assert len(alerts(network, Rule.FOLLOW_UP_DUE)) == 1
    with context.acting_as(network.tenants["n1"].id):
        soon.done_on = TODAY
        db.session.flush()
    run(network)
    assert alerts(network, Rule.FOLLOW_UP_DUE)[0].state == AlertState.RESOLVED


def test_urgent_unassigned_goes_to_the_coordination_then_follows_the_case_worker(network):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    case = make_case(referral)
    with context.acting_as(network.tenants["n1"].id):
        network.case.urgent = True  # urgent but assigned: no alert
        case.urgent = True
        db.session.flush()
    run(network)
    (alert,) = alerts(network, Rule.URGENT_UNASSIGNED)
    assert alert.object_id == case.id and alert.owner_id is None
    run(network)
    assert len(alerts(network, Rule.URGENT_UNASSIGNED)) == 1
    with context.acting_as(network.tenants["n1"].id):
        case.case_worker_id = network.users["n1_case_worker"].id
        db.session.flush()
    run(network, case_id=case.id)
    (alert,) = alerts(network, Rule.URGENT_UNASSIGNED)
    assert alert.state == AlertState.RESOLVED and alert.auto_resolved


def _sessions(net, attended: list[bool]):
    action = make_action(net.case, provider=net.tenants["p"], status=ActionStatus.IN_PROGRESS, planned_start=TODAY)
    order = make_order(make_contract(net, budget_of(net), net.tenants["p"]), action)
    for i, present in enumerate(attended):
        delivery = make_delivery(order, day=TODAY - timedelta(days=30 - 7 * i))
        with context.acting_as(net.tenants["n1"].id):
            delivery.attended = present
            db.session.flush()
    return order


@pytest.mark.parametrize("attended, fires", [
    ([True, False, False, False], True),
    ([False, False, True, False], False),
    ([False, False], False),  # fewer sessions than the threshold (3)
])
def test_drop_out(network, attended, fires):
    _sessions(network, attended)
    run(network)
    found = alerts(network, Rule.DROP_OUT)
    assert bool(found) is fires
    if fires:
        assert found[0].object_id == network.case.id and found[0].due_on == TODAY - timedelta(days=30 - 7 * 3)
        run(network)
        assert len(alerts(network, Rule.DROP_OUT)) == 1


def test_manual_resolution_stands_until_a_new_occurrence(network):
    run(network)
    (alert,) = alerts(network, Rule.ACTION_OVERDUE)
    with context.acting_as(network.tenants["n1"].id):
        alert.state, alert.open_key, alert.resolution_note = AlertState.RESOLVED, None, "Sentito il fornitore"
        alert.resolved_at = utcnow()
        db.session.flush()
    run(network)
    assert len(alerts(network, Rule.ACTION_OVERDUE)) == 1  # same occurrence: left as decided
    with context.acting_as(network.tenants["n1"].id):
        network.action.planned_end = date(2026, 6, 30)  # re-planned, and overdue again
        db.session.flush()
    run(network)
    found = alerts(network, Rule.ACTION_OVERDUE)
    assert len(found) == 2 and found[1].state == AlertState.OPEN and found[1].due_on == date(2026, 6, 30)


def test_disabled_rule_neither_raises_nor_resolves(network):
    run(network)
    assert alerts(network, Rule.ACTION_OVERDUE)
    set_threshold(network, Rule.ACTION_OVERDUE, enabled=False)
    with context.acting_as(network.tenants["n1"].id):
        network.action.status = ActionStatus.DONE
        network.action.delivered_on = TODAY
        db.session.flush()
    run(network)
    assert alerts(network, Rule.ACTION_OVERDUE)[0].state == AlertState.OPEN


def test_threshold_is_configurable(network):
    old = stale_referral(network, days=4)
    run(network, today=utcnow().date())
    assert alerts(network, Rule.REFERRAL_UNDECIDED) == []
    set_threshold(network, Rule.REFERRAL_UNDECIDED, 3)
    run(network, today=utcnow().date())
    assert [a.object_id for a in alerts(network, Rule.REFERRAL_UNDECIDED)] == [old.id]


def test_other_node_is_not_evaluated_into_n1(network):
    with context.acting_as(network.tenants["n2"].id):
        counts = evaluate(network.tenants["n2"].id, today=TODAY)
    assert counts["opened"] == 0
    with context.acting_as(network.tenants["n2"].id):
        assert db.session.scalars(select(Alert)).all() == []


def test_hook_evaluates_on_change_through_the_services(network, login):
    """Recording the action through the case screen resolves its overdue alert at once (no job)."""
    run(network)
    assert alerts(network, Rule.ACTION_OVERDUE)[0].state == AlertState.OPEN
    from .case_support import post

    client = login("n1_case_worker")
    response = post(client, f"/casi/azioni/{network.action.id}/registra", {
        "version": network.action.version, "status": "done",  # a provider action: its hours are its deliveries
    })
    assert response.status_code == 302
    assert alerts(network, Rule.ACTION_OVERDUE)[0].state == AlertState.RESOLVED


def test_a_referral_scoped_evaluation_runs_the_case_rules_once_the_referral_has_a_case(network):
    """The referral hook skips the case rules only while the node has no case of the referral."""
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    case = make_case(referral)
    with context.acting_as(network.tenants["n1"].id):
        case.urgent = True
        db.session.flush()
    run(network, referral_id=referral.id)
    (alert,) = alerts(network, Rule.URGENT_UNASSIGNED)
    assert alert.object_id == case.id and alert.referral_id == referral.id
    with context.acting_as(network.tenants["n1"].id):
        case.case_worker_id = network.users["n1_case_worker"].id
        db.session.flush()
    run(network, referral_id=referral.id)
    assert alerts(network, Rule.URGENT_UNASSIGNED)[0].state == AlertState.RESOLVED


def test_a_referral_without_a_case_costs_only_the_referral_rules(network, count_queries):
    old = stale_referral(network, days=10)
    set_threshold(network, Rule.REFERRAL_UNDECIDED)
    with count_queries() as queries:
        run(network, today=utcnow().date(), referral_id=old.id)
    (alert,) = alerts(network, Rule.REFERRAL_UNDECIDED)
    assert alert.object_id == old.id
    # The settings, the has-a-case check, the referral rule's two statements, the owners' update and the
    # audit row: not the other seven rules' fourteen statements.
    assert queries.count <= 10, queries.statements
