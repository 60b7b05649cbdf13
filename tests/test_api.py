"""The REST API: keys and scopes, problem+json, idempotency, cursor pages, the OpenAPI document, and an
antenna's system that sends a referral and receives the signed webhook when the node accepts it."""
import hashlib
import hmac
import json
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select, update

from portal.api.models import ApiClient, DeliveryStatus, WebhookDelivery
from portal.extensions import db
from portal.models_base import utcnow
from portal.tenancy import context

from .api_support import headers_for, make_client
from .helpers import csrf_from, csrf_token, field_error, post_form
from .network import VICTIM_FIRST_NAME

PROBLEM = "application/problem+json"
NEW_REFERRAL = {
    "person": {"first_name": "Ottavia", "last_name": "Brambillasca", "birth_year": 1991, "gender": "female"},
    "grounds": ["ethnicity"], "context": "housing", "urgency": "normal",
    "situation": "Testo libero che non deve uscire nei webhook (prova).",
    "consent": {"notice_version": "v2", "date": "2026-11-30"}, "submit": True,
}


class Receiver:
    """A real HTTP endpoint on 127.0.0.1 that records what it receives; ``status`` is what it answers."""

    def __init__(self):
        self.received, self.status = [], 204
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def _verify(secret: str, headers: dict, body: bytes) -> bool:
    expected = hmac.new(secret.encode(), headers["X-Rete-Timestamp"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Rete-Signature"], f"sha256={expected}")


def test_openapi_document_is_valid_openapi_3_1(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert "/api/v1/referrals/{referral_id}/submit" in document["paths"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and "/api/v1/referrals" in page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_openapi_document_speaks_the_readers_language(client):
    """Italian by default (a system calling with a key has no session); in English once the reader chose it."""
    summary = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/cases"]["get"]["summary"]
    assert summary == "I casi del nodo, pseudonimizzati"
    client.post("/lingua", data={"lang": "en", "next": "/", "csrf_token": csrf_token(client)})
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["paths"]["/api/v1/cases"]["get"]["summary"] == "The node's cases, pseudonymised"
    assert document["info"]["description"] == "API for the systems of the network's organisations."
    from openapi_spec_validator import validate

    validate(document)


def test_keys_refused_alike_and_scopes_enforced(client, network):
    tenant, admin = network.tenants["a"], network.users["a_admin"]
    answer = client.get("/api/v1/referrals")
    assert answer.status_code == 401 and answer.mimetype == PROBLEM and answer.get_json()["detail"]
    good, key = make_client(tenant, admin, scopes=["directory:read"])
    wrong = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/directory", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/directory", headers=auth).status_code == 200
    missing = client.get("/api/v1/referrals", headers=auth)
    assert missing.status_code == 403 and missing.mimetype == PROBLEM and "referrals:read" in missing.get_json()["detail"]
    with context.acting_as(tenant.id):
        db.session.execute(update(ApiClient).where(ApiClient.id == good.id).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert client.get("/api/v1/directory", headers=auth).status_code == 401
    # The stored row holds a hash, never the secret.
    with context.acting_as(tenant.id):
        row = db.session.get(ApiClient, good.id)
        assert key.rsplit("_", 1)[1] not in (row.secret_hash, row.key_id) and len(row.secret_hash) == 64


def test_bad_input_is_a_problem_not_a_5xx(client, network):
    auth = headers_for(network, "a")
    bad = client.post("/api/v1/referrals", headers=auth, json={"context": "nowhere", "person": {"first_name": ""}})
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert "context" in bad.get_json()["errors"]["json"]
    assert client.post("/api/v1/referrals", headers=auth, data="{", content_type="application/json").status_code in (400, 422)
    assert client.get("/api/v1/referrals?cursor=%%%", headers=auth).status_code == 400
    assert client.get("/api/v1/referrals?limit=1000", headers=auth).status_code == 422
    nocons = client.post("/api/v1/referrals", headers=auth, json={**NEW_REFERRAL, "consent": None})
    assert nocons.status_code == 422 and "consenso" in nocons.get_json()["detail"]
    assert client.get("/api/v1/referrals/999999", headers=auth).status_code == 404


def test_idempotency_key_replays_the_first_answer(client, network):
    auth = {**headers_for(network, "a"), "Idempotency-Key": "invio-0001"}
    first = client.post("/api/v1/referrals", headers=auth, json=NEW_REFERRAL)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = client.post("/api/v1/referrals", headers=auth, json=NEW_REFERRAL)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/referrals", headers=headers_for(network, "a")).get_json()["items"]
    assert [r["id"] for r in listed].count(first.get_json()["id"]) == 1
    other = client.post("/api/v1/referrals", headers=auth, json={**NEW_REFERRAL, "urgency": "high"})
    assert other.status_code == 422 and other.mimetype == PROBLEM


def test_cursor_pages_cover_every_referral_once(client, network):
    auth = headers_for(network, "a")
    for _ in range(3):
        assert client.post("/api/v1/referrals", headers=auth, json={**NEW_REFERRAL, "submit": False}).status_code == 201
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/referrals", headers=auth, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200
        body = page.get_json()
        seen += [r["id"] for r in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) >= 4  # the network's referral and the three new ones
    assert all(VICTIM_FIRST_NAME not in json.dumps(r) for r in body["items"])


def test_antenna_system_refers_and_receives_the_signed_webhook_when_the_node_accepts(client, login, network, receiver):
    auth = headers_for(network, "a")
    sub = client.post("/api/v1/webhooks", headers=auth, json={"url": receiver.url, "events": ["referral.state_changed"]})
    assert sub.status_code == 201, sub.get_data(as_text=True)
    secret = sub.get_json()["secret"]
    created = client.post("/api/v1/referrals", headers={**auth, "Idempotency-Key": "k-1"},
                          json={**NEW_REFERRAL, "submit": False})
    assert created.status_code == 201 and created.get_json()["state"] == "draft"
    referral_id = created.get_json()["id"]
    files = client.post(f"/api/v1/referrals/{referral_id}/attachments", headers=auth,
                        data={"file": (__import__("io").BytesIO(b"%PDF-1.4\n%%EOF\n"), "verbale.pdf")},
                        content_type="multipart/form-data")
    assert files.status_code == 201, files.get_data(as_text=True)
    submitted = client.post(f"/api/v1/referrals/{referral_id}/submit", headers=auth, json={})
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    assert [json.loads(b)["data"]["transition"] for _h, b in receiver.received] == ["submit"]

    # The node accepts through its ordinary page.
    node = login("n1_coordinator")
    page = node.get(f"/segnalazioni/{referral_id}")
    assert page.status_code == 200
    version = client.get(f"/api/v1/referrals/{referral_id}", headers=auth).get_json()["version"]
    accepted = node.post(f"/segnalazioni/{referral_id}/stato/accept", data={
        "csrf_token": csrf_from(page.get_data(as_text=True)), "version": version,
        "case_worker_id": network.users["n1_case_worker"].id})
    assert accepted.status_code in (302, 303), accepted.get_data(as_text=True)[:500]

    headers, body = receiver.received[-1]
    assert _verify(secret, headers, body), "signature must verify with the subscription's secret"
    assert not _verify("altro-segreto", headers, body)
    assert abs(int(headers["X-Rete-Timestamp"]) - datetime.now(UTC).timestamp()) < 60
    event = json.loads(body)
    assert event["event"] == "referral.state_changed" and event["data"]["state"] == "accepted"
    assert event["data"]["outcome_code"] == "taken_in_charge" and event["data"]["pseudonym"]
    text = body.decode()
    assert "Ottavia" not in text and "Brambillasca" not in text and "Testo libero" not in text
    status = client.get(f"/api/v1/referrals/{referral_id}", headers=auth).get_json()
    assert status["state"] == "accepted" and status["outcome_code"] == "taken_in_charge"
    assert "person" not in status and "situation" not in status


def test_failed_deliveries_back_off_then_send_webhooks_delivers(app, client, network, receiver):
    auth = headers_for(network, "a")
    secret = client.post("/api/v1/webhooks", headers=auth,
                         json={"url": receiver.url, "events": ["referral.state_changed"]}).get_json()["secret"]
    receiver.status = 503
    assert client.post("/api/v1/referrals", headers=auth, json=NEW_REFERRAL).status_code == 201
    tid = network.tenants["a"].id
    with context.acting_as(tid):
        row = db.session.scalar(select(WebhookDelivery).execution_options(populate_existing=True))
        assert row.status == DeliveryStatus.PENDING and row.attempts == 1 and row.last_status == 503
        at = row.next_attempt_at if row.next_attempt_at.tzinfo else row.next_attempt_at.replace(tzinfo=UTC)
        assert at > utcnow() + timedelta(seconds=30)  # backed off
        db.session.execute(update(WebhookDelivery).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    receiver.status = 200
    result = app.test_cli_runner().invoke(args=["rete", "send-webhooks"])
    assert result.exit_code == 0 and "consegnati: 1" in result.output, result.output
    headers, body = receiver.received[-1]
    assert _verify(secret, headers, body) and len(receiver.received) == 2
    with context.acting_as(tid):
        row = db.session.scalar(select(WebhookDelivery).execution_options(populate_existing=True))
        assert row.status == DeliveryStatus.SENT and row.attempts == 2


def test_rolled_back_event_sends_nothing(client, network, receiver):
    auth = headers_for(network, "a")
    client.post("/api/v1/webhooks", headers=auth, json={"url": receiver.url, "events": ["referral.state_changed"]})
    refused = client.post("/api/v1/referrals", headers=auth, json={**NEW_REFERRAL, "grounds": []})
    assert refused.status_code == 422
    assert receiver.received == []


def test_foreign_subscription_is_404_and_rate_limit_answers_429(app, client, network):
    from .api_support import victim_subscription

    sub = victim_subscription(network)
    other = headers_for(network, "b")
    gone = client.delete(f"/api/v1/webhooks/{sub.id}", headers=other)
    assert gone.status_code == 404 and gone.mimetype == PROBLEM
    app.config["API_RATE_LIMIT"] = "2 per minute"
    try:
        codes = [client.get("/api/v1/directory", headers=other).status_code for _ in range(3)]
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"
    assert codes[:2] == [200, 200] and codes[2] == 429


def test_admin_creates_a_client_sees_the_key_once_and_revokes_it(client, login, network):
    admin = login("a_admin")
    created = post_form(admin, "/amministrazione/api/", {"name": "Gestionale comunale", "scopes": ["referrals:read"]})
    assert created.status_code == 200
    html = created.get_data(as_text=True)
    import re

    key = re.search(r"(rete_\d+_[a-z0-9]{12}_[A-Za-z0-9_-]{43})", html).group(1)
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    listing = admin.get("/amministrazione/api/").get_data(as_text=True)
    assert key not in listing and "Gestionale comunale" in listing
    with context.acting_as(network.tenants["a"].id):
        row = db.session.scalar(select(ApiClient).where(ApiClient.name == "Gestionale comunale"))
    revoked = post_form(admin, f"/amministrazione/api/{row.id}/revoca", {}, page="/amministrazione/api/")
    assert revoked.status_code == 302
    assert client.get("/api/v1/referrals", headers={"Authorization": f"Bearer {key}"}).status_code == 401
    # An operator is not the organisation's administrator; a provider cannot be granted referral scopes.
    assert login("a_operator").get("/amministrazione/api/").status_code == 403
    node_admin = login("n1_sysadmin")
    refused = post_form(node_admin, "/amministrazione/api/", {"name": "X", "scopes": ["referrals:write"]})
    assert "rete_" not in refused.get_data(as_text=True)


def test_an_expiry_in_the_past_is_shown_on_its_field_with_the_input_kept(login, network):
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    refused = post_form(login("a_admin"), "/amministrazione/api/",
                        {"name": "Gestionale scaduto", "scopes": ["referrals:read"], "expires_on": yesterday})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "rete_" not in html
    assert field_error(html, "expires_on") == "La scadenza deve essere nel futuro."
    assert f'value="{yesterday}"' in html and 'value="Gestionale scaduto"' in html
    assert re.search(r'checked[^>]*value="referrals:read"|value="referrals:read"[^>]*checked', html)
    with context.acting_as(network.tenants["a"].id):
        assert db.session.scalar(select(ApiClient).where(ApiClient.name == "Gestionale scaduto")) is None


def test_the_client_page_sent_again_creates_no_second_client(client, login, network):
    """The page answers the post itself (the key is kept nowhere): a reload posts the same form again."""
    import re

    admin = login("a_admin")
    page = admin.get("/amministrazione/api/").get_data(as_text=True)
    form_key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)
    data = {"name": "Protocollo", "scopes": ["referrals:read"], "submission_key": form_key}
    first = post_form(admin, "/amministrazione/api/", data)
    assert re.search(r"rete_\d+_", first.get_data(as_text=True))
    next_key = re.search(r'name="submission_key" type="hidden" value="([^"]+)"', first.get_data(as_text=True)).group(1)
    assert next_key != form_key  # the page's next client is another form
    again = post_form(admin, "/amministrazione/api/", data)
    assert again.status_code == 302
    shown = admin.get(again.location).get_data(as_text=True)
    assert "era già stato creato" in shown and "rete_" not in shown
    with context.acting_as(network.tenants["a"].id):
        assert len(db.session.scalars(select(ApiClient).where(ApiClient.name == "Protocollo")).all()) == 1
    assert post_form(admin, "/amministrazione/api/", {**data, "submission_key": next_key}).status_code == 200
    with context.acting_as(network.tenants["a"].id):
        assert len(db.session.scalars(select(ApiClient).where(ApiClient.name == "Protocollo")).all()) == 2


def test_node_reads_cases_pseudonymised_and_audited(client, network):
    from portal.audit.models import AuditEvent

    auth = headers_for(network, "n1")
    listed = client.get("/api/v1/cases", headers=auth)
    assert listed.status_code == 200 and network.case.id in [c["id"] for c in listed.get_json()["items"]]
    one = client.get(f"/api/v1/cases/{network.case.id}", headers=auth)
    assert one.status_code == 200
    body = one.get_data(as_text=True)
    assert one.get_json()["pseudonym"] == network.case.pseudonym and one.get_json()["actions"]
    for secret in network.secrets_of("a"):
        assert secret not in body
    assert "notes" not in body and "closure_reason" not in body
    with context.acting_as(network.tenants["n1"].id):
        read = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "case.read",
                                                          AuditEvent.object_id == str(network.case.id)))
    assert read is not None and read.actor_user_id != network.users["n1_coordinator"].id
    # An antenna's system has no such scope; another node's system sees no such case.
    assert client.get(f"/api/v1/cases/{network.case.id}", headers=headers_for(network, "a")).status_code == 403
    assert client.get(f"/api/v1/cases/{network.case.id}", headers=headers_for(network, "n2")).status_code == 404


def test_provider_reads_its_orders_and_logs_a_delivery(client, network):
    from .budget_support import victim

    rows = victim(network)  # an order of N1 with provider Q, with deliveries
    _client, key = make_client(rows["q"], network.users["n1_coordinator"])
    q_client_headers = {"Authorization": f"Bearer {key}"}
    listed = client.get("/api/v1/orders", headers=q_client_headers)
    assert listed.status_code == 200 and rows["order"].id in [o["id"] for o in listed.get_json()["items"]]
    logged = client.post(f"/api/v1/orders/{rows['order'].id}/deliveries", headers=q_client_headers,
                         json={"delivered_on": "2026-03-04", "units": "1"})
    assert logged.status_code == 201, logged.get_data(as_text=True)
    assert logged.get_json()["status"] == "submitted" and logged.get_json()["order_id"] == rows["order"].id
    future = client.post(f"/api/v1/orders/{rows['order'].id}/deliveries", headers=q_client_headers,
                         json={"delivered_on": "2999-01-01", "units": "1"})
    assert future.status_code == 422 and future.mimetype == PROBLEM and "futuro" in future.get_json()["detail"]
    other = client.post(f"/api/v1/orders/{rows['order'].id}/deliveries", headers=headers_for(network, "p"),
                        json={"delivered_on": "2026-03-04", "units": "1"})
    assert other.status_code == 404


def test_identity_only_with_its_scope_and_audited(client, network):
    from portal.audit.models import AuditEvent

    tenant, admin = network.tenants["a"], network.users["a_admin"]
    _c, plain = make_client(tenant, admin, scopes=["referrals:read"])
    url = f"/api/v1/referrals/{network.referral.id}"
    body = client.get(url, headers={"Authorization": f"Bearer {plain}"}).get_data(as_text=True)
    assert VICTIM_FIRST_NAME not in body
    assert client.get(f"{url}/identity", headers={"Authorization": f"Bearer {plain}"}).status_code == 403
    _c, reader = make_client(tenant, admin, scopes=["referrals:read", "identity:read"])
    shown = client.get(f"{url}/identity", headers={"Authorization": f"Bearer {reader}"})
    assert shown.status_code == 200 and shown.get_json()["first_name"] == VICTIM_FIRST_NAME
    with context.acting_as(tenant.id):
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "person.identity_read",
                                                            AuditEvent.object_id == str(network.person.id))).all()
    assert len(reads) == 1 and reads[0].actor_user_id == _c.user_id


