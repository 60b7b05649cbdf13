"""The one-place scoping rule: reads, relationship loads, bulk updates/deletes and writes."""
import pytest
from sqlalchemy import delete, insert, select, update

from portal.accounts.models import Membership, User
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.extensions import db
from portal.tenancy import context
from portal.tenancy.mixins import SCOPED_MIXINS, Shared
from portal.tenancy.scoping import TenantViolation, get_visible

from .factories import MembershipFactory


def tenant_ids(rows):
    return {r.tenant_id for r in rows}


def test_no_context_sees_no_tenant_rows(network, session):
    context.reset()
    assert session.scalars(select(Membership)).all() == []


def test_select_is_scoped_to_current_tenant(network, session):
    a = network.tenants["a"]
    with context.acting_as(a.id):
        rows = session.scalars(select(Membership)).all()
    assert rows and tenant_ids(rows) == {a.id}


def test_scoping_options_built_once_per_tenant_and_user_still_follow_the_context(network, session):
    """The criteria options are kept per (tenant, user) pair (scoping._criteria): the same pair reuses them,
    another pair gets its own, and alternating contexts in one process each see their tenant's rows only."""
    from portal.tenancy import scoping

    a, b = network.tenants["a"], network.tenants["b"]
    assert scoping._criteria(a.id, 1) is scoping._criteria(a.id, 1)
    assert scoping._criteria(a.id, 1) is not scoping._criteria(b.id, 1)
    assert scoping._criteria(a.id, 1) is not scoping._criteria(a.id, 2)
    for _ in range(2):
        for tenant in (a, b):
            with context.acting_as(tenant.id):
                assert tenant_ids(session.scalars(select(Membership)).all()) == {tenant.id}
    scoping._CRITERIA_CACHE.clear()
    with context.acting_as(b.id):
        assert tenant_ids(session.scalars(select(Membership)).all()) == {b.id}


def test_user_sees_own_memberships_before_choosing_a_tenant(network, session):
    user = network.users["a_admin"]
    MembershipFactory(user=user, tenant=network.tenants["b"])
    with context.acting_as(None, user.id):
        rows = session.scalars(select(Membership)).all()
    assert {m.user_id for m in rows} == {user.id}
    assert tenant_ids(rows) == {network.tenants["a"].id, network.tenants["b"].id}


def test_relationship_loads_are_scoped(network, session):
    """A global User's memberships collection only shows the current tenant's rows."""
    user = network.users["a_admin"]
    MembershipFactory(user=user, tenant=network.tenants["b"])
    session.expire_all()
    with context.acting_as(network.tenants["b"].id, user_id=-5):
        loaded = session.get(User, user.id)
        assert tenant_ids(loaded.memberships) == {network.tenants["b"].id}


def test_bulk_update_and_delete_cannot_touch_other_tenants(network, session):
    a, b = network.tenants["a"], network.tenants["b"]
    with context.acting_as(a.id):
        session.execute(update(Membership).values(active=False).execution_options(synchronize_session=False))
        session.execute(delete(Membership).where(Membership.tenant_id == b.id))
    session.expire_all()
    with context.acting_as(b.id):
        rows = session.scalars(select(Membership)).all()
    assert rows and all(m.active for m in rows)


def test_new_row_is_stamped_with_current_tenant(network, session):
    a = network.tenants["a"]
    with context.acting_as(a.id):
        m = Membership(user_id=network.users["b_admin"].id, role="antenna_operator", active=True)
        session.add(m)
        session.flush()
    assert m.tenant_id == a.id


def test_write_into_another_tenant_is_refused(network, session):
    with context.acting_as(network.tenants["a"].id):
        session.add(Membership(user_id=network.users["b_admin"].id, tenant_id=network.tenants["b"].id, role="antenna_operator"))
        with pytest.raises(TenantViolation):
            session.flush()
    session.rollback()


def test_moving_a_row_to_another_tenant_is_refused(network, session):
    a, b = network.tenants["a"], network.tenants["b"]
    with context.acting_as(a.id):
        m = session.scalars(select(Membership)).first()
        m.tenant_id = b.id
        with pytest.raises(TenantViolation):
            session.flush()
    session.rollback()


def test_bulk_insert_of_scoped_rows_is_refused(network, session):
    with context.acting_as(network.tenants["a"].id):
        with pytest.raises(TenantViolation):
            session.execute(insert(Membership).values(user_id=1, tenant_id=network.tenants["b"].id, role="x"))


def test_identity_map_does_not_leak(network, session):
    """A row cached by one context is not handed to another by get_visible."""
    foreign = network.memberships["a_admin"]
    with context.acting_as(network.tenants["b"].id):
        assert get_visible(Membership, foreign.id) is None
    with context.acting_as(network.tenants["a"].id):
        assert get_visible(Membership, foreign.id) is foreign


def test_node_shared_rows_are_visible_to_the_node_only(network, session):
    a, n1, n2 = network.tenants["a"], network.tenants["n1"], network.tenants["n2"]
    with context.acting_as(a.id):
        record("test.event", "thing", "42")
    with context.acting_as(n1.id):
        assert session.scalars(select(AuditEvent).where(AuditEvent.object_id == "42")).all()
    with context.acting_as(n2.id):
        assert not session.scalars(select(AuditEvent).where(AuditEvent.object_id == "42")).all()
    with context.acting_as(network.tenants["b"].id):
        assert not session.scalars(select(AuditEvent).where(AuditEvent.object_id == "42")).all()


def test_every_model_is_scoped_or_marked_shared():
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        scoped = issubclass(cls, SCOPED_MIXINS)
        shared = issubclass(cls, Shared)
        assert scoped != shared, f"{cls.__name__}: inherit exactly one of the ownership mixins or Shared"
        if shared:
            assert cls.__shared_reason__, f"{cls.__name__}: say why it is shared"


def test_the_node_sees_a_referral_and_its_person_only_once_sent(network, session):
    """NodeShared.__shared_when__: one rule in the ORM criteria, the in-memory check and (on PostgreSQL)
    the row-level security policy, so no view has to remember that drafts are the antenna's alone."""
    from sqlalchemy import text

    from portal.people.models import Person
    from portal.referrals.models import Referral

    from .conftest import DB_KIND
    from .factories import make_person, make_referral

    a, n1 = network.tenants["a"], network.tenants["n1"]
    person = make_person(a, last_name="Bozza", shared=False)
    draft = make_referral(a, network.users["a_operator"], person=person, state="draft")

    def node_sees():
        with context.acting_as(n1.id):
            orm = (session.scalars(select(Referral.id).where(Referral.id == draft.id)).first() is not None,
                   session.scalars(select(Person.id).where(Person.id == person.id)).first() is not None,
                   get_visible(Referral, draft.id) is not None, get_visible(Person, person.id) is not None)
            if DB_KIND == "postgresql":  # raw SQL skips the ORM criteria: only the policies filter it
                orm += (session.execute(text("SELECT count(*) FROM referrals WHERE id = :i"), {"i": draft.id}).scalar() == 1,
                        session.execute(text("SELECT count(*) FROM people WHERE id = :i"), {"i": person.id}).scalar() == 1)
            return set(orm)

    assert node_sees() == {False}
    with context.acting_as(a.id):
        assert get_visible(Referral, draft.id) is not None and get_visible(Person, person.id) is not None
        draft.submitted_at = person.shared_at = draft.created_at
        session.flush()
    assert node_sees() == {True}
