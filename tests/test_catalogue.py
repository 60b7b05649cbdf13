"""The English catalogue covers every text the code and the templates hand to gettext.

msgids are the Italian texts, so a msgid missing from ``en`` shows Italian in the English interface and no test
of a page would notice. The texts are extracted here as ``scripts/i18n.sh`` extracts them (babel.cfg, the same
keywords), in about a second, without writing the catalogue files.
"""
import re
import warnings
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from wtforms.i18n import get_translations

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> dict[str, str]:
    """msgid -> "path:line" of its first use, for every extracted singular text."""
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, str] = {}
    for top in ("portal", "templates"):
        # babel.cfg's patterns start at the project root; extract_from_dir walks one folder at a time.
        methods = [(pattern.split("/", 1)[1], method) for pattern, method in method_map if pattern.startswith(top)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # f-strings passed as keyword values are not the msgid
            for name, line, message, _comments, _context in extract_from_dir(
                    str(ROOT / top), methods, options_map, keywords=KEYWORDS):
                msgid = message[0] if isinstance(message, tuple) else message
                found.setdefault(msgid, f"{top}/{name}:{line}")
    return found


def english():
    with open(ROOT / "portal/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        return read_po(fh)


def wtforms_own(msgid: str) -> bool:
    """wtforms' messages ("Not a valid choice.") go through the field's gettext: wtforms translates them."""
    return get_translations(["it"]).gettext(msgid) != msgid


@pytest.fixture(scope="module")
def texts():
    return extracted()


def test_every_text_has_its_english(texts):
    catalogue = english()
    missing = []
    for msgid, where in texts.items():
        entry = catalogue.get(msgid)
        strings = entry.string if entry is not None and isinstance(entry.string, tuple) else (getattr(entry, "string", ""),)
        if (entry is None or entry.fuzzy or not all(strings)) and not wtforms_own(msgid):
            missing.append(f"{where}: {msgid[:70]!r}")
    assert len(texts) > 2000  # the extraction read the code, not an empty folder
    assert not missing, f"{len(missing)} texts without English (scripts/i18n.sh, then fill msgstr):\n" + "\n".join(missing)


def test_english_keeps_the_placeholders():
    """A translation that drops or renames %(name)s shows the raw text or fails with a KeyError at runtime."""
    wrong = []
    for entry in english():
        if not entry.id or not entry.string or entry.fuzzy:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != wanted:
                wrong.append(f"{ids[0][:60]!r}: {sorted(set(PLACEHOLDER.findall(string)))} for {sorted(wanted)}")
    assert not wrong, "\n".join(wrong)
