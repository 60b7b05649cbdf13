"""publiccode.yml (Developers Italia, standard 0.4) is valid against the schema subset in tests/."""
import copy

import pytest

from .publiccode_check import load, problems


@pytest.fixture(scope="module")
def document():
    return load()


def test_publiccode_is_valid(document):
    assert problems(document) == []


def test_descriptions_in_italian_and_english_and_languages_match(document):
    assert set(document["description"]) == {"it", "en"} == set(document["localisation"]["availableLanguages"])
    for text in document["description"].values():
        assert len(text["longDescription"]) >= 150 and len(text["shortDescription"]) <= 150
    names = {dep["name"] for dep in document["dependsOn"]["open"]}
    assert names == {"PostgreSQL", "Redis"}


def test_licence_and_version_match_setup_cfg(document):
    from configparser import ConfigParser

    from .publiccode_check import ROOT

    setup = ConfigParser()
    setup.read(ROOT / "setup.cfg")
    assert document["legal"]["license"] == setup["metadata"]["license"]
    assert document["softwareVersion"] == setup["metadata"]["version"]


def test_placeholders_are_marked():
    from .publiccode_check import ROOT

    text = (ROOT / "publiccode.yml").read_text(encoding="utf-8")
    assert text.count("SEGNAPOSTO") >= 3  # repository address, contacts, IPA code
    assert "fittizio" in text


@pytest.mark.parametrize("path, value, complaint", [
    (("publiccodeYmlVersion",), "0.3", "'0.4' was expected"),
    (("developmentStatus",), "finished", "is not one of"),
    (("categories",), ["case-management"], "is not one of"),
    (("description", "en", "longDescription"), "Too short.", "is too short"),
    (("description", "it", "shortDescription"), "x" * 151, "is too long"),
    (("releaseDate",), "02/12/2026", "does not match"),
    (("maintenance", "contacts"), [], "should be non-empty"),
    (("it", "riuso", "codiceIPA"), "Codice IPA", "does not match"),
    (("description", "en"), None, "'en' is a required property"),
])
def test_schema_refuses_broken_files(document, path, value, complaint):
    broken = copy.deepcopy(document)
    target = broken
    for key in path[:-1]:
        target = target[key]
    if value is None:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    found = problems(broken)
    assert any(complaint in line for line in found), found
