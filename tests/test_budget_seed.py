"""The demo seed of issue 5: Azione 2 as in the source document, with its € 0,44 difference left visible,
a second fictitious provider with a user, two contracts, orders and deliveries; a second run adds nothing."""
from decimal import Decimal

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.budget import figures
from portal.budget.models import Budget, Contract, Delivery, ServiceOrder
from portal.extensions import db
from portal.seed import budget as budget_seed
from portal.seed import cases as cases_seed
from portal.seed import network as network_seed
from portal.tenancy import context


def test_seed_azione_2_idempotent(session, app):
    with app.test_request_context(), context.system("test seed"):
        network_seed.seed()
        cases_seed.seed()
        first = budget_seed.seed()
        budget = db.session.scalar(select(Budget).where(Budget.code == "azione-2"))
        assert budget.declared_total == Decimal("126858.84")
        assert [(line.title, line.allocated) for line in budget.lines] == [
            ("Obiettivi e risultati attesi", Decimal("120858.40")), ("Controlli e monitoraggio", Decimal("6000.00"))]
        overview = figures.overview(budget)
        assert overview.lines_total == Decimal("126858.40") and overview.difference == Decimal("0.44")
        assert db.session.scalar(select(func.count(Contract.id))) == 2
        assert db.session.scalar(select(User).where(User.email == "operatore@lavoro-insieme.example")) is not None
        counts = [db.session.scalar(select(func.count(m.id))) for m in (Contract, ServiceOrder, Delivery)]
        assert counts[1] > 0 and counts[2] > 0 and "2 contratti" in first[0]
        budget_seed.seed()
        assert [db.session.scalar(select(func.count(m.id))) for m in (Contract, ServiceOrder, Delivery)] == counts
        assert db.session.scalar(select(func.count(Budget.id))) == 1
