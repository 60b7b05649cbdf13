"""A birth year takes ASCII digits only: "1980²" passes str.isdigit() but not int(), and was a 500 whose
message, quoting the cell, went to the error log."""
import logging

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.imports.models import ImportRow, RowStatus
from portal.tenancy import context

from .imports_support import csv_bytes, person_row
from .test_imports import _check, check, upload


@pytest.mark.parametrize("cell", ["1980²", "¹⁹⁸⁰", "١٩٨٠", "１９８０"])
def test_a_year_written_with_other_digits_is_an_invalid_year(app, cell):
    assert _check(app, birth_year=cell).errors == [["birth_year", "invalid_year"]]


def test_the_dry_run_marks_the_row_and_logs_no_cell(login, network, session, caplog):
    client = login("a_operator")
    with caplog.at_level(logging.DEBUG):
        batch_id = check(client, upload(client, csv_bytes([person_row(1, **{"Anno di nascita": "1980²"})])))
    with context.acting_as(network.tenants["a"].id):
        row = db.session.scalar(select(ImportRow).where(ImportRow.batch_id == batch_id))
    assert (row.status, row.errors) == (RowStatus.INVALID, [["birth_year", "invalid_year"]])
    assert "1980²" not in caplog.text
