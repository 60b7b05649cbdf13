"""Triggers keeping ``delivery_totals`` from ``deliveries``, as migration 0011 installs them (frozen: see
__init__.py; portal/budget/totals.py says why the summary exists and why it cannot drift)."""

_UPSERT = """
INSERT INTO delivery_totals (contract_id, status, tenant_id, provider_id, deliveries, amount)
VALUES ({p}.contract_id, {p}.status, {p}.tenant_id, {p}.provider_id, {n}, {amount})
ON CONFLICT (contract_id, status)
DO UPDATE SET deliveries = delivery_totals.deliveries + excluded.deliveries,
    amount = delivery_totals.amount + excluded.amount"""

POSTGRESQL_DDL = [
    f"""
CREATE FUNCTION delivery_totals_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_UPSERT.format(p='NEW', n=1, amount='NEW.amount')};
  ELSIF TG_OP = 'DELETE' THEN
    {_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')};
  ELSIF (OLD.contract_id, OLD.status) = (NEW.contract_id, NEW.status) THEN
    IF NEW.amount IS DISTINCT FROM OLD.amount THEN
      {_UPSERT.format(p='NEW', n=0, amount='NEW.amount - OLD.amount')};
    END IF;
  ELSIF (OLD.contract_id, OLD.status) < (NEW.contract_id, NEW.status) THEN
    -- Lock the two summary rows in key order, whatever the direction of the change.
    {_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')};
    {_UPSERT.format(p='NEW', n=1, amount='NEW.amount')};
  ELSE
    {_UPSERT.format(p='NEW', n=1, amount='NEW.amount')};
    {_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')};
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER delivery_totals_insert AFTER INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION delivery_totals_apply()",
    "CREATE TRIGGER delivery_totals_update AFTER UPDATE OF contract_id, status, amount ON deliveries "
    "FOR EACH ROW EXECUTE FUNCTION delivery_totals_apply()",
    "CREATE TRIGGER delivery_totals_delete AFTER DELETE ON deliveries FOR EACH ROW EXECUTE FUNCTION delivery_totals_apply()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS delivery_totals_insert ON deliveries",
    "DROP TRIGGER IF EXISTS delivery_totals_update ON deliveries",
    "DROP TRIGGER IF EXISTS delivery_totals_delete ON deliveries",
    "DROP FUNCTION IF EXISTS delivery_totals_apply()",
]

# SQLite serialises writers on the database file, so ordering does not matter there.
SQLITE_DDL = [
    f"CREATE TRIGGER delivery_totals_insert AFTER INSERT ON deliveries BEGIN "
    f"{_UPSERT.format(p='NEW', n=1, amount='NEW.amount')}; END",
    f"CREATE TRIGGER delivery_totals_update AFTER UPDATE OF contract_id, status, amount ON deliveries BEGIN "
    f"{_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')}; "
    f"{_UPSERT.format(p='NEW', n=1, amount='NEW.amount')}; END",
    f"CREATE TRIGGER delivery_totals_delete AFTER DELETE ON deliveries BEGIN "
    f"{_UPSERT.format(p='OLD', n=-1, amount='-OLD.amount')}; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS delivery_totals_insert",
    "DROP TRIGGER IF EXISTS delivery_totals_update",
    "DROP TRIGGER IF EXISTS delivery_totals_delete",
]

BACKFILL = """
INSERT INTO delivery_totals (contract_id, status, tenant_id, provider_id, deliveries, amount)
SELECT contract_id, status, min(tenant_id), min(provider_id), count(*), coalesce(sum(amount), 0)
FROM deliveries GROUP BY contract_id, status"""
