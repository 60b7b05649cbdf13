"""Helpers for the case-screen tests: reading rows as a tenant, driving the case forms."""
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.cases.models import Action, Case, Verification
from portal.extensions import db
from portal.referrals.models import Referral
from portal.tenancy import context

from .fixtures import fresh
from .helpers import csrf_from


def case_of(net, case_id=None):
    return fresh(Case, case_id or net.case.id, net.tenants["n1"].id)


def action_of(net, action_id):
    return fresh(Action, action_id, net.tenants["n1"].id)


def referral_as_antenna(net, referral_id=None):
    return fresh(Referral, referral_id or net.referral.id, net.tenants["a"].id)


def verifications_of(net, case_id=None):
    with context.acting_as(net.tenants["n1"].id):
        return list(
            db.session.scalars(
                select(Verification).where(Verification.case_id == (case_id or net.case.id))
                .order_by(Verification.due_date, Verification.id).execution_options(populate_existing=True)
            )
        )


def audit_actions(net, tenant="n1", object_type=None, object_id=None):
    with context.acting_as(net.tenants[tenant].id):
        query = select(AuditEvent).order_by(AuditEvent.seq)
        if object_type:
            query = query.where(AuditEvent.object_type == object_type)
        if object_id is not None:
            query = query.where(AuditEvent.object_id == str(object_id))
        return list(db.session.scalars(query))


def post(client, path, data, page=None):
    """POST a form like a browser: CSRF token from the page that holds the form (the path by default)."""
    token = csrf_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def add_diary_entry(net, text, author_key="n1_case_worker", case=None):
    """A diary entry on the victim's case (or ``case``), written now by ``author_key`` (None: no author)."""
    from portal.cases.models import DiaryEntry
    from portal.models_base import utcnow

    case = case or net.case
    with context.acting_as(net.tenants["n1"].id):
        entry = DiaryEntry(case_id=case.id, tenant_id=case.tenant_id, written_at=utcnow(),
                           author_id=net.users[author_key].id if author_key else None)
        entry.text = text
        db.session.add(entry)
        db.session.flush()
    return entry
