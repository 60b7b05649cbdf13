"""The public door speaks the reporter's language on the whole page, the portal's header and footer too.

A victim or a witness who chose Arabic or Chinese must not meet Italian in the menu, the skip links or the
footer. A text of the Italian page that stands unchanged on the page in another language is untranslated;
only names and marks stay as they are: the portal's and the Province's, the languages' own names and codes in
the language switches, the municipalities of the form's list and the asterisk of a required field.
"""
import re

import pytest

from portal.reports.labels import PUBLIC_LANGUAGES

from .helpers import page_texts

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
