"""Exports of the analytical record (scheda analitica): CSV and XLSX.

Pseudonym only, never identity, never the node's internal notes. The same rows as the page:

- CSV for a spreadsheet set to Italian: UTF-8 with BOM, ``;`` separator, dates ``dd/mm/yyyy`` and
  decimal comma, four sections (case, actions, verifications, legal path) separated by a blank line;
- XLSX with four sheets and typed cells: dates are date cells shown ``dd/mm/yyyy``, hours and amounts
  are numbers.

Free text that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@`` …) is neutralised.
"""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import to_user_timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..core.spreadsheets import csv_value
from ..referrals.labels import GROUND_LABELS
from .labels import (
    ACTION_PHASE_LABELS,
    ACTION_STATUS_LABELS,
    CASE_STATE_LABELS,
    CLOSURE_OUTCOME_LABELS,
    CONTRACT_TYPE_LABELS,
    JOB_OUTCOME_LABELS,
    SERVICE_TYPE_LABELS,
    VERIFICATION_PHASE_LABELS,
)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"
HOURS_FORMAT = "#,##0.00"


def filename(case, extension: str) -> str:
    return f"scheda-analitica-{case.pseudonym}.{extension}"


def _local_date(value):
    if isinstance(value, datetime):
        return to_user_timezone(value).date()
    return value


def _label(labels, value):
    return str(labels[value]) if value is not None else None


def provider_name(record, action) -> str:
    if action.provider_id and action.provider_id in record.providers:
        return record.providers[action.provider_id].name
    return _("Il nodo (realizzazione diretta)")


def _yes_no(value):
    return None if value is None else (_("Sì") if value else _("No"))


def _grounds(case) -> str:
    items = [g for g in (case.grounds or "").split(",") if g]
    return ", ".join(str(GROUND_LABELS.get(g, g)) for g in items)


def sections(record):
    """(title, header, rows) for the case summary, the actions, the verifications and the legal path (its
    action, hearings and deadlines, fund requests granted and paid, as on the page); typed values."""
    case = record.case
    summary = [
        (_("Codice pseudonimo"), case.pseudonym),
        (_("Antenna inviante"), record.antenna.name if record.antenna else None),
        (_("Motivi di discriminazione"), _grounds(case)),
        (_("Aperto il"), _local_date(case.opened_at)),
        (_("Stato"), _label(CASE_STATE_LABELS, case.state)),
        (_("Chiuso il"), _local_date(case.closed_at)),
        (_("Esito del percorso"), _label(CLOSURE_OUTCOME_LABELS, case.closure_outcome)),
        (_("Ore previste (totale)"), record.planned_total),
        (_("Ore erogate (totale)"), record.delivered_total),
    ]
    action_header = [
        _("N."), _("Inizio previsto"), _("Fine prevista"), _("Fase"), _("Tipo di servizio"), _("Soggetto attuatore"),
        _("Stato"), _("Ore previste"), _("Ore erogate"), _("Data dell'ultima erogazione"), _("Esito"),
    ]
    action_rows = [
        [
            number, a.planned_start, a.planned_end, _label(ACTION_PHASE_LABELS, a.phase),
            _label(SERVICE_TYPE_LABELS, a.service_type), provider_name(record, a), _label(ACTION_STATUS_LABELS, a.status),
            a.planned_hours, a.delivered_hours, a.delivered_on, a.outcome,
        ]
        for number, a in enumerate(record.actions, start=1)
    ]
    verification_header = [
        _("Verifica"), _("Mesi dalla fase 2"), _("Scadenza"), _("Data della verifica"), _("Esito"),
        _("Tipo di contratto"), _("Ore settimanali"), _("Settore"), _("Data di inizio"), _("Documentazione a riprova"),
        _("Lavora ancora"), _("Difficoltà incontrate"), _("Sostegno necessario"),
    ]
    verification_rows = [
        [
            _label(VERIFICATION_PHASE_LABELS, v.phase), v.months_after, v.due_date, v.done_on,
            _label(JOB_OUTCOME_LABELS, v.job_outcome), _label(CONTRACT_TYPE_LABELS, v.contract_type), v.hours_per_week,
            v.sector, v.start_date, v.evidence, _yes_no(v.still_in_work), v.difficulties, v.support_needed,
        ]
        for v in record.verifications
    ]
    return [
        (_("Caso"), [_("Voce"), _("Valore")], [list(item) for item in summary]),
        (_("Azioni"), action_header, action_rows),
        (_("Verifiche"), verification_header, verification_rows),
        (_("Tutela legale"), [_("Data"), _("Voce"), _("Dettaglio"), _("Importo (€)")],
         [list(event) for event in record.legal_events]),
    ]


def _csv_cell(value) -> str:
    if isinstance(value, int):  # a whole number is a number, never a formula (a negative one neither)
        return str(value)
    return csv_value(value)


def record_csv(record) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Scheda analitica"), record.case.pseudonym])
    for title, header, rows in sections(record):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(sheet, row: int, column: int, value):
    cell = sheet.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, datetime):
        value = _local_date(value)
    cell.value = value
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = HOURS_FORMAT
    elif isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def record_xlsx(record) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "Rete"
    workbook.properties.title = f"{_('Scheda analitica')} {record.case.pseudonym}"
    bold = Font(bold=True)
    for title, header, rows in sections(record):
        sheet = workbook.create_sheet(title=str(title)[:31])
        for column, text in enumerate(header, start=1):
            _xlsx_cell(sheet, 1, column, str(text)).font = bold
        for r, row in enumerate(rows, start=2):
            for column, value in enumerate(row, start=1):
                _xlsx_cell(sheet, r, column, str(value) if hasattr(value, "__html__") else value)
        sheet.freeze_panes = "A2"
        for column, text in enumerate(header, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = max(12, min(40, len(str(text)) + 4))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
