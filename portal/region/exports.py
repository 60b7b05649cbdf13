"""The regional export (CSV and XLSX) of one quarter's suppressed tables; schema in docs/region-export.md.

One row per cell, margins included: ``trimestre, tabella, dimensione_riga, valore_riga, nodo, valore,
soppresso``. ``valore_riga`` is a code (``totale`` for a margin), ``nodo`` a node's slug (``totale``
for all the region's nodes), ``valore`` is empty when ``soppresso`` is 1. The values are exactly the
published cells of the page: nothing hidden there is in the file.
"""
import io

from openpyxl import Workbook

from ..core import spreadsheets
from ..monitoring.suppression import TOTAL
from .releases import RegionView

COLUMNS = ["trimestre", "tabella", "dimensione_riga", "valore_riga", "nodo", "valore", "soppresso"]
DIMENSION_OF = {
    "segnalazioni_mese": "month", "segnalazioni_contesto": "context", "segnalazioni_motivo": "ground",
    "decisioni": "decision", "casi_chiusi": "closure_outcome", "esf_risultati": "result",
    "esf_formazione": "training", "esf_sei_mesi": "six_months",
}


def rows(view: RegionView):
    slugs = {n.id: n.slug for n in view.nodes} | {TOTAL: "totale"}
    for table in view.tables:
        dimension = DIMENSION_OF.get(table.name, table.name.removeprefix("esf_"))
        for r, c in table.keys:
            value = table.published((r, c))
            yield [view.quarter.key, table.name, dimension, "totale" if r == TOTAL else r, slugs[c],
                   "" if value is None else value, 0 if value is not None else 1]


def csv_text(view: RegionView) -> str:
    return spreadsheets.csv_text(COLUMNS, rows(view))


def xlsx(view: RegionView) -> io.BytesIO:
    """The same rows on one sheet (``dati``), so both formats share one schema."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("dati")
    sheet.append(COLUMNS)
    for row in rows(view):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out
