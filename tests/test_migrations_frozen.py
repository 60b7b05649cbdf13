"""A migration is frozen code: it never imports the application, whose models and rules move on.

What several migrations share lives in ``migrations/helpers`` (versioned modules never edited after a
release). The scan reads every import, at module level or inside a function.
"""
import ast
from pathlib import Path

import pytest

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
FORBIDDEN = "portal"


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in {
            "import_module", "__import__"
        } and node.args and isinstance(node.args[0], ast.Constant):
            found.append((node.lineno, str(node.args[0].value)))
    return found


def _application_imports(path: Path) -> list[str]:
    return [
        f"{path.relative_to(MIGRATIONS)}:{line} imports {module}"
        for line, module in _imported_modules(ast.parse(path.read_text(), str(path)))
        if module == FORBIDDEN or module.startswith(FORBIDDEN + ".")
    ]


def _sources(folder: str) -> list[Path]:
    paths = sorted((MIGRATIONS / folder).glob("*.py"))
    assert paths, f"no migration sources under {folder}"
    return paths


@pytest.mark.parametrize("folder", ["versions", "helpers"])
def test_no_migration_imports_the_application(folder):
    offenders = [line for path in _sources(folder) for line in _application_imports(path)]
    assert offenders == [], "a migration must not import portal (copy what it needs into migrations/helpers):\n" + (
        "\n".join(offenders))


def test_the_scan_sees_every_way_of_importing(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import portal\nfrom portal.tenancy import rls\n"
        "def upgrade():\n    from portal.crypto import encrypt\n    importlib.import_module('portal.budget')\n"
        "from helpers import rls_v1\nimport portalish\n"
    )
    assert [module for _, module in _imported_modules(ast.parse(sample.read_text()))
            if module == FORBIDDEN or module.startswith(FORBIDDEN + ".")] == [
        "portal", "portal.tenancy", "portal.crypto", "portal.budget"]


def test_a_fresh_process_loads_the_migrations_and_their_helpers():
    """The readiness check and ``flask db heads`` load every migration without running env.py: the
    helpers must be importable from alembic.ini alone."""
    import subprocess
    import sys

    code = ("import sys; from portal.core.health import scripts; heads, known = scripts(sys.argv[1]); "
            "print(len(known))")
    done = subprocess.run([sys.executable, "-c", code, str(MIGRATIONS)], capture_output=True, text=True,
                          cwd=MIGRATIONS.parent, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) == len(_sources("versions"))
