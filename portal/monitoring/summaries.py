"""Summaries of the actions kept by triggers, so the node dashboard does not read a million actions.

Why: at 1,000,000 actions, grouping them by service type and provider (and finding each case's first
action) costs 0.5–1 s per page view on the 2-core PostgreSQL; the dashboard's target is 300 ms. Like
portal/budget/totals.py these summaries cannot drift:

- only triggers on ``actions`` write them (migration 0007, ``migrations/helpers/monitoring_summaries_v1.py``), in the transaction that changes the action,
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