def test_outside_tests_webhooks_need_https_and_a_public_address(app, client, network):
    auth = headers_for(network, "a")
    app.config["WEBHOOK_ALLOW_HTTP"] = False
    try:
        answers = {url: client.post("/api/v1/webhooks", headers=auth, json={"url": url, "events": ["referral.state_changed"]})
                   for url in ("http://ricevente.example/h", "https://127.0.0.1/h", "https://10.1.2.3/h",
                               "https://localhost/h", "https://ricevente.example/h")}
    finally:
        app.config.pop("WEBHOOK_ALLOW_HTTP")
    assert [a.status_code for a in answers.values()] == [422, 422, 422, 422, 201]
    assert all(a.mimetype == PROBLEM for a in list(answers.values())[:4])


def test_provider_system_receives_order_created_when_the_node_orders(client, login, network, receiver):
    from .budget_support import make_budget, make_contract

    contract = make_contract(network, make_budget(network), network.tenants["p"])
    auth = headers_for(network, "p")
    secret = client.post("/api/v1/webhooks", headers=auth,
                         json={"url": receiver.url, "events": ["order.created"]}).get_json()["secret"]
    officer = login("n1_budget_officer")
    page = officer.get(f"/budget/contratti/{contract.id}/ordini/nuovo").get_data(as_text=True)
    ordered = officer.post(f"/budget/contratti/{contract.id}/ordini/nuovo", data={
        "csrf_token": csrf_from(page), "action": network.action.id, "line": contract.lines[0].id, "quantity": "10"})
    assert ordered.status_code == 302
    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    assert _verify(secret, headers, body) and headers["X-Rete-Event"] == "order.created"
    data = json.loads(body)["data"]
    assert data["pseudonym"] == network.action.pseudonym and data["links"]["html"].endswith(f"/ordini/{data['order_id']}")
    listed = client.get("/api/v1/orders", headers=auth).get_json()["items"]
    assert data["order_id"] in [o["id"] for o in listed]


