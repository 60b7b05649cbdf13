"""The dashboard filters and the few SQL expressions that differ between PostgreSQL and SQLite.

Every aggregate is an ORM/Core select over mapped entities, so the tenancy scoping adds the current
tenant's rule to each of them (raw SQL would bypass it on SQLite). Nothing here reads an encrypted
column: monitoring uses only the people's monitoring attributes.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, cast, exists, func, literal, select

from ..cases.models import Action, Case
from ..core.sql import dialect
from ..i18n import day_start, local_today
from ..referrals.models import Referral


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    antenna_id: int | None = None
    ground: str = ""
    provider_id: int | None = None

    @property
    def since(self) -> datetime:  # the first day's midnight in Rome
        return day_start(self.start)

    @property
    def until(self) -> datetime:  # exclusive: midnight in Rome after the last day
        return day_start(self.end + timedelta(days=1))

    def months(self, most: int = 60) -> list[str]:
        """``YYYY-MM`` of every month the period touches, for a time series that shows a month with nothing
        as 0 (a line from April straight to September read as a trend through the summer). Empty past
        ``most`` months: a series that long lists only the months with data."""
        first, last = self.start.year * 12 + self.start.month - 1, self.end.year * 12 + self.end.month - 1
        if last - first >= most:
            return []
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, last + 1)]


def default_period(today: date | None = None) -> tuple[date, date]:
    """From the first of January to today: the programme reports by calendar year."""
    today = today or local_today()
    return date(today.year, 1, 1), today


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- portable expressions ----------------------------------------------------------------------------

def referral_has_ground(ground: str):
    # grounds is a JSON list of values ('["age", "ethnicity"]'): match the quoted value as text.
    return cast(Referral.grounds, String).like(f'%"{_escape_like(ground)}"%', escape="\\")


def case_has_ground(ground: str):
    # Case.grounds is comma-joined: match a whole item, as the case list does.
    return (literal(",") + Case.grounds + literal(",")).like(f"%,{_escape_like(ground)},%", escape="\\")


def month_label(value) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m") if hasattr(value, "strftime") else str(value)


def days_between(later, earlier):
    """Days (with fractions) from one timestamp to another."""
    if dialect() == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


# --- the filters as conditions -----------------------------------------------------------------------

def provider_case_ids(provider_id: int):
    return select(Action.case_id).where(Action.provider_id == provider_id)


def referral_conditions(f: Filters, node: bool = True) -> list:
    conditions = [Referral.submitted_at >= f.since, Referral.submitted_at < f.until]
    if f.antenna_id:
        conditions.append(Referral.tenant_id == f.antenna_id)
    if f.ground:
        conditions.append(referral_has_ground(f.ground))
    if f.provider_id:
        # Correlated to the referral only: the enclosing query may join cases itself.
        conditions.append(exists(
            select(Case.id).where(Case.referral_id == Referral.id, Case.id.in_(provider_case_ids(f.provider_id)))
            .correlate(Referral)
        ))
    return conditions


def case_conditions(f: Filters) -> list:
    """Filters on a case (antenna, ground, provider); the period is the caller's."""
    conditions = []
    if f.antenna_id:
        conditions.append(Case.antenna_id == f.antenna_id)
    if f.ground:
        conditions.append(case_has_ground(f.ground))
    if f.provider_id:
        conditions.append(Case.id.in_(provider_case_ids(f.provider_id)))
    return conditions
