"""Budget exports: the overview and a contract's statement with all its deliveries, in XLSX and CSV.

XLSX cells hold raw numbers and dates (Italian display formats: ``€ 1.234,56``, ``dd/mm/yyyy``); CSV is
for a spreadsheet set to Italian (UTF-8 with BOM, ``;``, decimal comma). Deliveries are read in batches
(``yield_per``, a server-side cursor on PostgreSQL) and written row by row into a temporary file
(openpyxl write-only mode), which the response then streams: memory stays flat whatever the contract size.
"""
import csv
import io
import tempfile
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import select

from ..cases.labels import SERVICE_TYPE_LABELS
from ..core.spreadsheets import csv_value, safe_text
from ..extensions import db
from .labels import DELIVERY_STATUS_LABELS, UNIT_LABELS
from .models import ContractLine, Delivery, ServiceOrder

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '[$€-410] #,##0.00'
NUMBER_FORMAT = "#,##0.00"
DATE_FORMAT = "DD/MM/YYYY"
BATCH = 2000


def figure_header():
    return [_("Stanziato / valore"), _("Impegnato"), _("Erogato (maturato)"), _("Fatturato"), _("Pagato"), _("Residuo")]


def figure_values(figs):
    return [figs.allocated, figs.committed, figs.delivered, figs.invoiced, figs.paid, figs.residual]


def overview_rows(overviews, contract_rows):
    """(title, header, rows) sections shared by the CSV and the XLSX of the overview: every budget, as the
    page shows them, so the lines add up to the same programmes as the contracts listed after them. The
    summary has a column per budget; each line and each contract names its budget."""
    summary = [
        [label] + [value(ov) for ov in overviews] for label, value in (
            (_("Codice"), lambda ov: ov.budget.code),
            (_("Totale dichiarato"), lambda ov: ov.budget.declared_total),
            (_("Somma delle linee"), lambda ov: ov.lines_total),
            (_("Differenza di riconciliazione"), lambda ov: ov.difference),
            (_("Spesa media mensile (erogato)"), lambda ov: ov.burn_rate),
            (_("Previsione a fine programma"), lambda ov: ov.forecast),
            (_("Fine del programma"), lambda ov: ov.budget.end_date),
        )
    ]
    lines, line_of = [], {}
    for ov in overviews:
        for line, figs in ov.lines:
            lines.append([ov.budget.title, line.title] + figure_values(figs))
            line_of[line.id] = (ov.budget.title, line.title)
        lines.append([ov.budget.title, _("Totale delle linee")] + figure_values(ov.total))
    contracts = [
        [*line_of.get(c.budget_line_id, ("", "")), c.cig, c.title, provider] + figure_values(figs)
        for c, provider, figs in contract_rows
    ]
    return [
        (_("Riepilogo"), [_("Programma")] + [ov.budget.title for ov in overviews], summary),
        (_("Linee di budget"), [_("Programma"), _("Linea")] + figure_header(), lines),
        (_("Contratti"), [_("Programma"), _("Linea di budget"), _("CIG"), _("Oggetto"), _("Soggetto attuatore")]
         + figure_header(), contracts),
    ]


def _delivery_rows(contract):
    statement = (
        select(Delivery.delivered_on, ServiceOrder.pseudonym, ContractLine.service_type, ContractLine.unit, Delivery.units,
               Delivery.unit_price, Delivery.amount, Delivery.attended, Delivery.status, Delivery.note)
        .join(ServiceOrder, ServiceOrder.id == Delivery.order_id)
        .join(ContractLine, ContractLine.id == ServiceOrder.contract_line_id)
        .where(Delivery.contract_id == contract.id)
        .order_by(Delivery.delivered_on, Delivery.id)
        .execution_options(yield_per=BATCH)
    )
    # Labels translated once, not per row.
    services = {k: str(v) for k, v in SERVICE_TYPE_LABELS.items()}
    units = {k: str(v) for k, v in UNIT_LABELS.items()}
    statuses = {k: str(v) for k, v in DELIVERY_STATUS_LABELS.items()}
    yes, no = _("Sì"), _("No")
    for row in db.session.execute(statement):
        yield [
            row.delivered_on, row.pseudonym, services[row.service_type], units[row.unit], row.units, row.unit_price,
            row.amount, yes if row.attended else no, statuses[row.status], row.note,
        ]


def delivery_header():
    return [_("Data"), _("Codice pseudonimo"), _("Servizio"), _("Unità"), _("Quantità"), _("Prezzo unitario"),
            _("Importo"), _("Presenza"), _("Stato"), _("Nota")]


DELIVERY_MONEY = {5, 6}
DELIVERY_NUMBERS = {4}


def statement_summary(contract, provider_name, figs):
    return [
        [_("CIG"), contract.cig], [_("Oggetto"), contract.title], [_("Soggetto attuatore"), provider_name],
        [_("Inizio"), contract.start_date], [_("Fine"), contract.end_date],
        [_("Impegnato"), figs.committed], [_("Erogato (maturato)"), figs.delivered],
        [_("In attesa di approvazione"), figs.pending], [_("Fatturato"), figs.invoiced], [_("Pagato"), figs.paid],
        [_("Residuo"), figs.residual],
    ]


# --- XLSX --------------------------------------------------------------------------------------------

def _cell(sheet, value, money: bool = False, bold: bool = False):
    if hasattr(value, "__html__"):
        value = str(value)
    if isinstance(value, str):
        value = safe_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, (date, datetime)):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT if money else NUMBER_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet(workbook, title, header, rows, money_columns=None, all_money=True):
    sheet = workbook.create_sheet(title=str(title)[:31])
    sheet.append([_cell(sheet, str(text), bold=True) for text in header])
    for row in rows:
        sheet.append([
            _cell(sheet, value, money=all_money if money_columns is None else i in money_columns) for i, value in enumerate(row)
        ])


def _spooled(workbook):
    out = tempfile.TemporaryFile()
    workbook.save(out)
    out.seek(0)
    return out


def overview_xlsx(overviews, contract_rows):
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Rete"
    for title, header, rows in overview_rows(overviews, contract_rows):
        _sheet(workbook, title, header, rows)
    return _spooled(workbook)


def statement_xlsx(contract, provider_name, figs):
    """A file object positioned at 0: summary sheet, then every delivery (streamed from the database)."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Rete"
    _sheet(workbook, _("Riepilogo"), [_("Voce"), _("Valore")], statement_summary(contract, provider_name, figs))
    _sheet(workbook, _("Prestazioni"), delivery_header(), _delivery_rows(contract), money_columns=DELIVERY_MONEY)
    return _spooled(workbook)


# --- CSV ---------------------------------------------------------------------------------------------

def _csv_file(sections):
    out = tempfile.TemporaryFile()
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    text.write("\ufeff")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    for n, (title, header, rows) in enumerate(sections):
        if n:
            writer.writerow([])
        writer.writerow([str(title)])
        writer.writerow([str(h) for h in header])
        for row in rows:
            writer.writerow([csv_value(v) for v in row])
    text.flush()
    text.detach()
    out.seek(0)
    return out


def overview_csv(overviews, contract_rows):
    return _csv_file(overview_rows(overviews, contract_rows))


def statement_csv(contract, provider_name, figs):
    return _csv_file([
        (_("Riepilogo"), [_("Voce"), _("Valore")], statement_summary(contract, provider_name, figs)),
        (_("Prestazioni"), delivery_header(), _delivery_rows(contract)),
    ])
