"""Bulk import: parsing, row checks, dry run, import through the referral services, idempotency, undo."""
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.imports import fields as F
from portal.imports.models import BatchState, ImportBatch, ImportRow, RowStatus
from portal.imports.parsing import FileError, read_table
from portal.people.models import Person
from portal.referrals.models import Referral, ReferralState
from portal.tenancy import context

from .helpers import csrf_from, questions_before_posting
from .imports_support import HEADER, csv_bytes, person_row, xlsx_bytes
from .test_jobs_mail import redis_url  # noqa: F401  (the fixture: a real Redis, database 15)

# --- parsing ---------------------------------------------------------------------------------------------

def test_csv_windows_encoding_and_semicolons_and_xlsx_read_alike(app):
    rows = [person_row(1, Cognome="Perù"), person_row(2)]
    with app.test_request_context():
        from_csv = read_table("dati.csv", csv_bytes(rows, encoding="cp1252"))
        from_comma = read_table("dati.csv", csv_bytes(rows, delimiter=",", encoding="utf-8"))
        from_xlsx = read_table("dati.xlsx", xlsx_bytes(rows))
    assert from_csv == from_comma == from_xlsx == (HEADER, rows)
    assert from_csv[1][0][1] == "Perù"


def test_xlsx_dates_and_numbers_come_as_text(app):
    with app.test_request_context():
        headers, rows = read_table("x.xlsx", xlsx_bytes([[1980, date(2024, 3, 2), None]], header=["a", "b", "c"]))
    assert rows == [["1980", "02/03/2024", ""]]


@pytest.mark.parametrize("name,data,message", [
    ("x.csv", b"", "vuoto"),
    ("x.pdf", b"%PDF-1.4", "Formato non riconosciuto"),
    ("x.csv", b"Cognome;Nome\n", "solo l'intestazione"),
    ("x.xlsx", b"PK\x03\x04not really", "XLSX non"),
    ("x.csv", b"a;b\n" + b"1;2\n" * 20_001, "massimo per un'importazione"),
])
def test_files_that_cannot_be_imported_say_why(app, name, data, message):
    with app.test_request_context(), pytest.raises(FileError) as raised:
        read_table(name, data)
    assert message in str(raised.value)


# --- row checks ------------------------------------------------------------------------------------------

def _check(app, **cells):
    base = dict(zip(["external_id", "last_name", "first_name", "tax_code", "birth_year", "grounds", "context",
                     "gender", "consent_date", "consent_notice_version"], person_row(1), strict=True))
    base.update(cells)
    with app.test_request_context():
        return F.check_row({k: v for k, v in base.items() if v is not None}, F.code_lookup(), {}, today=date(2026, 1, 1))


def test_a_good_row_becomes_the_forms_dicts(app):
    checked = _check(app)
    assert checked.ok, checked.errors
    assert checked.data["grounds"] == ["age", "ethnicity"] and checked.data["context"] == "work"
    assert checked.data["consent_date"] == date(2024, 3, 2) and checked.monitoring["gender"] == "female"
    assert checked.identity["tax_code"] == person_row(1)[3]


@pytest.mark.parametrize("cells,expected", [
    ({"tax_code": "RSSMRA80A01F952X"}, ["tax_code", "invalid_tax_code"]),
    ({"birth_year": "1850"}, ["birth_year", "invalid_year"]),
    ({"birth_year": "ottanta"}, ["birth_year", "invalid_year"]),
    ({"context": "fabbrica"}, ["context", "invalid_code"]),
    ({"grounds": "ethnicity; colore"}, ["grounds", "invalid_code"]),
    ({"consent_date": "31/02/2024"}, ["consent_date", "invalid_date"]),
    ({"consent_date": "02/03/2027"}, ["consent_date", "future_date"]),
    ({"consent_notice_version": ""}, ["consent_notice_version", "required_with_consent"]),
    ({"last_name": ""}, ["last_name", "required"]),
    ({"gender": "forse"}, ["gender", "invalid_code"]),
])
def test_each_bad_cell_is_an_error_naming_its_field(app, cells, expected):
    assert _check(app, **cells).errors == [expected]


