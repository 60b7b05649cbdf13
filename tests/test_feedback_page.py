"""The footer's feedback link and the feedback kept say which page, never its address: a reset or an invitation
link's token, a search for a person, must not travel in a query string (proxy logs, browser history) nor be
stored with the message."""
import re
from html import unescape

from sqlalchemy import select

from portal.accounts.services import make_reset_token
from portal.core.models import Feedback
from portal.extensions import db

from .helpers import csrf_from


def test_the_feedback_link_and_the_stored_page_carry_the_route_not_the_token(app, client, network):
    with app.test_request_context():
        token = make_reset_token(network.users["a_operator"])
    page = client.get(f"/password/nuova/{token}").get_data(as_text=True)
    link = unescape(re.search(r'href="(/feedback[^"]*)"', page).group(1))
    assert token not in link and "pagina=/password/nuova/<token>" in link.replace("%2F", "/").replace("%3C", "<").replace("%3E", ">")
    form = client.get(link, headers={"Referer": f"http://localhost/password/nuova/{token}"}).get_data(as_text=True)
    assert token not in form
    # A crafted post (or an old page) with the address itself keeps only its route too.
    client.post("/feedback", data={"csrf_token": csrf_from(form), "page": f"/password/nuova/{token}?x=1",
                                   "message": "Non riesco a scegliere la password."})
    stored = db.session.scalars(select(Feedback.page)).all()
    assert stored == ["/password/nuova/<token>"]


def test_a_referrer_with_a_search_is_kept_as_its_route(login):
    client = login("n1_coordinator")
    form = client.get("/feedback", headers={"Referer": "http://localhost/casi/?q=Rossi"}).get_data(as_text=True)
    assert "Rossi" not in form and 'value="/casi/"' in form


def test_the_page_of_a_record_reaches_the_feedback_as_its_route(login, network):
    client = login("n1_coordinator")
    page = client.get(f"/casi/{network.case.id}").get_data(as_text=True)
    link = unescape(re.search(r'href="(/feedback[^"]*)"', page).group(1))
    form = client.get(link).get_data(as_text=True)
    assert 'value="/casi/&lt;int:case_id&gt;"' in form
    client.post("/feedback", data={"csrf_token": csrf_from(form), "page": "/casi/<int:case_id>",
                                   "message": "La scheda è chiara."})
    assert db.session.scalars(select(Feedback.page)).all() == ["/casi/<int:case_id>"]


def test_feedback_is_rate_limited_per_address(app, session, monkeypatch):
    """Open to anyone: a loop posting it is stopped (429) before it fills the table."""
    monkeypatch.setitem(app.config, "FEEDBACK_RATE_LIMIT", "3 per hour")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    token = csrf_from(client.get("/feedback").get_data(as_text=True))
    codes = [client.post("/feedback", data={"csrf_token": token, "message": f"Messaggio {n}"}).status_code
             for n in range(4)]
    assert codes == [302, 302, 302, 429]
    assert len(db.session.scalars(select(Feedback.message).where(Feedback.message.like("Messaggio %"))).all()) == 3
