"""The new-referral form offers the information notice's version the antenna used last (its printed notice changes
rarely): typed once, not at every referral; another antenna's is not offered. Found by a browser walk."""
import re

from .referral_support import post_new

VERSION = re.compile(r'name="consent_notice_version"[^>]*value="([^"]*)"')


def _offered(client):
    found = VERSION.search(client.get("/segnalazioni/nuova").get_data(as_text=True))
    return found.group(1) if found else None


def test_the_form_offers_the_version_the_antenna_used_last(login):
    operator, other = login("a_operator"), login("b_operator")
    assert post_new(operator, consent_notice_version="2027-02")[0].status_code == 302
    assert _offered(operator) == "2027-02"
    assert _offered(other) != "2027-02"
