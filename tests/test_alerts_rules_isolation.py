"""The alert rules run as Core statements (INSERT … SELECT), outside the ORM scoping: each must filter every
tenant-owned table it reads with that table's ownership rule, ``visible_to`` of its mixin, not a hand-written
copy of it."""
from sqlalchemy.dialects import postgresql

from portal.alerts.rules import RULES, Scope
from portal.budget.models import Delivery, ServiceOrder
from portal.cases.legal import LegalDeadline
from portal.cases.models import Action, Case, Verification
from portal.people.models import Person
from portal.referrals.models import Referral

MODELS = (Case, Action, Verification, Referral, Delivery, ServiceOrder, LegalDeadline)
NODE = 424242


def _sql(clause_or_query) -> str:
    return str(clause_or_query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_every_rule_filters_each_owned_table_it_reads_with_its_mixins_rule():
    from datetime import date

    scope = Scope(tenant_id=NODE, threshold=3, today=date(2026, 3, 1))
    for rule, build in RULES.items():
        sql = _sql(build(scope))
        for model in MODELS:
            if any(f"{word} {model.__tablename__}" in sql for word in ("FROM", "JOIN", "FROM\n")):
                assert _sql(model.visible_to(NODE)) in sql, f"{rule}: {model.__tablename__} not filtered by visible_to"
    # people are read only through the referral's person_id, the referral being filtered
    assert "people" in _sql(RULES[next(iter(RULES))](scope)) and Person.__tablename__ == "people"
