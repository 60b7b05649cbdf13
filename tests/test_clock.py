""""Today" is the day in Rome, where the users are, not the host's (UTC) day.

From 23:00 UTC (22:00 in summer) the host's date is still yesterday in Rome: a day typed as today was refused
as "in the future" and the queues counted days from yesterday.
"""
import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from portal import i18n
from portal.budget.services import check_not_future
from portal.core.errors import ServiceError

PORTAL = Path(__file__).resolve().parent.parent / "portal"


@pytest.mark.parametrize("moment, day", [
    (datetime(2026, 12, 4, 22, 59, tzinfo=UTC), date(2026, 12, 4)),
    (datetime(2026, 12, 4, 23, 30, tzinfo=UTC), date(2026, 12, 5)),   # CET, UTC+1
    (datetime(2026, 7, 1, 21, 59, tzinfo=UTC), date(2026, 7, 1)),
    (datetime(2026, 7, 1, 22, 30, tzinfo=UTC), date(2026, 7, 2)),     # CEST, UTC+2
])
def test_today_is_the_day_in_rome(app, moment, day):
    with app.app_context():
        assert i18n.local_today(moment) == day
    assert i18n.local_today(moment) == day  # outside the app too (a script, a job's set-up)


def test_a_day_typed_as_today_in_rome_is_not_in_the_future(app, monkeypatch):
    late = datetime.combine(date.today(), datetime.min.time(), UTC).replace(hour=23, minute=30)

    class LateEvening(datetime):
        @classmethod
        def now(cls, tz=None):
            return late.astimezone(tz) if tz else late.replace(tzinfo=None)

    monkeypatch.setattr(i18n, "datetime", LateEvening)
    rome_today = late.date() + timedelta(days=1)
    with app.test_request_context():
        check_not_future(rome_today)
        with pytest.raises(ServiceError):
            check_not_future(rome_today + timedelta(days=1))


def _host_dates(tree: ast.AST):
    """Calls that read the host's date: ``date.today()``, ``utcnow().date()``, ``datetime.now().date()``."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        if node.func.attr == "today" and isinstance(owner, ast.Name) and owner.id in {"date", "datetime"}:
            yield node.lineno
        if node.func.attr == "date" and not node.args and isinstance(owner, ast.Call):
            called = owner.func
            name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            if name in {"utcnow", "now"} and not owner.args:
                yield node.lineno


def test_the_code_asks_the_clock_not_the_host():
    found = [f"{path.relative_to(PORTAL.parent)}:{line}" for path in sorted(PORTAL.rglob("*.py"))
             for line in _host_dates(ast.parse(path.read_text(), str(path)))]
    assert not found, "use portal.i18n.local_today():\n" + "\n".join(found)


def test_the_scan_sees_the_host_date():
    source = "a = date.today()\nb = utcnow().date()\nc = datetime.now().date()\nd = moment.date()\n"
    assert list(_host_dates(ast.parse(source))) == [1, 2, 3]
