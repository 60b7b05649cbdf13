"""Values past what the database or the calendar holds are a 4xx problem, never a 5xx: a key whose tenant id
overflows the integer (looked up by the rate limiter before any authentication), a cursor of nested brackets
or past the integer, a period in year 1 or 9999; and a referral needs its person's name through the API as on
the page (spaces alone were stored as no name)."""
import base64

import pytest

from .api_support import headers_for
from .test_api import NEW_REFERRAL

PROBLEM = "application/problem+json"


def _cursor(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_key_naming_a_tenant_past_the_integer_is_a_401(client, network):
    key = "rete_9999999999_abcdefabcdef_" + "A" * 43
    answer = client.get("/api/v1/directory", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 401 and answer.mimetype == PROBLEM


@pytest.mark.parametrize("raw", [b"[" * 5000 + b"]" * 5000, b'{"before": 3000000000}', b'{"before": 0}',
                                 b'{"before": true}'])
@pytest.mark.parametrize("path, tenant", [("/api/v1/referrals", "a"), ("/api/v1/cases", "n1")])
def test_a_cursor_past_what_it_can_name_is_a_400(client, network, raw, path, tenant):
    answer = client.get(path, headers=headers_for(network, tenant), query_string={"cursor": _cursor(raw)})
    assert answer.status_code == 400 and answer.mimetype == PROBLEM


@pytest.mark.parametrize("period", [("9999-10-01", "9999-12-31"), ("0001-01-01", "0001-03-31")])
def test_a_period_outside_the_calendar_it_counts_is_a_422(client, network, period):
    answer = client.get("/api/v1/open-data", headers=headers_for(network, "n1"),
                        query_string={"dal": period[0], "al": period[1]})
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    assert "dal" in answer.get_json()["errors"]["query"]


def test_a_referral_without_a_name_is_refused_as_on_the_page(client, network):
    body = {**NEW_REFERRAL, "person": {**NEW_REFERRAL["person"], "first_name": "   ", "last_name": "\t"}}
    answer = client.post("/api/v1/referrals", headers=headers_for(network, "a"), json=body)
    assert answer.status_code == 422 and answer.mimetype == PROBLEM
    assert answer.get_json()["detail"] == "Indica il nome."
