"""Triggers keeping a provider action's delivered figures from its approved deliveries, as migration 0016
installs them, and that migration's reconciliation (frozen: see __init__.py; portal/budget/delivered.py
says why the figures are kept and why they cannot drift)."""
from decimal import Decimal

from sqlalchemy import text

_APPROVED = "d.status = 'approved'"
_ORDER_OF = ("FROM deliveries d JOIN service_orders o ON o.id = d.order_id "
             "WHERE o.action_id = actions.id AND " + _APPROVED)
SET_DERIVED = f"""
delivered_hours = coalesce((SELECT sum(d.units) FROM deliveries d JOIN service_orders o ON o.id = d.order_id
    JOIN contract_lines l ON l.id = o.contract_line_id WHERE o.action_id = actions.id AND {_APPROVED}
    AND l.unit = 'hour'), 0),
delivered_on = (SELECT max(d.delivered_on) {_ORDER_OF}),
delivered_sessions = (SELECT count(*) {_ORDER_OF}),
attended_sessions = (SELECT coalesce(sum(CASE WHEN d.attended THEN 1 ELSE 0 END), 0) {_ORDER_OF})"""

# The same four figures as a select list (stored first, derived after, in reconcile_summary).
_DERIVED_COLUMNS = ", ".join([
    "coalesce((SELECT sum(d.units) FROM deliveries d JOIN service_orders o ON o.id = d.order_id"
    " JOIN contract_lines l ON l.id = o.contract_line_id WHERE o.action_id = actions.id AND "
    f"{_APPROVED} AND l.unit = 'hour'), 0)",
    f"(SELECT max(d.delivered_on) {_ORDER_OF})",
    f"(SELECT count(*) {_ORDER_OF})",
    f"(SELECT coalesce(sum(CASE WHEN d.attended THEN 1 ELSE 0 END), 0) {_ORDER_OF})",
])

_RECOMPUTE = ("UPDATE actions SET " + SET_DERIVED + " WHERE actions.id = (SELECT o.action_id FROM service_orders o "
              "WHERE o.id = {p}.order_id) AND actions.provider_id IS NOT NULL")
_COLUMNS = "status, units, delivered_on, attended, order_id"
_TOUCHES = "(OLD.status = 'approved' OR NEW.status = 'approved')"

POSTGRESQL_DDL = [
    f"""
CREATE FUNCTION actions_delivered_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    {_RECOMPUTE.format(p='OLD')};
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.order_id IS DISTINCT FROM OLD.order_id) THEN
    {_RECOMPUTE.format(p='NEW')};
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER actions_delivered_insert AFTER INSERT ON deliveries FOR EACH ROW "
    "WHEN (NEW.status = 'approved') EXECUTE FUNCTION actions_delivered_apply()",
    f"CREATE TRIGGER actions_delivered_update AFTER UPDATE OF {_COLUMNS} ON deliveries FOR EACH ROW "
    f"WHEN {_TOUCHES} EXECUTE FUNCTION actions_delivered_apply()",
    "CREATE TRIGGER actions_delivered_delete AFTER DELETE ON deliveries FOR EACH ROW "
    "WHEN (OLD.status = 'approved') EXECUTE FUNCTION actions_delivered_apply()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS actions_delivered_insert ON deliveries",
    "DROP TRIGGER IF EXISTS actions_delivered_update ON deliveries",
    "DROP TRIGGER IF EXISTS actions_delivered_delete ON deliveries",
    "DROP FUNCTION IF EXISTS actions_delivered_apply()",
]
SQLITE_DDL = [
    f"CREATE TRIGGER actions_delivered_insert AFTER INSERT ON deliveries WHEN NEW.status = 'approved' BEGIN "
    f"{_RECOMPUTE.format(p='NEW')}; END",
    f"CREATE TRIGGER actions_delivered_update AFTER UPDATE OF {_COLUMNS} ON deliveries WHEN {_TOUCHES} BEGIN "
    f"{_RECOMPUTE.format(p='OLD')}; {_RECOMPUTE.format(p='NEW')}; END",
    f"CREATE TRIGGER actions_delivered_delete AFTER DELETE ON deliveries WHEN OLD.status = 'approved' BEGIN "
    f"{_RECOMPUTE.format(p='OLD')}; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS actions_delivered_insert",
    "DROP TRIGGER IF EXISTS actions_delivered_update",
    "DROP TRIGGER IF EXISTS actions_delivered_delete",
]

# Every provider action from its approved deliveries (migration 0016's reconciliation).
RECONCILE = "UPDATE actions SET " + SET_DERIVED + " WHERE provider_id IS NOT NULL"


def reconcile_summary(connection) -> tuple[int, Decimal]:
    """How many provider actions RECONCILE changes, and by how many hours in all (derived − typed)."""
    rows = connection.execute(text(
        "SELECT delivered_hours, delivered_on, delivered_sessions, attended_sessions, " + _DERIVED_COLUMNS
        + " FROM actions WHERE actions.provider_id IS NOT NULL")).all()
    changed, hours = 0, Decimal("0.00")
    for h, day, n, att, real_h, real_day, real_n, real_att in rows:
        kept = (Decimal(h or 0).quantize(Decimal("0.01")), _day(day), int(n or 0), int(att or 0))
        real = (Decimal(real_h or 0).quantize(Decimal("0.01")), _day(real_day), int(real_n or 0), int(real_att or 0))
        if kept != real:
            changed, hours = changed + 1, hours + real[0] - kept[0]
    return changed, hours


def _day(value):
    return value if value is None or not isinstance(value, str) else value[:10]
