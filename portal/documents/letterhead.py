"""The Provincia's letterhead and the signature block, common to every document of the node."""
from datetime import date

from flask_babel import gettext as _

from ..core.pdf import Document
from ..i18n import format_day

PROVINCE = "Provincia di Novara – Nodo provinciale contro le discriminazioni"


def letterhead(doc: Document, node_name: str) -> None:
    """A text letterhead (no image: nothing to fetch, nothing transparent for PDF/A)."""
    pdf = doc.pdf
    pdf.set_font("titillium", "B", 12)
    pdf.multi_cell(0, 6, PROVINCE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("titillium", "", 10)
    pdf.multi_cell(0, 5, node_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(0, 102, 204)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
    pdf.ln(6)


def signature(doc: Document, case_worker_name: str | None, on: date, place: str = "Novara") -> None:
    pdf = doc.pdf
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(8)
    doc.text(f"{place}, {format_day(on)}")
    pdf.ln(4)
    x = pdf.w / 2
    pdf.set_x(x)
    pdf.set_font("titillium", "", 10)
    pdf.multi_cell(0, 5, _("Il/la referente del caso"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(x)
    pdf.set_font("titillium", "B", 10)
    pdf.multi_cell(0, 5, case_worker_name or _("non assegnato"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_x(x)
    pdf.set_font("titillium", "", 10)
    pdf.multi_cell(0, 5, _("Firma") + " ______________________________", new_x="LMARGIN", new_y="NEXT")
