"""Checks publiccode.yml against tests/publiccode_schema.json; `python -m tests.publiccode_check` (make lint)."""
import json
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "publiccode_schema.json").read_text(encoding="utf-8"))


def problems(document) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
            for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path)))]


def load(path: Path = ROOT / "publiccode.yml"):
    # SafeLoader turns an unquoted date or version into a date or a float, which the schema refuses:
    # stricter than publiccode-parser, so the file keeps them quoted and reads the same everywhere.
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def main() -> int:
    found = problems(load())
    for line in found:
        print(f"publiccode.yml: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
