"""A row a page creates on first use, created by two requests at once (a double click, two tabs): the second
finds the first's row instead of a 500 on the unique key. The forum's read marker and subscription, a
meeting's first draft of minutes (refused as a conflict, as when saved after it), an organisation's
directory entry.

Each test writes the other request's row where the service's own look did not see it (the look is made to
miss it, or the caller read "none" before), as a request that committed between the look and the insert.
On PostgreSQL the last test runs the race itself on two connections."""
import contextlib
import threading
import time
from datetime import date

import pytest
from flask import g
from flask_login import login_user
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from portal.core.errors import Conflict
from portal.directory.models import DirectoryEntry
from portal.extensions import db
from portal.forum import notify
from portal.forum import services as forum
from portal.forum.models import ForumPost, ForumReadMarker, ForumSubscription, ForumThread, SubscriptionMode
from portal.governance.models import Meeting, Minutes
from portal.models_base import utcnow
from portal.tenancy import context

from .conftest import DB_KIND
from .factories import TenantFactory, UserFactory
from .forum_support import make_thread, victim_group


@contextlib.contextmanager
def as_member(app, network, key):
    membership = network.memberships[key]
    with app.test_request_context(), context.acting_as(membership.tenant_id, membership.user_id):
        login_user(network.users[key])
        g.membership = membership
        yield


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_thread_marked_read_by_two_tabs_at_once(app, network):
    thread = make_thread(network.users["a_operator"], network.tenants["a"])
    with as_member(app, network, "b_operator"):
        forum.mark_read(thread, None)  # the other tab
        forum.mark_read(thread, None)  # this one found no marker before the other wrote it
    assert _count(ForumReadMarker, ForumReadMarker.thread_id == thread.id) == 1


def test_a_thread_followed_by_two_tabs_at_once(app, network, monkeypatch):
    thread = make_thread(network.users["a_operator"], network.tenants["a"])
    real, looks = notify.subscription_for, []

    def first_look_misses(*args):
        looks.append(args)
        return None if len(looks) == 1 else real(*args)

    with as_member(app, network, "b_operator"):
        other = notify.subscribe(thread, None, SubscriptionMode.IMMEDIATE)
        monkeypatch.setattr(notify, "subscription_for", first_look_misses)
        row = notify.subscribe(thread, None, SubscriptionMode.DIGEST)
    assert row.id == other.id and row.mode == SubscriptionMode.DIGEST
    assert _count(ForumSubscription, ForumSubscription.thread_id == thread.id) == 1


def test_a_first_draft_of_minutes_saved_twice_at_once_is_a_conflict(app, network):
    group = victim_group(network)
    coordinator = network.users["n1_coordinator"]
    meeting = Meeting(group_id=group.id, held_on=date(2026, 5, 4), place="Sala grande", agenda="Punto unico",
                      agenda_html="<p>Punto unico</p>", created_by_id=coordinator.id)
    db.session.add(meeting)
    db.session.flush()
    assert meeting.minutes is None  # what this request read before the other saved
    db.session.add(Minutes(meeting_id=meeting.id, body="Bozza dell'altra scheda", body_html="<p>Bozza</p>"))
    db.session.flush()
    from portal.governance import services

    with as_member(app, network, "n1_coordinator"), pytest.raises(Conflict):
        services.save_minutes(meeting, "Bozza di questa scheda", None, None)
    assert db.session.scalars(select(Minutes.body).where(Minutes.meeting_id == meeting.id)).all() == [
        "Bozza dell'altra scheda"]


def test_an_own_directory_entry_opened_in_two_tabs_at_once(app, network, monkeypatch):
    from portal.directory import services

    tenant_id = network.tenants["a"].id
    other = DirectoryEntry(organisation_id=tenant_id, grounds=[])  # created by the other tab
    db.session.add(other)
    db.session.flush()
    real, looks = db.session.scalar, []

    def first_look_misses(statement, *args, **kwargs):
        looks.append(statement)
        return None if len(looks) == 1 else real(statement, *args, **kwargs)

    with as_member(app, network, "a_admin"), monkeypatch.context() as patch:
        patch.setattr(db.session, "scalar", first_look_misses)
        entry = services.own_entry()
    assert entry.id == other.id
    assert _count(DirectoryEntry, DirectoryEntry.organisation_id == tenant_id) == 1


@pytest.mark.skipif(DB_KIND != "postgresql", reason="two transactions side by side: PostgreSQL")
def test_two_requests_marking_a_thread_read_at_once(app):
    """The other request's marker is written, not yet committed, when this one inserts its own: PostgreSQL
    holds the insert on the unique key until the other commits, then refuses it."""
    with app.app_context(), context.system("test"):
        tenant, user = TenantFactory(), UserFactory()
        thread_id = make_thread(user, tenant).id
        user_id, tenant_id = user.id, tenant.id
        db.session.commit()
    errors = []

    def this_request():
        try:
            with app.test_request_context():
                login_user(db.session.get(type(user), user_id))
                forum.mark_read(db.session.get(ForumThread, thread_id), None)  # it read "never seen"
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 - the failure the test is about, reported below
            errors.append(exc)

    try:
        with app.app_context():
            other = Session(db.engine)
            other.add(ForumReadMarker(user_id=user_id, thread_id=thread_id, seen_at=utcnow()))
            other.flush()
            worker = threading.Thread(target=this_request)
            worker.start()
            time.sleep(0.5)  # this request now waits on the other's key
            other.commit()
            other.close()
            worker.join(30)
        assert not worker.is_alive() and errors == []
    finally:
        with app.app_context(), context.system("test"):
            db.session.execute(delete(ForumReadMarker).where(ForumReadMarker.thread_id == thread_id))
            db.session.execute(delete(ForumPost).where(ForumPost.thread_id == thread_id))
            db.session.execute(delete(ForumThread).where(ForumThread.id == thread_id))
            db.session.delete(db.session.get(type(user), user_id))
            db.session.delete(db.session.get(type(tenant), tenant_id))
            db.session.commit()
