"""A region's quarter is released once, after its delay, and never recounted; its grounds table counts each
referral once. Both close a subtraction: two downloads of one quarter, or mention totals less referral totals."""
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.monitoring.models import StatisticsRelease
from portal.monitoring.opendata import INTERSECTIONAL
from portal.monitoring.releases import release_day
from portal.monitoring.suppression import TOTAL
from portal.region.queries import build_tables
from portal.tenancy import context

from .factories import TenantFactory
from .region_support import last_quarter, referrals_in, refresh


def _data(network):
    q = last_quarter()
    referrals_in(network, "n1", 7, month=q.months[0], grounds=("ethnicity", "religion"), decided_after_days=4,
                 accept=True)
    referrals_in(network, "n1", 6, month=q.months[1], context_code="housing", grounds=("age",))
    referrals_in(network, "n2", 6, month=q.months[0], decided_after_days=10)
    return q


def test_a_released_quarter_never_changes(session, network, login):
    q = _data(network)
    refresh()
    analyst = login("r_analyst")
    first, page = analyst.get(f"/regione/{q.key}.csv").data, analyst.get(f"/regione/?trimestre={q.key}")
    assert page.status_code == 200
    assert "Pubblicato il " in page.get_data(as_text=True)
    # A late record of the quarter (one more referral of N2): the nodes' summaries change, the release does not.
    referrals_in(network, "n2", 1, month=q.months[0])
    lines = refresh(release_day(q) + timedelta(days=1))
    assert not any("pubblicato" in line for line in lines)
    assert analyst.get(f"/regione/{q.key}.csv").data == first
    with context.acting_as(network.tenants["r"].id):
        assert len(db.session.scalars(select(StatisticsRelease)).all()) == 1


def test_a_quarter_is_released_only_once_its_delay_has_passed(session, network, login):
    q = _data(network)
    day = q.end + timedelta(days=30)  # REGION_RELEASE_DELAY_DAYS' default
    assert release_day(q) == day
    refresh(day - timedelta(days=1))
    analyst = login("r_analyst")
    assert analyst.get(f"/regione/?trimestre={q.key}").status_code == 404
    assert analyst.get(f"/regione/{q.key}.csv").status_code == 404
    body = analyst.get("/regione/").get_data(as_text=True)
    assert f"sarà pubblicato il {day:%d/%m/%Y}" in body
    assert refresh(day)[-1] == f"{network.tenants['r'].name}: {q.key} pubblicato"
    assert analyst.get(f"/regione/{q.key}.csv").status_code == 200
    assert "sarà pubblicato" not in analyst.get("/regione/").get_data(as_text=True)


def test_a_release_keeps_no_hidden_count(session, network):
    _data(network)
    refresh()
    with context.acting_as(network.tenants["r"].id):
        release = db.session.scalars(select(StatisticsRelease)).one()
    cells = [value for table in release.content["tables"] for _r, _c, value in table["cells"]]
    assert None in cells  # something was hidden (N1's few referrals of some months)...
    assert all(value is None or value >= 5 for value in cells)  # ...and stored as nothing


def test_each_referral_counts_once_in_the_grounds_table(session, network):
    """7 referrals on two grounds and 6 on one: the grounds table totals 13, as the month table does (it
    totalled 20 mentions: 20 - 13 gave the multi-ground count, however the two tables were suppressed)."""
    q = _data(network)
    refresh()
    n1, n2 = network.tenants["n1"], network.tenants["n2"]
    context.activate(network.tenants["r"].id, None, regional=True)
    from portal.region.queries import _load, region_nodes

    tables = {t.name: t for t in build_tables(_load(network.tenants["r"], q), q,
                                              [n.id for n in region_nodes(network.tenants["r"])])}
    grounds, months = tables["segnalazioni_motivo"], tables["segnalazioni_mese"]
    assert grounds.cells[(INTERSECTIONAL, n1.id)] == 7 and grounds.cells[("age", n1.id)] == 6
    assert grounds.cells[("ethnicity", n1.id)] == 0  # its 7 are intersectional, not mentions
    for node in (n1.id, n2.id, TOTAL):
        assert grounds.cells[(TOTAL, node)] == months.cells[(TOTAL, node)]
        assert ((TOTAL, node) in grounds.hidden) == ((TOTAL, node) in months.hidden)


def test_another_region_reads_no_release(session, network):
    _data(network)
    refresh()
    other = TenantFactory(slug="altra-regione", name="Altra regione", kind="regional_centre")
    session.flush()
    context.activate(other.id, None, regional=True)
    assert db.session.scalars(select(StatisticsRelease)).all() == []
    context.activate(network.tenants["r"].id, None, regional=True)
    assert len(db.session.scalars(select(StatisticsRelease)).all()) == 1


def test_a_region_node_s_open_data_waits_for_the_region_and_is_released_with_it(session, network, login):
    """Suppressed apart, the node's open data and the region's column for it gave away cells both hid
    (tests/test_joint_suppression.py): the node's quarter is released by the region's job, jointly."""
    from portal.monitoring import opendata
    from portal.monitoring.releases import OPEN_DATA, find

    q = _data(network)
    query = f"?dal={q.start.isoformat()}&al={q.last.isoformat()}"
    coordinator = login("n1_coordinator")
    refused = coordinator.get("/monitoraggio/open-data.csv" + query)  # back to the page, which says when
    assert refused.status_code == 302
    assert "si pubblicano" in coordinator.get(refused.location).get_data(as_text=True)
    refresh()
    with context.acting_as(network.tenants["n1"].id):
        release = find(OPEN_DATA, q)
    assert release is not None
    answer = coordinator.get("/monitoraggio/open-data.csv" + query)
    assert answer.status_code == 200
    rows = answer.get_data(as_text=True).splitlines()[1:]
    assert len(rows) == len(release.content["rows"])
    # The region's file and the node's, together: nothing hidden is determined.
    from portal.region.joint_release import REGION
    from portal.region.releases import _table

    from .test_joint_suppression import _attack

    with context.acting_as(network.tenants["r"].id):
        region_release = db.session.scalars(select(StatisticsRelease)).one()
    node = network.tenants["n1"].id
    publications = {(REGION, t["name"]): _table(t) for t in region_release.content["tables"]}
    publications |= {(node, t.name): t for t in opendata.from_rows(release.content["rows"])}
    assert _attack(publications, [node], small_only=False) == []


def test_a_node_joining_after_the_region_released_a_quarter_releases_its_own(session, network, login):
    """The region's file of that quarter has no column for it: nothing to link with, so it does not wait for a
    release that will never come."""
    from .region_support import outside_region

    q = _data(network)
    node = outside_region(network)
    refresh()  # the region releases the quarter with N2 alone
    with context.system("test: N1 joins the region"):
        node.region_id = network.tenants["r"].id
        db.session.flush()
    answer = login("n1_coordinator").get(f"/monitoraggio/open-data.csv?dal={q.start.isoformat()}&al={q.last.isoformat()}")
    assert answer.status_code == 200
