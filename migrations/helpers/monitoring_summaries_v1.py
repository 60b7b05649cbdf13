"""Triggers keeping the monitoring summaries of the actions, as migration 0007 installs them, and its
backfill (frozen: see __init__.py; portal/monitoring/summaries.py says why they exist and cannot drift)."""

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
