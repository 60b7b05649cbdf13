"""The periodic report as XLSX (openpyxl, one sheet per section) and the rows both it and the page show.

``report_sections`` turns a Report into (title, header, rows) sections: the printable page renders the
same sections as tables, so the XLSX and the page cannot disagree. Cells hold raw numbers.
"""
import io
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..core.spreadsheets import safe_text
from ..i18n import format_day, format_money, format_number
from . import labels

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = '[$€-410] #,##0.00'
DATE_FORMAT = "DD/MM/YYYY"
BAD_SHEET_CHARS = set("[]:*?/\\")


def display_value(value):
    """A report cell as the page and the PDF show it: money as € 1.234,56, numbers with Italian separators,
    days as 31/12/2026."""
    if isinstance(value, date):
        return format_day(value)
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, 0 if isinstance(value, int) else 1)
    return value


def _pairs(mapping: dict, names: dict) -> list:
    return [[str(names.get(key, key)), value] for key, value in mapping.items()]


def report_sections(report) -> list[tuple[str, list, list]]:
    ind, dash = report.indicators, report.dashboard
    count = _("Persone")
    sections = [
        (_("Periodo"), [_("Voce"), _("Valore")], [
            [_("Dal"), report.filters.start], [_("Al"), report.filters.end],
            [_("Partecipanti (casi aperti nel periodo)"), ind.participants],
            [_("Partecipanti usciti (casi chiusi nel periodo)"), ind.leavers],
            [_("Segnalazioni ricevute"), dash.referrals_total],
            [_("di cui con più motivi (intersezionali)"), dash.intersectional],
        ]),
    ]
    for dimension, title in labels.DIMENSION_TITLES.items():
        sections.append((str(title), [str(labels.DIMENSION_HEADINGS[dimension]), count],
                         _pairs(ind.by[dimension], labels.value_labels(dimension))))
    sections.append((_("Gruppi di partecipanti"), [_("Indicatore"), count], [
        [_("Disoccupati, compresi i disoccupati di lunga durata"), ind.unemployed_incl_long_term],
        [_("Disoccupati di lunga durata"), ind.long_term_unemployed],
        [_("Cittadini di Paesi terzi (extra UE e apolidi)"), ind.third_country],
        [_("Partecipanti di origine straniera (cittadinanza non italiana)"), ind.foreign_background],
        [_("Partecipanti con disabilità"), ind.by["disability"]["yes"]],
    ]))
    sections.append((_("Risultati all'uscita"), [_("Indicatore"), count],
                     _pairs(ind.results, labels.RESULT_LABELS) + [[_("Formazione completata (in luogo della qualifica)"), ind.training_completed]]))
    sections.append((_("Situazione a sei mesi (follow-up a 6 mesi)"), [_("Indicatore"), count],
                     _pairs(ind.six_months, labels.SIX_MONTH_LABELS)))
    sections.append((_("Esiti della fase 1"), [_("Esito"), count],
                     [[str(labels.JOB_OUTCOME_LABELS[o]), n] for o, n in dash.phase_1]))
    fu = dash.follow_ups
    sections.append((_("Follow-up della fase 2"), [_("Voce"), _("Numero")], [
        [_("In scadenza nel periodo"), fu.due], [_("Svolti"), fu.done], [_("Da svolgere"), fu.to_do], [_("Scaduti"), fu.overdue],
    ]))
    if report.show_money:
        rows = []
        for ov in report.budgets:
            t = ov.total
            rows.append([ov.budget.title, t.allocated, t.committed, t.delivered, t.invoiced, t.paid, t.residual,
                         ov.burn_rate, ov.forecast])
        sections.append((_("Stato del budget"), [_("Programma"), _("Stanziato"), _("Impegnato"), _("Erogato"), _("Fatturato"),
                                                  _("Pagato"), _("Residuo"), _("Spesa media mensile"), _("Previsione a fine programma")], rows))
    if report.alerts is not None:
        sections.append((_("Situazioni di criticità"), [_("Voce"), _("Numero")],
                         _pairs(report.alerts, labels.ALERT_LABELS)))
    return sections


def _cell(sheet, value, bold=False):
    if isinstance(value, str):
        value = safe_text(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, date):  # a day the spreadsheet can sort and filter, written as the pages write it
        cell.number_format = DATE_FORMAT
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def sheet_name(n: int, title) -> str:
    """At most 31 characters, none of []:*?/\\, numbered so it stays unique; cut at a word, not inside one."""
    clean = " ".join("".join(ch for ch in str(title) if ch not in BAD_SHEET_CHARS).split())
    name = f"{n} {clean}"
    if len(name) <= 31:
        return name
    cut = name[:32].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut if len(cut) > len(str(n)) else name[:31]


def report_xlsx(report) -> io.BytesIO:
    """One sheet a section, a table as the other exports write theirs: the columns' headings in the first row
    (frozen), then the rows. The section's title names the sheet (cut to fit) and heads the printed page whole."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "Rete"
    for n, (title, header, rows) in enumerate(report_sections(report), start=1):
        # Sheet names: at most 31 characters, no []:*?/\ ; numbered so they stay unique.
        sheet = workbook.create_sheet(sheet_name(n, title))
        sheet.freeze_panes = "A2"
        sheet.oddHeader.center.text = str(title).replace("&", "&&")  # "&" starts a header code (&P, &D...)
        sheet.append([_cell(sheet, str(text), bold=True) for text in header])
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out
