"""The received referrals summarised by month, kept by triggers, so the node's whole-year dashboard and the
periodic report do not group 100,000 referrals per page view (at that size the grouped scan cost most of
the dashboard's 268 ms and the report's 555 ms on the 2-core PostgreSQL).

``monitoring_referral_months`` (models.ReferralMonth) holds, per node, month of the first sending (in Rome)
and key, the number of received referrals (not drafts) with each value: the grounds as listed (so the
intersectional ones are those listing more than one), the state, the antenna, the hours from sending to
the decision and the days from sending to the case's first action — the same expressions the dashboard
grouped the referrals by (queries._facts), so both give the same figures. Like summaries.py it cannot drift:

- only triggers write it (migrations 0031, 0047): on ``referrals`` (the referral's contribution before the
  change is taken off, the one after added) and on ``monitoring_case_facts`` (the first action moved);
  every change, ORM or bulk SQL, passes through them in the same transaction;
- the deltas of one change are summed per row and applied in key order with ``INSERT ... ON CONFLICT DO
  UPDATE``, so two writers lock rows in the same order and cannot deadlock;
- on PostgreSQL the trigger functions run as the schema owner (SECURITY DEFINER): an antenna sending a
  referral changes its node's counts without being able to read or write them itself; the application
  role has no write grant and no write policy on the table, so nothing but the triggers writes it;
- :func:`drift` recomputes it from the referrals (``flask rete monitoring-verify``).

Readers (queries.referral_facts) take whole months from here and the days of a partial month at either
end of the period from the referrals (an index range on node and sending time); the antenna, ground and
provider filters and the antenna's own dashboard read the referrals themselves.
"""
from collections import Counter
from datetime import date, datetime

from sqlalchemy import String, cast, func, literal, select, union_all

from ..core.sql import ZONE, sqlite_rome
from ..extensions import db
from ..i18n import day_start, local_day
from .models import ReferralMonth

KEYS = ("grounds", "state", "tenant", "decision_hours", "first_action_days")
TABLE = "monitoring_referral_months"
# The referral columns a contribution depends on: the update trigger fires on these only.
COLUMNS = "node_id, tenant_id, state, submitted_at, decided_at, grounds"
_INTEGER = {"postgresql": "integer", "sqlite": "INTEGER"}


def _expressions(dialect: str, p: str, first_action: str) -> dict:
    """The SQL of each key's value for the referral row ``p`` (NEW, OLD or an alias)."""
    # The month and the day of the sending are Rome's (migration 0047; 0031 took UTC's).
    if dialect == "postgresql":
        sent = f"({p}.submitted_at AT TIME ZONE '{ZONE}')"
        month = f"date_trunc('month', {sent})::date"
        hours = f"round(extract(epoch FROM {p}.decided_at - {p}.submitted_at) / 86400.0 * 24)"
        days = f"({first_action}) - CAST({sent} AS date)"
    else:
        sent = sqlite_rome(f"{p}.submitted_at")
        month = f"date({sent}, 'start of month')"
        hours = f"round((julianday({p}.decided_at) - julianday({p}.submitted_at)) * 24)"
        days = f"julianday(({first_action})) - julianday(date({sent}))"
    integer = _INTEGER[dialect]
    return {
        "month": month,
        "grounds": f"CAST({p}.grounds AS TEXT)",
        "state": f"CAST({p}.state AS TEXT)",
        "tenant": f"CAST({p}.tenant_id AS TEXT)",
        "decision_hours": f"CAST(CAST({hours} AS {integer}) AS TEXT)",
        "first_action_days": f"CAST(CAST({days} AS {integer}) AS TEXT)",
    }


def _contribution(dialect: str, p: str, delta: int, *, first_action: str | None = None, source: str = "",
                  where: str = "") -> str:
    """SELECT of the rows (tenant_id, month, key, value, delta) one referral ``p`` adds (delta 1) or takes off
    (-1): one row per key with a value, none for a draft. ``source`` joins the referrals (alias ``p``) in
    front of the keys when ``p`` is not a trigger's NEW or OLD; ``where`` narrows them."""
    first_action = first_action or f"SELECT f.first_action_on FROM monitoring_case_facts f WHERE f.referral_id = {p}.id"
    e = _expressions(dialect, p, first_action)
    keys = " UNION ALL ".join(f"SELECT '{key}' AS key" for key in KEYS)
    value = "CASE k.key " + " ".join(f"WHEN '{key}' THEN {e[key]}" for key in KEYS) + " END"
    return (
        f"SELECT c.tenant_id, c.month, c.key, c.value, c.delta FROM (SELECT {p}.node_id AS tenant_id, {e['month']} AS month, "
        f"k.key AS key, {value} AS value, {delta} AS delta FROM {source} ({keys}) k "
        f"WHERE {p}.state <> 'draft' AND {p}.submitted_at IS NOT NULL {where}) c WHERE c.value IS NOT NULL"
    )


