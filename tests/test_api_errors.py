"""The core error model under /api: a service's Forbidden, NotFound and ServiceError become problem documents
(mapped once, in api/problems.py), never an HTML page or a 5xx, and what the refused call flushed is undone."""
import io

import pytest
from sqlalchemy import select

from portal.core.errors import Forbidden, NotFound, ServiceError
from portal.core.models import Feedback
from portal.directory import services as directory
from portal.extensions import db
from portal.referrals.attachments import MAX_FILES
from portal.referrals.models import ReferralState
from portal.tenancy import context

from .api_support import headers_for, make_client
from .budget_support import victim
from .factories import make_referral
from .referral_support import PDF

PROBLEM = "application/problem+json"


def _search_raising(monkeypatch, exc):
    def search(**_kwargs):
        raise exc

    monkeypatch.setattr(directory, "search", search)


@pytest.mark.parametrize(("exc", "status", "detail"), [
    (Forbidden(), 403, "Operazione non consentita a questo client."),
    (NotFound(), 404, "Risorsa non trovata."),
    (ServiceError("Cerca almeno due lettere."), 422, "Cerca almeno due lettere."),
])
def test_a_services_error_is_a_problem_document(client, network, monkeypatch, exc, status, detail):
    _search_raising(monkeypatch, exc)
    answer = client.get("/api/v1/directory?q=x", headers=headers_for(network, "a"))
    assert answer.status_code == status and answer.mimetype == PROBLEM
    assert answer.get_json()["detail"] == detail and "errors" not in answer.get_json()


def test_a_refusal_naming_a_field_the_request_sent_lists_it_as_webargs_does(client, network, monkeypatch):
    _search_raising(monkeypatch, ServiceError("Cerca almeno due lettere.", "q"))
    answer = client.get("/api/v1/directory?q=x", headers=headers_for(network, "a"))
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    assert answer.get_json()["errors"] == {"query": {"q": ["Cerca almeno due lettere."]}}
    # A field the request did not send (a page's name for it) is left to the detail.
    _search_raising(monkeypatch, ServiceError("Scegli un comune.", "municipality"))
    answer = client.get("/api/v1/directory?q=x", headers=headers_for(network, "a"))
    assert answer.status_code == 422 and "errors" not in answer.get_json()


def test_a_refused_call_leaves_nothing_it_flushed(client, network, monkeypatch):
    def search(**_kwargs):
        db.session.add(Feedback(page="/api/test", message="api.refused"))
        db.session.flush()
        raise ServiceError("Rifiutata.")

    monkeypatch.setattr(directory, "search", search)
    assert client.get("/api/v1/directory", headers=headers_for(network, "a")).status_code == 422
    assert db.session.scalars(select(Feedback).where(Feedback.message == "api.refused")).all() == []


def test_a_delivery_in_the_future_names_its_field(client, network):
    rows = victim(network)  # an order of N1 with provider Q
    _client, key = make_client(rows["q"], network.users["n1_coordinator"])
    future = client.post(f"/api/v1/orders/{rows['order'].id}/deliveries", headers={"Authorization": f"Bearer {key}"},
                         json={"delivered_on": "2999-01-01", "units": "1"})
    assert future.status_code == 422 and future.mimetype == PROBLEM
    assert future.get_json()["errors"] == {"json": {"delivered_on": ["La data non può essere nel futuro."]}}


def test_a_webhook_address_refused_by_the_service_names_url(app, client, network):
    app.config["WEBHOOK_ALLOW_HTTP"] = False
    try:
        refused = client.post("/api/v1/webhooks", headers=headers_for(network, "a"),
                              json={"url": "http://ricevente.example/h", "events": ["order.created"]})
    finally:
        app.config.pop("WEBHOOK_ALLOW_HTTP")
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert list(refused.get_json()["errors"]["json"]) == ["url"] and "https" in refused.get_json()["detail"]


def _attach(client, network, referral, count=1):
    files = [(io.BytesIO(PDF), f"doc{i}.pdf") for i in range(count)]
    return client.post(f"/api/v1/referrals/{referral.id}/attachments", headers=headers_for(network, "a"),
                       data={"file": files}, content_type="multipart/form-data")


def test_attachments_the_service_refuses_are_problems(app, client, network, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_DIR", str(tmp_path / "allegati"))
    referral = make_referral(network.tenants["a"], network.users["a_operator"])  # submitted: the antenna attaches
    too_many = _attach(client, network, referral, count=MAX_FILES + 1)
    assert too_many.status_code == 422 and too_many.mimetype == PROBLEM
    assert "errors" not in too_many.get_json()  # the service names the page's field ("files"), not the API's
    with context.acting_as(network.tenants["a"].id):
        referral.state = ReferralState.DECLINED
        db.session.flush()
    closed = _attach(client, network, referral)
    assert closed.status_code == 403 and closed.mimetype == PROBLEM
    assert closed.get_json()["detail"] == "Operazione non consentita a questo client."


def test_an_unexpected_error_is_a_problem_document_too(app, client, network, monkeypatch):
    """A bug is still a 500, but in problem+json: the app's HTML 500 page is for the pages."""
    def search(**_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(directory, "search", search)
    monkeypatch.setattr(app, "testing", False)  # answer as in production instead of raising into the test
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    answer = client.get("/api/v1/directory", headers=headers_for(network, "a"))
    assert answer.status_code == 500 and answer.mimetype == PROBLEM
    assert "imprevisto" in answer.get_json()["detail"]
