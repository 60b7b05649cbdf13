"""The audit log: written in one place, never with values, hash-chained and verifiable."""
import pytest
from sqlalchemy import select, text

from portal import create_app
from portal.audit.models import AuditEvent
from portal.audit.services import record, verify_chains
from portal.extensions import db
from portal.tenancy import context

from .conftest import DB_KIND


def test_login_writes_an_audit_event(login, network, session):
    login("a_operator")
    with context.acting_as(network.tenants["a"].id):
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "login.success")).all()
    assert [e.actor_user_id for e in events] == [network.users["a_operator"].id]
    assert events[0].ip == "127.0.0.1"


def test_events_store_field_names_not_values(network, session):
    with context.acting_as(network.tenants["a"].id):
        event = record("person.updated", "person", 7, ["last_name", "codice_fiscale"])
    assert event.fields == ["codice_fiscale", "last_name"]


in_app_tampering = pytest.mark.skipif(
    DB_KIND == "postgresql",
    reason="on PostgreSQL the app role cannot UPDATE/DELETE audit rows at all (test_postgres_rls); "
    "owner-level tampering is covered by test_audit_verify_cli_as_owner",
)


@in_app_tampering
def test_chain_verifies_and_detects_tampering(network, session):
    a = network.tenants["a"]
    with context.acting_as(a.id):
        first = record("x.one", "thing", 1)
        record("x.two", "thing", 2)
        third = record("x.three", "thing", 3)
    assert third.prev_hash != first.hash and third.seq == first.seq + 2
    chain = [first.chain_key]
    with context.acting_as(a.id):
        assert verify_chains(chain) == []
    # Someone with owner rights edits a row behind the app's back: the chain exposes it.
    with context.acting_as(a.id):
        session.execute(text("UPDATE audit_events SET action = 'x.innocent' WHERE id = :i"), {"i": first.id})
    session.expire_all()
    with context.acting_as(a.id):
        problems = verify_chains(chain)
    assert any("altered" in p for p in problems)


@in_app_tampering
def test_deleting_the_last_event_is_detected(network, session):
    with context.acting_as(network.tenants["a"].id):
        record("x.one", "thing", 1)
        last = record("x.two", "thing", 2)
        chain = [last.chain_key]
        session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": last.id})
    session.expire_all()
    with context.acting_as(network.tenants["a"].id):
        assert any("head" in p for p in verify_chains(chain))


def test_dpo_reads_the_network_log_and_antennas_cannot(login, network):
    with context.acting_as(network.tenants["a"].id):
        record("probe.event", "thing", "AUDIT-PROBE-1")
    dpo = login("n1_dpo")
    assert "AUDIT-PROBE-1" in dpo.get("/registro-accessi/").get_data(as_text=True)
    assert "AUDIT-PROBE-1" not in login("b_dpo").get("/registro-accessi/").get_data(as_text=True)
    assert "AUDIT-PROBE-1" not in login("n2_dpo").get("/registro-accessi/").get_data(as_text=True)
    assert login("a_operator").get("/registro-accessi/").status_code == 403


@pytest.fixture
def owner_app(database):
    """The CLI's own setup: the owner connection, committed data (cleaned up afterwards)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database.owner_url, "DATABASE_OWNER_URL": database.owner_url}, owner=True)
    yield app
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_events WHERE chain_key = 'global'"))
        db.session.execute(text("DELETE FROM audit_chain_heads WHERE chain_key = 'global'"))
        db.session.commit()
        db.engine.dispose()


def test_audit_verify_cli_as_owner(owner_app):
    runner = owner_app.test_cli_runner()
    with owner_app.app_context():
        with context.system("test"):
            first = record("x.cli", "thing", 1)
            record("x.cli", "thing", 2)
            db.session.commit()
        assert runner.invoke(args=["rete", "audit-verify"]).exit_code == 0
        db.session.execute(text("UPDATE audit_events SET object_id = '9' WHERE id = :i"), {"i": first.id})
        db.session.commit()
        result = runner.invoke(args=["rete", "audit-verify"])
    assert result.exit_code == 1
    assert "ALTERATO" in result.output
