"""The periodic report as a PDF (PDF/A-2b through core.pdf): the same sections as the page and the XLSX
(``exports.report_sections``), each breakdown drawn as a bar chart followed by its table, so the chart
never stands without its figures. Aggregates only: nothing about any person."""
from flask_babel import gettext as _

from ..accounts.permissions import current_membership
from ..core.pdf import Document, scripts_for
from ..documents.letterhead import letterhead
from ..i18n import format_day
from .exports import display_value, report_sections

BAR_COLOUR = (0, 102, 204)  # Bootstrap Italia's primary blue
LABEL_WIDTH = 70  # mm for the category names left of the bars


def _chartable(header: list, rows: list) -> bool:
    """A breakdown of people (label, count) with something to draw."""
    return len(header) == 2 and len(rows) > 1 and all(
        isinstance(r[1], int) and not isinstance(r[1], bool) for r in rows) and any(r[1] for r in rows)


def _short(label: str, limit: int = 45) -> str:
    """Cut at a word, with an ellipsis: the full label is in the table right below."""
    if len(label) <= limit:
        return label
    return label[:limit].rsplit(" ", 1)[0].rstrip(",;(") + "…"


def _bars(doc: Document, rows: list) -> None:
    pdf = doc.pdf
    top = max(r[1] for r in rows)
    width = pdf.w - pdf.l_margin - pdf.r_margin - LABEL_WIDTH - 15
    if pdf.get_y() + 6 * len(rows) > pdf.h - 20:
        pdf.add_page()
    pdf.set_font("titillium", "", 8)
    pdf.set_fill_color(*BAR_COLOUR)
    for label, value in rows:
        y = pdf.get_y()
        pdf.set_xy(pdf.l_margin, y)
        with scripts_for(pdf, label):  # an antenna's name may be Arabic
            pdf.cell(LABEL_WIDTH, 5, _short(str(label)), align="R")
        bar = width * value / top if top else 0
        if bar > 0:
            pdf.rect(pdf.l_margin + LABEL_WIDTH + 2, y + 1, bar, 3.5, style="F")
        pdf.set_xy(pdf.l_margin + LABEL_WIDTH + 4 + bar, y)
        pdf.cell(12, 5, str(display_value(value)))
        pdf.ln(5.5)
    pdf.ln(2)


def render(report) -> bytes:
    start, end = format_day(report.filters.start), format_day(report.filters.end)
    title = _("Rapporto periodico dal %(start)s al %(end)s", start=start, end=end)
    doc = Document(title)
    membership = current_membership()
    letterhead(doc, membership.tenant.name if membership else "")
    doc.heading(title, 15)
    # Counts below 5 are shown (the node's own staff read them): said on paper, which travels further than the page.
    doc.text(_("Ad uso interno del nodo: i conteggi piccoli non sono nascosti e possono riferirsi a singole persone. "
               "Non diffondere: la Regione e il pubblico hanno i dati del centro regionale e gli open data, con i "
               "valori sotto le 5 persone nascosti."))
    for section_title, header, rows in report_sections(report):
        doc.heading(section_title)
        if not rows:
            doc.text(_("Nessun dato nel periodo."))
            continue
        if _chartable(header, rows):
            _bars(doc, rows)
        doc.table([str(h) for h in header], [[str(display_value(v)) for v in row] for row in rows])
    return doc.bytes()
