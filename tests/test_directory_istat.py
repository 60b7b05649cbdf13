"""ISTAT municipality codes for the Province of Novara: shipped data, valid and unique, agreeing with the
cadastral codes; the directory shows them and finds entries by them."""
import re

from portal.directory import municipalities
from portal.directory.istat import NOVARA

from .forum_support import victim_entry


def test_the_shipped_list_is_well_formed():
    codes = [istat for istat, _, _ in NOVARA]
    assert len(NOVARA) == 87
    assert all(re.fullmatch(r"003\d{3}", code) for code in codes)  # 003 = Provincia di Novara
    assert len(set(codes)) == len(codes) and codes == sorted(codes)
    assert len({cadastral for _, _, cadastral in NOVARA}) == 87
    assert ("003106", "Novara", "F952") in NOVARA and ("003008", "Arona", "A429") in NOVARA


def test_it_agrees_with_the_cadastral_list():
    import json
    import os

    import codicefiscale

    path = os.path.join(os.path.dirname(codicefiscale.__file__), "data", "municipalities.json")
    with open(path, encoding="utf-8") as fh:
        shipped = {r["code"]: r["name"] for r in json.load(fh) if r.get("active") and r["province"] == "NO"}
    assert set(shipped) == {c for _, _, c in NOVARA}
    assert all(shipped[c].casefold() == name.casefold() for _, name, c in NOVARA)  # same names, ISTAT's case
    assert dict(municipalities.province("NO"))["L668"] == "Vaprio d'Agogna"


def test_conversions():
    assert municipalities.istat_of("F952") == "003106"
    assert municipalities.cadastral_of("003106") == "F952"
    assert municipalities.cadastral_of("f952") == "F952"
    assert municipalities.cadastral_of("999999") is None and municipalities.cadastral_of("<script>") is None
    assert municipalities.istat_of(None) is None


def test_the_directory_shows_and_searches_istat_codes(login, network):
    entry = victim_entry(network)  # Arona, A429
    client = login("b_operator")
    detail = client.get(f"/rete/{entry.id}").get_data(as_text=True)
    assert "003008" in detail and "A429" in detail
    assert "Arona (ISTAT 003008)" in client.get("/rete/").get_data(as_text=True)
    for query in ("?q=003008", "?comune=003008", "?comune=A429", "?q=A429"):
        assert "Antenna Alfa" in client.get(f"/rete/{query}").get_data(as_text=True), query
    for query in ("?q=003106", "?comune=003106"):
        assert "Antenna Alfa" not in client.get(f"/rete/{query}").get_data(as_text=True), query


def test_the_whole_of_piedmont_is_shipped():
    """ISTAT's list for region 01: 1,180 municipalities in the eight provinces, each code once, agreeing with
    the cadastral codes python-codicefiscale ships for the same provinces."""
    import json
    import os

    import codicefiscale

    from portal.directory.istat import PIEDMONT, PROVINCES

    assert len(PIEDMONT) == 1180
    assert {p for *_, p in PIEDMONT} == set(PROVINCES)
    assert len({i for i, *_ in PIEDMONT}) == len({c for _, _, c, _ in PIEDMONT}) == 1180
    assert ("001272", "Torino", "L219", "TO") in PIEDMONT and ("004078", "Cuneo", "D205", "CN") in PIEDMONT
    path = os.path.join(os.path.dirname(codicefiscale.__file__), "data", "municipalities.json")
    with open(path, encoding="utf-8") as fh:
        shipped = {r["code"] for r in json.load(fh) if r.get("active") and r["province"] in PROVINCES}
    assert shipped == {c for _, _, c, _ in PIEDMONT}
    assert municipalities.istat_of("L219") == "001272" and municipalities.cadastral_of("001272") == "L219"
    assert len(municipalities.province(None)) == 1180 and len(municipalities.province("TO")) == 312
