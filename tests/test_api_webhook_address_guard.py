"""The webhook SSRF guard: an address is judged by what it resolves to (every spelling of 127.0.0.1, a name
leading inside), when a delivery is sent as when it is subscribed; the connection goes to the address judged;
a redirect is a failed delivery, never followed.

Offline: names are answered by a fake resolver, and the only thing ever contacted is an endpoint of the
test's own on a loopback address, which counts the connections it accepts. The tests' receivers on
127.0.0.1 are allowed by ``WEBHOOK_ALLOW_HTTP`` (on in tests): the guard is tested with it off."""
import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from portal.api import webhooks
from portal.api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from portal.extensions import db
from portal.tenancy import context

from .api_support import headers_for, make_client
from .test_api import NEW_REFERRAL

PROBLEM = "application/problem+json"
PUBLIC = "93.184.216.34"


class Endpoint:
    """An HTTP server on a loopback address: counts the connections it accepts (a TLS hello too) and records
    the requests; answers ``status`` (with ``location``, a redirect)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, status: int = 204, location: str | None = None):
        self.connections, self.requests, self.status, self.location = 0, [], status, location
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((self.command, self.path, body))
                self.send_response(outer.status)
                if outer.location:
                    self.send_header("Location", outer.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = _answer  # noqa: N815 (http.server's naming)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request, client_address):
                outer.connections += 1
                return True

        self.server = Server((host, port), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoints():
    made = []

    def make(**kwargs) -> Endpoint:
        made.append(Endpoint(**kwargs))
        return made[-1]

    yield make
    for endpoint in made:
        endpoint.close()


@pytest.fixture
def dns(monkeypatch):
    """``dns[name] = [addresses]`` (or a callable giving them, called at each lookup); other ``.example``
    names do not resolve, and no lookup ever reaches a real resolver for them."""
    answers: dict = {}
    real = socket.getaddrinfo

    def lookup(host, port, *args, **kwargs):
        if host in answers:
            found = answers[host]() if callable(answers[host]) else answers[host]
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (a, port, 0, 0)) if ":" in a
                    else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in found]
        if str(host).endswith(".example"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    return answers


@pytest.fixture
def guarded(app, monkeypatch):
    """The production setting: no http, no internal address; a short timeout if anything connects."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", False)
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 2)


def _subscribe_rows(network, urls) -> list[int]:
    """Subscriptions written as rows (made before the guard changed, or by a name that then changed)."""
    client, _key = make_client(network.tenants["a"], network.users["a_admin"])
    ids = []
    with context.acting_as(network.tenants["a"].id):
        for url in urls:
            sub = WebhookSubscription(client_id=client.id, url=url, events=["referral.state_changed"], active=True)
            sub.secret = "segreto-di-prova"
            db.session.add(sub)
            db.session.flush()
            ids.append(sub.id)
    return ids


def _event(client, network) -> None:
    """A referral sent to the node: ``referral.state_changed`` for antenna A, sent after the commit."""
    assert client.post("/api/v1/referrals", headers=headers_for(network, "a"), json=NEW_REFERRAL).status_code == 201


def _deliveries(network) -> list[WebhookDelivery]:
    with context.acting_as(network.tenants["a"].id):
        return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)
                                       .execution_options(populate_existing=True)))


@pytest.mark.parametrize(("address", "public"), [
    ("100.64.0.1", False), ("100.127.255.254", False),  # carrier-grade NAT
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("0.0.0.0", False), ("224.0.0.1", False), ("255.255.255.255", False),
    ("192.0.0.1", False), ("198.18.0.1", False), ("240.0.0.1", False),
    ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False), ("fec0::1", False), ("ff02::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("2002:7f00:1::1", False), ("2002:a9fe:a9fe::1", False),  # 6to4 of 127.0.0.1 and 169.254.169.254
    ("64:ff9b::a9fe:a9fe", False), ("64:ff9b::7f00:1", False),  # NAT64
    (PUBLIC, True), ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("2002:5db8:d822::1", True),
    ("64:ff9b::808:808", True), ("64:ff9b:1::a00:1", False),
])
def test_only_globally_routable_addresses_are_public(address, public):
    assert webhooks.is_public(ipaddress.ip_address(address)) is public


