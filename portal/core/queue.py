"""The work queue ("Da fare") of the home page: what waits for the current user, from every domain.

Core is the lowest layer and imports no domain: each domain registers its sources from its own module
(``portal/<domain>/queue.py``, imported by the app factory). A source is a function decorated with
:func:`source`::

    from ..core.queue import Item, Page, source

    @source("referrals.to_decide", _l("Segnalazioni da decidere"), applies=is_coordinator, order=10)
    def to_decide(membership, limit: int, offset: int) -> Page:
        ...  # an ordered select: page_of runs it as ONE statement with the (capped) count
        return Page(total, [Item(label, url, when, note=..., late=...)])

Rules for a source: one SQL statement whatever the data (the home page's statement count is asserted per
role in tests/test_home_queue.py), served by an index, oldest / most urgent first, each item's ``url`` the
page where the work is done, never anything identifying in a label (pseudonyms, titles, organisations).
The home page shows the first ``HOME_ITEMS`` of each source that applies; ``/da-fare/<key>`` lists them all.
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, literal, literal_column, select

from ..extensions import db
from ..i18n import local_day, local_today

HOME_ITEMS = 5
PAGE_ITEMS = 50
# Counts stop here ("1000+"): a count reads at most this many index entries, whatever the data size.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Item:
    label: str
    url: str
    when: date | None = None  # the day shown: received, due, decided… (``as_day`` for a timestamp)
    note: str | None = None  # a short qualifier: "urgente", "da 12 giorni"…
    late: bool = False  # overdue or urgent: highlighted


@dataclass(frozen=True)
class Page:
    total: int
    items: list[Item] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        """At least COUNT_CAP items wait: the count reads "1000+"."""
        return self.total >= COUNT_CAP


@dataclass(frozen=True)
class Source:
    key: str
    title: object  # a lazy string
    applies: Callable  # membership -> bool
    fetch: Callable  # (membership, limit, offset) -> Page
    order: int = 100
    hint: object = None  # one line under the title, e.g. the rule that selects the items


_SOURCES: dict[str, Source] = {}


def source(key: str, title, *, applies: Callable, order: int = 100, hint=None):
    """Register the decorated ``fetch(membership, limit, offset) -> Page`` as the queue ``key``.
    Registering a key again replaces it (a module imported twice, a test stub)."""

    def decorator(fetch):
        _SOURCES[key] = Source(key=key, title=title, applies=applies, fetch=fetch, order=order, hint=hint)
        return fetch

    return decorator


def unregister(key: str) -> None:
    _SOURCES.pop(key, None)


def sources_for(membership) -> list[Source]:
    if membership is None:
        return []
    return sorted((s for s in _SOURCES.values() if s.applies(membership)), key=lambda s: (s.order, s.key))


def get(key: str, membership) -> Source | None:
    """The source ``key`` if it applies to the membership (otherwise None: the caller answers 404)."""
    found = _SOURCES.get(key)
    return found if found is not None and membership is not None and found.applies(membership) else None


@dataclass(frozen=True)
class Section:
    source: Source
    page: Page


def home(membership) -> list[Section]:
    """Every queue of the user with its first items: one statement per source."""
    return [Section(s, s.fetch(membership, HOME_ITEMS, 0)) for s in sources_for(membership)]


# --- helpers for the sources ----------------------------------------------------------------------------

def page_of(statement, limit: int, offset: int, make_item: Callable) -> Page:
    """Run a source's ordered select (its columns, joins, filter) as ONE statement: the page's rows plus, on
    each row, the count of the matching rows capped at COUNT_CAP (an uncorrelated scalar subquery, computed
    once; ``count(*) OVER ()`` materialised every matching row and cost 80 ms at 55,000 open alerts)."""
    matching = statement.with_only_columns(literal_column("1"), maintain_column_froms=True).order_by(None)
    total = select(func.count()).select_from(matching.limit(COUNT_CAP).subquery()).scalar_subquery()
    rows = db.session.execute(statement.add_columns(total.label("queue_total")).limit(limit).offset(offset)).all()
    if not rows:
        return Page(0, [])
    return Page(rows[0][-1], [make_item(row) for row in rows])


def inline(value):
    """A value written into the SQL text instead of bound: a partial index's predicate (``state = 'open'``)
    is then provable by every plan, also the generic plan of a statement psycopg has prepared."""
    return literal(getattr(value, "value", value), literal_execute=True)


def today() -> date:
    return local_today()


def now() -> datetime:
    return datetime.now(UTC)


def as_day(moment) -> date | None:
    """The day (in Rome, as ``today()``) of a date or of a timestamp (SQLite returns naive UTC datetimes)."""
    return local_day(moment) if isinstance(moment, datetime) else moment


def days_since(moment) -> int | None:
    """Whole days from ``moment`` (a date or a timestamp) to today."""
    day = as_day(moment)
    return None if day is None else (today() - day).days


# A queue item's age in words, singular and plural as the language has them ("da 1 giorno", "da 3 giorni"),
# and today as today, not "0 days".
def waiting_since(moment) -> str:
    """How long an item has waited: "da oggi", "da 1 giorno", "da 12 giorni"."""
    days = days_since(moment)
    return _("da oggi") if not days or days < 0 else ngettext("da %(num)d giorno", "da %(num)d giorni", days)


def late_since(moment) -> str:
    """How late an item due on ``moment`` is: "in scadenza oggi", "in ritardo di 1 giorno"/"di 3 giorni"."""
    days = days_since(moment)
    return (_("in scadenza oggi") if not days or days < 0
            else ngettext("in ritardo di %(num)d giorno", "in ritardo di %(num)d giorni", days))


def due_in(deadline) -> str:
    """Time to a deadline: "scade oggi", "scade tra 3 giorni", "scaduta da 1 giorno"."""
    left = (as_day(deadline) - today()).days
    if left == 0:
        return _("scade oggi")
    if left < 0:
        return ngettext("scaduta da %(num)d giorno", "scaduta da %(num)d giorni", -left)
    return ngettext("scade tra %(num)d giorno", "scade tra %(num)d giorni", left)
