"""Every audited write of a tenant locks its audit-chain head before any of its own rows.

A service that changes a row and then audits, racing one that audits and then changes the same row, would
otherwise lock the two in opposite orders: PostgreSQL ends one of them with a deadlock (a 500 to a user).
"""
import threading
import time

import pytest
import sqlalchemy as sa

from portal.accounts.models import Membership, Role
from portal.audit.services import record, verify_chains
from portal.core import rows
from portal.extensions import db
from portal.tenancy import context

from .conftest import DB_KIND
from .factories import MembershipFactory, TenantFactory, UserFactory
from .helpers import at_once


def _first(statements, fragment: str) -> int:
    return next((i for i, s in enumerate(statements) if fragment in s), len(statements))


def test_a_flushed_change_takes_the_head_before_its_row(app, session, count_queries):
    tenant = TenantFactory()
    membership = MembershipFactory(tenant=tenant, user=UserFactory(), role=Role.ANTENNA_OPERATOR)
    db.session.commit()  # a new transaction, as a request's
    context.activate(tenant.id)  # as a request does (acting_as is a moment as another tenant: see below)
    with count_queries() as counter:
        membership.active = False
        db.session.flush()  # a query, or the service's own flush, writes the row before any audit
        record("membership.changed", "membership", membership.id, ["active"])
    statements = counter.statements
    head, row = _first(statements, "audit_chain_heads"), _first(statements, "UPDATE memberships")
    assert head < row < len(statements)


def test_an_event_takes_the_head_before_the_changes_still_pending(app, session, count_queries):
    tenant = TenantFactory()
    membership = MembershipFactory(tenant=tenant, user=UserFactory(), role=Role.ANTENNA_OPERATOR)
    db.session.commit()
    context.activate(tenant.id)
    with count_queries() as counter:
        membership.active = False  # not flushed yet: the event's own flush writes it
        record("membership.changed", "membership", membership.id, ["active"])
    statements = counter.statements
    assert _first(statements, "audit_chain_heads") < _first(statements, "UPDATE memberships") < len(statements)


def test_a_row_locked_to_count_against_takes_the_head_first(app, session, count_queries):
    """A budget rule locks its limit's row (core.rows.lock) before any flush: no flush, so the hook on flushes
    would not see it; the lock says so through a signal, and the head comes first all the same."""
    tenant = TenantFactory()
    membership = MembershipFactory(tenant=tenant, user=UserFactory(), role=Role.ANTENNA_OPERATOR)
    membership_id = membership.id
    db.session.commit()
    context.activate(tenant.id)
    with count_queries() as counter:
        assert rows.lock(Membership, membership_id, Membership.role) == Role.ANTENNA_OPERATOR
        record("membership.read", "membership", membership_id)
    statements = counter.statements
    assert _first(statements, "audit_chain_heads") < _first(statements, "FROM memberships") < len(statements)


def test_unscoped_writes_take_no_head(app, session, count_queries):
    """A request's bookkeeping (the session's clock, a user's own row) is no tenant's write: it locks nothing,
    or every request of a tenant would wait for the others."""
    tenant, user = TenantFactory(), UserFactory()
    context.activate(tenant.id)
    with count_queries() as counter:
        user.full_name = "Altro nome"
        db.session.flush()
    assert _first(counter.statements, "UPDATE users") < len(counter.statements)
    assert _first(counter.statements, "audit_chain_heads") == len(counter.statements)


def test_a_moment_as_another_tenant_takes_no_head(app, session, count_queries):
    """A request of one tenant writing, for a moment, as another (a notification to its users, an evaluation
    as the referral's node) takes no head for it: a second head taken by a flush could be taken in either
    order by two requests."""
    mine, theirs = TenantFactory(), TenantFactory()
    membership = MembershipFactory(tenant=theirs, user=UserFactory(), role=Role.ANTENNA_OPERATOR)
    db.session.commit()
    context.activate(mine.id)
    with count_queries() as counter, context.acting_as(theirs.id):
        membership.active = False
        db.session.flush()
    assert _first(counter.statements, "UPDATE memberships") < len(counter.statements)
    assert _first(counter.statements, "audit_chain_heads") == len(counter.statements)


def test_a_rolled_back_savepoint_forgets_the_head_it_took(app, session):
    """A refused service call's savepoint undoes the head it created (and releases its lock): the next event
    of the request takes it again rather than trusting it is held."""
    tenant = TenantFactory()
    with context.acting_as(tenant.id):
        savepoint = db.session.begin_nested()
        record("membership.read", "membership", 1)  # the tenant's first event: the head is created here
        savepoint.rollback()
        record("membership.read", "membership", 2)
        db.session.flush()
        assert verify_chains([f"t{tenant.id}"]) == []


@pytest.mark.skipif(DB_KIND != "postgresql", reason="row locks across two connections: PostgreSQL")
def test_change_then_audit_and_audit_then_change_on_one_row_both_commit(app, database):
    """Two requests of one tenant on one row: the first writes the row and audits after a moment; the second
    audits, then writes the row. Both must commit, and the chain stay whole."""
    with app.app_context(), context.system("test"):
        tenant, user = TenantFactory(), UserFactory()
        membership = MembershipFactory(tenant=tenant, user=user, role=Role.ANTENNA_OPERATOR)
        tenant_id, user_id, membership_id = tenant.id, user.id, membership.id
        db.session.commit()
    row_written, failures = threading.Event(), []

    def change_then_audit():
        with app.app_context():
            context.activate(tenant_id)  # each thread starts with no context, as each request does
            try:
                db.session.get(Membership, membership_id).active = False
                db.session.flush()
                row_written.set()
                time.sleep(0.5)  # the other request audits meanwhile
                record("membership.changed", "membership", membership_id, ["active"])
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the failure is the finding
                failures.append(repr(exc))
                row_written.set()
            finally:
                db.session.remove()

    def audit_then_change():
        with app.app_context():
            context.activate(tenant_id)
            try:
                row_written.wait(10)
                record("membership.read", "membership", membership_id)
                db.session.get(Membership, membership_id).role = Role.COORDINATOR
                db.session.flush()
                db.session.commit()
            except Exception as exc:  # noqa: BLE001
                failures.append(repr(exc))
            finally:
                db.session.remove()

    try:
        at_once(change_then_audit, audit_then_change)
        assert failures == []
        with app.app_context(), context.acting_as(tenant_id):
            assert verify_chains([f"t{tenant_id}"]) == []
            changed = db.session.get(Membership, membership_id)
            assert (changed.active, changed.role) == (False, Role.COORDINATOR)
    finally:
        owner = sa.create_engine(database.owner_url)
        with owner.begin() as connection:
            for statement in ("DELETE FROM audit_events WHERE chain_key = :key",
                              "DELETE FROM audit_chain_heads WHERE chain_key = :key"):
                connection.execute(sa.text(statement), {"key": f"t{tenant_id}"})
            connection.execute(sa.text("DELETE FROM memberships WHERE id = :id"), {"id": membership_id})
            connection.execute(sa.text("DELETE FROM users WHERE id = :id"), {"id": user_id})
            connection.execute(sa.text("DELETE FROM tenants WHERE id = :id"), {"id": tenant_id})
        owner.dispose()
