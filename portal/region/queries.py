"""The regional centre's tables: per-node summaries rolled up for one closed quarter, then suppressed.

Why quarters, closed ones only: a region that could ask for any period could subtract two overlapping
answers (January–March minus January–February) and read a small cell that each answer hid. Periods are
therefore disjoint calendar quarters, offered only once they have ended, and every table of a quarter
is suppressed together with the tables that publish the same margins (monitoring/suppression.py:
primary below 5 and secondary until nothing hidden is derivable). A node is a column of every table,
so "per node" and "all nodes" are the same published grid: no second view to subtract from.

Only ``RegionSummary`` rows are read; the scoping rule limits them to the current region's nodes.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..accounts.models import Membership, Role, User
from ..cases.models import ClosureOutcome
from ..core.quarters import Quarter
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..monitoring.indicators import DIMENSIONS, RESULTS, SIX_MONTHS, VALUES
from ..monitoring.labels import DIMENSION_TITLES
from ..monitoring.opendata import INTERSECTIONAL, UNSPECIFIED
from ..monitoring.queries import _timing
from ..monitoring.suppression import THRESHOLD, TOTAL, Table, suppress, suppress_linked
from ..referrals.models import Context, Ground
from ..tenancy.context import acting_as
from ..tenancy.models import Tenant, TenantKind
from .models import RegionSummary

TITLES = {
    "segnalazioni_mese": _l("Segnalazioni ricevute per mese"),
    "segnalazioni_contesto": _l("Segnalazioni per contesto"),
    "segnalazioni_motivo": _l("Segnalazioni per motivo (intersezionale: due o più motivi)"),
    "decisioni": _l("Decisioni sulle segnalazioni"),
    "casi_chiusi": _l("Casi chiusi per esito"),
    "esf_risultati": _l("Partecipanti all'uscita (indicatori FSE+)"),
    "esf_formazione": _l("Partecipanti all'uscita, per formazione completata"),
    "esf_sei_mesi": _l("Follow-up a sei mesi dall'uscita (indicatori FSE+)"),
} | {f"esf_{d}": DIMENSION_TITLES[d] for d in DIMENSIONS}


def region_nodes(region: Tenant) -> list[Tenant]:
    return list(db.session.scalars(
        select(Tenant).where(Tenant.region_id == region.id, Tenant.kind == TenantKind.NODE).order_by(Tenant.name)
    ))


@dataclass
class NodeContact:
    node: Tenant
    coordinators: list  # (full name, e-mail) of the node's active coordinators
    entry: object | None  # the node's directory entry (directory.models.DirectoryEntry), if it has one


def _coordinators(node: Tenant) -> list[tuple[str, str]]:
    # Memberships are the node's rows: read as the node, for this one question (names and work
    # addresses of its coordinators), as network/services.py checks an operator's membership.
    with acting_as(node.id):
        return [tuple(row) for row in db.session.execute(
            select(User.full_name, User.email).join(Membership, Membership.user_id == User.id)
            .where(Membership.tenant_id == node.id, Membership.role == Role.COORDINATOR,
                   Membership.active.is_(True), User.active.is_(True))
            .order_by(User.full_name))]


def node_contacts(region: Tenant) -> list[NodeContact]:
    """The region's nodes with their coordinators' contact and what each publishes in the network's
    directory. Nothing else of a node is read: no person, referral or case."""
    from ..directory.models import DirectoryEntry

    nodes = region_nodes(region)
    entries = {e.organisation_id: e for e in db.session.scalars(
        select(DirectoryEntry).where(DirectoryEntry.organisation_id.in_([n.id for n in nodes])))} if nodes else {}
    return [NodeContact(node, _coordinators(node), entries.get(node.id)) for node in nodes]


def closed_quarters(region: Tenant, today: date) -> list[Quarter]:
    """Quarters that have ended and hold data, newest first."""
    current = Quarter.of(today)
    months = db.session.scalars(
        select(RegionSummary.month).where(RegionSummary.region_id == region.id, RegionSummary.month < current.start)
        .distinct()
    )
    return sorted({Quarter.of(m) for m in months}, key=lambda q: (q.year, q.number), reverse=True)


def _load(region: Tenant, quarter: Quarter) -> dict:
    """(measure, value, node id, month) -> count, for the quarter."""
    rows = db.session.execute(
        select(RegionSummary.measure, RegionSummary.value, RegionSummary.tenant_id, RegionSummary.month,
               func.sum(RegionSummary.count))
        .where(RegionSummary.region_id == region.id, RegionSummary.month >= quarter.start,
               RegionSummary.month < quarter.end)
        .group_by(RegionSummary.measure, RegionSummary.value, RegionSummary.tenant_id, RegionSummary.month)
    )
    return {(m, v, t, month): int(n) for m, v, t, month, n in rows}


def _cells(data: dict, measure: str, values: list, nodes: list) -> dict:
    cells = {(v, n): 0 for v in values for n in nodes}
    for (m, v, t, _month), count in data.items():
        if m == measure and (v, t) in cells:
            cells[(v, t)] += count
    return cells


def _by_month(data: dict, quarter: Quarter, nodes: list) -> dict:
    cells = {(month.isoformat()[:7], n): 0 for month in quarter.months for n in nodes}
    for (m, _v, t, month), count in data.items():
        if m == "referrals" and (month.isoformat()[:7], t) in cells:
            cells[(month.isoformat()[:7], t)] += count
    return cells


def _column_margin(table, key):
    """Tables with the same columns (nodes) that count the same units share their column totals."""
    return key[1] if key[0] == TOTAL else None


def _accepted_margin(table, key):
    """A node's accepted referrals are its cases opened in the quarter (a case opens on acceptance), which the
    participant tables total: the decisions table shares that margin with them, or a hidden "declined" would
    be the decided total minus the participants' total."""
    if table.name == DECISIONS_TABLE:
        return key[1] if key[0] == "accepted" else None
    return _column_margin(table, key)


