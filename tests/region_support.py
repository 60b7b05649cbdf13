"""Helpers for the regional centre's tests: referrals of a node in a past quarter, summaries refreshed."""
from datetime import UTC, date, datetime, timedelta

from portal.extensions import db
from portal.monitoring.releases import release_day
from portal.region.queries import Quarter
from portal.region.releases import refresh_and_publish
from portal.tenancy import context

from .factories import TenantFactory, make_case, make_referral


def last_quarter(today: date | None = None) -> Quarter:
    """The last quarter that has ended (the region's pages show only those)."""
    return Quarter.of(Quarter.of(today or date.today()).start - timedelta(days=1))


def antenna_of(net, node_key: str):
    if node_key == "n1":
        return net.tenants["a"]
    key = f"{node_key}_antenna"
    if key not in net.tenants:
        net.tenants[key] = TenantFactory(slug=f"antenna-{node_key}", name=f"Antenna di {node_key}",
                                         node=net.tenants[node_key])
        db.session.flush()
    return net.tenants[key]


def referrals_in(net, node_key: str, n: int, *, month: date, context_code="work", grounds=("ethnicity",),
                 decided_after_days: int | None = None, accept=False):
    """``n`` submitted referrals of the node's antenna in ``month`` (decided, and a case, if asked)."""
    antenna = antenna_of(net, node_key)
    made = []
    for i in range(n):
        referral = make_referral(antenna, net.users["a_operator"], context=context_code, grounds=list(grounds))
        submitted = datetime(month.year, month.month, 1 + i % 20, 10, tzinfo=UTC)
        with context.acting_as(antenna.node_id):
            referral.submitted_at = submitted
            if decided_after_days is not None:
                referral.decided_at = submitted + timedelta(days=decided_after_days)
                referral.state = "accepted" if accept else "declined"
            db.session.flush()
        if accept:
            case = make_case(referral)
            with context.acting_as(antenna.node_id):
                case.opened_at = referral.decided_at
                db.session.flush()
        made.append(referral)
    return made


def refresh(today: date | None = None):
    """The nightly job, on the day the last closed quarter is due for release (unless ``today`` is given)."""
    with context.system("test region-refresh"):
        lines = refresh_and_publish(today or release_day(last_quarter()))
        db.session.flush()
    return lines


def outside_region(net, node_key: str = "n1"):
    """The node leaves its region: its open data is released on its own, at the first export (a node of a region
    waits for the region's joint release, region/joint_release.py)."""
    node = net.tenants[node_key]
    with context.system("test: the node leaves its region"):
        node.region_id = None
        db.session.flush()
    return node
