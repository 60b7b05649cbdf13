"""The aggregate open-data export: counts of participants only, with small-cell suppression.

Schema (documented for readers on /monitoraggio/open-data/schema, ``templates/monitoring/opendata_schema.html``):
one CSV row per cell of each table, margins included, UTF-8, comma-separated, header in the first row:

``periodo_dal, periodo_al, tabella, dimensione_riga, valore_riga, dimensione_colonna, valore_colonna,
persone, soppresso`` — ``valore_*`` are codes (``totale`` for a margin), ``persone`` is empty when
``soppresso`` is 1.

Tables (participants = people whose case the node opened in the period, once each):
``partecipanti_eta``, ``partecipanti_lavoro``, ``partecipanti_istruzione``, ``partecipanti_cittadinanza``,
``partecipanti_disabilita`` — each by gender (columns); ``motivi`` — participants by ground and gender, each
once: the one ground of their case, or ``intersectional`` for two or more (``unspecified`` for none). Mentions
(a participant in each of their grounds' rows) totalled more than the participants: the difference was the
number of multi-ground cases, a small count neither table's suppression could see.

Each quarter is published once (monitoring/releases.py): the first export stores its rows, and every later
export of that quarter, through the page, the export queue or the API, is the same file.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import record
from ..cases.models import Case
from ..core import spreadsheets
from ..core.checks import check_plausible_day
from ..core.errors import ServiceError
from ..core.quarters import Quarter, last_closed
from ..extensions import db
from ..i18n import format_day, local_today
from ..people.models import Gender, Person
from ..referrals.models import Ground
from ..tenancy.context import acting_as, current_tenant_id
from ..tenancy.models import Tenant
from . import releases
from .filters import Filters
from .indicators import VALUES, indicators
from .suppression import TOTAL, Table, suppress_linked

COLUMNS = ["periodo_dal", "periodo_al", "tabella", "dimensione_riga", "valore_riga", "dimensione_colonna",
           "valore_colonna", "persone", "soppresso"]
PARTICIPANT_TABLES = {
    "partecipanti_eta": "age_band",
    "partecipanti_lavoro": "labour_status",
    "partecipanti_istruzione": "education_level",
    "partecipanti_cittadinanza": "citizenship_group",
    "partecipanti_disabilita": "disability",
}
GENDERS = [g.value for g in Gender]
INTERSECTIONAL, UNSPECIFIED = "intersectional", "unspecified"


def _grounds_by_gender(f: Filters) -> dict:
    rows = db.session.execute(
        select(Case.grounds, Person.gender, func.count())
        .select_from(Case).join(Person, Person.id == Case.person_id)
        .where(Case.opened_at >= f.since, Case.opened_at < f.until)
        .group_by(Case.grounds, Person.gender)
    ).all()
    cells: dict = {}
    for grounds, gender, n in rows:
        gender = getattr(gender, "value", gender) or Gender.NOT_STATED.value
        row = ground_row(filter(None, (grounds or "").split(",")))
        cells[(row, gender)] = cells.get((row, gender), 0) + n
    return cells


def ground_row(grounds) -> str:
    """One row per person (or referral) in a grounds table: its ground, ``intersectional`` for two or more,
    ``unspecified`` for none; so the table totals the same units as the tables beside it."""
    grounds = sorted(set(grounds or ()))
    if len(grounds) > 1:
        return INTERSECTIONAL
    return grounds[0] if grounds else UNSPECIFIED


def tables(f: Filters) -> list[Table]:
    """The suppressed tables of the period (node-wide: the export has no other filter)."""
    ind = indicators(Filters(f.start, f.end))
    linked = [
        Table(name, VALUES[dimension], GENDERS, dict(ind.by_gender[dimension]))
        for name, dimension in PARTICIPANT_TABLES.items()
    ]
    by_ground = _grounds_by_gender(f)
    rows = [g.value for g in Ground] + [INTERSECTIONAL]
    if any(r == UNSPECIFIED for r, _gender in by_ground):
        rows.append(UNSPECIFIED)  # a row only when there is one: an all-zero row costs other cells
    grounds = Table("motivi", rows, GENDERS, by_ground)
    # Shared margins: the totals by gender and the grand total are the same in every participants table, the
    # grounds table included (each participant in one row).
    suppress_linked([*linked, grounds], lambda table, key: key[1] if key[0] == TOTAL else None)
    return [*linked, grounds]


def _dimension(table: Table) -> str:
    return PARTICIPANT_TABLES.get(table.name, "ground")


def rows(f: Filters, suppressed: list[Table]):
    for table in suppressed:
        for r, c in table.keys:
            value = table.published((r, c))
            yield [f.start.isoformat(), f.end.isoformat(), table.name, _dimension(table),
                   "totale" if r == TOTAL else r, "gender", "totale" if c == TOTAL else c,
                   "" if value is None else value, 0 if value is not None else 1]


def check_period(start: date, end: date, today: date | None = None) -> None:
    """Open data is published for one closed calendar quarter at a time, as the regional centre's tables are:
    two answers for overlapping periods (January–June, then January–29 June) subtract into the people of the
    days between, a cell each answer hid; a period still running grows day by day the same way. Quarters
    are disjoint and, once ended, do not change."""
    today = today or local_today()
    check_plausible_day(start, "dal")  # a year 1 or 9999 had no quarter around it to compute (a 500)
    check_plausible_day(end, "al")
    quarter = Quarter.of(start)
    if (start, end) != (quarter.start, quarter.last):
        example = last_closed(today)
        raise ServiceError(_("Gli open data si pubblicano per trimestre: dal primo all'ultimo giorno di un trimestre "
                             "(ad esempio dal %(start)s al %(end)s).",
                             start=format_day(example.start), end=format_day(example.last)), "al")
    if not quarter.closed(today):
        raise ServiceError(_("Il %(quarter)s non è ancora concluso: gli open data si pubblicano a trimestre chiuso.",
                             quarter=quarter.label), "al")


def export(f: Filters) -> list[list]:
    """The published rows of the period, audited as an export: the page's CSV and the API both take them
    from here, so the suppression, the period's rule, the release and the record are the same through either
    door. The quarter's first export releases it; every later one returns the released rows. A node of a
    region waits for the region's release of the quarter, which releases its open data with it (jointly
    suppressed: region/releases.py), unless it has nothing to publish for the quarter."""
    check_period(f.start, f.end)
    quarter = Quarter.of(f.start)
    release = releases.find(releases.OPEN_DATA, quarter)
    if release is None:
        suppressed = tables(f)
        _check_not_waiting_for_region(quarter, lambda: suppressed)
        release, made = releases.release_once(releases.OPEN_DATA, quarter, lambda: content(f, suppressed))
        if made:
            record("monitoring.open_data_released", "open_data", None, ["period"])
    record("monitoring.open_data_exported", "open_data", None, ["period"])
    return release.content["rows"]


def check_ready(start: date, end: date) -> None:
    """The form's check before a download or a queued export: the period's rule, and for a node of a region a
    quarter not yet released with the region's (``export`` would refuse it the same way)."""
    check_period(start, end)
    quarter = Quarter.of(start)
    if releases.find(releases.OPEN_DATA, quarter) is None:
        _check_not_waiting_for_region(quarter, lambda: tables(Filters(start, end)))


