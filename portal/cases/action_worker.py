"""The case worker in charge of an action's case, copied onto the action (``actions.active_case_worker_id``),
so the case worker's "Azioni in ritardo" is one index range (queue.py) instead of a probe of the case of
every open overdue action of the node (21–54 ms on 100,000 cases; docs/home-speed.md).

The copy is the case's ``case_worker_id`` while the case is not ended (closed or transferred away), NULL
otherwise: exactly the rows the queue used to find through the case. It cannot drift:

- only triggers write it (migration 0039, ``migrations/helpers/action_case_worker_v1.py``): an action
  inserted, or its case (or the copy itself) changed, takes its case's value; a case whose case worker or
  state changes passes the new value to its actions. Every write, ORM or bulk SQL, goes through them, and
  a value written by hand is overwritten with the case's;
- the triggers run as the invoker (row-level security as usual): an action and its case belong to the same
  node, whose user is the one who writes either;
- :func:`drift` recomputes it from the cases (``flask rete monitoring-verify``).
"""
from sqlalchemy import text

from ..extensions import db
from .models import ENDED_STATES

COLUMN = "active_case_worker_id"
_ENDED = ", ".join(f"'{state.value}'" for state in ENDED_STATES)


def _value(case: str) -> str:
    """The copy's value for the case row ``case`` (NEW or an alias of cases)."""
    return f"CASE WHEN {case}.state IN ({_ENDED}) THEN NULL ELSE {case}.case_worker_id END"


def _of_case(case_id: str) -> str:
    return f"(SELECT {_value('c')} FROM cases c WHERE c.id = {case_id})"


# The case columns the copy depends on: the cases trigger fires on these only, and when the value moves.
_CASE_MOVED = f"({_value('OLD')}) IS DISTINCT FROM ({_value('NEW')})"
_TO_ACTIONS = (f"UPDATE actions SET {COLUMN} = {_value('NEW')} WHERE case_id = NEW.id "
               f"AND {COLUMN} IS DISTINCT FROM ({_value('NEW')})")

POSTGRESQL_DDL = [
    # BEFORE: the row is written once, with the case's value, whatever the statement set.
    f"CREATE FUNCTION actions_case_worker_take() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
    f"  NEW.{COLUMN} := {_of_case('NEW.case_id')};\n  RETURN NEW;\nEND $$",
    f"CREATE FUNCTION actions_case_worker_follow() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
    f"  {_TO_ACTIONS};\n  RETURN NULL;\nEND $$",
    "CREATE TRIGGER actions_case_worker_insert BEFORE INSERT ON actions FOR EACH ROW "
    "EXECUTE FUNCTION actions_case_worker_take()",
    f"CREATE TRIGGER actions_case_worker_update BEFORE UPDATE OF case_id, {COLUMN} ON actions FOR EACH ROW "
    "EXECUTE FUNCTION actions_case_worker_take()",
    "CREATE TRIGGER cases_case_worker_actions AFTER UPDATE OF case_worker_id, state ON cases FOR EACH ROW "
    f"WHEN ({_CASE_MOVED}) EXECUTE FUNCTION actions_case_worker_follow()",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS cases_case_worker_actions ON cases",
    "DROP TRIGGER IF EXISTS actions_case_worker_update ON actions",
    "DROP TRIGGER IF EXISTS actions_case_worker_insert ON actions",
    "DROP FUNCTION IF EXISTS actions_case_worker_follow()",
    "DROP FUNCTION IF EXISTS actions_case_worker_take()",
]
# SQLite cannot assign NEW: AFTER triggers correct the row when it differs from its case (the WHEN stops the
# correction's own update from doing anything more).
_SQ_WRONG = f"NEW.{COLUMN} IS NOT {_of_case('NEW.case_id')}"
_SQ_TAKE = f"UPDATE actions SET {COLUMN} = {_of_case('NEW.case_id')} WHERE id = NEW.id"
SQLITE_DDL = [
    f"CREATE TRIGGER actions_case_worker_insert AFTER INSERT ON actions WHEN {_SQ_WRONG} BEGIN {_SQ_TAKE}; END",
    f"CREATE TRIGGER actions_case_worker_update AFTER UPDATE OF case_id, {COLUMN} ON actions WHEN {_SQ_WRONG} "
    f"BEGIN {_SQ_TAKE}; END",
    "CREATE TRIGGER cases_case_worker_actions AFTER UPDATE OF case_worker_id, state ON cases "
    f"WHEN {_CASE_MOVED.replace('IS DISTINCT FROM', 'IS NOT')} "
    f"BEGIN {_TO_ACTIONS.replace('IS DISTINCT FROM', 'IS NOT')}; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_case_worker_actions",
    "DROP TRIGGER IF EXISTS actions_case_worker_update",
    "DROP TRIGGER IF EXISTS actions_case_worker_insert",
]
# Every action's value from its case (the migration runs it once, before the triggers exist).
BACKFILL = f"UPDATE actions SET {COLUMN} = {_of_case('actions.case_id')}"


def drift() -> list[tuple]:
    """(action id, kept, recomputed) for every action whose copy differs from its case (the actions the
    current tenant sees: every node's under the system context of ``monitoring-verify``)."""
    differs = "IS DISTINCT FROM" if db.engine.dialect.name == "postgresql" else "IS NOT"
    rows = db.session.execute(text(
        f"SELECT a.id, a.{COLUMN}, {_value('c')} FROM actions a JOIN cases c ON c.id = a.case_id "
        f"WHERE a.{COLUMN} {differs} ({_value('c')}) ORDER BY a.id"
    ))
    return [tuple(row) for row in rows]
