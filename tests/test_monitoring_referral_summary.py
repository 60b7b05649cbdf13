"""The referrals summarised by month (portal/monitoring/referral_summary.py): kept by triggers through every
kind of change, equal to the referrals themselves on whole and partial months, the node's only, written by
nothing but the triggers (tests/test_migrations_read_only.py), and checked by ``flask rete monitoring-verify``."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, select, text, update

from portal import create_app
from portal.cases.models import Action
from portal.extensions import db
from portal.monitoring import queries, referral_summary
from portal.monitoring.filters import Filters
from portal.monitoring.models import ReferralMonth
from portal.referrals.models import Ground, Referral
from portal.tenancy import context

from .factories import make_action, make_case, make_referral
from .test_budget_totals import _committed_contract, _remove_contract


def at(day: int, month: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _merged(facts: dict) -> dict:
    """{key: {value: referrals}}, values normalised and merged (a month from the summary and from the days
    at the period's ends are one entry)."""
    out = {}
    for key, pairs in facts.items():
        merged = {}
        for value, n in pairs:
            value = referral_summary.normalise(key, value)
            if value is not None:
                merged[value] = merged.get(value, 0) + n
        out[key] = merged
    return out


def _raw(f: Filters) -> dict:
    """The dashboard's facts straight from the referrals, as before the summary."""
    return _merged(queries._facts(queries._received(f)))


def _summarised(f: Filters) -> dict:
    return _merged(queries.node_facts(f))


def _spread(net):
    """Referrals of both antennas sent in February to April, decided or not, one with a case and actions."""
    a, b = net.tenants["a"], net.tenants["b"]
    made = []
    for i, (antenna, user) in enumerate([(a, net.users["a_operator"]), (b, net.users["b_operator"])] * 4):
        grounds = [Ground.AGE.value, Ground.GENDER.value] if i % 3 == 0 else [Ground.RELIGION.value]
        r = make_referral(antenna, user, grounds=grounds, state="accepted" if i % 2 else "submitted")
        with context.acting_as(antenna.id):
            r.submitted_at = at(1 + 3 * i, 2 + i % 3, hour=8 + i)
            r.decided_at = at(25, 2 + i % 3, hour=12) if i % 2 else None
            db.session.flush()
        made.append(r)
    case = make_case(made[1])
    make_action(case, "orientation", planned_start=date(2026, 3, 20))
    return made, case


def _no_drift(net) -> bool:
    """No difference for either node (each reads its own rows: row-level security on PostgreSQL)."""
    for node in ("n1", "n2"):
        with context.acting_as(net.tenants[node].id):
            if referral_summary.drift():
                return False
    return True


def test_the_summary_follows_every_change(network):
    made, case = _spread(network)
    n1, n2 = network.tenants["n1"].id, network.tenants["n2"].id
    assert _no_drift(network)
    with context.acting_as(n1):
        assert db.session.scalar(select(sa.func.count()).select_from(ReferralMonth)) > 0
        # bulk SQL bypasses the ORM, not the triggers: state, grounds, dates
        db.session.execute(update(Referral).where(Referral.id == made[0].id).values(state="declined", decided_at=at(2, 5)))
        db.session.execute(update(Referral).where(Referral.id == made[2].id).values(grounds=[Ground.AGE.value]))
        db.session.execute(update(Referral).where(Referral.id == made[3].id).values(submitted_at=at(28, 4, hour=23)))
    # the antennas' own changes: back to a draft, sent to the other node
    for referral, values in ((made[4], {"state": "draft", "submitted_at": None}), (made[5], {"node_id": n2})):
        with context.acting_as(referral.tenant_id):
            db.session.execute(update(Referral).where(Referral.id == referral.id).values(**values))
    assert _no_drift(network)
    with context.acting_as(n2):
        moved = select(ReferralMonth.referrals).where(ReferralMonth.key == "state")
        assert db.session.scalars(moved).all() == [1]  # it counts there now
    with context.acting_as(n1):
        # the case's first action moves, is cancelled, a new one comes, all are deleted
        first = db.session.scalar(select(Action).where(Action.case_id == case.id).order_by(Action.planned_start))
        db.session.execute(update(Action).where(Action.id == first.id).values(planned_start=date(2026, 4, 2)))
        assert _no_drift(network)
        db.session.execute(update(Action).where(Action.case_id == case.id).values(status="cancelled"))
        assert _no_drift(network)
        make_action(case, "training", planned_start=date(2026, 5, 1))
        assert _no_drift(network)
        db.session.execute(delete(Action).where(Action.case_id == case.id))
        assert _no_drift(network)
    with context.acting_as(made[6].tenant_id):
        db.session.execute(delete(Referral).where(Referral.id == made[6].id))
    assert _no_drift(network)


@pytest.mark.parametrize("start, end", [
    (date(2026, 1, 1), date(2026, 12, 31)),  # whole months only
    (date(2026, 2, 10), date(2026, 4, 12)),  # a partial month at both ends
    (date(2026, 3, 5), date(2026, 3, 20)),  # inside one month: the referrals themselves
])
def test_whole_and_partial_months_give_the_referrals_figures(network, start, end):
    _spread(network)
    f = Filters(start, end)
    with context.acting_as(network.tenants["n1"].id):
        summarised, raw = _summarised(f), _raw(f)
        assert sum(raw["state"].values()) > 0
        assert summarised == raw
        dashboard = queries.node_dashboard(f, today=date(2026, 12, 31))
        assert dashboard.referrals_total == sum(raw["state"].values())


def test_only_the_node_reads_its_summary(network):
    _spread(network)
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalars(select(ReferralMonth)).all()
    for other in ("a", "n2", "p", "r"):
        with context.acting_as(network.tenants[other].id):
            assert db.session.scalars(select(ReferralMonth)).all() == []


def test_monitoring_verify_finds_a_corrupted_row(database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url}, owner=True)
    runner = app.test_cli_runner()
    with app.app_context():
        with db.engine.begin() as conn:
            ids = _committed_contract(conn)  # a node, an antenna, an accepted referral with a case and an action
            conn.execute(text("UPDATE referrals SET submitted_at = :sent WHERE id = :referral"), {**ids, "sent": at(3, 2)})
        try:
            ok = runner.invoke(args=["rete", "monitoring-verify"])
            assert ok.exit_code == 0, ok.output
            db.session.execute(text("UPDATE monitoring_referral_months SET referrals = referrals + 1 "
                                    "WHERE tenant_id = :node AND key = 'grounds'"), ids)
            db.session.commit()
            result = runner.invoke(args=["rete", "monitoring-verify"])
            assert result.exit_code == 1
            assert f"segnalazioni del nodo {ids['node']}, 2026-02, grounds = [\"age\"]: tenuto 2, reale 1" in result.output
        finally:
            db.session.remove()
            with db.engine.begin() as conn:
                _remove_contract(conn, ids)  # the node's summary rows go with it
            db.engine.dispose()
