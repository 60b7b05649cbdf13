"""Bulk import test data: CSV/XLSX files built in memory, valid codici fiscali, the victim's batch."""
import csv
import io
from datetime import date

from codicefiscale import codicefiscale

HEADER = ["ID", "Cognome", "Nome", "Codice fiscale", "Anno di nascita", "Motivi", "Ambito", "Genere",
          "Data consenso", "Informativa"]


def tax_code(last: str, first: str, born: date, sex: str = "F") -> str:
    return codicefiscale.encode(lastname=last, firstname=first, gender=sex, birthdate=born.strftime("%d/%m/%Y"),
                                birthplace="Novara")


def person_row(n: int, **over) -> list[str]:
    """A valid row: external id, surname, name, CF, year, grounds, context, gender, consent date, notice."""
    last, first = f"Cognomeprova{_letters(n)}", f"Nome{_letters(n * 7 + 3)}"
    born = date(1960 + n % 40, 1 + n % 12, 1 + n % 28)
    row = {"ID": f"EXT-{n}", "Cognome": last, "Nome": first, "Codice fiscale": tax_code(last, first, born),
           "Anno di nascita": str(born.year), "Motivi": "ethnicity; Età", "Ambito": "Lavoro", "Genere": "female",
           "Data consenso": "02/03/2024", "Informativa": "v1"}
    row.update(over)
    return [row[h] for h in HEADER]


CASE_HEADER = [*HEADER, "Data apertura", "Stato", "Operatore"]


def case_row(n: int, opened="15/01/2024", state="Fase 1", worker="n1.case.worker@prova.example", **over) -> list[str]:
    """A node's case: a person's row, then opening date, state and case worker's e-mail."""
    return [*person_row(n, **over), opened, state, worker]


def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(97 + r) + out
    return out


def csv_bytes(rows, header=HEADER, delimiter=";", encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def victim_batch(net) -> dict:
    """A checked import batch of antenna A (created on demand for the isolation matrix)."""
    from portal.extensions import db
    from portal.imports.models import BatchState, ImportBatch
    from portal.tenancy import context

    with context.acting_as(net.tenants["a"].id):
        batch = ImportBatch(tenant_id=net.tenants["a"].id, filename="VITTIMA-SEGRETO-7731.csv", file_sha256="0" * 64,
                            state=BatchState.CHECKED, created_by_id=net.users["a_operator"].id, headers=["Cognome"],
                            mapping={}, total_rows=1, valid_rows=1)
        db.session.add(batch)
        db.session.flush()
    return {"batch_id": batch.id}
