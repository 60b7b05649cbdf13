"""Money is exact: property tests (hypothesis) on rounding, parsing and the SQL sums."""
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms import Form

from portal.budget import figures
from portal.budget.models import DeliveryStatus, cents, line_amount
from portal.core.fields import MoneyField
from portal.extensions import db
from portal.i18n import format_money
from portal.tenancy import context

from .budget_support import budget_of, make_contract, make_delivery, make_order

money = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("99999.99"), places=2)
units = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)


@given(units, money)
def test_line_amount_is_the_exact_product_rounded_half_up_once(u, price):
    exact = u * price
    amount = line_amount(u, price)
    assert amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(amount - exact) <= Decimal("0.005")
    assert amount.as_tuple().exponent == -2


@given(st.lists(st.tuples(units, money), min_size=1, max_size=30))
def test_sum_of_rounded_amounts_stays_within_half_a_cent_per_row(rows):
    total = sum((line_amount(u, p) for u, p in rows), Decimal("0"))
    exact = sum((u * p for u, p in rows), Decimal("0"))
    assert abs(total - exact) <= Decimal("0.005") * len(rows)
    assert cents(total) == total


class _Form(Form):
    amount = MoneyField()


@given(st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999999999.99"), places=2))
def test_money_typed_as_shown_is_parsed_back_exactly(app, value):
    with app.test_request_context():
        shown = format_money(value)  # "€ 1.234,56"
        field = _Form().amount
        field.process_formdata([shown])
        assert field.data == value
        field.process_formdata([f"{value}"])  # "1234.56" typed with a dot
        assert field.data == value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2),
                          st.sampled_from(list(DeliveryStatus))), max_size=12),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2))
def test_sql_sums_equal_the_rows_they_come_from(session, network, deliveries, price):
    nested = session.begin_nested()
    try:
        budget = budget_of(network)
        contract = make_contract(network, budget, network.tenants["p"], value="99999999.00", price=str(price), quantity="9999")
        order = make_order(contract, network.action)
        for u, status in deliveries:
            make_delivery(order, units=str(u), status=status)
        with context.acting_as(network.tenants["n1"].id):
            figs = figures.contract_of(contract)
            lines = figures.line_figures(budget.id)
        expected = {s: sum((line_amount(u, price) for u, st_ in deliveries if st_ == s), Decimal("0")) for s in DeliveryStatus}
        assert figs.delivered == expected[DeliveryStatus.APPROVED]
        assert figs.pending == expected[DeliveryStatus.SUBMITTED]
        assert figs.residual == Decimal("99999999.00") - expected[DeliveryStatus.APPROVED]
        services_line = lines[budget.lines[0].id]
        assert services_line.delivered == figs.delivered and services_line.committed == Decimal("99999999.00")
        assert services_line.residual == Decimal("1000.00") - Decimal("99999999.00")
    finally:
        nested.rollback()
        db.session.expire_all()
        network.__dict__.pop("_budget", None)
