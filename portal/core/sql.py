"""The few SQL expressions that differ between PostgreSQL and SQLite, for every domain to share."""
from sqlalchemy import Date, Integer, cast, func

from ..extensions import db


def dialect() -> str:
    return db.session.get_bind().dialect.name


def days_from_timestamp_to_date(day, moment):
    """Whole days from the date a timestamp (``moment``) falls on to a date column (``day``)."""
    if dialect() == "postgresql":
        return day - cast(moment, Date)
    return cast(func.julianday(day) - func.julianday(func.date(moment)), Integer)
