"""The API's open data (the same suppressed rows as the page's CSV) and the report.received event, and the
administrator's page for a client's webhook subscriptions (the same service as POST /api/v1/webhooks)."""
import csv
import io
import json
import re
from datetime import date

from sqlalchemy import select

from portal.api.models import WebhookDelivery, WebhookSubscription
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.monitoring import opendata
from portal.monitoring.filters import Filters
from portal.tenancy import context

from .api_support import headers_for, make_client
from .helpers import csrf_from, post_form
from .report_support import WHAT, submit
from .test_api import receiver  # noqa: F401  (fixture: a real HTTP endpoint)

PERIOD = {"dal": "2026-07-01", "al": "2026-09-30"}  # open data: one closed quarter


def test_open_data_through_the_api_is_the_pages_csv_and_is_audited(client, login, network):
    auth = headers_for(network, "n1")
    answer = client.get("/api/v1/open-data", headers=auth, query_string=PERIOD)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    cells = answer.get_json()["celle"]
    page = login("n1_coordinator").get("/monitoraggio/open-data.csv", query_string=PERIOD)
    rows = list(csv.DictReader(io.StringIO(page.get_data(as_text=True))))
    assert len(cells) == len(rows) > 0
    for cell, row in zip(cells, rows, strict=True):
        assert cell["tabella"] == row["tabella"] and cell["valore_riga"] == row["valore_riga"]
        assert cell["soppresso"] == (row["soppresso"] == "1")
        assert cell["persone"] == (None if row["persone"] == "" else int(row["persone"]))
    assert any(c["soppresso"] for c in cells) or all(c["persone"] is not None for c in cells)
    with context.acting_as(network.tenants["n1"].id):
        exports = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "monitoring.open_data_exported")).all()
    assert len(exports) == 2  # the API call and the page, one record each


NEXT_YEAR = date.today().year + 1


def test_open_data_refuses_a_bad_period_and_clients_without_the_scope(client, network):
    auth = headers_for(network, "n1")
    backwards = client.get("/api/v1/open-data", headers=auth, query_string={"dal": "2026-12-31", "al": "2026-01-01"})
    assert backwards.status_code == 422 and backwards.mimetype == "application/problem+json"
    assert client.get("/api/v1/open-data", headers=auth).status_code == 422  # the period is required
    # One closed quarter, as on the page (opendata.check_period): overlapping periods would subtract.
    for period, words in (({"dal": "2026-07-01", "al": "2026-09-29"}, "per trimestre"),
                          ({"dal": "2026-01-01", "al": "2026-06-30"}, "per trimestre"),
                          ({"dal": f"{NEXT_YEAR}-01-01", "al": f"{NEXT_YEAR}-03-31"}, "non è ancora concluso")):
        refused = client.get("/api/v1/open-data", headers=auth, query_string=period)
        assert refused.status_code == 422 and words in refused.get_json()["errors"]["query"]["al"][0], period
    antenna = headers_for(network, "a")  # an antenna cannot be granted the node's open data
    assert client.get("/api/v1/open-data", headers=antenna, query_string=PERIOD).status_code == 403
    _c, key = make_client(network.tenants["n1"], network.users["n1_coordinator"], scopes=["cases:read"])
    refused = client.get("/api/v1/open-data", headers={"Authorization": f"Bearer {key}"}, query_string=PERIOD)
    assert refused.status_code == 403


def test_suppressed_cells_carry_no_count(app, network):
    with app.test_request_context(), context.acting_as(network.tenants["n1"].id):
        rows = opendata.export(Filters(*(__import__("datetime").date.fromisoformat(v) for v in PERIOD.values())))
    assert rows and all((r[7] == "") == (r[8] == 1) for r in rows)


def test_node_system_receives_report_received_without_the_text(client, network, receiver):  # noqa: F811
    auth = headers_for(network, "n1")
    made = client.post("/api/v1/webhooks", headers=auth, json={"url": receiver.url, "events": ["report.received"]})
    assert made.status_code == 201, made.get_data(as_text=True)
    response, code = submit(client, name="Nome Segnalante", wants_contact="y", contact="333 1234567")
    assert code, response.get_data(as_text=True)[:300]
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    event = json.loads(body)
    assert headers["X-Rete-Event"] == "report.received" and event["data"]["grounds"] == ["religion", "gender"]
    text = body.decode()
    for secret in (WHAT, "SEGRETO", "Nome Segnalante", "333 1234567", code):
        assert secret not in text