def _apply(parts: list[str]) -> str:
    """Sum the deltas per summary row and upsert them in key order (WHERE 1 = 1: SQLite's parser needs a
    WHERE before ON CONFLICT in INSERT ... SELECT)."""
    union = " UNION ALL ".join(parts)
    return (
        f"INSERT INTO {TABLE} (tenant_id, month, key, value, referrals) "
        f"SELECT d.tenant_id, d.month, d.key, d.value, sum(d.delta) FROM ({union}) d WHERE 1 = 1 "
        "GROUP BY d.tenant_id, d.month, d.key, d.value HAVING sum(d.delta) <> 0 "
        "ORDER BY d.tenant_id, d.month, d.key, d.value "
        f"ON CONFLICT (tenant_id, month, key, value) DO UPDATE SET referrals = {TABLE}.referrals + excluded.referrals"
    )


def _facts_moved(dialect: str, old: str | None, new: str | None) -> str:
    """A case's first action changed: for the old row's referral, its contribution with the old day off and
    without a day on; for the new row's, without a day off and with the new day on. Every key but the days
    to the first action cancels out in the sum."""
    sides = [(old, -1, old), (None, 1, old), (None, -1, new), (new, 1, new)]
    return _apply([
        _contribution(dialect, "r", delta, first_action=f"SELECT {fact}.first_action_on" if fact else "SELECT CAST(NULL AS DATE)",
                      source="referrals r CROSS JOIN", where=f"AND r.id = {row}.referral_id")
        for fact, delta, row in sides if row is not None
    ])


def _pg_function(name: str, body: str) -> str:
    # SECURITY DEFINER: the counts belong to the node; the antenna or the node's user changing a referral
    # writes them through this function only (see the module docstring). search_path pinned, as it must be.
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT "
            f"AS $$\nBEGIN\n{body}\n  RETURN NULL;\nEND $$")


def _pg_referrals_body() -> str:
    pg = "postgresql"
    return f"""  IF TG_OP = 'INSERT' THEN
    {_apply([_contribution(pg, 'NEW', 1)])};
  ELSIF TG_OP = 'DELETE' THEN
    {_apply([_contribution(pg, 'OLD', -1)])};
  ELSE
    {_apply([_contribution(pg, 'OLD', -1), _contribution(pg, 'NEW', 1)])};
  END IF;"""


def _pg_facts_body() -> str:
    pg = "postgresql"
    return f"""  IF TG_OP = 'INSERT' THEN
    {_facts_moved(pg, None, 'NEW')};
  ELSIF TG_OP = 'DELETE' THEN
    {_facts_moved(pg, 'OLD', None)};
  ELSE
    {_facts_moved(pg, 'OLD', 'NEW')};
  END IF;"""


_FACTS_CHANGED = "OLD.first_action_on IS DISTINCT FROM NEW.first_action_on OR OLD.referral_id IS DISTINCT FROM NEW.referral_id"

POSTGRESQL_DDL = [
    _pg_function("monitoring_referrals_apply", _pg_referrals_body()),
    _pg_function("monitoring_referral_facts_apply", _pg_facts_body()),
    "CREATE TRIGGER monitoring_referrals_insert AFTER INSERT ON referrals FOR EACH ROW "
    "EXECUTE FUNCTION monitoring_referrals_apply()",
    f"CREATE TRIGGER monitoring_referrals_update AFTER UPDATE OF {COLUMNS} ON referrals FOR EACH ROW "
    "EXECUTE FUNCTION monitoring_referrals_apply()",
    "CREATE TRIGGER monitoring_referrals_delete AFTER DELETE ON referrals FOR EACH ROW "
    "EXECUTE FUNCTION monitoring_referrals_apply()",
    "CREATE TRIGGER monitoring_referral_facts_insert AFTER INSERT ON monitoring_case_facts FOR EACH ROW "
    "EXECUTE FUNCTION monitoring_referral_facts_apply()",
    "CREATE TRIGGER monitoring_referral_facts_update AFTER UPDATE OF first_action_on, referral_id ON monitoring_case_facts "
    f"FOR EACH ROW WHEN ({_FACTS_CHANGED}) EXECUTE FUNCTION monitoring_referral_facts_apply()",
    "CREATE TRIGGER monitoring_referral_facts_delete AFTER DELETE ON monitoring_case_facts FOR EACH ROW "
    "EXECUTE FUNCTION monitoring_referral_facts_apply()",
]
POSTGRESQL_DROP = [
    *(f"DROP TRIGGER IF EXISTS monitoring_referrals_{op} ON referrals" for op in ("insert", "update", "delete")),
    *(f"DROP TRIGGER IF EXISTS monitoring_referral_facts_{op} ON monitoring_case_facts" for op in ("insert", "update", "delete")),
    "DROP FUNCTION IF EXISTS monitoring_referrals_apply()",
    "DROP FUNCTION IF EXISTS monitoring_referral_facts_apply()",
]
# SQLite serialises writers on the database file and has no row-level security: plain triggers.
_SQ = "sqlite"
SQLITE_DDL = [
    f"CREATE TRIGGER monitoring_referrals_insert AFTER INSERT ON referrals BEGIN {_apply([_contribution(_SQ, 'NEW', 1)])}; END",
    f"CREATE TRIGGER monitoring_referrals_update AFTER UPDATE OF {COLUMNS} ON referrals BEGIN "
    f"{_apply([_contribution(_SQ, 'OLD', -1), _contribution(_SQ, 'NEW', 1)])}; END",
    f"CREATE TRIGGER monitoring_referrals_delete AFTER DELETE ON referrals BEGIN {_apply([_contribution(_SQ, 'OLD', -1)])}; END",
    f"CREATE TRIGGER monitoring_referral_facts_insert AFTER INSERT ON monitoring_case_facts BEGIN "
    f"{_facts_moved(_SQ, None, 'NEW')}; END",
    "CREATE TRIGGER monitoring_referral_facts_update AFTER UPDATE OF first_action_on, referral_id ON monitoring_case_facts "
    f"WHEN {_FACTS_CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN "
    f"{_facts_moved(_SQ, 'OLD', 'NEW')}; END",
    f"CREATE TRIGGER monitoring_referral_facts_delete AFTER DELETE ON monitoring_case_facts BEGIN "
    f"{_facts_moved(_SQ, 'OLD', None)}; END",
]
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS monitoring_referrals_{op}" for op in ("insert", "update", "delete")),
    *(f"DROP TRIGGER IF EXISTS monitoring_referral_facts_{op}" for op in ("insert", "update", "delete")),
]