def test_nul_characters_are_refused_not_a_5xx(client, network):
    auth = headers_for(network, "a")
    assert client.get("/api/v1/directory?q=a%00b", headers=auth).status_code == 400
    person = {**NEW_REFERRAL["person"], "first_name": "A\u0000B"}
    refused = client.post("/api/v1/referrals", headers=auth, json={**NEW_REFERRAL, "person": person})
    assert refused.status_code == 400 and refused.mimetype == PROBLEM


def test_made_up_keys_share_their_address_limit_and_cannot_spend_a_clients(app, client, network):
    """The limit counts a call under its client only once its key is verified: invented keys (each a new key id)
    share their address's count, and a caller who knows a client's key id cannot use up that client's limit."""
    real = headers_for(network, "b")
    real_key = real["Authorization"].split(" ", 1)[1]
    tenant, key_id = real_key.split("_")[1:3]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        invented = [client.get("/api/v1/directory", headers={"Authorization": f"Bearer rete_{tenant}_{i:012d}_{'x' * 43}"})
                    .status_code for i in range(5)]
        spent = [client.get("/api/v1/directory", headers={"Authorization": f"Bearer rete_{tenant}_{key_id}_{'y' * 43}"},
                            environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code for _ in range(4)]
        own = client.get("/api/v1/directory", headers=real, environ_base={"REMOTE_ADDR": "10.8.8.8"}).status_code
    finally:
        app.config["API_RATE_LIMIT"] = "120 per minute"
    assert invented[:3] == [401, 401, 401] and invented[3:] == [429, 429]
    assert spent[3] == 429 and own == 200


def test_a_node_client_answers_json_where_staff_must_enrol_a_second_factor(app, client, network, monkeypatch):
    """The rate limit verifies the key before the app's other request hooks run: it must bind nothing, or the
    second-factor guard takes the call for a signed-in staff member's and redirects it to enrolment."""
    monkeypatch.setitem(app.config, "TOTP_REQUIRED", True)
    response = client.get("/api/v1/directory", headers=headers_for(network, "n1"))
    assert response.status_code == 200 and response.is_json, (response.status_code, response.location)
