"""The dependency audit fails on a finding and never passes silently when it could check nothing."""
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "audit_deps.py"


@pytest.fixture
def audit(monkeypatch):
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.delenv("AUDIT_STRICT", raising=False)
    return module


def reports(audit, monkeypatch, pip, npm):
    monkeypatch.setattr(audit, "run_json", lambda cmd: pip if "pip-audit" in cmd[0] else npm)


NPM_CLEAN = {"auditReportVersion": 2, "vulnerabilities": {}}
PIP_CLEAN = {"dependencies": [{"name": "flask", "version": "3.1.3", "vulns": []},
                              {"name": "rete-portal", "skip_reason": "distribution marked as editable"}]}


def test_clean_report_passes(audit, monkeypatch, capsys):
    reports(audit, monkeypatch, PIP_CLEAN, NPM_CLEAN)
    assert audit.main() == 0
    assert "no known vulnerabilities" in capsys.readouterr().out


def test_python_vulnerability_fails(audit, monkeypatch, capsys):
    pip = {"dependencies": [{"name": "cryptography", "version": "46.0.1",
                             "vulns": [{"id": "GHSA-xxxx", "fix_versions": ["48.0.1"]}]}]}
    reports(audit, monkeypatch, pip, NPM_CLEAN)
    assert audit.main() == 1
    assert "VULNERABLE: cryptography 46.0.1: GHSA-xxxx (fixed in: 48.0.1)" in capsys.readouterr().out


def test_npm_vulnerability_fails_from_moderate(audit, monkeypatch, capsys):
    npm = {"vulnerabilities": {"htmx.org": {"severity": "high", "range": "<2.0.10"},
                               "dom-walk": {"severity": "low", "range": "*"}}}
    reports(audit, monkeypatch, PIP_CLEAN, npm)
    assert audit.main() == 1
    out = capsys.readouterr().out
    assert "htmx.org: high" in out and "dom-walk" not in out


def test_unreachable_service_is_named_and_fails_when_strict(audit, monkeypatch, capsys):
    pip = {"dependencies": [{"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited"}]}
    npm = {"message": "405 Method Not Allowed - POST …/advisories/bulk", "statusCode": 405}
    reports(audit, monkeypatch, pip, npm)
    assert audit.main() == 0
    out = capsys.readouterr().out
    assert "NOT checked (advisory service unreachable from here): flask\n" in out
    assert "NOT checked (advisory service unreachable from here): the npm packages (405" in out
    assert "no known vulnerabilities" not in out
    monkeypatch.setenv("AUDIT_STRICT", "1")
    assert audit.main() == 1