@pytest.mark.parametrize("cell,grounds", [
    ("etnia | religione", ["ethnicity", "religion"]),  # the separator the column page suggests
    ("Etnia, RELIGIONE", ["ethnicity", "religion"]),  # a comma, any case
    ("disabilità|genere", ["disability", "gender"]),
    ("Disabilita; eta", ["age", "disability"]),  # ";" (a quoted cell, or XLSX) and no accents, as before
    ("orientamento sessuale", ["sexual_orientation"]),
    ("sexual_orientation, age", ["age", "sexual_orientation"]),  # the codes
    ("Religione o convinzioni personali", ["religion"]),  # the Italian label
    ("Other / intersectional", ["other"]),  # a label with a slash in it is one ground
    ("etnia/età", ["age", "ethnicity"]),  # the slash between grounds kept working
    ("razza | sesso | orientamento", ["ethnicity", "gender", "sexual_orientation"]),  # short forms
])
def test_grounds_take_codes_labels_and_short_italian_forms(app, cell, grounds):
    checked = _check(app, grounds=cell)
    assert checked.ok, checked.errors
    assert checked.data["grounds"] == grounds


def test_headers_are_recognised_by_label_code_or_alias(app):
    with app.test_request_context():
        mapping = F.guess_mapping(["CF", "cognome", "First name", "ambito", "altro"])
    assert mapping == {"tax_code": 0, "last_name": 1, "first_name": 2, "context": 3}


# --- the pages, end to end -------------------------------------------------------------------------------

def upload(client, data: bytes, name="archivio.csv"):
    page = client.get("/importazioni/").get_data(as_text=True)
    return client.post("/importazioni/", data={"csrf_token": csrf_from(page), "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def check(client, response):
    """Post the column page as guessed (the dry run); return the batch id."""
    path = response.headers["Location"]
    page = client.get(path).get_data(as_text=True)
    batch_id = int(path.split("/")[2])
    form = {"csrf_token": csrf_from(page)}
    for field in F.FIELD_KEYS:
        marker = f'name="f_{field}"'
        assert marker in page
    headers = HEADER
    guessed = {"external_id": "ID", "last_name": "Cognome", "first_name": "Nome", "tax_code": "Codice fiscale",
               "birth_year": "Anno di nascita", "grounds": "Motivi", "context": "Ambito", "gender": "Genere",
               "consent_date": "Data consenso", "consent_notice_version": "Informativa"}
    for field in F.FIELD_KEYS:
        form[f"f_{field}"] = str(headers.index(guessed[field])) if field in guessed else ""
    answer = client.post(path, data=form)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return batch_id


def post_step(client, batch_id, step):
    page = client.get(f"/importazioni/{batch_id}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page)
    return client.post(f"/importazioni/{batch_id}/{step}",
                       data={"csrf_token": csrf_from(page), "version": version.group(1) if version else "1"})


def _batch(network, batch_id):
    with context.acting_as(network.tenants["a"].id):
        return db.session.get(ImportBatch, batch_id, populate_existing=True)


def _count(network, model):
    with context.acting_as(network.tenants["a"].id):
        return db.session.scalar(select(func.count(model.id)))


def test_dry_run_lists_errors_and_duplicates_then_import_creates_drafts_once(login, network, session):
    client = login("a_operator")
    rows = [person_row(n) for n in range(1, 6)]
    rows[1] = person_row(2, **{"Codice fiscale": "RSSMRA80A01F952X"})  # row 3: bad CF
    rows[3] = person_row(4, Cognome="Quartararo", Nome="Zelinda", **{"Anno di nascita": "1980", "Codice fiscale": ""})
    rows.append(person_row(9, ID="EXT-9b", Cognome=rows[0][1], Nome=rows[0][2], **{"Codice fiscale": rows[0][3]}))
    people_before, referrals_before = _count(network, Person), _count(network, Referral)

    batch_id = check(client, upload(client, csv_bytes(rows)))
    html = client.get(f"/importazioni/{batch_id}").get_data(as_text=True)
    batch = _batch(network, batch_id)
    assert (batch.state, batch.total_rows, batch.valid_rows, batch.invalid_rows) == (BatchState.CHECKED, 6, 5, 1)
    assert batch.duplicate_rows == 2
    assert "codice fiscale non valido" in html  # row 3, field named
    assert f"possibile stessa persona di {network.person.pseudonym}" in html  # the antenna's own person
    assert "possibile stessa persona della riga 2" in html  # within the file
    assert "RSSMRA80A01F952X" not in html and "Quartararo" not in html  # no cell is echoed
    assert _count(network, Referral) == referrals_before  # the dry run creates nothing

    assert post_step(client, batch_id, "importa").status_code == 302  # embedded default: runs at once
    batch = _batch(network, batch_id)
    assert (batch.state, batch.created_rows, batch.done_rows) == (BatchState.IMPORTED, 5, 5)
    assert _count(network, Referral) == referrals_before + 5 and _count(network, Person) == people_before + 5
    with context.acting_as(network.tenants["a"].id):
        created = db.session.scalars(select(ImportRow).where(ImportRow.batch_id == batch_id,
                                                             ImportRow.status == RowStatus.CREATED)).all()
        referral = db.session.get(Referral, created[0].referral_id)
        assert referral.state == ReferralState.DRAFT and referral.grounds == ["age", "ethnicity"]
        assert referral.person.pseudonym.startswith("N") and referral.person.tax_code == rows[0][3]
        assert rows[0][3] not in referral.person.tax_code_enc  # identity encrypted as by the form
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(batch_id),
                                                                    AuditEvent.object_type == "import_batch")).all()
        assert actions == ["import.uploaded", "import.checked", "import.started", "import.completed"]
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "referral.created",
                                                                         AuditEvent.object_id == str(referral.id))) == 1

    # The same file again: every row already imported, nothing created twice.
    again = check(client, upload(client, csv_bytes(rows)))
    batch = _batch(network, again)
    assert (batch.valid_rows, batch.existing_rows, batch.invalid_rows) == (0, 5, 1)
    assert "già stato importato" in client.get(f"/importazioni/{again}").get_data(as_text=True)
    post_step(client, again, "importa")
    assert _count(network, Referral) == referrals_before + 5


