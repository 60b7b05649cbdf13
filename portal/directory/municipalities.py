"""Municipalities from shipped lists (no network at run time).

- Cadastral (Belfiore) codes and names: the list python-codicefiscale ships (``data/municipalities.json``),
  current municipalities only. Directory entries store this code (``municipality_code``).
- ISTAT codes (6 digits, e.g. Novara 003106) for every municipality of Piedmont: ``istat.PIEDMONT``, from
  ISTAT's official list (source and date in istat.py); derived from the cadastral code, never stored twice.
"""
import json
import os
import re
from functools import cache

import codicefiscale

from .istat import PIEDMONT, PROVINCES

ISTAT_CODE = re.compile(r"^\d{6}$")
CADASTRAL_CODE = re.compile(r"^[A-Z]\d{3}$")


@cache
def _all() -> dict[str, tuple[str, str]]:
    path = os.path.join(os.path.dirname(codicefiscale.__file__), "data", "municipalities.json")
    with open(path, encoding="utf-8") as fh:
        rows = json.load(fh)
    names = {cadastral: name for _istat, name, cadastral, _p in PIEDMONT}  # ISTAT's spelling ("d'Agogna", "sopra")
    return {r["code"]: (names.get(r["code"], r["name"]), r["province"]) for r in rows if r.get("active")}


_ISTAT_BY_CADASTRAL = {cadastral: istat for istat, _name, cadastral, _p in PIEDMONT}
_CADASTRAL_BY_ISTAT = {istat: cadastral for istat, _name, cadastral, _p in PIEDMONT}


def province(code: str | None = "NO") -> list[tuple[str, str]]:
    """(cadastral code, name) of the active municipalities of a province (``None``: all of Piedmont), by name."""
    wanted = {code} if code else set(PROVINCES)
    return sorted(((c, n) for c, (n, p) in _all().items() if p in wanted), key=lambda x: x[1])


def choices(code: str | None = "NO") -> list[tuple[str, str]]:
    """(cadastral code, "Name (ISTAT 003106)") for select boxes."""
    return [(c, f"{n} (ISTAT {istat_of(c)})" if istat_of(c) else n) for c, n in province(code)]


def name_of(code: str) -> str | None:
    row = _all().get(code)
    return row[0] if row else None


def province_of(code: str | None) -> str | None:
    """The province (sigla, e.g. "NO") of a municipality by cadastral code; None if unknown."""
    row = _all().get(code or "")
    return row[1] if row else None


def istat_of(cadastral: str | None) -> str | None:
    """The ISTAT code of a municipality of Piedmont from its cadastral code."""
    return _ISTAT_BY_CADASTRAL.get(cadastral or "")


def cadastral_of(code: str | None) -> str | None:
    """Normalise a municipality code typed or linked as ISTAT (003106) or cadastral (F952) to cadastral."""
    code = (code or "").strip().upper()
    if ISTAT_CODE.match(code):
        return _CADASTRAL_BY_ISTAT.get(code)
    return code if CADASTRAL_CODE.match(code) and code in _all() else None
