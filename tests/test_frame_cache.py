"""The page frame (header, menu, footer) is rendered once per key and reused (portal/core/frame.py).

A reused frame must be exactly the frame a fresh render gives: the same pages for several roles, locales
and addresses, with the cache on (second request: a hit) and off, compared byte for byte once the
per-request tokens are set aside.
"""
import re

import pytest

from portal.core import frame
from portal.extensions import db

from .helpers import post_form

# Per-request values outside the frame: CSRF tokens and a form's one-time submission key.
TOKEN = re.compile(r'(name="(?:csrf_token|submission_key)"(?: type="hidden")? value="|name="csrf-token" content=")[^"]+"')

PAGES = {
    "n1_coordinator": ["/", "/casi/", "/segnalazioni/", "/forum/", "/accessibilita"],
    "a_operator": ["/", "/segnalazioni/nuova", "/segnalazioni/?stato=submitted", "/feedback"],
    "p_user": ["/", "/budget/ordini"],
    "r_coordinator": ["/"],
    "e_operator": ["/"],
}


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return TOKEN.sub(r'\1TOKEN"', response.get_data(as_text=True))


@pytest.fixture
def cache_switch(app):
    yield lambda on: app.config.update(FRAME_CACHE=on)
    app.config["FRAME_CACHE"] = True


@pytest.mark.parametrize("who", sorted(PAGES))
def test_a_reused_frame_is_the_frame_a_fresh_render_gives(app, login, cache_switch, who):
    client = login(who)
    for path in PAGES[who]:
        cache_switch(False)
        fresh = _page(client, path)
        cache_switch(True)
        _page(client, path)  # fills the cache
        reused = _page(client, path)
        assert reused == fresh, path
        assert "@@rete-frame" not in reused


def test_the_frame_follows_the_locale_the_address_and_the_active_entry(app, login):
    client = login("n1_coordinator")
    home = _page(client, "/")
    cases = _page(client, "/casi/")
    # The active menu entry and the language forms' return address differ between the two pages.
    assert 'name="next" value="/"' in home and 'name="next" value="/casi/"' in cases
    assert 'href="/casi/" aria-current="page"' in cases
    assert 'href="/casi/" aria-current="page"' not in home
    post_form(client, "/lingua", {"lang": "en", "next": "/"}, page="/")
    english = _page(client, "/")
    assert '<html lang="en"' in english and "Skip to content" in english and "Vai al contenuto" not in english


def test_renaming_the_organisation_or_the_user_shows_at_once(app, login, network, session):
    client = login("n1_coordinator")
    assert "Nodo Uno di prova" in _page(client, "/")
    network.tenants["n1"].name = "Nodo Uno rinominato"
    db.session.flush()
    page = _page(client, "/")
    assert "Nodo Uno rinominato" in page and "Nodo Uno di prova" not in page
    network.users["n1_coordinator"].full_name = "Persona Rinominata"
    db.session.flush()
    page = _page(client, "/")
    assert "Persona Rinominata" in page and "Persona N1 Coordinator" not in page


def test_the_bell_count_is_read_per_request(app, login, network, session):
    from portal.notifications import services as notifications
    from portal.tenancy import context

    client = login("n1_coordinator")
    assert "rete-bell-count" not in _page(client, "/")
    with context.acting_as(network.tenants["n1"].id):
        notifications.notify(network.users["n1_coordinator"].id, "referral.moved", {"code": "X", "state": "submitted"},
                             "/", tenant_id=network.tenants["n1"].id)
        db.session.flush()
    assert "rete-bell-count" in _page(client, "/")


def test_the_cache_is_bounded(app, login, monkeypatch):
    monkeypatch.setattr(frame, "MAX_ENTRIES", 3)
    app.extensions.pop("rete_frame", None)
    client = login("n1_coordinator")
    for path in ["/", "/casi/", "/segnalazioni/", "/forum/", "/accessibilita"]:
        _page(client, path)
        assert len(app.extensions["rete_frame"]) <= 3
