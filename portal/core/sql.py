"""The few SQL expressions that differ between PostgreSQL and SQLite, for every domain to share."""
from sqlalchemy import Date, DateTime, Integer, cast, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..extensions import db

# The days and months a report counts are Rome's (portal.i18n.day_start for the bounds); the summaries'
# triggers (migration 0047) freeze the same zone into their SQL.
ZONE = "Europe/Rome"


def dialect() -> str:
    return db.session.get_bind().dialect.name


class local_time(FunctionElement):
    """A UTC timestamp column as the wall-clock time in Rome (no zone), in both dialects."""

    type = DateTime()
    inherit_cache = True


class local_date(local_time):
    """The day in Rome a UTC timestamp falls on, in both dialects."""

    type = Date()
    inherit_cache = True


@compiles(local_time, "postgresql")
@compiles(local_date, "postgresql")
def _rome_postgresql(element, compiler, **kw):
    sql = f"({compiler.process(element.clauses, **kw)} AT TIME ZONE '{ZONE}')"
    return f"CAST({sql} AS DATE)" if isinstance(element, local_date) else sql


@compiles(local_time)
@compiles(local_date)
def _rome_sqlite(element, compiler, **kw):
    sql = sqlite_rome(compiler.process(element.clauses, **kw))
    return f"date({sql})" if isinstance(element, local_date) else sql


def sqlite_rome(column: str) -> str:
    """SQLite has no zone database, so Rome's rule is spelled out: UTC+2 from 01:00 UTC on the last Sunday of
    March (the first Sunday from the 25th) to 01:00 UTC on the last Sunday of October, UTC+1 otherwise (the
    EU rule since 1996). SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS...', which compares as text."""
    def change(months: int) -> str:
        return f"date({column}, 'start of year', '+{months} months', '+24 days', 'weekday 0') || ' 01:00:00'"

    return (f"datetime({column}, CASE WHEN {column} >= {change(2)} AND {column} < {change(9)} "
            f"THEN '+2 hours' ELSE '+1 hours' END)")


def local_month(column):
    """The month in Rome of a UTC timestamp: 'YYYY-MM' on SQLite; on PostgreSQL its first day (date_trunc costs
    a tenth of to_char per row; monitoring.filters.month_label makes both 'YYYY-MM')."""
    if dialect() == "postgresql":
        return func.date_trunc("month", local_time(column))
    return func.strftime("%Y-%m", local_time(column))


def days_from_timestamp_to_date(day, moment):
    """Whole days from the day in Rome a timestamp (``moment``) falls on to a date column (``day``)."""
    if dialect() == "postgresql":
        return day - local_date(moment)
    return cast(func.julianday(day) - func.julianday(local_date(moment)), Integer)
