"""Summaries of the actions kept by triggers, so the node dashboard does not read a million actions.

Why: at 1,000,000 actions, grouping them by service type and provider (and finding each case's first
action) costs 0.5–1 s per page view on the 2-core PostgreSQL; the dashboard's target is 300 ms. Like
portal/budget/totals.py these summaries cannot drift:

- only triggers on ``actions`` write them (migration 0007), in the transaction that changes the action,
  so no code path (ORM, bulk SQL, psql) changes an action without its summary;
- ``monitoring_action_days`` takes deltas with ``INSERT ... ON CONFLICT DO UPDATE`` (serialised on the
  summary row; an update touches its two keys in a fixed order, so two writers cannot deadlock);
- ``monitoring_case_facts`` is recomputed for the case from its actions (an index lookup) on each change;
- :func:`drift` recomputes both from the actions; the tests check it after every kind of change.

Filters the summaries cannot answer (antenna, ground) fall back to the actions themselves.
"""
from decimal import Decimal

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from ..cases.models import Action, ActionStatus, ServiceType
from ..extensions import db
from .models import ActionDay, CaseFacts

_DAY_UPSERT = """
INSERT INTO monitoring_action_days (tenant_id, planned_start, service_type, provider_key, status, provider_id,
    actions, planned_hours, delivered_hours)
VALUES ({p}.tenant_id, {p}.planned_start, {p}.service_type, coalesce({p}.provider_id, 0), {p}.status, {p}.provider_id,
    {n}, {sign}{p}.planned_hours, {sign}{p}.delivered_hours)
ON CONFLICT (tenant_id, planned_start, service_type, provider_key, status)
DO UPDATE SET actions = monitoring_action_days.actions + excluded.actions,
    planned_hours = monitoring_action_days.planned_hours + excluded.planned_hours,
    delivered_hours = monitoring_action_days.delivered_hours + excluded.delivered_hours"""

# WHERE 1 = 1: SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (parsing ambiguity).
_FACTS_UPSERT = """
INSERT INTO monitoring_case_facts (case_id, referral_id, tenant_id, first_action_on, training_done)
SELECT {p}.case_id, (SELECT c.referral_id FROM cases c WHERE c.id = {p}.case_id), {p}.tenant_id,
    (SELECT min(a.planned_start) FROM actions a WHERE a.case_id = {p}.case_id AND a.status <> 'cancelled'),
    EXISTS (SELECT 1 FROM actions a WHERE a.case_id = {p}.case_id AND a.service_type = 'training' AND a.status = 'done')
WHERE 1 = 1
ON CONFLICT (case_id) DO UPDATE SET first_action_on = excluded.first_action_on, training_done = excluded.training_done"""

_KEY = "({p}.planned_start, {p}.service_type, coalesce({p}.provider_id, 0), {p}.status)"
_COLUMNS = "case_id, planned_start, service_type, provider_id, status, planned_hours, delivered_hours"

