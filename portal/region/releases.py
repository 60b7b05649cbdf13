"""The region's releases: each closed quarter's tables published to the regional centre once
(monitoring/releases.py says why), ``REGION_RELEASE_DELAY_DAYS`` after it ends (late records settle first), by
the nightly ``flask rete region-refresh``; the page and the exports read that release only.
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..audit.services import record
from ..core.quarters import Quarter
from ..extensions import db
from ..monitoring import releases
from ..monitoring.releases import release_day
from ..monitoring.suppression import TOTAL, Table
from ..tenancy.context import acting_as
from ..tenancy.models import Tenant, TenantKind
from .joint_release import release_node_open_data, suppress_with_nodes
from .queries import closed_quarters, compute


@dataclass(frozen=True)
class ReleasedNode:
    """A node as it was named when the quarter was released (a column of every table)."""

    id: int
    slug: str
    name: str
    code: str | None


@dataclass
class RegionView:
    region: Tenant
    quarter: Quarter | None
    quarters: list  # released quarters, newest first
    nodes: list = field(default_factory=list)  # ReleasedNode: the columns of every table
    tables: list = field(default_factory=list)  # suppressed Tables, in display order
    medians: dict = field(default_factory=dict)  # node id (or TOTAL) -> median days to decision, or None
    released_at: object = None
    pending: list = field(default_factory=list)  # (Quarter, day it will be released) of closed quarters not yet


def _column(key):
    return TOTAL if key == TOTAL else int(key)


def _content(nodes, tables, medians) -> dict:
    return {
        "nodes": [{"id": n.id, "slug": n.slug, "name": n.name, "code": n.code} for n in nodes],
        "tables": [{"name": t.name, "rows": list(t.rows), "columns": list(t.columns),
                    "cells": [[r, c, t.published((r, c))] for r, c in t.keys]} for t in tables],
        "medians": [[node, value] for node, value in medians.items()],
    }


def _table(stored: dict) -> Table:
    cells = {(r, _column(c)): value for r, c, value in stored["cells"]}
    hidden = {key for key, value in cells.items() if value is None}
    return Table(stored["name"], stored["rows"], [_column(c) for c in stored["columns"]],
                 {key: value or 0 for key, value in cells.items()}, hidden=hidden)


def publish(region: Tenant, quarter: Quarter) -> bool:
    """Release one quarter as the summaries hold it now, with each node's open data for it (suppressed
    together: joint_release.py); False when no node has data for it."""
    with acting_as(region.id):
        nodes, tables, medians = compute(region, quarter)
    if not tables:
        return False
    fresh = suppress_with_nodes(tables, nodes, quarter)
    decisions = next(t for t in tables if t.name == "decisioni")
    medians = {n: m for n, m in medians.items() if decisions.published((TOTAL, n)) is not None}
    with acting_as(region.id):
        _release, made = releases.release_once(releases.REGION, quarter, lambda: _content(nodes, tables, medians))
        if made:
            record("region.quarter_released", "region", region.id, ["quarter"])
    if made:
        release_node_open_data(fresh, quarter)
    return made


def _released(region: Tenant) -> dict:
    with acting_as(region.id):
        return releases.released(releases.REGION)


def publish_due(region: Tenant, today: date) -> list[str]:
    """Release every closed quarter of the region whose day has come and that is not yet released."""
    released = _released(region)
    with acting_as(region.id):
        due = [q for q in closed_quarters(region, today) if q.key not in released and release_day(q) <= today]
    return [f"{region.name}: {q.key} pubblicato" for q in reversed(due) if publish(region, q)]


def publish_all(today: date) -> list[str]:
    regions = db.session.scalars(
        select(Tenant).where(Tenant.kind == TenantKind.REGIONAL_CENTRE).order_by(Tenant.name)).all()
    return [line for region in regions for line in publish_due(region, today)]


def region_view(region: Tenant, quarter_key: str | None, today: date) -> RegionView:
    """The page's quarter (the newest released if none is asked), read from its release."""
    released = _released(region)
    quarters = sorted((Quarter.parse(key) for key in released), key=lambda q: (q.year, q.number), reverse=True)
    pending = sorted(((q, release_day(q)) for q in closed_quarters(region, today) if q.key not in released),
                     key=lambda item: item[1])
    quarter = Quarter.parse(quarter_key) if quarter_key else (quarters[0] if quarters else None)
    view = RegionView(region=region, quarter=None, quarters=quarters, pending=pending)
    release = released.get(quarter.key) if quarter is not None else None
    if release is None:
        return view
    content = release.content
    view.quarter, view.released_at = quarter, release.released_at
    view.nodes = [ReleasedNode(**node) for node in content["nodes"]]
    view.tables = [_table(stored) for stored in content["tables"]]
    view.medians = {_column(node): value for node, value in content["medians"]}
    return view


def refresh_and_publish(today: date) -> list[str]:
    """The nightly job: every node's summary recomputed, then every quarter whose day has come released."""
    from .services import refresh_all

    return [*refresh_all(), *publish_all(today)]
