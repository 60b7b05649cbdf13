"""The public application door answers a signed-in visitor as it answers anyone: the application, its audit
event (made by nobody) and its confirmation mail are the call's node's, whichever organisation the browser is
signed in to (another node's network, or the call's own)."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.network.models import Application, ApplicationStatus, Call
from portal.notifications.models import OutboxMail
from portal.tenancy import context

from .network_support import FOLLOW_TOKEN, n1_rows
from .test_network_applications import _form


def _call_of(network, node_key):
    if node_key == "n1":
        return n1_rows(network)["call"]
    call = Call(node_id=network.tenants[node_key].id, title="Avviso del nodo due", opens_on=date.today() - timedelta(days=1),
                closes_on=date.today() + timedelta(days=30))
    db.session.add(call)
    db.session.flush()
    return call


def _event(node_id, action, object_id):
    with context.acting_as(node_id):
        return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action,
                                                          AuditEvent.object_id == str(object_id)))


@pytest.mark.parametrize("node_key", ["n2", "n1"])  # a call of another network, and one of the visitor's own node
def test_a_signed_in_visitor_applies_as_anyone_would(login, network, mailbox, node_key):
    call, node_id = _call_of(network, node_key), network.tenants[node_key].id
    visitor = login("a_admin")  # antenna A, in node N1's network
    url = f"/rete/avvisi/{call.id}/candidatura"
    response = visitor.post(url, data=_form(visitor, url, contact_email="nuova@voce.example"))
    assert response.status_code == 200 and "Candidatura inviata" in response.get_data(as_text=True)
    with context.acting_as(node_id):
        application = db.session.scalar(select(Application).where(Application.call_id == call.id,
                                                                   Application.contact_email == "nuova@voce.example"))
        mails = list(db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == "nuova@voce.example")))
    assert application is not None and application.tenant_id == node_id
    event = _event(node_id, "network.application.submit", application.id)
    assert event is not None and event.actor_user_id is None  # the applicant's door: nobody's account
    assert [m.tenant_id for m in mails] == [node_id]  # the node's mail, sent right after the commit
    assert mailbox.wait_for(1)[-1]["To"] == "nuova@voce.example"
    assert visitor.get("/forum/").status_code == 200  # still signed in to their own organisation


def test_a_signed_in_visitor_corrects_as_anyone_would(login, network):
    rows = n1_rows(network)
    application, node_id = rows["application"], network.tenants["n1"].id
    with context.acting_as(node_id):
        application.status = ApplicationStatus.CHANGES_REQUESTED
        db.session.flush()
        version = application.version
    visitor = login("b_admin")
    link = f"/rete/avvisi/{rows['call'].id}/candidatura/{FOLLOW_TOKEN}"
    assert visitor.post(link, data=_form(visitor, link, version=version)).status_code == 302
    event = _event(node_id, "network.application.edit", application.id)
    assert event is not None and event.actor_user_id is None
