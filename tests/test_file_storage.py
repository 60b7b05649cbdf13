"""Where stored files live (portal/core/storage.py): with FILE_STORAGE=database the bytes are in the row's
table, so a second web server sees them, a rolled-back request leaves nothing, anonymisation deletes them
with the row, and nothing is written to the local folder; downloads keep their headers either way."""
import io

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from portal import create_app
from portal.core import storage
from portal.crypto import FILE_MAGIC
from portal.extensions import db
from portal.referrals.models import Attachment
from portal.tenancy import context

from .conftest import IsolatedClient, make_config
from .factories import make_referral
from .helpers import csrf_from, log_in
from .referral_support import PDF

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100


def _upload(client, referral_id, *files):
    token = csrf_from(client.get(f"/segnalazioni/{referral_id}").get_data(as_text=True))
    return client.post(f"/segnalazioni/{referral_id}/allegati", content_type="multipart/form-data",
                       data={"csrf_token": token, "files": [(io.BytesIO(content), name) for content, name in files]})


def _assert_download_headers(response, content):
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def _files_under(path) -> list:
    return [p for p in path.rglob("*") if p.is_file()] if path.exists() else []


# --- two web servers on one committed database -----------------------------------------------------------

@pytest.fixture(scope="module")
def shared(tmp_path_factory, mail_server):
    """A committed database with the test network, and a factory of app instances ("hosts") on it, each
    with its own ATTACHMENT_DIR as two machines would have."""
    from .conftest import Database
    from .network import build_network

    database = Database(tmp_path_factory, "files")
    database.migrate()
    owner = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url,
                        "TESTING": True, "FAST_PASSWORD_HASH": True}, owner=True)
    with owner.app_context(), context.system("test network"):
        net = build_network(db.session)
        draft = make_referral(net.tenants["a"], net.users["a_operator"], state="draft")
        ids = {"draft": draft.id, "tenant": net.tenants["a"].id, "email": net.users["a_operator"].email}
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    apps = []

    def host(backend: str):
        folder = tmp_path_factory.mktemp("host")
        app = create_app(make_config(database, mail_server, FILE_STORAGE=backend, ATTACHMENT_DIR=str(folder)))
        app.test_client_class = IsolatedClient
        apps.append(app)
        client = app.test_client()
        log_in(client, ids["email"])
        return client, folder

    yield database, ids, host
    for app in apps:
        with app.app_context():
            db.engine.dispose()
    database.drop()


def _attachment_rows(database, referral_id):
    engine = sa.create_engine(database.owner_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, content FROM attachments WHERE referral_id = :r"),
                            {"r": referral_id}).all()
    engine.dispose()
    return rows


@pytest.mark.parametrize("backend, seen_by_the_other", [("database", True), ("local", False)])
def test_a_file_uploaded_on_one_server_is_downloaded_from_another(shared, backend, seen_by_the_other):
    database, ids, host = shared
    (first, first_folder), (second, second_folder) = host(backend), host(backend)
    content = PDF + backend.encode()
    before = {row.id for row in _attachment_rows(database, ids["draft"])}
    assert _upload(first, ids["draft"], (content, "referto.pdf")).status_code == 302
    [new] = [row for row in _attachment_rows(database, ids["draft"]) if row.id not in before]
    url = f"/segnalazioni/{ids['draft']}/allegati/{new.id}"
    _assert_download_headers(first.get(url), content)
    response = second.get(url)
    if seen_by_the_other:
        _assert_download_headers(response, content)
        assert bytes(new.content).startswith(FILE_MAGIC) and PDF not in bytes(new.content)  # sealed at rest
        assert _files_under(first_folder) == _files_under(second_folder) == []  # nothing on either disk
    else:  # the local folder is one host's: this is why production refuses it
        assert response.status_code == 404 and len(_files_under(first_folder)) == 1


@pytest.mark.parametrize("backend", ["database", "local"])
def test_a_rolled_back_request_leaves_no_file(shared, backend):
    from .referral_support import form_data, new_form

    database, ids, host = shared
    client, folder = host(backend)
    engine = sa.create_engine(database.owner_url)
    count = "SELECT (SELECT count(*) FROM attachments), (SELECT count(*) FROM referrals)"
    with engine.connect() as conn:
        before = conn.execute(sa.text(count)).one()
    # A new referral with two files, the second refused after the first was stored: all of it rolls back.
    token, key = new_form(client)
    response = client.post("/segnalazioni/nuova", content_type="multipart/form-data", data={
        **form_data(), "csrf_token": token, "submission_key": key,
        "files": [(io.BytesIO(PDF), "buono.pdf"), (io.BytesIO(EXE), "cattivo.pdf")]})
    assert response.status_code == 200 and "Sono ammessi solo" in response.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text(count)).one() == before
    engine.dispose()
    assert _files_under(folder) == []


# --- the database backend in one test transaction --------------------------------------------------------

