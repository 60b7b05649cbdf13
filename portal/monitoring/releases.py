"""Statistics published once per quarter, then never recounted: a node's open data, a region's tables.

Why: tables recounted at each answer let whoever holds two answers for the same quarter compare them, and a
late correction of one person's details shows as a one-unit change across tables (a small cell no suppression
of either answer could see). So a quarter's suppressed tables are stored when first published
(``StatisticsRelease``) and every later answer for that quarter is the stored one. A tenant's later
corrections show in its own dashboard, never in a published quarter. Only published values are stored.
"""
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..core.quarters import Quarter
from ..extensions import db
from .models import StatisticsRelease

OPEN_DATA, REGION = "open_data", "region"


def release_day(quarter: Quarter) -> date:
    """The day a closed quarter is due for release to a region: late records settle first."""
    return quarter.end + timedelta(days=current_app.config["REGION_RELEASE_DELAY_DAYS"])


def released(kind: str) -> dict[str, StatisticsRelease]:
    """The current tenant's releases of this kind, by quarter key."""
    return {r.quarter: r for r in db.session.scalars(select(StatisticsRelease).where(StatisticsRelease.kind == kind))}


def find(kind: str, quarter: Quarter) -> StatisticsRelease | None:
    return db.session.scalar(select(StatisticsRelease).where(
        StatisticsRelease.kind == kind, StatisticsRelease.quarter == quarter.key))


def release_once(kind: str, quarter: Quarter, build) -> tuple[StatisticsRelease, bool]:
    """The current tenant's release of ``quarter``, made from ``build()`` (the content) if there is none yet;
    and whether it was made now. Two first answers at once: the unique key keeps one, the other reads it."""
    existing = find(kind, quarter)
    if existing is not None:
        return existing, False
    try:
        with db.session.begin_nested():
            release = StatisticsRelease(kind=kind, quarter=quarter.key, content=build())
            db.session.add(release)
            db.session.flush()
    except IntegrityError:
        return find(kind, quarter), False
    return release, True
