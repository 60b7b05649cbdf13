"""Calendar quarters: the disjoint, closed periods aggregates are published for (the regional centre's tables,
the node's open data), so that no two published answers overlap and one could be subtracted from the other."""
from dataclasses import dataclass
from datetime import date, timedelta

from ..i18n import lazy_gettext as _l


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> "Quarter | None":
        try:
            year, q = text.split("-Q")
            quarter = cls(int(year), int(q))
        except (AttributeError, ValueError):
            return None
        return quarter if 1 <= quarter.number <= 4 and 2000 <= quarter.year <= 2100 else None

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        """As the pages write it ("3º trimestre 2026"); ``key`` is the code of URLs and exports."""
        return _l("%(number)sº trimestre %(year)s", number=self.number, year=self.year)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:  # exclusive
        return _next_month(_next_month(_next_month(self.start)))

    @property
    def months(self) -> list[date]:
        first = self.start
        return [first, _next_month(first), _next_month(_next_month(first))]

    @property
    def last(self) -> date:  # inclusive, as a period's "al"
        return self.end - timedelta(days=1)

    def closed(self, today: date) -> bool:
        return self.end <= today


def last_closed(today: date) -> Quarter:
    return Quarter.of(Quarter.of(today).start - timedelta(days=1))


def closed_before(today: date, count: int) -> list[Quarter]:
    """The ``count`` quarters that ended last before ``today``, newest first."""
    found = [last_closed(today)]
    while len(found) < count:
        found.append(Quarter.of(found[-1].start - timedelta(days=1)))
    return found