def is_released(f: Filters) -> bool:
    return releases.find(releases.OPEN_DATA, Quarter.of(f.start)) is not None


def content(f: Filters, suppressed: list[Table]) -> dict:
    """What a release of the open data keeps: the published rows (hidden cells empty)."""
    return {"rows": list(rows(f, suppressed))}


def from_rows(stored: list[list]) -> list[Table]:
    """The tables of a released quarter, as published (a hidden cell hidden, its count unknown: 0)."""
    by_name: dict = {}
    for *_period, name, _dimension_name, r, _column, c, value, hidden in stored:
        key = (TOTAL if r == "totale" else r, TOTAL if c == "totale" else c)
        cells, hidden_keys, row_values, columns = by_name.setdefault(name, ({}, set(), [], []))
        cells[key] = 0 if value == "" else int(value)
        if hidden:
            hidden_keys.add(key)
        for values, v in ((row_values, key[0]), (columns, key[1])):
            if v != TOTAL and v not in values:
                values.append(v)
    return [Table(name, row_values, columns, cells, hidden=hidden_keys)
            for name, (cells, hidden_keys, row_values, columns) in by_name.items()]


def _check_not_waiting_for_region(quarter: Quarter, suppressed) -> None:
    """``suppressed()`` gives the quarter's tables: computed last, only for a node of a region that has not
    released the quarter without it (the form's check runs on every download asked for)."""
    node = db.session.get(Tenant, current_tenant_id())
    if node is None or node.region_id is None:
        return
    if _released_without(node, quarter):
        return  # the region released the quarter before the node joined: no column of it to link with
    if not any(t.cells[(TOTAL, TOTAL)] for t in suppressed()):
        return
    day = releases.release_day(quarter)
    if day > local_today():
        raise ServiceError(_("Gli open data del %(quarter)s si pubblicano il %(day)s, insieme ai dati del centro "
                             "regionale: pubblicati a parte, i due file insieme rivelerebbero celle che ciascuno "
                             "nasconde.", quarter=quarter.label, day=format_day(day)), "al")
    raise ServiceError(_("Gli open data del %(quarter)s si pubblicano con i dati del centro regionale, "
                         "all'elaborazione notturna: riprova domani.", quarter=quarter.label), "al")


def released_on(quarters: list[Quarter]) -> dict:
    """Quarter key -> the moment its open data was released, for the quarters already released."""
    done = releases.released(releases.OPEN_DATA)
    return {q.key: done[q.key].released_at for q in quarters if q.key in done}


def csv_text(f: Filters) -> str:
    return spreadsheets.csv_text(COLUMNS, export(f))


def _released_without(node: Tenant, quarter: Quarter) -> bool:
    """The node's region has released the quarter, and the node was not one of its columns (it joined later)."""
    with acting_as(node.region_id):
        release = releases.find(releases.REGION, quarter)
    return release is not None and node.id not in {n["id"] for n in release.content.get("nodes", [])}
