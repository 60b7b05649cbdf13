"""The public reporting door takes no account: a browser signed in to Rete (a staff member who is also a victim
or a witness) reports, follows and writes as anyone. The audit named the signed-in user as the actor of an
anonymous report, tying the account to it."""
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.tenancy import context

from .helpers import csrf_from
from .report_support import open_report, submit


def _events(network, action):
    with context.acting_as(network.tenants["n1"].id):
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_a_signed_in_browser_reports_and_follows_as_anyone(login, network):
    browser = login("a_operator")
    response, code = submit(browser)
    assert code, response.get_data(as_text=True)[:300]
    assert open_report(browser, code).status_code == 302
    page = browser.get("/segnala/segue/stato").get_data(as_text=True)
    reply = browser.post("/segnala/segue/stato", data={"csrf_token": csrf_from(page), "body": "Era un martedì."})
    assert reply.status_code == 302
    for action in ("public_report.submitted", "public_report.opened_by_reporter", "public_report.reporter_message"):
        events = _events(network, action)
        assert events and [e.actor_user_id for e in events] == [None] * len(events), action
    # The user's own session goes on as before.
    assert browser.get("/").status_code == 200 and "Esci" in browser.get("/").get_data(as_text=True)
