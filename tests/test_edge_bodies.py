"""Bodies no page or API call should choke on: JSON to a page is a 415 with a message; JSON the API's parser
would crash on (deep nesting, a huge integer, a lone surrogate) is a 400 problem."""
import json

import pytest

from .api_support import headers_for
from .helpers import csrf_token


@pytest.mark.parametrize("body", [{"what": 5, "context": "work"}, [1, 2], None])
def test_json_to_the_public_report_form_is_refused_not_a_500(client, body):
    answer = client.post("/segnala/modulo", data=json.dumps(body), content_type="application/json")
    assert answer.status_code == 415
    assert "accettano moduli, non JSON" in answer.get_data(as_text=True)


def test_json_to_a_signed_in_form_is_refused_even_with_its_token(login, network):
    client = login("n1_coordinator")
    token = csrf_token(client, f"/casi/{network.case.id}")
    answer = client.post(f"/casi/{network.case.id}/chiudi", data=json.dumps({"version": "1", "reason": 123}),
                         content_type="application/json", headers={"X-CSRFToken": token})
    assert answer.status_code == 415


def test_login_with_json_is_refused(client):
    token = csrf_token(client)
    answer = client.post("/accesso", data=json.dumps({"email": "x@y.example", "password": 5}),
                         content_type="application/json", headers={"X-CSRFToken": token})
    assert answer.status_code == 415


@pytest.mark.parametrize("body", [
    b"[" * 5000 + b"]" * 5000,
    b'{"person": {"first_name": "x"}, "n": ' + b"9" * 5000 + b"}",
    json.dumps({"person": {"first_name": "\ud800x"}}).encode(),
], ids=["deep", "huge-integer", "lone-surrogate"])
def test_the_api_refuses_bodies_its_parser_would_crash_on(client, network, body):
    answer = client.post("/api/v1/referrals", data=body, content_type="application/json",
                         headers=headers_for(network, "a"))
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.get_json()["detail"]
