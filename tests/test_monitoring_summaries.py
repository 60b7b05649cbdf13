"""The action summaries kept by triggers (portal/monitoring/summaries.py) never drift from the actions."""
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, select, update

from portal.cases.models import Action, ActionStatus
from portal.extensions import db
from portal.monitoring.models import ActionDay, CaseFacts
from portal.monitoring.summaries import drift
from portal.tenancy import context

from .factories import make_action


def _facts(case_id):
    return db.session.execute(
        select(CaseFacts.first_action_on, CaseFacts.training_done).where(CaseFacts.case_id == case_id)
        .execution_options(populate_existing=True)
    ).one()


def test_summaries_follow_every_change(network):
    case, node = network.case, network.tenants["n1"]
    later = make_action(case, "training", planned_start=date(2026, 4, 1), planned_hours=Decimal("3"))
    early = make_action(case, "orientation", planned_start=date(2026, 2, 1))
    with context.acting_as(node.id):
        assert drift() == []
        assert _facts(case.id) == (date(2026, 2, 1), False)
        # ORM update: done, with hours; the training completed shows in the case facts
        later.status, later.delivered_hours = ActionStatus.DONE, Decimal("2.5")
        early.status = ActionStatus.CANCELLED
        db.session.flush()
        assert drift() == []
        assert _facts(case.id) == (date(2026, 3, 2), True)  # the network's own action (2 March) is first now
        # bulk SQL update and delete bypass the ORM, not the triggers
        db.session.execute(update(Action).where(Action.id == later.id).values(planned_start=date(2026, 1, 15)))
        assert drift() == []
        db.session.execute(delete(Action).where(Action.id == early.id))
        assert drift() == []
        day = db.session.execute(
            select(ActionDay.actions, ActionDay.delivered_hours)
            .where(ActionDay.planned_start == date(2026, 1, 15), ActionDay.service_type == "training")
        ).one()
        assert day == (1, Decimal("2.50"))


def test_summaries_are_the_nodes_only(network, login):
    make_action(network.case, "tutoring", planned_start=date(2026, 5, 5))
    with context.acting_as(network.tenants["b"].id):
        assert db.session.scalars(select(CaseFacts)).all() == []
        assert db.session.scalars(select(ActionDay)).all() == []
    with context.acting_as(network.tenants["p"].id):  # the provider sees the days of its own actions only
        rows = db.session.scalars(select(ActionDay)).all()
        assert rows and all(r.provider_id == network.tenants["p"].id for r in rows)
