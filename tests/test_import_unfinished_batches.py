"""A batch that created nothing holds the file and nothing else: its uploader (or the tenant's admins) may
discard it from its page, and ``flask rete expire-imports`` deletes those left IMPORT_UNFINISHED_KEEP_DAYS.
The same command drops the file's rows of an import stopped for a day or left unconfirmed that long, keeping
what it created and its undo.
The file's first row, a person's when the file has no header, is ciphertext like the rest."""
import json
from datetime import timedelta

from sqlalchemy import func, select, update

from portal.audit.models import AuditEvent
from portal.cases.models import Case
from portal.extensions import db
from portal.imports import services, views
from portal.imports.models import BatchState, ImportBatch, ImportRow, RowStatus
from portal.models_base import utcnow
from portal.referrals.models import Referral
from portal.tenancy import context

from .imports_support import HEADER, case_row, csv_bytes, person_row
from .test_imports import check, post_step, upload
from .test_imports_cases import upload_and_check


def _a(network):
    return context.acting_as(network.tenants["a"].id)


def _exists(network, batch_id) -> bool:
    with _a(network):
        return db.session.get(ImportBatch, batch_id, populate_existing=True) is not None


def _rows(network, batch_id) -> int:
    with _a(network):
        return db.session.scalar(select(func.count(ImportRow.id)).where(ImportRow.batch_id == batch_id))


def _audited(network, action, batch_id) -> int:
    with _a(network):
        return db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == action, AuditEvent.object_type == "import_batch", AuditEvent.object_id == str(batch_id)))


def test_the_uploader_discards_a_checked_batch_with_its_rows(login, network, session):
    client = login("a_operator")
    batch_id = check(client, upload(client, csv_bytes([person_row(n) for n in range(1, 4)])))
    assert _rows(network, batch_id) == 3
    assert "Elimina l'importazione" in client.get(f"/importazioni/{batch_id}").get_data(as_text=True)
    answer = post_step(client, batch_id, "elimina")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/importazioni/")
    assert not _exists(network, batch_id) and _rows(network, batch_id) == 0
    assert _audited(network, "import.discarded", batch_id) == 1
    assert client.get(f"/importazioni/{batch_id}").status_code == 404


def test_an_admin_may_discard_another_users_batch_an_operator_may_not(login, network, session):
    admin = login("a_admin")
    batch_id = check(admin, upload(admin, csv_bytes([person_row(1)])))
    operator = login("a_operator")
    assert "Elimina l'importazione" not in operator.get(f"/importazioni/{batch_id}").get_data(as_text=True)
    assert post_step(operator, batch_id, "elimina").status_code == 403
    assert _exists(network, batch_id)
    admin_again = login("a_admin")
    batch_id2 = check(operator, upload(operator, csv_bytes([person_row(2)])))
    assert post_step(admin_again, batch_id2, "elimina").status_code == 302
    assert not _exists(network, batch_id2)


def test_a_batch_that_created_drafts_is_undone_not_discarded(login, network, session):
    client = login("a_operator")
    batch_id = check(client, upload(client, csv_bytes([person_row(1)])))
    post_step(client, batch_id, "importa")
    assert "Elimina l'importazione" not in client.get(f"/importazioni/{batch_id}").get_data(as_text=True)
    answer = post_step(client, batch_id, "elimina")
    assert "non ha creato nulla" in client.get(answer.headers["Location"]).get_data(as_text=True)
    assert _exists(network, batch_id) and _rows(network, batch_id) == 1


def _batch(network, state, created_rows=0, days_ago=0) -> int:
    with _a(network):
        batch = ImportBatch(tenant_id=network.tenants["a"].id, filename="vecchio.csv", file_sha256="0" * 64,
                            state=state, created_by_id=network.users["a_operator"].id, mapping={}, total_rows=1,
                            created_rows=created_rows)
        batch.headers, batch.rows = ["Cognome"], [["Rossi"]]
        db.session.add(batch)
        db.session.flush()
        db.session.add(ImportRow(tenant_id=batch.tenant_id, batch_id=batch.id, number=2, row_key="k" * 64,
                                 status="valid", errors=[], warnings=[]))
        db.session.flush()
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch.id)
                           .values(updated_at=utcnow() - timedelta(days=days_ago)))
        return batch.id