def test_subscribing_refuses_every_spelling_of_an_internal_address(client, network, guarded, dns):
    dns.update({"interno.example": ["10.1.2.3"], "misto.example": [PUBLIC, "127.0.0.1"],
                "pubblico.example": [PUBLIC], "nat64.example": ["64:ff9b::a9fe:a9fe"]})
    auth = headers_for(network, "a")
    refused = ["https://2130706433/h", "https://0x7f000001/h", "https://127.0.0.01/h", "https://100.64.0.1/h",
               "https://169.254.169.254/latest/meta-data", "https://[::ffff:7f00:1]/h", "https://[::1]/h",
               "https://interno.example/h", "https://misto.example/h", "https://nat64.example/h",
               "https://app.localhost/h"]
    for url in refused:
        answer = client.post("/api/v1/webhooks", headers=auth, json={"url": url, "events": ["referral.state_changed"]})
        assert answer.status_code == 422 and answer.mimetype == PROBLEM, (url, answer.get_data(as_text=True))
        assert list(answer.get_json()["errors"]["json"]) == ["url"]
    # A public name; a name that does not resolve yet (judged again at each delivery).
    for url in ("https://pubblico.example/h", "https://ricevente.example/h"):
        answer = client.post("/api/v1/webhooks", headers=auth, json={"url": url, "events": ["referral.state_changed"]})
        assert answer.status_code == 201, (url, answer.get_data(as_text=True))


def test_an_address_is_judged_again_when_the_delivery_is_sent(client, network, guarded, dns, endpoints):
    inside = endpoints()
    dns["rebind.example"] = ["127.0.0.1"]
    urls = [f"http://{host}:{inside.port}/hook" for host in
            ("2130706433", "0x7f000001", "127.0.0.01", "localhost", "rebind.example", "[::ffff:7f00:1]")]
    _subscribe_rows(network, urls)
    _event(client, network)
    assert inside.connections == 0
    rows = _deliveries(network)
    assert len(rows) == len(urls)
    assert {(r.status, r.attempts, r.last_status, r.last_error) for r in rows} == {
        (DeliveryStatus.PENDING, 1, None, "NotPublicAddress")}


def test_a_name_public_when_subscribed_and_internal_when_sent_is_not_contacted(client, network, guarded, dns,
                                                                                endpoints):
    inside = endpoints()
    dns["rebind.example"] = [PUBLIC]
    made = client.post("/api/v1/webhooks", headers=headers_for(network, "a"),
                       json={"url": f"https://rebind.example:{inside.port}/hook", "events": ["referral.state_changed"]})
    assert made.status_code == 201, made.get_data(as_text=True)
    dns["rebind.example"] = ["127.0.0.1"]
    _event(client, network)
    assert inside.connections == 0
    [row] = _deliveries(network)
    assert row.status == DeliveryStatus.PENDING and row.last_error == "NotPublicAddress"


def test_the_connection_goes_to_the_address_judged_not_to_a_second_answer(client, network, guarded, dns,
                                                                          endpoints, monkeypatch):
    """A name answering a public address to the check and an internal one a moment later (DNS rebinding):
    the delivery connects to the address judged. 127.0.0.2 plays the public address here."""
    inside = endpoints()
    judged = endpoints(host="127.0.0.2", port=inside.port)
    monkeypatch.setattr(webhooks, "is_public", lambda address: str(address) == "127.0.0.2")
    lookups = []

    def flip():
        lookups.append(1)
        return ["127.0.0.2"] if len(lookups) == 1 else ["127.0.0.1"]

    _subscribe_rows(network, [f"http://flip.example:{inside.port}/hook"])
    dns["flip.example"] = flip
    _event(client, network)
    assert inside.connections == 0
    assert [(method, path) for method, path, _body in judged.requests] == [("POST", "/hook")]
    [row] = _deliveries(network)
    assert row.status == DeliveryStatus.SENT


def test_a_redirect_is_a_failed_delivery_not_followed(client, network, endpoints):
    """With the tests' receivers allowed: a receiver answering 302 towards another address (the cloud's
    metadata, here a second local endpoint) is not followed; its 302 is the delivery's last answer."""
    target = endpoints()
    redirecting = endpoints(status=302, location=f"http://127.0.0.1:{target.port}/latest/meta-data/")
    made = client.post("/api/v1/webhooks", headers=headers_for(network, "a"),
                       json={"url": f"http://127.0.0.1:{redirecting.port}/hook", "events": ["referral.state_changed"]})
    assert made.status_code == 201
    _event(client, network)
    assert [method for method, _path, _body in redirecting.requests] == ["POST"]
    assert target.connections == 0
    [row] = _deliveries(network)
    assert (row.status, row.last_status, row.last_error) == (DeliveryStatus.PENDING, 302, "HTTP 302")
