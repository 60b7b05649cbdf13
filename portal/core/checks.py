"""Checks of a typed value that need no database, shared by several domains' services.

A service runs them (it stays the authority: the pages and the API call it); its forms run the same function
through ``core.fields.ServiceRule``, so the refusal shows in the first round with the form's other errors.
"""
from datetime import date

from flask_babel import gettext as _

from ..i18n import format_day, local_today
from .errors import ServiceError

#: The window a day of the work (an action's plan) must fall in: 1900 or 9999 is a typing slip.
EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 5


def latest_day(today: date | None = None) -> date:
    """Five years from today (28 February for a 29th), read at each check: a bound computed at import went
    stale in a worker that runs for days."""
    today = today or local_today()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def check_plausible_day(day: date | None, field: str | None = None) -> None:
    """A day between :data:`EARLIEST_DAY` and :func:`latest_day` (none given: nothing to check)."""
    if day is not None and not EARLIEST_DAY <= day <= latest_day():
        raise ServiceError(_("La data deve essere compresa tra il %(first)s e il %(last)s.",
                             first=format_day(EARLIEST_DAY), last=format_day(latest_day())), field)
