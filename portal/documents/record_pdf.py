"""The scheda analitica as a PDF: the same sections as the CSV/XLSX exports (``cases.exports.sections``),
so the three downloads never disagree. Pseudonym only, never identity or the node's internal notes."""
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import to_user_timezone

from ..cases.exports import sections
from ..core.pdf import Document
from ..i18n import format_day, format_number
from ..models_base import utcnow
from .letterhead import letterhead, sender, signature


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return format_day(to_user_timezone(value))
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, int):
        return str(value)
    try:
        return format_number(value)
    except (TypeError, ValueError, ArithmeticError):
        return str(value)


def _text(value) -> str:
    return value if isinstance(value, str) else _cell(value)


def render(record) -> bytes:
    case = record.case
    who = sender(case.tenant_id)
    title = f"{_('Scheda analitica')} {case.pseudonym}"
    doc = Document(title)
    letterhead(doc, who.name, who.address, who.contacts)
    doc.heading(title, 15)
    summary_part, actions_part, checks_part, legal_part = sections(record)
    (summary_title, _header, summary), (actions_title, action_header, actions) = summary_part, actions_part
    (checks_title, check_header, checks), (legal_title, legal_header, legal) = checks_part, legal_part
    doc.heading(summary_title)
    for label, value in summary:
        doc.pair(label, _text(value))
    doc.pair(_("Referente del caso"), record.case_worker.full_name if record.case_worker else None)
    doc.heading(actions_title)
    if actions:
        doc.table(action_header, [[_text(v) for v in row] for row in actions], size=7)
    else:
        doc.text(_("Nessuna azione."))
    doc.heading(checks_title)
    if not checks:
        doc.text(_("Nessuna verifica."))
    for row in checks:
        doc.heading(f"{_text(row[0])} – {_text(row[2])}", 10)
        for label, value in zip(check_header[1:], row[1:], strict=True):
            if value not in (None, ""):
                doc.pair(label, _text(value))
    doc.heading(legal_title)
    if legal:
        doc.table(legal_header, [[_text(v) for v in row] for row in legal], size=7)
    else:
        doc.text(_("Nessuna azione di tutela legale."))
    signature(doc, record.case_worker.full_name if record.case_worker else None, to_user_timezone(utcnow()).date(),
              who.place)
    return doc.bytes()
