"""One definition of a tenant's active members with a role: an inactive membership or user never gets
assigned a case, an alert or a mail (one of the three old copies forgot the user's own switch)."""
from portal.accounts.members import member_emails, members_of
from portal.accounts.models import Membership, Role
from portal.alerts.services import case_workers_of
from portal.extensions import db
from portal.tenancy import context


def test_inactive_users_and_memberships_are_not_members(network):
    node = network.tenants["n1"].id
    worker = network.users["n1_case_worker"]
    with context.acting_as(node):
        assert worker in members_of(node, Role.CASE_WORKER) and worker in case_workers_of(node)
        worker.active = False
        db.session.flush()
        assert worker not in members_of(node, Role.CASE_WORKER)
        assert worker not in case_workers_of(node)  # the alerts' list ignored the user's switch before
        worker.active = True
        membership = db.session.query(Membership).filter_by(user_id=worker.id, tenant_id=node).one()
        membership.active = False
        db.session.flush()
        assert worker.email not in member_emails(node, Role.CASE_WORKER)
        both = members_of(node, Role.CASE_WORKER, Role.COORDINATOR)
        assert network.users["n1_coordinator"] in both and len(both) == len(set(both))
