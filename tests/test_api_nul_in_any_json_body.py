"""A NUL character (PostgreSQL text cannot hold one) is a 400 problem in a JSON body under any media type
webargs parses as JSON (``application/*+json`` too), not a 500 from the database. (The query and form
fields are refused for every route at the edge: tests/test_edge_input.py.)"""
import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.referrals.models import Referral
from portal.tenancy import context

from .api_support import headers_for
from .test_api import NEW_REFERRAL

PROBLEM = "application/problem+json"
# A field stored as plain text (an encrypted one would carry the NUL inside its ciphertext).
WITH_NUL = {**NEW_REFERRAL, "consent": {**NEW_REFERRAL["consent"], "notice_version": "v\u00002"}}


def _referrals(network) -> int:
    with context.acting_as(network.tenants["a"].id):
        return db.session.scalar(select(func.count(Referral.id)))


@pytest.mark.parametrize("content_type", ["application/json", "application/vnd.x+json",
                                          "application/merge-patch+json; charset=utf-8"])
def test_nul_in_a_json_body_is_a_400_problem_whatever_its_json_media_type(client, network, content_type):
    before = _referrals(network)
    refused = client.post("/api/v1/referrals", headers=headers_for(network, "a"), data=json.dumps(WITH_NUL),
                          content_type=content_type)
    assert refused.status_code == 400, refused.get_data(as_text=True)[:300]
    assert refused.mimetype == PROBLEM and "NUL" in refused.get_json()["detail"]
    assert _referrals(network) == before


def test_the_same_body_without_nul_under_a_json_media_type_is_accepted(client, network):
    """The check refuses the character, not the media type: webargs reads ``application/*+json`` as JSON."""
    made = client.post("/api/v1/referrals", headers=headers_for(network, "a"), data=json.dumps(NEW_REFERRAL),
                       content_type="application/vnd.x+json")
    assert made.status_code == 201, made.get_data(as_text=True)[:300]
