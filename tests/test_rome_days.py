"""The days, months and quarters the monitoring, the alerts and the region count are Rome's, not UTC's: a
referral sent at 00:30 on 1 April in Rome (22:30 UTC on 31 March) belongs to April and to the second
quarter, in the trigger-kept summary (migration 0047) as in the figures read from the referrals."""
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import literal, select

from portal.core.sql import local_date, local_month, sqlite_rome
from portal.extensions import db
from portal.i18n import day_start
from portal.monitoring import queries, referral_summary
from portal.monitoring.filters import Filters, month_label
from portal.monitoring.models import ReferralMonth
from portal.region.services import month_start
from portal.tenancy import context

from .factories import make_referral
from .helpers import migration_helper

ROME = ZoneInfo("Europe/Rome")
# (UTC moment, its day in Rome): either side of midnight in summer (UTC+2) and in winter (UTC+1).
EDGES = [
    (datetime(2026, 3, 31, 21, 30, tzinfo=UTC), date(2026, 3, 31)),
    (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), date(2026, 4, 1)),
    (datetime(2026, 12, 31, 22, 30, tzinfo=UTC), date(2026, 12, 31)),
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
]


def test_sqlites_spelled_out_rule_is_romes_zone():
    """SQLite has no zone database: its hand-written rule gives the wall clock zoneinfo gives, around every
    change of time from 2019 to 2030 and at random moments between."""
    connection = sa.create_engine("sqlite://").connect()
    moments = [datetime(year, month, 20, tzinfo=UTC) + timedelta(minutes=29 * step)
               for year in range(2019, 2031) for month in (3, 10) for step in range(700)]
    rng = random.Random(7)
    moments += [datetime(2019, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(12 * 365 * 86400)) for _ in range(3000)]
    for moment in moments:
        stored = moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy keeps a timestamp in SQLite
        shown = connection.execute(sa.text(f"SELECT {sqlite_rome(':t')}"), {"t": stored}).scalar()
        assert shown == moment.astimezone(ROME).strftime("%Y-%m-%d %H:%M:%S"), stored


def test_the_day_and_month_in_sql_are_romes(session):
    for moment, day in EDGES:
        value = literal(moment, sa.DateTime(timezone=True))
        assert db.session.scalar(select(local_date(value))) == day
        assert month_label(db.session.scalar(select(local_month(value)))) == day.strftime("%Y-%m")
        assert month_start(moment) == day.replace(day=1)  # the region's months
    assert day_start(date(2026, 4, 1)) == datetime(2026, 3, 31, 22, tzinfo=UTC)
    assert day_start(date(2026, 1, 1)) == datetime(2025, 12, 31, 23, tzinfo=UTC)


def _sent(network, moment):
    referral = make_referral(network.tenants["a"], network.users["a_operator"])
    with context.acting_as(network.tenants["a"].id):
        referral.submitted_at = moment
        db.session.flush()
    return referral


def test_a_quarter_counts_the_referrals_sent_in_it_in_rome(network):
    for moment, _day in EDGES[:2]:
        _sent(network, moment)
    second_quarter = Filters(date(2026, 4, 1), date(2026, 6, 30))  # whole months: from the summary
    first_days = Filters(date(2026, 4, 1), date(2026, 4, 10))  # inside a month: from the referrals
    march = Filters(date(2026, 3, 1), date(2026, 3, 31))
    with context.acting_as(network.tenants["n1"].id):
        months = {(row.month, row.value): row.referrals for row in db.session.scalars(
            select(ReferralMonth).where(ReferralMonth.key == "state", ReferralMonth.month < date(2026, 6, 1)))}
        assert months == {(date(2026, 3, 1), "submitted"): 1, (date(2026, 4, 1), "submitted"): 1}
        for f in (second_quarter, first_days, march):
            assert sum(n for _, n in queries.node_facts(f)["state"]) == 1
            assert queries.node_dashboard(f, today=date(2026, 12, 31)).referrals_total == 1
        raw = dict(queries._facts(queries._received(Filters(date(2026, 1, 1), date(2026, 6, 30))))["month"])
        assert sorted(month_label(m) for m in raw) == ["2026-03", "2026-04"]
        assert not referral_summary.drift()


def test_the_migration_helper_is_the_applications_ddl():
    """0047 installs what referral_summary.py defines (frozen in its helper): a change there needs a new
    migration with a _v3 helper, not an edit of the released one."""
    helper = migration_helper("referral_summary_v2")
    for name in ("TABLE", "POSTGRESQL_DDL", "POSTGRESQL_DROP", "SQLITE_DDL", "SQLITE_DROP"):
        assert getattr(helper, name) == getattr(referral_summary, name), name
    for dialect in ("postgresql", "sqlite"):
        assert helper.backfill(dialect) == referral_summary.backfill(dialect)


def test_retention_pseudonyms_and_api_keys_take_romes_days(login, network):
    """The other places a stored moment becomes a day: retention counts from the day in Rome, a pseudonym
    carries the year in Rome, and an API key typed to expire on a day works to that day's last second in Rome
    (and the list shows that day)."""
    from portal.api.models import ApiClient
    from portal.people import gdpr, services
    from portal.people.models import Person

    from .helpers import post_form

    assert gdpr.day_of(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert gdpr.day_of(date(2026, 3, 31)) == date(2026, 3, 31)
    person = Person(node_id=network.tenants["n1"].id,
                    created_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC))  # 00:30 on 1 January 2026 in Rome
    with context.acting_as(network.tenants["a"].id):  # the counter's statement, as create_person runs it
        assert "-2026-" in services.next_pseudonym(person)

    admin = login("a_admin")
    assert post_form(admin, "/amministrazione/api/", {"name": "Gestionale", "scopes": ["referrals:read"],
                                                      "expires_on": "2030-06-30"}).status_code == 200
    with context.acting_as(network.tenants["a"].id):
        client = db.session.scalar(select(ApiClient).where(ApiClient.name == "Gestionale"))
        expires = client.expires_at if client.expires_at.tzinfo else client.expires_at.replace(tzinfo=UTC)
    assert expires == datetime(2030, 6, 30, 21, 59, 59, tzinfo=UTC)  # 23:59:59 in Rome (summer)
    assert "30/06/2030" in admin.get("/amministrazione/api/").get_data(as_text=True)