@pytest.fixture
def in_database(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "FILE_STORAGE", storage.DATABASE)
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    return tmp_path / "allegati"


def test_anonymisation_deletes_the_bytes_with_the_row(app, login, network, session, in_database):
    from portal.people import gdpr

    draft = make_referral(network.tenants["a"], network.users["a_operator"], state="draft")
    assert _upload(login("a_operator"), draft.id, (PDF, "referto.pdf")).status_code == 302
    tenant = network.tenants["a"].id
    with context.acting_as(tenant):
        attachment = session.scalar(select(Attachment).where(Attachment.referral_id == draft.id))
        assert attachment.content != PDF and storage.read(attachment, storage.ROOT) == PDF
        key = attachment.storage_key
        with app.test_request_context():
            gdpr.anonymise(draft.person, reason="test")
            db.session.flush()
        # The bytes lived in the row only: the row is gone, and so is every copy of them.
        assert session.execute(sa.text("SELECT count(*) FROM attachments WHERE storage_key = :k"),
                               {"k": key}).scalar() == 0
    assert _files_under(in_database) == []


def test_files_from_the_local_folder_stay_readable_after_the_switch(app, login, network, session, in_database,
                                                                     monkeypatch):
    draft = make_referral(network.tenants["a"], network.users["a_operator"], state="draft")
    monkeypatch.setitem(app.config, "FILE_STORAGE", storage.LOCAL)
    assert _upload(login("a_operator"), draft.id, (PDF, "vecchio.pdf")).status_code == 302
    [path] = _files_under(in_database)
    monkeypatch.setitem(app.config, "FILE_STORAGE", storage.DATABASE)
    with context.acting_as(network.tenants["a"].id):
        attachment = session.scalar(select(Attachment).where(Attachment.referral_id == draft.id))
        assert attachment.content is None
    _assert_download_headers(login("a_operator").get(f"/segnalazioni/{draft.id}/allegati/{attachment.id}"), PDF)
    from portal.referrals.attachments import delete_attachments

    with context.acting_as(network.tenants["a"].id), app.app_context():
        assert delete_attachments([draft.id]) == 1
        db.session.commit()  # the test's savepoint: the file goes once the deletion commits
    assert not path.exists()


def test_a_file_that_cannot_be_decrypted_is_a_404_and_its_name_a_neutral_one(app, login, network, session,
                                                                               in_database, caplog):
    """Tampered bytes or a name under a key the server lacks: the download is refused, the page still opens
    (one unreadable name must not take down a forum thread or a case page), the log names the row only."""
    from portal import crypto

    draft = make_referral(network.tenants["a"], network.users["a_operator"], state="draft")
    client = login("a_operator")
    assert _upload(client, draft.id, (PDF, "referto_Mario_Rossi.pdf")).status_code == 302
    with context.acting_as(network.tenants["a"].id):
        attachment = session.scalar(select(Attachment).where(Attachment.referral_id == draft.id))
        sealed = bytes(attachment.content)
        attachment.content = sealed[:-1] + bytes([sealed[-1] ^ 1])
        attachment.filename_enc = crypto.encrypt("altro.pdf", "another.row")
        session.flush()
    assert client.get(f"/segnalazioni/{draft.id}/allegati/{attachment.id}").status_code == 404
    page = client.get(f"/segnalazioni/{draft.id}")
    assert page.status_code == 200 and "file non leggibile" in page.get_data(as_text=True)
    logged = caplog.text
    assert "not decryptable: Attachment" in logged and "Rossi" not in logged and "altro" not in logged


def test_a_file_without_the_seal_is_served_until_sealed_files_only_is_set(app, login, network, session, in_database,
                                                                           monkeypatch, caplog):
    """A file stored before files were sealed is read as it is; once rotate-keys has sealed them all,
    RETE_SEALED_FILES_ONLY refuses one (it could only have been written there behind the portal's back)."""
    draft = make_referral(network.tenants["a"], network.users["a_operator"], state="draft")
    client = login("a_operator")
    assert _upload(client, draft.id, (PDF, "certificato.pdf")).status_code == 302
    with context.acting_as(network.tenants["a"].id):
        attachment = session.scalar(select(Attachment).where(Attachment.referral_id == draft.id))
        attachment.content = PDF  # as stored before sealing
        session.flush()
    url = f"/segnalazioni/{draft.id}/allegati/{attachment.id}"
    _assert_download_headers(client.get(url), PDF)
    monkeypatch.setitem(app.config, "SEALED_FILES_ONLY", True)
    assert client.get(url).status_code == 404
    assert "not sealed, refused" in caplog.text and "certificato" not in caplog.text
    with context.acting_as(network.tenants["a"].id):
        attachment.content = b"".join([FILE_MAGIC, b"\x02k1", b"x" * 40])  # sealed-looking but forged
        session.flush()
    assert client.get(url).status_code == 404
