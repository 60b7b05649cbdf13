"""Dependency audit for `make lint`/`make audit`: Python packages (pip-audit, PyPI's vulnerability data)
and the vendored front-end packages (npm audit, the npm registry's advisories).

Exit 1 when a known vulnerability is found. A package that could not be checked (the advisory service
unreachable, as behind a registry mirror that serves downloads only) is reported in one line and fails
only with AUDIT_STRICT=1: a silent "no vulnerabilities" from an audit that checked nothing would be worse
than no audit at all.
Usage: .venv/bin/python scripts/audit_deps.py
"""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
NPM_FAIL_SEVERITIES = {"moderate", "high", "critical"}


def run_json(cmd: list[str]) -> dict | None:
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        sys.stderr.write(result.stderr[-2000:])
        return None


def audit_python() -> tuple[list[str], list[str]]:
    """(vulnerabilities, packages not checked) of the installed environment, the project itself aside."""
    report = run_json([str(BIN / "pip-audit"), "--skip-editable", "--progress-spinner", "off", "-f", "json"])
    if report is None:
        return [], ["pip-audit gave no report"]
    found, unchecked = [], []
    for dep in report["dependencies"]:
        if "skip_reason" in dep:
            if "editable" not in dep["skip_reason"]:
                unchecked.append(dep["name"])
            continue
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "none"
            found.append(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in: {fixes})")
    return found, unchecked


def audit_npm() -> tuple[list[str], list[str]]:
    report = run_json(["npm", "audit", "--omit=dev", "--json"])
    if report is None or "vulnerabilities" not in report:
        reason = (report or {}).get("message", "npm audit gave no report")
        return [], [f"the npm packages ({reason})"]
    found = [f"{name}: {info['severity']} ({info.get('range', '')})"
             for name, info in sorted(report["vulnerabilities"].items())
             if info["severity"] in NPM_FAIL_SEVERITIES]
    return found, []


def main() -> int:
    found, unchecked = [], []
    for audit in (audit_python, audit_npm):
        f, u = audit()
        found += f
        unchecked += u
        if u:
            shown = ", ".join(u[:4]) + (f" and {len(u) - 4} more" if len(u) > 4 else "")
            print(f"audit: NOT checked (advisory service unreachable from here): {shown}")
    for line in found:
        print(f"VULNERABLE: {line}")
    if found:
        return 1
    if unchecked and os.environ.get("AUDIT_STRICT") == "1":
        return 1
    if not unchecked:
        print("audit: no known vulnerabilities in the Python and npm dependencies.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