DECISIONS_TABLE = "decisioni"


def build_tables(data: dict, quarter: Quarter, node_ids: list) -> list[Table]:
    months = [m.isoformat()[:7] for m in quarter.months]
    contexts = [c.value for c in Context]
    grounds = [g.value for g in Ground] + [INTERSECTIONAL]
    if any(m == "ground" and v == UNSPECIFIED for m, v, _t, _month in data):
        grounds.append(UNSPECIFIED)  # a row only when there is one: an all-zero row costs other cells
    referrals = [
        Table("segnalazioni_mese", months, node_ids, _by_month(data, quarter, node_ids)),
        Table("segnalazioni_contesto", contexts, node_ids, _cells(data, "context", contexts, node_ids)),
        # Each referral in one row (its ground, or intersectional): the same totals as the two above.
        Table("segnalazioni_motivo", grounds, node_ids, _cells(data, "ground", grounds, node_ids)),
    ]
    suppress_linked(referrals, _column_margin)
    decisions = Table(DECISIONS_TABLE, ["accepted", "declined"], node_ids,
                      _cells(data, "decision", ["accepted", "declined"], node_ids))
    outcomes = [o.value for o in ClosureOutcome]
    results = _cells(data, "esf_result", list(RESULTS), node_ids)
    leavers = [
        Table("casi_chiusi", outcomes, node_ids, _cells(data, "cases_closed", outcomes, node_ids)),
        Table("esf_risultati", list(RESULTS), node_ids, results),
        # The leavers who completed a training are some of the leavers: published alone, the leavers' total
        # less them was a small count no table hid. The rest is a row of its own, suppressed with the leavers.
        Table("esf_formazione", TRAINING_ROWS, node_ids, _training(data, results, node_ids)),
    ]
    suppress_linked(leavers, _column_margin)
    participants = [
        Table(f"esf_{d}", VALUES[d], node_ids, _cells(data, f"esf_{d}", VALUES[d], node_ids)) for d in DIMENSIONS
    ]
    suppress_linked([decisions, *participants], _accepted_margin)
    six = suppress(Table("esf_sei_mesi", list(SIX_MONTHS), node_ids,
                         _cells(data, "esf_six_months", list(SIX_MONTHS), node_ids)))
    return [*referrals, decisions, *leavers, six, *participants]


TRAINING_ROWS = ["completed", "not_completed"]


def _training(data: dict, results: dict, nodes: list) -> dict:
    completed = _cells(data, "esf_training", ["completed"], nodes)
    cells = {}
    for n in nodes:
        leavers = sum(results[(r, n)] for r in RESULTS)
        cells[("completed", n)] = completed[("completed", n)]
        cells[("not_completed", n)] = leavers - completed[("completed", n)]
    return cells


def _medians(data: dict, decisions: Table, node_ids: list) -> dict:
    """Median days to decision where the number of decisions is published and at least THRESHOLD."""
    histograms: dict = {n: [] for n in [*node_ids, TOTAL]}
    for (m, v, t, _month), count in data.items():
        if m == "decision_days" and t in histograms:
            histograms[t].append((int(v), count))
            histograms[TOTAL].append((int(v), count))
    out = {}
    for n, histogram in histograms.items():
        published = decisions.published((TOTAL, n))
        out[n] = _timing(histogram).median if published is not None and published >= THRESHOLD else None
    return out


def compute(region: Tenant, quarter: Quarter) -> tuple[list, list, dict]:
    """The region's nodes, the quarter's suppressed tables and the medians, from the summaries as they are
    now (releases.py publishes this once per quarter); no tables when no node has data for the quarter."""
    nodes = region_nodes(region)
    data = _load(region, quarter) if nodes else {}
    if not data:
        return nodes, [], {}
    node_ids = [n.id for n in nodes]
    tables = build_tables(data, quarter, node_ids)
    decisions = next(t for t in tables if t.name == DECISIONS_TABLE)
    return nodes, tables, _medians(data, decisions, node_ids)
