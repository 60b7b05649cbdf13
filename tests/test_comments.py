"""Comments and docstrings say why, not which issue asked for the code: "(issue 7)" tells a maintainer nothing
once the tracker has moved on. Code, templates, scripts and tests are read; the catalogues are not."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ISSUE = re.compile(r"\bissues? \d+\b", re.IGNORECASE)


def test_no_comment_names_an_issue():
    found = []
    for folder, pattern in (("portal", "*.py"), ("templates", "*.html"), ("tests", "*.py"), ("scripts", "*"),
                            ("migrations/helpers", "*.py"), ("static/js", "*.js"), ("static/css", "*.css")):
        for path in sorted((ROOT / folder).rglob(pattern)):
            if path.is_file() and path != Path(__file__).resolve():
                for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                    if ISSUE.search(line):
                        found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert not found, "\n".join(found)
