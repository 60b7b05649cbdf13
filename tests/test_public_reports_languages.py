"""The public door speaks the reporter's language on the whole page, the portal's header and footer too.

A victim or a witness who chose Arabic or Chinese must not meet Italian in the menu, the skip links or the
footer. A text of the Italian page that stands unchanged on the page in another language is untranslated;
only names and marks stay as they are: the portal's and the Province's, the languages' own names and codes in
the language switches, the municipalities of the form's list and the asterisk of a required field.
"""
import io
import re

import pytest

from portal.reports.labels import PUBLIC_LANGUAGES, RTL_LANGUAGES

from .helpers import csrf_from, database_away, page_texts
from .report_support import WHAT, open_report, report_form

PAGES = ["/segnala", "/segnala/modulo", "/segnala/segue"]
LANGUAGES = {"Italiano", "English", "IT", "EN"} | {name for _code, name in PUBLIC_LANGUAGES}
NAMES = {"Rete", "Provincia di Novara", "Rete – Provincia di Novara", "*"} | LANGUAGES | {
    f"[aria-label] {name}" for name in LANGUAGES}
MUNICIPALITY = re.compile(r".+ \([A-Z]{2}\)$")
SAME_WORD = {"ro": {"Online"}}  # spelt alike in Italian and in the language


def _texts(client, path: str, lang: str) -> list[str]:
    client.get(f"/segnala?lingua={lang}")
    response = client.get(path)
    assert response.status_code == 200
    return page_texts(response.get_data(as_text=True))


@pytest.mark.parametrize("lang", [code for code, _name in PUBLIC_LANGUAGES if code not in {"it", "en"}])
def test_no_italian_is_left_on_the_public_door(client, session, network, lang):
    untranslated = {}
    for path in PAGES:
        italian = set(_texts(client, path, "it"))
        for text in _texts(client, path, lang):
            if text in italian and text not in NAMES | SAME_WORD.get(lang, set()) and not MUNICIPALITY.match(text):
                untranslated.setdefault(text, path)
    assert not untranslated, f"{len(untranslated)} Italian texts on the {lang} public door: {untranslated}"


def _not_found(client, app, monkeypatch):
    return client.get("/segnala/pagina-che-non-esiste")


def _too_large(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    token = csrf_from(client.get("/segnala/modulo").get_data(as_text=True))
    return client.post("/segnala/modulo", data={"csrf_token": token, "files": (io.BytesIO(b"\0" * 1100 * 1024), "foto.png")},
                       content_type="multipart/form-data")


def _too_many(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_REPORT_CODE_LIMIT", "1 per day")
    for _ in range(2):
        response = open_report(client, "1234" + "0" * 12)
    return response


def _database_away(client, app, monkeypatch):
    """The report sent while the database restarts: the 503 page shows it back, in the reporter's words."""
    page = client.get("/segnala/modulo").get_data(as_text=True)
    with database_away(app):
        return client.post("/segnala/modulo", data={**report_form(), "csrf_token": csrf_from(page)},
                           headers={"Referer": "http://localhost/segnala/modulo"})


def _session_lost(client, app, monkeypatch):
    """The form sent with a token its session no longer knows: the form's own error, the report kept."""
    page = app.test_client().get("/segnala/modulo").get_data(as_text=True)
    return client.post("/segnala/modulo", data={**report_form(), "csrf_token": csrf_from(page)})


def _wrong_code(client, app, monkeypatch):
    """A receipt code mistyped, the likeliest error of one coming back: the message is the view's own."""
    return open_report(client, "5678" + "9" * 12)


def _impossible_date(client, app, monkeypatch):
    """A day that does not exist (a browser without a date picker sends what was typed): WTForms' message."""
    page = client.get("/segnala/modulo").get_data(as_text=True)
    return client.post("/segnala/modulo", data={**report_form(occurred_on="2026-02-31"), "csrf_token": csrf_from(page)})


ERRORS = {"404": (_not_found, 404), "413": (_too_large, 413), "429": (_too_many, 429),
          "503": (_database_away, 503), "session lost": (_session_lost, 200), "wrong code": (_wrong_code, 400),
          "impossible date": (_impossible_date, 200)}


def _error_texts(app, monkeypatch, case: str, lang: str) -> tuple[str, list[str]]:
    client = app.test_client()  # its own limiter key and session for each language
    client.environ_base["REMOTE_ADDR"] = f"10.1.{sorted(ERRORS).index(case)}.{sorted(dict(PUBLIC_LANGUAGES)).index(lang) + 1}"
    client.get(f"/segnala?lingua={lang}")
    make, status = ERRORS[case]
    response = make(client, app, monkeypatch)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    return html, page_texts(html)


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_the_doors_error_pages_speak_the_visitors_language(app, session, network, monkeypatch, case):
    """A reporter who chose Arabic meets a full mailbox, a file too big, a lost session or a database
    restarting in Arabic, right to left, with a way back to the door rather than to the staff's login."""
    _html, italian = _error_texts(app, monkeypatch, case, "it")
    for lang in (code for code, _name in PUBLIC_LANGUAGES if code not in {"it", "en"}):
        html, texts = _error_texts(app, monkeypatch, case, lang)
        typed = {WHAT, "20/11/2026", "2026-02-31"}  # what the reporter wrote is shown back as written
        left = [t for t in texts if t in italian and t not in NAMES | typed | SAME_WORD.get(lang, set()) and not t.isdigit()
                and not MUNICIPALITY.match(t)]
        assert not left, f"Italian on the {lang} {case} page: {left}"
        assert re.search(rf'<html lang="{lang}"( dir="rtl")?>', html)
        assert (' dir="rtl"' in html.split(">", 2)[1]) == (lang in RTL_LANGUAGES)
        assert case not in ("503", "session lost") or WHAT in html  # the report shown back, not lost
        assert 'href="/segnala"' in html and "/accesso" not in html.split('id="main-container"')[-1]