def test_each_tax_code_is_decoded_once_a_run_and_none_is_kept_after_it(login, network, session, monkeypatch):
    from codicefiscale import codicefiscale

    from portal.people import services as people

    decoded, real = [], codicefiscale.is_valid
    monkeypatch.setattr(codicefiscale, "is_valid", lambda code: decoded.append(code) or real(code))
    rows = [person_row(n) for n in range(1, 4)]
    rows.append(person_row(9, ID="EXT-9b", **{"Codice fiscale": rows[0][3]}))  # a code twice in the file
    codes = sorted({row[3] for row in rows})
    client = login("a_operator")
    batch_id = check(client, upload(client, csv_bytes(rows)))
    assert sorted(decoded) == codes  # the dry run
    decoded.clear()
    post_step(client, batch_id, "importa")
    assert _batch(network, batch_id).created_rows == 4
    assert sorted(decoded) == codes  # the row's check and the person's creation share the answer
    assert people._remembered_codes.get() is None
    decoded.clear()
    assert people.valid_tax_code(codes[0]) and decoded == codes[:1]  # decoded again: nothing was kept


def test_xlsx_import_works_too(login, network, session):
    client = login("a_admin")
    batch_id = check(client, upload(client, xlsx_bytes([person_row(n) for n in range(1, 4)]), name="dati.xlsx"))
    post_step(client, batch_id, "importa")
    assert _batch(network, batch_id).created_rows == 3


def test_a_csv_row_split_by_an_unquoted_separator_is_one_error_on_the_row(login, network, session):
    """A cell holding the file's own column separator, unquoted, pushes the rest of its row to the right: the
    row is refused as a whole, saying why, not with a confusing error on each shifted cell."""
    lines = [";".join(HEADER), ";".join(person_row(1, Motivi="etnia|religione")),
             ";".join(person_row(2, Motivi="etnia;religione")),
             ";".join(person_row(3, Motivi="età")) + ";;"]  # empty cells after the last column are fine
    client = login("a_operator")
    batch_id = check(client, upload(client, "\r\n".join(lines).encode()))
    with context.acting_as(network.tenants["a"].id):
        rows = {r.number: (r.status, r.errors) for r in db.session.scalars(
            select(ImportRow).where(ImportRow.batch_id == batch_id))}
    assert rows == {2: (RowStatus.VALID, []), 3: (RowStatus.INVALID, [["row", "extra_cells"]]),
                    4: (RowStatus.VALID, [])}
    assert "separatore delle colonne" in client.get(f"/importazioni/{batch_id}").get_data(as_text=True)


