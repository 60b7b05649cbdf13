"""The node's letterhead and the signature block, common to every document of the node.

A regional centre holds several nodes (one per province), so the letterhead names the node that writes:
its name from the registry, its address and town from its directory entry. The tenant row has no address;
the entry is what the node itself publishes to the network (kept by its coordinator), and its town is the
one public reports are routed by. A node without an entry gets its name alone, and a date with no place."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.pdf import Document, scripts_for
from ..directory.models import DirectoryEntry
from ..extensions import db
from ..i18n import format_day
from ..tenancy.models import Tenant


@dataclass(frozen=True)
class Sender:
    name: str
    address: str = ""  # street and town, as published
    contacts: str = ""  # phone and e-mail, as published
    place: str = ""  # the town before the date


def sender(tenant_id: int) -> Sender:
    node = db.session.get(Tenant, tenant_id)
    if node is None:
        return Sender("")
    entry = db.session.scalar(select(DirectoryEntry).where(DirectoryEntry.organisation_id == node.id))
    if entry is None:
        return Sender(node.name)
    town = (entry.municipality_name or "").strip()
    street = (entry.address or "").strip()
    address = street if street.lower().endswith(town.lower()) else ", ".join(filter(None, (street, town)))
    contacts = " · ".join(filter(None, ((entry.phone or "").strip(), (entry.email or "").strip())))
    return Sender(node.name, address, contacts, town)


def letterhead(doc: Document, node_name: str, address: str = "", contacts: str = "") -> None:
    """A text letterhead (no image: nothing to fetch, nothing transparent for PDF/A)."""
    pdf = doc.pdf
    pdf.set_font("titillium", "B", 12)
    with scripts_for(pdf, node_name):  # here too for the monitoring report's plain Document
        pdf.multi_cell(0, 6, node_name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("titillium", "", 10)
    for line in (address, contacts):
        if line:
            with scripts_for(pdf, line):
                pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(0, 102, 204)
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.w - pdf.r_margin, pdf.get_y() + 2)
    pdf.ln(6)


def place_and_date(place: str, on: date) -> str:
    return f"{place}, {format_day(on)}" if place else format_day(on)


def signature(doc: Document, case_worker_name: str | None, on: date, place: str = "") -> None:
    pdf = doc.pdf
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(8)
    doc.text(place_and_date(place, on))
    pdf.ln(4)
    x = pdf.w / 2
    pdf.set_x(x)
    pdf.set_font("titillium", "", 10)
    pdf.multi_cell(0, 5, _("Il/la referente del caso"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(x)
    pdf.set_font("titillium", "B", 10)
    with scripts_for(pdf, case_worker_name):
        pdf.multi_cell(0, 5, case_worker_name or _("non assegnato"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_x(x)
    pdf.set_font("titillium", "", 10)
    pdf.multi_cell(0, 5, _("Firma") + " ______________________________", new_x="LMARGIN", new_y="NEXT")
