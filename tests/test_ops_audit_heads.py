"""The signed daily export of the audit chain heads catches what verify_chains cannot: the database owner
rewriting a whole chain with every hash recomputed."""
import json

import pytest
from sqlalchemy import select, text

from portal import create_app
from portal.audit.models import AuditChainHead, AuditEvent
from portal.audit.services import GENESIS, event_hash, record, verify_chains
from portal.extensions import db
from portal.tenancy import context

KEY = "k" * 40


@pytest.fixture
def owner_app(database, tmp_path):
    """The CLI's own setup: the owner connection, committed events of the 'global' chain, cleaned up after."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url,
                      "AUDIT_HEADS_KEY": KEY, "AUDIT_HEADS_DIR": str(tmp_path / "heads")}, owner=True)
    with app.app_context(), context.system("test"):
        _clear_global_chain()  # events of anonymous actors earlier tests committed (failed logins): start at seq 0
        for n in range(3):
            record("x.heads", "thing", n)
        db.session.commit()
    yield app
    with app.app_context():
        _clear_global_chain()
        db.session.commit()
        db.engine.dispose()


def _clear_global_chain():
    db.session.execute(text("DELETE FROM audit_events WHERE chain_key = 'global'"))
    db.session.execute(text("DELETE FROM audit_chain_heads WHERE chain_key = 'global'"))


def rewrite_global_chain():
    """What an owner covering their tracks does: change an event, then recompute every hash after it."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.chain_key == "global").order_by(AuditEvent.seq))
    prev = GENESIS
    for event in events:
        if event.seq == 2:
            event.object_id = "altro"
        event.prev_hash, event.hash = prev, event_hash(event, prev)
        prev = event.hash
    head = db.session.get(AuditChainHead, "global")
    head.last_hash = prev
    db.session.commit()


def export(app, path):
    result = app.test_cli_runner().invoke(args=["rete", "audit-export-heads", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(path.read_text())


def test_rewritten_chain_passes_verify_but_not_the_exported_heads(owner_app, tmp_path):
    exported = export(owner_app, tmp_path / "heads.json")
    assert exported["heads"]["global"]["seq"] == 3 and len(exported["hmac_sha256"]) == 64
    runner = owner_app.test_cli_runner()
    with owner_app.app_context():
        assert runner.invoke(args=["rete", "audit-verify", "--heads", str(tmp_path / "heads.json")]).exit_code == 0
        with context.system("test"):
            record("x.heads", "thing", "later")  # the chain grows after the export: still fine
            db.session.commit()
        assert runner.invoke(args=["rete", "audit-verify", "--heads", str(tmp_path / "heads.json")]).exit_code == 0
        with context.system("test"):
            rewrite_global_chain()
            assert verify_chains(["global"]) == []  # the chain alone cannot tell
        result = runner.invoke(args=["rete", "audit-verify", "--heads", str(tmp_path / "heads.json")])
    assert result.exit_code == 1
    assert "global: event seq 3 differs from the head exported" in result.output


def test_forged_or_foreign_export_is_refused(owner_app, tmp_path):
    document = export(owner_app, tmp_path / "heads.json")
    document["heads"]["global"]["hash"] = "f" * 64  # a forger without the key
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document))
    runner = owner_app.test_cli_runner()
    with owner_app.app_context():
        result = runner.invoke(args=["rete", "audit-verify", "--heads", str(forged)])
        assert result.exit_code == 1 and "signature invalid" in result.output
        owner_app.config["AUDIT_HEADS_KEY"] = "o" * 40  # an export signed with another key
        result = runner.invoke(args=["rete", "audit-verify", "--heads", str(tmp_path / "heads.json")])
        assert result.exit_code == 1 and "signature invalid" in result.output


def test_removed_events_are_reported(owner_app, tmp_path):
    export(owner_app, tmp_path / "heads.json")
    with owner_app.app_context():
        db.session.execute(text("DELETE FROM audit_events WHERE chain_key = 'global' AND seq = 3"))
        db.session.commit()
        result = owner_app.test_cli_runner().invoke(args=["rete", "audit-verify", "--heads", str(tmp_path / "heads.json")])
    assert result.exit_code == 1 and "global: event seq 3, head on" in result.output


def test_export_needs_a_key_and_has_a_default_place(owner_app, tmp_path):
    runner = owner_app.test_cli_runner()
    result = runner.invoke(args=["rete", "audit-export-heads"])
    assert result.exit_code == 0, result.output
    [written] = (tmp_path / "heads").glob("audit-heads-*Z.json")
    assert "global" in json.loads(written.read_text())["heads"]
    owner_app.config["AUDIT_HEADS_KEY"] = None
    result = runner.invoke(args=["rete", "audit-export-heads"])
    assert result.exit_code == 2 and "AUDIT_HEADS_KEY" in result.output
