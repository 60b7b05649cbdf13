"""`flask rete backup` and the restore it is for: the demo network dumped as the owner and loaded into a
fresh database has the same rows, intact audit chains and delivery totals, and row-level security still
shows the app role its own tenant only."""
import os
import sqlite3
import stat
import subprocess

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from portal import create_app
from portal.backup import libpq_environment
from portal.crypto import unseal
from portal.extensions import db

from .conftest import APP_ROLE, DB_KIND, Database


def owner_app(database):
    return create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url},
                      owner=True)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    database = Database(tmp_path_factory, "backup")
    database.migrate()
    app = owner_app(database)
    result = app.test_cli_runner().invoke(args=["rete", "seed-demo"])
    assert result.exit_code == 0, result.output
    _stored_file(app)
    yield database, app
    with app.app_context():
        db.engine.dispose()
    database.drop()


FILE = b"%PDF-1.4\n% a document kept in the database and in its backups\n%%EOF\n"


def _stored_file(app) -> None:
    """An attachment kept by FILE_STORAGE=database, as an upload in production leaves it."""
    import hashlib
    import io

    from werkzeug.datastructures import FileStorage

    from portal.core import files, storage
    from portal.referrals.models import Attachment, Referral
    from portal.tenancy import context

    app.config["FILE_STORAGE"] = storage.DATABASE
    with app.app_context(), context.system("test file"):
        referral = db.session.scalars(sa.select(Referral).order_by(Referral.id)).first()
        stored = files.check_upload(FileStorage(io.BytesIO(FILE), filename="prova.pdf"), limit=len(FILE))
        attachment = Attachment(referral_id=referral.id, tenant_id=referral.tenant_id, node_id=referral.node_id,
                                filename=stored.filename, content_type=stored.content_type, size=stored.size,
                                storage_key=stored.storage_key, sha256=hashlib.sha256(FILE).hexdigest(),
                                uploaded_by_id=referral.created_by_id)
        storage.save(attachment, stored, storage.ROOT)
        db.session.add(attachment)
        db.session.commit()
        db.session.remove()


def table_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names()
        counts = {name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar() for name in names}
    engine.dispose()
    return counts


def test_backup_is_private_and_complete(seeded, tmp_path):
    database, app = seeded
    dump = tmp_path / "rete.dump"
    result = app.test_cli_runner().invoke(args=["rete", "backup", "--output", str(dump)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert not list(tmp_path.glob("*.part"))
    if DB_KIND == "sqlite":
        copy = sqlite3.connect(dump)
        assert copy.execute("SELECT count(*) FROM referrals").fetchone()[0] == table_counts(database.owner_url)["referrals"]
        copy.close()


@pytest.mark.skipif(DB_KIND != "postgresql", reason="pg_dump/pg_restore and row-level security: PostgreSQL only")
def test_restore_into_a_fresh_database(seeded, tmp_path, tmp_path_factory):
    database, app = seeded
    dump = tmp_path / "rete.dump"
    assert app.test_cli_runner().invoke(args=["rete", "backup", "--output", str(dump)]).exit_code == 0
    restored = Database(tmp_path_factory, "restored")  # an empty database, as a new server would have
    try:
        subprocess.run(["pg_restore", "--exit-on-error", f"--dbname={restored.name}", str(dump)], check=True,
                       env={**os.environ, **libpq_environment(restored.owner_url)}, capture_output=True)
        source_counts = table_counts(database.owner_url)
        assert table_counts(restored.owner_url) == source_counts
        assert source_counts["referrals"] > 0 and source_counts["audit_events"] > 0 and source_counts["deliveries"] > 0

        restored_app = owner_app(restored)
        runner = restored_app.test_cli_runner()
        for command in ("audit-verify", "budget-verify"):
            result = runner.invoke(args=["rete", command])
            assert result.exit_code == 0, result.output
        with restored_app.app_context():
            db.engine.dispose()

        owner = sa.create_engine(restored.owner_url)
        with owner.connect() as conn:
            [(file_tenant, content, key)] = conn.execute(text(
                "SELECT tenant_id, content, storage_key FROM attachments WHERE content IS NOT NULL")).all()
            content = bytes(content)
            with restored_app.app_context():  # sealed in the dump; the keys, kept apart, open it
                assert unseal(content, key) == FILE and FILE not in content
            per_tenant = dict(conn.execute(text(
                "SELECT tenant_id, count(*) FROM referrals GROUP BY tenant_id ORDER BY count(*) DESC")).all())
        owner.dispose()
        assert len(per_tenant) >= 2
        antenna, own = next(iter(per_tenant.items()))
        as_app = sa.create_engine(restored.owner_url.replace("postgres@", f"{APP_ROLE}@"))
        with as_app.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM referrals")).scalar() == 0  # no tenant, no rows
            conn.execute(text("SELECT set_config('app.tenant_id', :t, false)"), {"t": str(antenna)})
            seen = conn.execute(text("SELECT tenant_id, count(*) FROM referrals GROUP BY tenant_id")).all()
            assert seen == [(antenna, own)]
            # The stored file came back with its row, under the same tenant rule.
            stored = "SELECT content FROM attachments WHERE content IS NOT NULL"
            for tenant in per_tenant:
                conn.execute(text("SELECT set_config('app.tenant_id', :t, false)"), {"t": str(tenant)})
                seen_files = [bytes(row.content) for row in conn.execute(text(stored))]
                assert seen_files == ([content] if tenant == file_tenant else [])
            assert conn.execute(text("SELECT current_user")).scalar() == APP_ROLE
        as_app.dispose()
    finally:
        restored.drop()
