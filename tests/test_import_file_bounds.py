"""An uploaded file is read within its limits: refused as soon as a row, a column, a cell or the whole text
goes past one, before the rest is built in memory; any damaged XLSX is a 400 saying so, never a 500."""
import io
import tracemalloc
import zipfile

import pytest

from portal.imports import parsing
from portal.imports.parsing import FileError, read_table

from .imports_support import csv_bytes, person_row, xlsx_bytes
from .test_imports import upload

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def crafted_xlsx(sheet_data: str, dimension: str = "A1:C3", shared: list[str] = (), padding: int = 0) -> bytes:
    """A minimal XLSX written by hand: one sheet (its ``<sheetData>`` and declared ``dimension`` as given),
    its shared strings, and ``padding`` bytes of zeros in a part nothing reads (a zip bomb's shape)."""
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
        f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
        '<sheets><sheet name="Foglio1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
        f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{len(shared)}" '
        f'uniqueCount="{len(shared)}">' + "".join(f"<si><t>{s}</t></si>" for s in shared) + "</sst>",
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
        f'<dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>',
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        if padding:
            with archive.open("xl/media/padding.bin", "w", force_zip64=True) as part:
                chunk = bytes(1024 * 1024)
                for _ in range(padding // len(chunk)):
                    part.write(chunk)
    return out.getvalue()


def _row(number: int, *cells: str) -> str:
    """A sheet row of inline strings in columns A, B, C…"""
    return f'<row r="{number}">' + "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>' for i, value in enumerate(cells)
    ) + "</row>"


def _one_string_everywhere() -> bytes:
    """1,000 rows of 10 cells, each a reference to the same 10,000-character shared string."""
    cells = "".join(f'<c r="{chr(65 + i)}{{n}}" t="s"><v>0</v></c>' for i in range(10))
    sheet = _row(1, *"ABCDEFGHIJ") + "".join(f'<row r="{n}">{cells.format(n=n)}</row>' for n in range(2, 1_002))
    return crafted_xlsx(sheet, dimension="A1:J1001", shared=["x" * parsing.MAX_CELL])


def _read(app, name: str, data: bytes):
    with app.test_request_context():
        return read_table(name, data)


def _refusal(app, name: str, data: bytes) -> str:
    with app.test_request_context(), pytest.raises(FileError) as raised:
        read_table(name, data)
    return str(raised.value)


# --- XLSX: what the sheet declares is not built --------------------------------------------------------

