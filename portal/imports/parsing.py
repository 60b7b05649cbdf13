"""Reading an uploaded file into a header and rows of text, whatever the spreadsheet that wrote it.

CSV through the standard ``csv`` module: encoding tried in order (UTF-8 with or without BOM, then
Windows-1252, what Italian Excel writes), delimiter sniffed among ``;`` ``,`` tab and ``|``. XLSX through
openpyxl in read-only mode (the first sheet; formulas are read as their cached values, never evaluated).
Limits are checked row by row while the file is read, so a file past one is refused before the rest of it
is built in memory, with a message the user can act on.
"""
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from flask_babel import gettext as _

MAX_BYTES = 8 * 1024 * 1024  # under MAX_CONTENT_LENGTH (26 MB by default), so the user gets this message, not a 413
MAX_ROWS = 20_000
MAX_COLUMNS = 60
MAX_CELL = 10_000
# All the cells' text together: as much as the largest CSV accepted can hold. An XLSX may repeat one shared
# string in every cell, a few bytes of file for each copy of it the table would hold.
MAX_TEXT = MAX_BYTES
# An XLSX's parts unzipped (their declared sizes, which zipfile holds them to): the largest table the limits
# above admit unpacks to a few tens of MB; a zip bomb, to gigabytes that openpyxl would read before any row.
MAX_UNPACKED = 16 * MAX_BYTES
ENCODINGS = ("utf-8-sig", "cp1252")
DELIMITERS = ";,\t|"


class FileError(ValueError):
    """A file that cannot be imported, with a message for the user."""


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """(headers, rows) from a CSV or XLSX file; empty rows dropped, every row as long as the header."""
    if not data:
        raise FileError(_("Il file è vuoto."))
    if len(data) > MAX_BYTES:
        raise FileError(_("Il file supera la dimensione massima di %(mb)s MB.", mb=MAX_BYTES // (1024 * 1024)))
    name = (filename or "").lower()
    csv_file = False
    if name.endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        table = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")) or not name.rpartition(".")[1]:
        table, csv_file = _read_csv(data), True
    else:
        raise FileError(_("Formato non riconosciuto: carica un file CSV o XLSX."))
    if not table:
        raise FileError(_("Il file non contiene righe."))
    headers, rows = table[0], table[1:]
    if not any(headers):
        raise FileError(_("La prima riga deve contenere i nomi delle colonne."))
    if not rows:
        raise FileError(_("Il file contiene solo l'intestazione, nessuna riga da importare."))
    # A CSV's columns are its header's (a longer row is refused by the dry run); a sheet's reach its last
    # filled cell, whatever width the sheet declares.
    width = len(headers) if csv_file else max(map(len, table))
    rows = [_fit(row, width, csv_file) for row in rows]
    headers = [h or _("Colonna %(n)s", n=i + 1) for i, h in enumerate(_fit(headers, width, False))]
    return headers, rows


def _bounded(source: Iterable, csv_header: bool = False) -> list[list[str]]:
    """The non-empty rows of ``source`` as text, without their trailing empty cells, refused at the first
    row past a limit. ``csv_header``: the header keeps its unnamed last columns (within the limit), whose
    cells the rows may fill."""
    table: list[list[str]] = []
    text = 0
    for raw in source:
        row = [_clean(cell) for cell in raw]
        while row and not row[-1]:
            row.pop()
        if not row:
            continue
        if len(row) > MAX_COLUMNS:
            raise FileError(_("Il file ha più di %(n)s colonne.", n=MAX_COLUMNS))
        if len(table) > MAX_ROWS:  # the header and MAX_ROWS rows are in already
            raise FileError(_("Il file ha più righe del massimo per un'importazione (%(max)s). Dividilo in più file.",
                              max=MAX_ROWS))
        text += sum(map(len, row))
        if text > MAX_TEXT:
            raise FileError(_("Il file contiene troppi dati per un'importazione. Dividilo in più file."))
        if csv_header and not table and len(raw) <= MAX_COLUMNS:
            row += [""] * (len(raw) - len(row))
        table.append(row)
    return table


def _fit(row: list[str], width: int, keep_overflow: bool) -> list[str]:
    """The row as long as the header. A CSV row keeps the filled cells past the last column (a value that
    held the column separator unquoted: the dry run refuses the row, see ``overflows``); empty ones go, and
    anything past the columns of an XLSX sheet is not the file's data."""
    row = row + [""] * (width - len(row))
    if not keep_overflow:
        return row[:width]
    while len(row) > width and not row[-1]:
        row.pop()
    return row


def overflows(row: list[str], headers: list[str]) -> bool:
    """True for a CSV row with more cells than columns."""
    return len(row) > len(headers)


def _clean(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        cell = cell.date() if (cell.hour, cell.minute, cell.second) == (0, 0, 0) else cell
    if isinstance(cell, date):
        return cell.strftime("%d/%m/%Y")
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).replace("\x00", "").strip()
    if len(text) > MAX_CELL:
        raise FileError(_("Una cella supera i %(n)s caratteri.", n=MAX_CELL))
    return text


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ENCODINGS:
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # cp1252 leaves five bytes undefined: such a file is neither text we know
        raise FileError(_("Codifica del file non riconosciuta: salvalo come CSV UTF-8."))
    sample = text[:64 * 1024]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:  # a single column, or quoting the sniffer cannot settle: the header's commonest one
        first = sample.splitlines()[0] if sample else ""
        delimiter = max(DELIMITERS, key=first.count) if first else ";"
    try:
        return _bounded(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"'), csv_header=True)
    except csv.Error as exc:
        raise FileError(_("Il file CSV non è leggibile: %(reason)s", reason=str(exc))) from exc


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    unreadable = _("Il file XLSX non è leggibile.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # a damaged archive raises more than BadZipFile
        raise FileError(unreadable) from exc
    if unpacked > MAX_UNPACKED:
        raise FileError(_("Il file contiene troppi dati per un'importazione. Dividilo in più file."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # whatever its zip, XML or values make openpyxl raise: a file we cannot read
        raise FileError(unreadable) from exc
    try:
        return _bounded(_sheet_rows(workbook, unreadable))
    finally:
        workbook.close()


def _sheet_rows(workbook, unreadable: str) -> Iterator[tuple]:
    """The first sheet's rows, each as long as its own last cell: the size the sheet declares (its
    ``dimension``, up to 16,384 columns by a million rows) would pad every row, and add rows, up to it."""
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        rows = sheet.iter_rows(values_only=True)
    except Exception as exc:
        raise FileError(unreadable) from exc
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # XML cut short or malformed halfway (a ParseError is a SyntaxError), a bad value
            raise FileError(unreadable) from exc
        yield row
