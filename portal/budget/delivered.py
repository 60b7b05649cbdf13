"""A provider action's delivered figures ARE its approved deliveries, kept on the action by the database.

DESIGN.md "one source per fact": the hours on the action, the scheda analitica, the contract statement,
the monitoring summaries and the indicators must come from the same rows. The action keeps
``delivered_hours`` (units of approved deliveries on lines priced by the hour), ``delivered_on`` (the last
approved day), ``delivered_sessions`` and ``attended_sessions`` (approved deliveries, and those the
person attended) because the cases layer, the monitoring triggers and the indicators read the action,
never the budget. They cannot drift, for the same reasons as totals.py:

- only triggers on ``deliveries`` (migration 0016, ``migrations/helpers/actions_delivered_v1.py``) write
  them, in the transaction that approves, returns, corrects or removes an approved delivery; each
  recomputes the action from its rows (an index lookup through its one order), so no code path — ORM,
  bulk SQL, psql — changes a delivery without its action;
  the monitoring triggers on ``actions`` then follow in the same transaction;
- the application never types them for a provider action (cases/pathway.record_action refuses);
- :func:`drift` recomputes them from the deliveries and ``flask rete budget-verify`` fails on any
  difference.

A line priced per participant or as a lump sum delivers no hours: its deliveries count as sessions only.
Triggers run as the user who changes the delivery (RLS applies): the node, which owns the action.
"""
from decimal import Decimal

from sqlalchemy import text

from ..extensions import db

_APPROVED = "d.status = 'approved'"
_ORDER_OF = ("FROM deliveries d JOIN service_orders o ON o.id = d.order_id "
             "WHERE o.action_id = actions.id AND " + _APPROVED)


def _derived_select() -> str:
    """One row per provider action: stored figures, then the figures recomputed from the deliveries."""
    parts = [
        "coalesce((SELECT sum(d.units) FROM deliveries d JOIN service_orders o ON o.id = d.order_id"
        " JOIN contract_lines l ON l.id = o.contract_line_id WHERE o.action_id = actions.id AND "
        f"{_APPROVED} AND l.unit = 'hour'), 0)",
        f"(SELECT max(d.delivered_on) {_ORDER_OF})",
        f"(SELECT count(*) {_ORDER_OF})",
        f"(SELECT coalesce(sum(CASE WHEN d.attended THEN 1 ELSE 0 END), 0) {_ORDER_OF})",
    ]
    return ("SELECT actions.id, actions.delivered_hours, actions.delivered_on, actions.delivered_sessions, "
            "actions.attended_sessions, " + ", ".join(parts) + " FROM actions WHERE actions.provider_id IS NOT NULL")


def _day(value):
    return value if value is None or not isinstance(value, str) else value[:10]


def differences(connection) -> list[tuple]:
    """(action id, stored (hours, day, sessions, attended), derived (...)) wherever they differ."""
    out = []
    for row in connection.execute(text(_derived_select())):
        action_id, h, day, n, att, real_h, real_day, real_n, real_att = row
        kept = (Decimal(h or 0).quantize(Decimal("0.01")), _day(day), int(n or 0), int(att or 0))
        real = (Decimal(real_h or 0).quantize(Decimal("0.01")), _day(real_day), int(real_n or 0), int(real_att or 0))
        if kept != real:
            out.append((action_id, kept, real))
    return out


def drift() -> list[tuple]:
    """Differences for the actions the current session sees (the CLI runs it unscoped, as the owner)."""
    return differences(db.session.connection())


def refresh(action_id: int | None) -> None:
    """The triggers changed the action in the database: forget the copy this session holds, if any."""
    from ..cases.models import Action

    if action_id is None:
        return
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Action) and obj.id == action_id:
            db.session.expire(obj, ["delivered_hours", "delivered_on", "delivered_sessions", "attended_sessions"])
