"""The public application form sent twice (a double click, the page sent again) makes one application: the
second post shows the first one's confirmation, and one confirmation mail leaves."""
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.network import applications
from portal.network.models import Application
from portal.notifications.models import OutboxMail
from portal.tenancy import context

from .network_support import n1_rows
from .test_network_applications import _form

KEY_RE = re.compile(r'name="submission_key" type="hidden" value="([^"]+)"')
EMAIL = "doppio@clic.example"


def _sent(network):
    with context.acting_as(network.tenants["n1"].id):
        return (db.session.scalar(select(func.count(Application.id)).where(Application.contact_email == EMAIL)),
                db.session.scalar(select(func.count(OutboxMail.id)).where(OutboxMail.recipient == EMAIL)))


def _keyed_form(client, url):
    key = KEY_RE.search(client.get(url).get_data(as_text=True)).group(1)
    return _form(client, url, contact_email=EMAIL, submission_key=key)


def test_the_same_form_sent_twice_makes_one_application(client, network):
    url = f"/rete/avvisi/{n1_rows(network)['call'].id}/candidatura"
    data = _keyed_form(client, url)
    for _ in range(2):
        response = client.post(url, data=data)
        assert response.status_code == 200 and "Candidatura inviata" in response.get_data(as_text=True)
    assert _sent(network) == (1, 1)
    # A new form (a new key) is a new application.
    assert client.post(url, data=_keyed_form(client, url)).status_code == 200
    assert _sent(network) == (2, 2)


def test_the_same_form_sent_at_the_same_instant_makes_one_application(client, network, monkeypatch):
    """The second post looks for the first before the first is written: the unique key refuses it, and it
    shows the confirmation all the same."""
    url = f"/rete/avvisi/{n1_rows(network)['call'].id}/candidatura"
    data = _keyed_form(client, url)
    assert client.post(url, data=data).status_code == 200
    real, calls = applications.by_key, []

    def not_yet(call, key):  # the first look misses it, as while the first request was still writing
        calls.append(key)
        return None if len(calls) == 1 else real(call, key)

    monkeypatch.setattr(applications, "by_key", not_yet)
    response = client.post(url, data=data)
    assert response.status_code == 200 and "Candidatura inviata" in response.get_data(as_text=True)
    assert _sent(network) == (1, 1)