def test_expire_imports_deletes_unfinished_batches_left_too_long(app, network, session, monkeypatch):
    old_draft = _batch(network, BatchState.DRAFT, days_ago=8)
    old_checked = _batch(network, BatchState.CHECKED, days_ago=30)
    all_refused = _batch(network, BatchState.IMPORTED, created_rows=0, days_ago=8)
    recent = _batch(network, BatchState.CHECKED, days_ago=2)
    imported = _batch(network, BatchState.IMPORTED, created_rows=1, days_ago=60)  # undo still needs it
    runner = app.test_cli_runner()

    monkeypatch.setitem(app.config, "IMPORT_UNFINISHED_KEEP_DAYS", 31)
    result = runner.invoke(args=["rete", "expire-imports"])
    assert result.exit_code == 0 and "eliminate: 0" in result.output, result.output

    monkeypatch.setitem(app.config, "IMPORT_UNFINISHED_KEEP_DAYS", 7)  # the default
    result = runner.invoke(args=["rete", "expire-imports"])
    assert result.exit_code == 0 and "eliminate: 3" in result.output, result.output
    for gone in (old_draft, old_checked, all_refused):
        assert not _exists(network, gone) and _rows(network, gone) == 0
        assert _audited(network, "import.expired", gone) == 1
    for kept in (recent, imported):
        assert _exists(network, kept) and _rows(network, kept) == 1


def test_a_file_without_header_keeps_its_first_person_encrypted(login, network, session):
    """Its first row is a person's: stored with the rows, as ciphertext, and gone with them."""
    first = person_row(1, Cognome="Quartararo")
    client = login("a_operator")
    answer = upload(client, csv_bytes([person_row(2)], header=first))
    batch_id = int(answer.headers["Location"].split("/")[2])
    assert "Quartararo" in client.get(f"/importazioni/{batch_id}/colonne").get_data(as_text=True)  # to choose by
    with _a(network):
        stored = db.session.execute(select(ImportBatch.__table__.c.headers, ImportBatch.rows_enc)
                                    .where(ImportBatch.id == batch_id)).one()
    assert "Quartararo" not in json.dumps(stored.headers) + stored.rows_enc
    assert post_step(client, batch_id, "elimina").status_code == 302
    assert not _exists(network, batch_id)


def test_a_batch_stored_before_keeps_working_and_drops_its_plain_headers(network, session):
    """Stored as a plain header column and the rows alone in the ciphertext: read as before, and the
    header goes when the rows do."""
    with _a(network):
        batch = ImportBatch(tenant_id=network.tenants["a"].id, filename="prima.csv", file_sha256="0" * 64,
                            state=BatchState.IMPORTED, created_by_id=network.users["a_operator"].id, mapping={},
                            plain_headers=HEADER[:2])
        batch.rows_json = json.dumps([["Rossi", "Anna"]])
        db.session.add(batch)
        db.session.flush()
        assert (batch.headers, batch.rows) == (HEADER[:2], [["Rossi", "Anna"]])
        batch.rows = None
        db.session.flush()
        assert (batch.plain_headers, batch.rows_enc, batch.headers, batch.rows) == ([], None, [], [])


# --- imports that created something: the file's rows do not outlive a stopped or forgotten import -----------

def _worker_dies_after_one_row(monkeypatch):
    """The job imports one row and commits, then its worker dies: the batch stays ``importing``."""
    def enqueue(_job, batch_id, *_args):
        services.import_chunk(services.get_batch(batch_id), size=1)
        db.session.commit()

    monkeypatch.setattr(views, "enqueue", enqueue)


def _age(network, batch_id, **ago):
    with _a(network):
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id)
                           .values(updated_at=utcnow() - timedelta(**ago)))


def _get(network, batch_id) -> ImportBatch:
    with _a(network):
        return db.session.get(ImportBatch, batch_id, populate_existing=True)


def _results(network, batch_id) -> list[tuple]:
    with _a(network):
        return [(r.status, r.errors, r.referral_id) for r in db.session.scalars(
            select(ImportRow).where(ImportRow.batch_id == batch_id).order_by(ImportRow.number))]


def _drafts(network, ids) -> int:
    with _a(network):
        return db.session.scalar(select(func.count(Referral.id)).where(Referral.id.in_(ids)))


def _expire(app) -> str:
    result = app.test_cli_runner().invoke(args=["rete", "expire-imports"])
    assert result.exit_code == 0, result.output
    return result.output


def test_an_import_stopped_for_a_day_is_closed_keeping_what_it_created_and_its_undo(app, login, network, session,
                                                                                    monkeypatch):
    client = login("a_operator")
    _worker_dies_after_one_row(monkeypatch)
    stopped = check(client, upload(client, csv_bytes([person_row(n) for n in range(1, 4)])))
    post_step(client, stopped, "importa")
    running = check(client, upload(client, csv_bytes([person_row(n) for n in range(4, 6)])))
    post_step(client, running, "importa")
    assert _get(network, stopped).state == _get(network, running).state == BatchState.IMPORTING
    _age(network, stopped, hours=25)
    _age(network, running, hours=20)  # slow, not dead: left alone

    assert "Importazioni interrotte chiuse: 1" in _expire(app)
    batch = _get(network, stopped)
    assert batch.state == BatchState.IMPORTED and batch.rows_enc is None
    assert (batch.created_rows, batch.failed_rows) == (1, 2)
    (created, *left) = _results(network, stopped)
    assert created[0] == RowStatus.CREATED and _drafts(network, [created[2]]) == 1  # the draft is the tenant's
    assert left == [(RowStatus.FAILED, [["row", "interrupted"]], None)] * 2
    assert _audited(network, "import.interrupted", stopped) == 1
    assert "Importazioni interrotte chiuse: 0" in _expire(app)
    assert _audited(network, "import.interrupted", stopped) == 1

    still = _get(network, running)
    assert still.state == BatchState.IMPORTING and still.rows_enc is not None
    post_step(client, running, "importa")  # resumed: the file's rows are still there
    assert _get(network, running).created_rows == 2

    assert post_step(client, stopped, "annulla").status_code == 302
    assert _get(network, stopped).state == BatchState.UNDONE and _drafts(network, [created[2]]) == 0