def test_admin_subscribes_a_client_on_its_page_and_cancels(client, login, network):
    client_row, _key = make_client(network.tenants["n1"], network.users["n1_coordinator"])
    admin = login("n1_sysadmin")
    path = f"/amministrazione/api/{client_row.id}/webhook"
    assert f'href="{path}"' in admin.get("/amministrazione/api/").get_data(as_text=True)
    bad = post_form(admin, path, {"url": "ftp://gestionale.example/h", "events": ["report.received"]})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "http o https" in html and 'value="ftp://gestionale.example/h"' in html
    made = post_form(admin, path, {"url": "https://gestionale.example/h", "events": ["report.received", "order.created"]})
    html = made.get_data(as_text=True)
    secret = re.search(r'<code class="user-select-all">([^<]+)</code>', html).group(1)
    assert "https://gestionale.example/h" in html
    assert secret not in admin.get(path).get_data(as_text=True)  # shown once
    with context.acting_as(network.tenants["n1"].id):
        sub = db.session.scalar(select(WebhookSubscription).where(WebhookSubscription.client_id == client_row.id))
        assert sub.secret == secret and sub.events == ["order.created", "report.received"]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "webhook.subscribed"))
    page = admin.get(path).get_data(as_text=True)
    gone = admin.post(f"{path}/{sub.id}/annulla", data={"csrf_token": csrf_from(page)})
    assert gone.status_code == 302
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.get(WebhookSubscription, sub.id, populate_existing=True).active is False
        assert db.session.scalar(select(WebhookDelivery)) is None
    # a client without the webhook permission cannot be subscribed from the page
    plain, _k = make_client(network.tenants["n1"], network.users["n1_coordinator"], scopes=["cases:read"])
    refused = post_form(admin, f"/amministrazione/api/{plain.id}/webhook",
                        {"url": "https://gestionale.example/h", "events": ["order.created"]})
    assert refused.status_code == 403
    assert login("n1_case_worker").get(path).status_code == 403


def test_an_events_refusal_lands_on_the_events_field(client, login, network, monkeypatch):
    """The service names the field it refuses: an unknown event is said under the events, not the address."""
    from portal.api import webhooks

    client_row, _key = make_client(network.tenants["n1"], network.users["n1_coordinator"])
    real = webhooks.subscribe  # the form offers only known events: the service is the one that refuses
    monkeypatch.setattr(webhooks, "subscribe", lambda c, url, events, key=None: real(c, url, [*events, "x.y"], key))
    admin = login("n1_sysadmin")
    path = f"/amministrazione/api/{client_row.id}/webhook"
    html = post_form(admin, path, {"url": "https://gestionale.example/h", "events": ["order.created"]}).get_data(as_text=True)
    events = re.search(r'id="events-error">(.*?)</div>', html, re.S)
    assert events and "Eventi non riconosciuti" in events.group(1)
    assert 'id="url-error"' not in html
    with context.acting_as(network.tenants["n1"].id):
        assert db.session.scalar(select(WebhookSubscription)) is None


def test_the_subscription_page_sent_again_subscribes_once(client, login, network):
    """The page answers the post itself (the secret is shown once): a reload posts the same form again."""
    client_row, _key = make_client(network.tenants["n1"], network.users["n1_coordinator"])
    admin = login("n1_sysadmin")
    path = f"/amministrazione/api/{client_row.id}/webhook"
    form_key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', admin.get(path).get_data(as_text=True)).group(1)
    data = {"url": "https://gestionale.example/h", "events": ["order.created"], "submission_key": form_key}
    assert re.search(r'<code class="user-select-all">', post_form(admin, path, data).get_data(as_text=True))
    again = post_form(admin, path, data)
    assert again.status_code == 302
    shown = admin.get(again.location).get_data(as_text=True)
    assert "era già stata creata" in shown and "user-select-all" not in shown
    with context.acting_as(network.tenants["n1"].id):
        assert len(db.session.scalars(select(WebhookSubscription).where(
            WebhookSubscription.client_id == client_row.id)).all()) == 1


def test_a_subscription_is_cancelled_once_and_only_by_its_own_client(client, network):
    """Same tenant, another client: 404 as for a foreign id; a cancelled one is gone (404 again)."""
    auth = headers_for(network, "a")
    _other, other_key = make_client(network.tenants["a"], network.users["a_admin"])
    created = client.post("/api/v1/webhooks", headers=auth,
                          json={"url": "https://ricevente.example/hook", "events": ["referral.state_changed"]})
    path = f"/api/v1/webhooks/{created.get_json()['id']}"
    assert client.delete(path, headers={"Authorization": f"Bearer {other_key}"}).status_code == 404
    assert client.delete(path, headers=auth).status_code == 204
    assert client.delete(path, headers=auth).status_code == 404
