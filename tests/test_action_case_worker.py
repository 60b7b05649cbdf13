"""The case's case worker copied onto its actions (portal/cases/action_worker.py, migration 0039): kept by the
database's triggers through every kind of change, followed by the case worker's "Azioni in ritardo", frozen
in the migration's helper as the application defines it, and checked by ``flask rete monitoring-verify``."""
from datetime import date, timedelta

from sqlalchemy import select, text, update

from portal import create_app
from portal.cases import action_worker
from portal.cases.models import Action, Case, CaseState
from portal.extensions import db
from portal.tenancy import context

from .case_support import post
from .factories import MembershipFactory, make_action, make_case, make_referral
from .helpers import migration_helper
from .test_budget_totals import _committed_contract, _remove_contract
from .test_home_queue import _sections

PAST = date.today() - timedelta(days=10)


def _copies(net, *actions) -> list:
    with context.acting_as(net.tenants["n1"].id):
        db.session.flush()
        return [db.session.scalar(select(Action.active_case_worker_id).where(Action.id == a.id)) for a in actions]


def _change(net, row, **values) -> None:
    with context.acting_as(net.tenants["n1"].id):
        for name, value in values.items():
            setattr(row, name, value)
        db.session.flush()


def test_the_copy_follows_the_case_through_every_change(network):
    worker, other = network.users["n1_case_worker"], MembershipFactory(tenant=network.tenants["n1"], role="case_worker").user
    case = make_case(make_referral(network.tenants["a"], network.users["a_operator"]), case_worker=worker, state="phase_1")
    second = make_case(make_referral(network.tenants["a"], network.users["a_operator"]), case_worker=other, state="phase_2")
    action = make_action(case, planned_start=PAST)
    assert _copies(network, action) == [worker.id]  # a new action takes its case's case worker
    _change(network, case, case_worker_id=other.id)
    assert _copies(network, action) == [other.id]  # reassignment
    _change(network, case, case_worker_id=None)
    assert _copies(network, action) == [None]
    _change(network, case, case_worker_id=worker.id)
    for state, expected in ((CaseState.CLOSED, None), (CaseState.PHASE_2, worker.id), (CaseState.TRANSFERRED, None)):
        _change(network, case, state=state)
        assert _copies(network, action) == [expected], state  # an ended case's actions are nobody's work
    _change(network, case, state=CaseState.PHASE_1)
    later = make_action(case, planned_start=PAST)
    with context.acting_as(network.tenants["n1"].id):  # bulk SQL: the action moved to another case
        db.session.execute(update(Action).where(Action.id == action.id).values(case_id=second.id))
        db.session.execute(update(Case).where(Case.id == case.id).values(case_worker_id=None))
    assert _copies(network, action, later) == [other.id, None]
    with context.acting_as(network.tenants["n1"].id):  # a value written by hand is the case's again
        db.session.execute(update(Action).where(Action.id == action.id).values(active_case_worker_id=worker.id))
    assert _copies(network, action) == [other.id]
    with context.system("test"):
        assert action_worker.drift() == []


def test_the_overdue_queue_follows_a_reassignment_and_a_new_action(login, network):
    worker, coordinator = login("n1_case_worker"), login("n1_coordinator")
    before = _sections(worker.get("/").get_data(as_text=True))["cases.actions_overdue"]
    case = make_case(make_referral(network.tenants["a"], network.users["a_operator"]), state="phase_1")
    make_action(case, planned_start=PAST)
    assert _sections(worker.get("/").get_data(as_text=True))["cases.actions_overdue"] == before
    response = post(coordinator, f"/casi/{case.id}/assegna",
                    {"version": case.version, "case_worker": str(network.users["n1_case_worker"].id)}, page=f"/casi/{case.id}")
    assert response.status_code == 302
    assert _sections(worker.get("/").get_data(as_text=True))["cases.actions_overdue"] == before + 1
    make_action(case, planned_start=PAST - timedelta(days=1), planned_end=PAST)
    make_action(case, planned_start=date.today() + timedelta(days=3))  # not overdue
    assert _sections(worker.get("/").get_data(as_text=True))["cases.actions_overdue"] == before + 2
    with context.acting_as(network.tenants["n1"].id):  # the request changed the case's version: by SQL
        db.session.execute(update(Case).where(Case.id == case.id).values(state=CaseState.CLOSED))
    assert _sections(worker.get("/").get_data(as_text=True))["cases.actions_overdue"] == before


def test_the_migration_helper_is_the_applications_ddl():
    """0039 installs what action_worker.py defines (frozen in its helper): a change there needs a new
    migration with a _v2 helper, not an edit of the released one."""
    helper = migration_helper("action_case_worker_v1")
    for name in ("COLUMN", "POSTGRESQL_DDL", "POSTGRESQL_DROP", "SQLITE_DDL", "SQLITE_DROP", "BACKFILL"):
        assert getattr(helper, name) == getattr(action_worker, name), name


def test_monitoring_verify_finds_a_wrong_copy(database):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url}, owner=True)
    runner = app.test_cli_runner()
    postgresql = database.kind == "postgresql"
    with app.app_context():
        with db.engine.begin() as conn:
            ids = _committed_contract(conn)  # a node, an antenna, an accepted referral with a case and an action
        try:
            ok = runner.invoke(args=["rete", "monitoring-verify"])
            assert ok.exit_code == 0, ok.output
            # Only with the trigger out of the way can the copy go wrong.
            db.session.execute(text("ALTER TABLE actions DISABLE TRIGGER actions_case_worker_update" if postgresql
                                    else "DROP TRIGGER actions_case_worker_update"))
            db.session.execute(text("UPDATE actions SET active_case_worker_id = -1 WHERE case_id = :case"), ids)
            db.session.commit()
            result = runner.invoke(args=["rete", "monitoring-verify"])
            assert result.exit_code == 1
            assert "azione" in result.output and "case manager tenuto -1" in result.output
        finally:
            db.session.rollback()
            with db.engine.begin() as conn:
                if postgresql:
                    conn.execute(text("ALTER TABLE actions ENABLE TRIGGER actions_case_worker_update"))
                else:
                    conn.execute(text(action_worker.SQLITE_DDL[1]))
                _remove_contract(conn, ids)
            db.session.remove()
            db.engine.dispose()