def test_undo_removes_what_the_batch_created_until_confirmed(login, network, session):
    client = login("a_operator")
    people_before, referrals_before = _count(network, Person), _count(network, Referral)
    first = check(client, upload(client, csv_bytes([person_row(n) for n in range(1, 4)])))
    post_step(client, first, "importa")
    assert _count(network, Referral) == referrals_before + 3
    # both ways out cannot be taken back: the page asks first, without JavaScript too
    page = client.get(f"/importazioni/{first}").get_data(as_text=True)
    assert questions_before_posting(page, "/conferma") == ["Confermare l'importazione? Dopo non si potrà più annullare."]
    assert questions_before_posting(page, "/annulla") == [
        "Annullare l'importazione? Le righe importate e le persone create saranno eliminate."]
    assert post_step(client, first, "annulla").status_code == 302
    batch = _batch(network, first)
    assert batch.state == BatchState.UNDONE and batch.rows_enc is None
    assert _count(network, Referral) == referrals_before and _count(network, Person) == people_before
    with context.acting_as(network.tenants["a"].id):
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "referral.discarded")) == 3

    # Undone: the same rows may be imported again; once confirmed, no undo.
    second = check(client, upload(client, csv_bytes([person_row(n) for n in range(1, 4)])))
    post_step(client, second, "importa")
    assert _batch(network, second).created_rows == 3
    post_step(client, second, "conferma")
    assert _batch(network, second).state == BatchState.CONFIRMED
    post_step(client, second, "annulla")
    assert _batch(network, second).state == BatchState.CONFIRMED
    assert _count(network, Referral) == referrals_before + 3


def test_undo_is_refused_once_an_imported_referral_was_sent(login, network, session):
    from portal.referrals.services import transition

    client = login("a_operator")
    batch_id = check(client, upload(client, csv_bytes([person_row(n) for n in range(1, 3)])))
    post_step(client, batch_id, "importa")
    with client.application.test_request_context():
        from flask import g
        from flask_login import login_user

        context.activate(network.tenants["a"].id, network.users["a_operator"].id)
        g.membership = network.memberships["a_operator"]
        login_user(network.users["a_operator"])
        row = db.session.scalar(select(ImportRow).where(ImportRow.batch_id == batch_id,
                                                        ImportRow.status == RowStatus.CREATED).limit(1))
        referral = db.session.get(Referral, row.referral_id)
        transition(referral, "submit", expected_version=referral.version)
        db.session.commit()
        context.reset()
    answer = post_step(client, batch_id, "annulla")
    assert _batch(network, batch_id).state == BatchState.IMPORTED
    assert "non può più essere annullata" in client.get(answer.headers["Location"]).get_data(as_text=True)


def test_only_antenna_staff_import_and_only_their_own_batches(login, network, session):
    client = login("a_operator")
    batch_id = check(client, upload(client, csv_bytes([person_row(1)])))
    assert login("n1_case_worker").get("/importazioni/").status_code == 403  # a node coordinator imports cases
    assert login("b_operator").get(f"/importazioni/{batch_id}").status_code == 404
    assert login("a_admin").get(f"/importazioni/{batch_id}").status_code == 200


def test_a_bad_file_is_a_400_with_the_reason(login, network, session):
    response = upload(login("a_operator"), b"solo testo senza righe")
    assert response.status_code == 400
    assert "solo l&#39;intestazione" in response.get_data(as_text=True)


def test_import_runs_on_the_rq_worker_as_the_user_who_started_it(app, login, network, session, redis_url):  # noqa: F811
    from redis import Redis
    from rq import Queue

    from portal.worker import Worker

    client = login("a_operator")
    batch_id = check(client, upload(client, csv_bytes([person_row(n) for n in range(1, 4)])))
    referrals_before = _count(network, Referral)
    app.config["REDIS_URL"] = redis_url
    try:
        assert post_step(client, batch_id, "importa").status_code == 302
    finally:
        app.config["REDIS_URL"] = None
    queue = Queue("rete", connection=Redis.from_url(redis_url))
    assert queue.count == 1
    page = client.get(f"/importazioni/{batch_id}").get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page and "0 di 3 righe" in page  # the bar polls until the worker is done
    assert _count(network, Referral) == referrals_before
    with app.app_context():
        Worker([queue], connection=queue.connection).work(burst=True)
    batch = _batch(network, batch_id)
    assert (batch.state, batch.created_rows) == (BatchState.IMPORTED, 3)
    with context.acting_as(network.tenants["a"].id):
        created = [str(r) for r in db.session.scalars(select(ImportRow.referral_id).where(ImportRow.batch_id == batch_id))]
        actors = db.session.scalars(select(AuditEvent.actor_user_id).where(AuditEvent.action == "referral.created",
                                                                          AuditEvent.object_id.in_(created))).all()
    assert actors == [network.users["a_operator"].id] * 3  # the worker acted as the user who started it
    fragment = client.get(f"/importazioni/{batch_id}/avanzamento", headers={"HX-Request": "true"})
    assert fragment.headers.get("HX-Refresh") == "true" and 'value="100"' in fragment.get_data(as_text=True)
