"""A region's quarter and its nodes' open data for that quarter, suppressed as one system and released together.

The region's column for a node counts the same participants as the node's open data (its rows' totals, its
gender totals): suppressed apart, the two files together determined cells both hid (monitoring/joint.py). A
node's open data already released (by a first export before it joined the region) is taken as it is: only the
publications made now hide more.
"""
import logging

from ..monitoring import opendata, releases
from ..monitoring.filters import Filters
from ..monitoring.indicators import DIMENSIONS, VALUES
from ..monitoring.joint import suppress_jointly
from ..monitoring.suppression import TOTAL
from ..tenancy.context import acting_as

log = logging.getLogger(__name__)

REGION = "region"
PARTICIPANTS = [f"esf_{d}" for d in DIMENSIONS]
# Tables of the region that count the same units per node (their node totals are one count).
SAME_UNITS = (
    ["segnalazioni_mese", "segnalazioni_contesto", "segnalazioni_motivo"],
    ["casi_chiusi", "esf_risultati", "esf_formazione"],
)


def _region_links(node_ids: list) -> list:
    def cell(name, key):
        return (REGION, name), key

    links = []
    for n in [*node_ids, TOTAL]:
        for name in PARTICIPANTS[1:]:
            links.append((cell("esf_gender", (TOTAL, n)), cell(name, (TOTAL, n))))
        links.append((cell("esf_gender", (TOTAL, n)), cell("decisioni", ("accepted", n))))
        for group in SAME_UNITS:
            links += [(cell(group[0], (TOTAL, n)), cell(name, (TOTAL, n))) for name in group[1:]]
    return links


def _node_links(node_id: int, names: list) -> list:
    def od(name, key):
        return (node_id, name), key

    def region(name, key):
        return (REGION, name), key

    first = names[0]
    links = [(od(first, (TOTAL, g)), od(name, (TOTAL, g)))
             for name in names[1:] for g in [*VALUES["gender"], TOTAL]]
    for name, dimension in opendata.PARTICIPANT_TABLES.items():
        for value in [*VALUES[dimension], TOTAL]:
            links.append((region(f"esf_{dimension}", (value, node_id)), od(name, (value, TOTAL))))
    links += [(region("esf_gender", (g, node_id)), od(first, (TOTAL, g))) for g in VALUES["gender"]]
    return links


def node_publications(nodes: list, quarter) -> tuple[dict, set]:
    """Each node's open-data tables for the quarter: its release if it has one (fixed), else computed now."""
    tables, fixed = {}, set()
    period = Filters(quarter.start, quarter.last)
    for node in nodes:
        with acting_as(node.id):
            release = releases.find(releases.OPEN_DATA, quarter)
            computed = opendata.from_rows(release.content["rows"]) if release else opendata.tables(period)
        for table in computed:
            tables[(node.id, table.name)] = table
            if release is not None:
                fixed.add((node.id, table.name))
    return tables, fixed


def suppress_with_nodes(region_tables: list, nodes: list, quarter) -> dict:
    """Hide more of the region's tables and of the nodes' open data until together they disclose nothing;
    returns each node's open-data tables to release now (those it had not released yet)."""
    node_tables, fixed = node_publications(nodes, quarter)
    publications = {(REGION, t.name): t for t in region_tables} | node_tables
    links = _region_links([n.id for n in nodes])
    for node in nodes:
        links += _node_links(node.id, [name for (owner, name) in node_tables if owner == node.id])
    if stuck := suppress_jointly(publications, consistent(links, publications, fixed), fixed):
        # Files released earlier pin these counts whatever is hidden now: said (as a number only) for the operator.
        log.warning("region release %s: %d hidden counts stay pinned by node files released earlier",
                    quarter, len(stuck))
    fresh: dict = {}
    for (owner, _name), table in node_tables.items():
        if (owner, table.name) not in fixed:
            fresh.setdefault(owner, []).append(table)
    return fresh


def consistent(links: list, publications: dict, fixed: set) -> list:
    """A node's release made before it joined the region holds the counts of then; the region counts now. A cell
    the old release published is one count with the region's only while they agree: where they differ (a
    correction since), the region's cell is hidden and stands alone, or the two files side by side would show
    the correction."""
    kept = []
    for a, b in links:
        if (a[0] in fixed) == (b[0] in fixed):
            kept.append((a, b))
            continue
        old, new = (a, b) if a[0] in fixed else (b, a)
        old_table, new_table = publications[old[0]], publications[new[0]]
        if old[1] in old_table.hidden or old_table.cells[old[1]] == new_table.cells[new[1]]:
            kept.append((a, b))
        else:
            new_table.hidden.add(new[1])
    return kept


def release_node_open_data(fresh: dict, quarter) -> None:
    period = Filters(quarter.start, quarter.last)
    for node_id, tables in fresh.items():
        with acting_as(node_id):
            _release, made = releases.release_once(releases.OPEN_DATA, quarter,
                                                   lambda tables=tables: opendata.content(period, tables))
            if made:
                from ..audit.services import record

                record("monitoring.open_data_released", "open_data", None, ["period"])
