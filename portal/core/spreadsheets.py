"""Cells of the files people download (CSV, XLSX): text a spreadsheet would run as a formula stays text, and
values read as on the pages."""
import csv
import io
from datetime import date, datetime
from decimal import Decimal

from ..i18n import format_day, format_number

# A cell starting with one of these is a formula to a spreadsheet (CSV injection): it gets a leading quote.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def csv_value(value) -> str:
    """A cell as text: empty for None, days and decimals as the pages write them, any other text made safe."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return format_day(value)
    if isinstance(value, Decimal):
        return format_number(value)
    return safe_text(str(value))


def csv_text(header, rows) -> str:
    """A header and rows as comma-separated text with CRLF line ends (the open-data files)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()