POSTGRESQL_DDL = [
    f"""
CREATE FUNCTION monitoring_actions_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_DAY_UPSERT.format(p='NEW', n=1, sign='')};
    {_FACTS_UPSERT.format(p='NEW')};
  ELSIF TG_OP = 'DELETE' THEN
    {_DAY_UPSERT.format(p='OLD', n=-1, sign='-')};
    {_FACTS_UPSERT.format(p='OLD')};
  ELSE
    IF {_KEY.format(p='OLD')} < {_KEY.format(p='NEW')} THEN
      -- Lock the two summary rows in key order, whatever the direction of the change.
      {_DAY_UPSERT.format(p='OLD', n=-1, sign='-')};
      {_DAY_UPSERT.format(p='NEW', n=1, sign='')};
    ELSE
      {_DAY_UPSERT.format(p='NEW', n=1, sign='')};
      {_DAY_UPSERT.format(p='OLD', n=-1, sign='-')};
    END IF;
    {_FACTS_UPSERT.format(p='NEW')};
    IF OLD.case_id <> NEW.case_id THEN
      {_FACTS_UPSERT.format(p='OLD')};
    END IF;
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER monitoring_actions_insert AFTER INSERT ON actions FOR EACH ROW EXECUTE FUNCTION monitoring_actions_apply()",
    f"CREATE TRIGGER monitoring_actions_update AFTER UPDATE OF {_COLUMNS} ON actions "
    "FOR EACH ROW EXECUTE FUNCTION monitoring_actions_apply()",
    "CREATE TRIGGER monitoring_actions_delete AFTER DELETE ON actions FOR EACH ROW EXECUTE FUNCTION monitoring_actions_apply()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS monitoring_actions_insert ON actions",
    "DROP TRIGGER IF EXISTS monitoring_actions_update ON actions",
    "DROP TRIGGER IF EXISTS monitoring_actions_delete ON actions",
    "DROP FUNCTION IF EXISTS monitoring_actions_apply()",
]
# SQLite serialises writers on the database file: no ordering needed.
SQLITE_DDL = [
    f"CREATE TRIGGER monitoring_actions_insert AFTER INSERT ON actions BEGIN "
    f"{_DAY_UPSERT.format(p='NEW', n=1, sign='')}; {_FACTS_UPSERT.format(p='NEW')}; END",
    f"CREATE TRIGGER monitoring_actions_update AFTER UPDATE OF {_COLUMNS} ON actions BEGIN "
    f"{_DAY_UPSERT.format(p='OLD', n=-1, sign='-')}; {_DAY_UPSERT.format(p='NEW', n=1, sign='')}; "
    f"{_FACTS_UPSERT.format(p='OLD')}; {_FACTS_UPSERT.format(p='NEW')}; END",
    f"CREATE TRIGGER monitoring_actions_delete AFTER DELETE ON actions BEGIN "
    f"{_DAY_UPSERT.format(p='OLD', n=-1, sign='-')}; {_FACTS_UPSERT.format(p='OLD')}; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS monitoring_actions_insert",
    "DROP TRIGGER IF EXISTS monitoring_actions_update",
    "DROP TRIGGER IF EXISTS monitoring_actions_delete",
]

BACKFILL = [
    """
INSERT INTO monitoring_action_days (tenant_id, planned_start, service_type, provider_key, status, provider_id,
    actions, planned_hours, delivered_hours)
SELECT tenant_id, planned_start, service_type, coalesce(provider_id, 0), status, min(provider_id),
    count(*), coalesce(sum(planned_hours), 0), coalesce(sum(delivered_hours), 0)
FROM actions GROUP BY tenant_id, planned_start, service_type, coalesce(provider_id, 0), status""",
    """
INSERT INTO monitoring_case_facts (case_id, referral_id, tenant_id, first_action_on, training_done)
SELECT a.case_id, min(c.referral_id), min(a.tenant_id), min(CASE WHEN a.status <> 'cancelled' THEN a.planned_start END),
    max(CASE WHEN a.service_type = 'training' AND a.status = 'done' THEN 1 ELSE 0 END) = 1
FROM actions a JOIN cases c ON c.id = a.case_id GROUP BY a.case_id""",
]


def drift() -> list[tuple]:
    """Differences between the summaries and a recomputation from the actions (current tenant's rows)."""
    cancelled, done = Action.status == ActionStatus.CANCELLED, Action.status == ActionStatus.DONE
    provider = func.coalesce(Action.provider_id, 0)
    real = {
        (day, str(service), key, str(status)): (n, Decimal(p or 0), Decimal(d or 0))
        for day, service, key, status, n, p, d in db.session.execute(
            select(Action.planned_start, Action.service_type, provider, Action.status, func.count(),
                   func.sum(Action.planned_hours), func.sum(Action.delivered_hours))
            .group_by(Action.planned_start, Action.service_type, provider, Action.status)
        )
    }
    kept = {
        (r.planned_start, r.service_type, r.provider_key, r.status): (r.actions, Decimal(r.planned_hours), Decimal(r.delivered_hours))
        for r in db.session.scalars(select(ActionDay)) if r.actions
    }
    out = [("day", key, kept.get(key), real.get(key)) for key in set(real) | set(kept) if kept.get(key) != real.get(key)]
    facts = {
        case_id: (first, bool(trained))
        for case_id, first, trained in db.session.execute(
            select(Action.case_id, func.min(sql_case((cancelled, None), else_=Action.planned_start)),
                   func.max(sql_case(((Action.service_type == ServiceType.TRAINING) & done, 1), else_=0)))
            .group_by(Action.case_id)
        )
    }
    stored = {f.case_id: (f.first_action_on, bool(f.training_done)) for f in db.session.scalars(select(CaseFacts))}
    out += [("case", key, stored.get(key), facts.get(key)) for key in set(facts) | set(stored)
            if stored.get(key) != facts.get(key) and facts.get(key, (None, False)) != stored.get(key, (None, False))]
    return out