def backfill(dialect: str) -> str:
    """Every referral's contribution, summed (the migration runs it once, before the triggers exist)."""
    return (
        f"INSERT INTO {TABLE} (tenant_id, month, key, value, referrals) "
        f"SELECT d.tenant_id, d.month, d.key, d.value, sum(d.delta) FROM ("
        f"{_every_referral(dialect)}) d GROUP BY d.tenant_id, d.month, d.key, d.value"
    )


def _every_referral(dialect: str) -> str:
    return _contribution(dialect, "r", 1, first_action="f.first_action_on",
                         source="referrals r LEFT JOIN monitoring_case_facts f ON f.referral_id = r.id CROSS JOIN")


# --- reading and checking ------------------------------------------------------------------------------

def normalise(key: str, value):
    """A key's value as the summary and the referrals both give it: the dashboard's types."""
    if value is None:
        return None
    if key == "tenant":
        return int(value)
    if key in ("decision_hours", "first_action_days"):
        return int(float(value))
    if key == "month":
        return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)[:7]
    return str(value)


def whole_months(since: datetime, until: datetime) -> tuple[date, date] | None:
    """The first day of the first whole month (in Rome) in [since, until) and of the month after the last one."""
    first = local_day(since).replace(day=1)
    if since != month_start(first):
        first = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    end = local_day(until).replace(day=1)
    return (first, end) if first < end else None


def month_start(day: date) -> datetime:
    """Midnight in Rome on ``day`` (the first of a month), as the summary's months begin."""
    return day_start(day)


def counts(first: date, end: date, keys) -> dict[str, Counter]:
    """{key: Counter(value: referrals)} from the summary for the months in [first, end), ``month`` from the
    state rows (one per referral). One statement."""
    summed = func.sum(ReferralMonth.referrals)
    in_period = [ReferralMonth.month >= first, ReferralMonth.month < end]
    values = (
        select(ReferralMonth.key, ReferralMonth.value, summed)
        .where(*in_period, ReferralMonth.key.in_([k for k in keys if k != "month"]))
        .group_by(ReferralMonth.key, ReferralMonth.value)
    )
    months = (
        select(literal("month"), cast(ReferralMonth.month, String), summed)
        .where(*in_period, ReferralMonth.key == "state").group_by(ReferralMonth.month)
    )
    out = {k: Counter() for k in keys}
    for key, value, n in db.session.execute(union_all(values, months) if "month" in keys else values):
        if key in out and n:
            out[key][normalise(key, value)] += n
    return out


def drift() -> list[tuple]:
    """(node, month, key, value, kept, recomputed) where the summary differs from the referrals (the rows
    the current tenant sees: every node's under the system context of ``monitoring-verify``)."""
    from sqlalchemy import text

    from ..tenancy.context import current_tenant_id

    dialect = db.engine.dialect.name
    tenant = current_tenant_id()
    real = {
        (node, normalise("month", month), key, value): n
        for node, month, key, value, n in db.session.execute(text(
            f"SELECT d.tenant_id, d.month, d.key, d.value, sum(d.delta) FROM ({_every_referral(dialect)}) d "
            "GROUP BY d.tenant_id, d.month, d.key, d.value"
        ))
        if tenant is None or tenant == node  # raw SQL is not scoped on SQLite
    }
    kept = {
        (r.tenant_id, normalise("month", r.month), r.key, r.value): r.referrals
        for r in db.session.scalars(select(ReferralMonth)) if r.referrals
    }
    return [(*key, kept.get(key), real.get(key)) for key in sorted(set(real) | set(kept), key=str)
            if kept.get(key) != real.get(key)]