def test_an_import_left_unconfirmed_loses_the_files_rows_not_what_it_created_nor_its_undo(app, login, network,
                                                                                          session):
    client = login("a_operator")
    left = check(client, upload(client, csv_bytes([person_row(n) for n in (1, 2)])))
    post_step(client, left, "importa")
    recent = check(client, upload(client, csv_bytes([person_row(3)])))
    post_step(client, recent, "importa")
    _age(network, left, days=8)
    _age(network, recent, days=6)

    output = _expire(app)
    assert "contenuto del file eliminato: 1" in output and "eliminate: 0" in output, output
    batch = _get(network, left)
    assert batch.state == BatchState.IMPORTED and batch.rows_enc is None and batch.created_rows == 2
    results = _results(network, left)
    assert [status for status, _errors, _id in results] == [RowStatus.CREATED] * 2
    assert _drafts(network, [referral_id for _s, _e, referral_id in results]) == 2
    assert _audited(network, "import.rows_expired", left) == 1
    assert _get(network, recent).rows_enc is not None
    _age(network, left, days=8)  # left again as long: nothing more to drop, nothing audited again
    assert "contenuto del file eliminato: 0" in _expire(app)
    assert _audited(network, "import.rows_expired", left) == 1

    assert post_step(client, left, "annulla").status_code == 302
    assert _get(network, left).state == BatchState.UNDONE
    assert _drafts(network, [referral_id for _s, _e, referral_id in results]) == 0


def test_a_stopped_case_import_is_undone_only_while_its_cases_are_untouched_since_it_stopped(app, login, network,
                                                                                             session, monkeypatch):
    """Closed a day later, the import counts as done when it stopped: a case changed in between blocks undo."""
    client = login("n1_coordinator")
    node = network.tenants["n1"]
    _worker_dies_after_one_row(monkeypatch)
    batch_id = upload_and_check(client, [case_row(1), case_row(2)])
    post_step(client, batch_id, "importa")
    stopped_at = utcnow() - timedelta(hours=30)
    with context.acting_as(node.id):
        referral_id = db.session.scalar(select(ImportRow.referral_id).where(ImportRow.batch_id == batch_id,
                                                                            ImportRow.status == RowStatus.CREATED))
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(updated_at=stopped_at))
        db.session.execute(update(Referral).where(Referral.id == referral_id).values(updated_at=stopped_at))

    def case_changed_at(when):
        with context.acting_as(node.id):
            db.session.execute(update(Case).where(Case.referral_id == referral_id).values(updated_at=when))

    assert "Importazioni interrotte chiuse: 1" in _expire(app)
    case_changed_at(stopped_at + timedelta(hours=2))  # by its case worker, while the import lay stopped
    post_step(client, batch_id, "annulla")
    with context.acting_as(node.id):
        assert db.session.get(ImportBatch, batch_id, populate_existing=True).state == BatchState.IMPORTED
    case_changed_at(stopped_at - timedelta(minutes=1))  # untouched since the import stopped
    post_step(client, batch_id, "annulla")
    with context.acting_as(node.id):
        assert db.session.get(ImportBatch, batch_id, populate_existing=True).state == BatchState.UNDONE
        assert db.session.get(Referral, referral_id) is None


def test_a_step_refused_by_a_concurrent_change_leaves_the_others_done(app, network, session, monkeypatch):
    """A batch a user or a worker moved while the nightly job ran (the version check, a deadlock) makes that
    step wait for the next night: the unfinished batches are still deleted."""
    from sqlalchemy.orm.exc import StaleDataError

    from portal.imports import unfinished

    old_draft = _batch(network, BatchState.DRAFT, days_ago=8)

    def moved_meanwhile(now=None):
        raise StaleDataError("the batch moved")

    monkeypatch.setattr(unfinished, "close_stalled", moved_meanwhile)
    result = app.test_cli_runner().invoke(args=["rete", "expire-imports"])
    assert result.exit_code == 0 and "chiuse: 0" in result.output and "eliminate: 1" in result.output, result.output
    assert not _exists(network, old_draft) and _audited(network, "import.expired", old_draft) == 1
