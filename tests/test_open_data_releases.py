"""A node's open data: a quarter's first export releases it, and every later export of that quarter (page, queue,
API) is the same file; the grounds table counts each participant once, so its totals are the other tables'."""
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.monitoring import releases
from portal.monitoring.filters import Filters
from portal.monitoring.models import StatisticsRelease
from portal.monitoring.opendata import INTERSECTIONAL, tables
from portal.monitoring.suppression import TOTAL
from portal.tenancy import context

from .factories import make_case, make_person, make_referral
from .region_support import outside_region
from .test_monitoring_dashboard import MARCH, _set, at
from .test_monitoring_report import FIRST_QUARTER, _many


def _one_more(network, day: int, grounds=("ethnicity",)):
    a = network.tenants["a"]
    person = make_person(a, first_name=f"Tardivo{day}", birth_year=1980, gender="female", age_band="25_54")
    case = make_case(make_referral(a, network.users["a_operator"], person=person, grounds=list(grounds)))
    _set(case, network.tenants["n1"].id, opened_at=at(day))


def test_a_quarters_open_data_never_changes_once_exported(network, login):
    outside_region(network)
    _many(network)
    coordinator = login("n1_coordinator")
    linked = coordinator.get("/monitoraggio/open-data.csv" + FIRST_QUARTER, headers={"Sec-Fetch-Site": "cross-site"})
    assert linked.status_code == 302  # a link on another site releases nothing for good: back to the page
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalars(select(StatisticsRelease)).all() == []
    first = coordinator.get("/monitoraggio/open-data.csv" + FIRST_QUARTER)
    assert first.status_code == 200
    # Once released, the file is the same wherever the link is.
    assert coordinator.get("/monitoraggio/open-data.csv" + FIRST_QUARTER,
                           headers={"Sec-Fetch-Site": "cross-site"}).data == first.data
    _one_more(network, 25)  # a late record of the quarter: one more woman aged 25-54
    again = coordinator.get("/monitoraggio/open-data.csv" + FIRST_QUARTER)
    assert again.data == first.data
    page = coordinator.get("/monitoraggio/open-data").get_data(as_text=True)
    assert "(pubblicato il " in page and "Il primo scaricamento di un trimestre lo pubblica" in page
    with context.acting_as(network.tenants["n1"].id):
        assert [r.quarter for r in db.session.scalars(select(StatisticsRelease))] == ["2026-Q1"]
        # ...while the live tables did change: the release is what keeps the answer still.
        live = {t.name: t for t in tables(Filters(date(2026, 1, 1), date(2026, 3, 31)))}
    assert live["partecipanti_eta"].cells[(TOTAL, "female")] == 10


def test_each_participant_counts_once_in_the_grounds_table(network):
    """Two grounds made two mentions: the grounds table totalled more than the participants, by the number of
    multi-ground cases (here 3, a small count): now one row each, and the margins are suppressed together."""
    _many(network)
    for day in (4, 5, 6):
        _one_more(network, day, grounds=("ethnicity", "religion"))
    with context.acting_as(network.tenants["n1"].id):
        by_name = {t.name: t for t in tables(MARCH)}
    grounds, age = by_name["motivi"], by_name["partecipanti_eta"]
    assert grounds.cells[(INTERSECTIONAL, "female")] == 3
    for gender in ("female", "male", "non_binary", "not_stated", TOTAL):
        assert grounds.cells[(TOTAL, gender)] == age.cells[(TOTAL, gender)]
        assert ((TOTAL, gender) in grounds.hidden) == ((TOTAL, gender) in age.hidden)


def test_a_first_export_at_the_same_instant_reads_the_other_ones_release(network, monkeypatch):
    """Two first exports at once: the unique key keeps one release, the second reads it (no 500, no second)."""
    from portal.core.quarters import Quarter

    quarter = Quarter(2026, 1)
    node = network.tenants["n1"].id
    with context.acting_as(node):
        other, made = releases.release_once(releases.OPEN_DATA, quarter, lambda: {"rows": [["prima"]]})
        assert made
        looks, real_find = [], releases.find

        def find(kind, q):  # the second request looked before the first had written
            looks.append(q)
            return None if len(looks) == 1 else real_find(kind, q)

        monkeypatch.setattr(releases, "find", find)
        release, made = releases.release_once(releases.OPEN_DATA, quarter, lambda: {"rows": [["seconda"]]})
        assert not made and release.id == other.id and release.content == {"rows": [["prima"]]}
        assert len(db.session.scalars(select(StatisticsRelease)).all()) == 1


def test_the_api_answers_the_released_rows(network, client):
    """The API's first answer for Q1 releases it; after a late record the API and the page answer the same."""
    from .api_support import headers_for

    outside_region(network)
    _many(network)
    auth, period = headers_for(network, "n1"), {"dal": "2026-01-01", "al": "2026-03-31"}
    first = client.get("/api/v1/open-data", headers=auth, query_string=period)
    assert first.status_code == 200
    _one_more(network, 25)
    assert client.get("/api/v1/open-data", headers=auth, query_string=period).get_json()["celle"] == \
        first.get_json()["celle"]