def test_a_sheet_declaring_16384_columns_is_read_as_wide_as_its_cells(app):
    """openpyxl pads every row to the declared width: 16,384 values a row, the table built before the column
    limit was checked (at 20,001 rows, 2.6 GB). Read as wide as the cells, the file is just three columns."""
    rows = 200
    sheet = _row(1, "Cognome", "Nome", "Ambito") + "".join(_row(n, "Rossi", f"Anna{n}", "Lavoro") for n in range(2, rows + 1))
    data = crafted_xlsx(sheet, dimension=f"A1:XFD{rows}")
    assert len(data) < 20_000
    tracemalloc.start()
    try:
        headers, table = _read(app, "largo.xlsx", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert headers == ["Cognome", "Nome", "Ambito"] and len(table) == rows - 1 and table[0] == ["Rossi", "Anna2", "Lavoro"]
    assert peak < 8 * 1024 * 1024, peak  # padded, the 200 rows alone held 26 MB of references


def test_rows_a_sheet_only_declares_are_not_built(app):
    """A header, then one cell 500 rows below in a sheet declared 16,384 columns wide: the rows between are
    not in the file, so nothing is built for them. (The same with A20001 was 2.6 GB from a 4.9 KB file; the
    test keeps to 500 rows so that, should the padding come back, it fails without taking the machine.)"""
    data = crafted_xlsx(_row(1, "Cognome", "Nome") + _row(501, "Rossi"), dimension="A1:XFD501")
    assert len(data) < 5_000
    tracemalloc.start()
    try:
        headers, rows = _read(app, "vuoto.xlsx", data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (headers, rows) == (["Cognome", "Nome"], [["Rossi", ""]])
    assert peak < 8 * 1024 * 1024, peak


def test_one_long_shared_string_in_every_cell_is_refused_by_the_text_budget(app):
    """Each cell a reference to one 10,000-character string: a few bytes of file for each copy the stored
    table (and its JSON) would hold. The whole text is limited as the CSV's size limits it."""
    data = _one_string_everywhere()
    assert len(data) < 100_000  # 100 million characters once read
    assert "troppi dati" in _refusal(app, "ripetuto.xlsx", data)


def test_a_zip_bomb_is_refused_before_openpyxl_unpacks_it(app):
    """130 MB of zeros in 130 KB: past what the parts of an XLSX may unpack to (128 MB), whatever part holds them."""
    data = crafted_xlsx(_row(1, "Cognome") + _row(2, "Rossi"), dimension="A1:A2", padding=130 * 1024 * 1024)
    assert len(data) < 1024 * 1024
    assert "troppi dati" in _refusal(app, "bomba.xlsx", data)


def test_a_sheet_past_the_row_limit_is_refused_at_the_first_row_too_many(app):
    sheet = _row(1, "Cognome") + "".join(_row(n, "Rossi") for n in range(2, parsing.MAX_ROWS + 3))
    message = _refusal(app, "lungo.xlsx", crafted_xlsx(sheet, dimension=f"A1:A{parsing.MAX_ROWS + 2}"))
    assert "massimo per un'importazione" in message


def test_a_cell_past_column_60_is_refused_whatever_the_declared_size(app):
    far = '<row r="2"><c r="A2" t="inlineStr"><is><t>Rossi</t></is></c><c r="CV2" t="inlineStr"><is><t>x</t></is></c></row>'
    assert "più di 60 colonne" in _refusal(app, "largo.xlsx", crafted_xlsx(_row(1, "Cognome") + far, dimension="A1:A2"))


# --- XLSX: a damaged file is a 400 ---------------------------------------------------------------------

def _damaged(part: str) -> bytes:
    """A real XLSX whose ``part`` is cut in the middle of its XML."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([person_row(n) for n in range(1, 40)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info.filename)
            archive.writestr(info.filename, content[:len(content) // 2] if info.filename == part else content)
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"])
def test_an_xlsx_with_truncated_xml_is_unreadable_not_an_error(app, part):
    assert "XLSX non è leggibile" in _refusal(app, "rotto.xlsx", _damaged(part))


def test_a_truncated_sheet_is_a_400_on_the_upload_page(login, network, session):
    response = upload(login("a_operator"), _damaged("xl/worksheets/sheet1.xml"), name="rotto.xlsx")
    assert response.status_code == 400
    assert "Il file XLSX non è leggibile." in response.get_data(as_text=True)


# --- CSV: the same bounds -------------------------------------------------------------------------------

def test_a_csv_row_past_column_60_is_refused(app):
    data = csv_bytes([person_row(1), ["x"] * 61])
    assert "più di 60 colonne" in _refusal(app, "largo.csv", data)


def test_trailing_empty_columns_do_not_count(app):
    """Excel writes a separator for every formatted column: empty ones past the last name are not columns."""
    header = ["Cognome", "Nome"] + [""] * 80
    headers, rows = _read(app, "vuote.csv", csv_bytes([["Rossi", "Anna"] + [""] * 80], header=header))
    assert (headers, rows) == (["Cognome", "Nome"], [["Rossi", "Anna"]])


def test_an_unnamed_last_csv_column_still_holds_its_cells(app):
    headers, rows = _read(app, "senza-nome.csv", csv_bytes([["Rossi", "Anna", "nota"]], header=["Cognome", "Nome", ""]))
    assert headers == ["Cognome", "Nome", "Colonna 3"] and rows == [["Rossi", "Anna", "nota"]]


def test_a_file_past_a_limit_is_a_400_on_the_upload_page(login, network, session):
    response = upload(login("a_operator"), _one_string_everywhere(), name="ripetuto.xlsx")
    assert response.status_code == 400
    assert "Il file contiene troppi dati per un&#39;importazione." in response.get_data(as_text=True)
