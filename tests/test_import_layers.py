"""The layers of portal/: a package may import its own layer and those below, never one above (function-local
imports count). Domains talk upward through blinker signals (docs/architecture.md).

The violations left are listed in ALLOWED, each with why; the list only shrinks: a new violation fails,
and so does an entry that no longer occurs (remove it).
"""
import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# Lowest first. A top-level module (portal/x.py) is named "(x)".
LAYERS: list[tuple[str, set[str]]] = [
    ("infrastructure", {"(extensions)", "(models_base)", "(config)", "(crypto)", "(i18n)", "(joblock)", "(jobs)", "(worker)",
                        "(logs)", "(backup)"}),
    ("foundation", {"tenancy", "accounts", "audit", "core"}),
    ("shared services", {"notifications", "(mail)", "directory", "network", "exports"}),
    ("people", {"people"}),
    ("referrals", {"referrals"}),
    ("cases", {"cases"}),
    ("budget", {"budget", "documents"}),
    ("oversight", {"alerts", "monitoring", "reports", "forum", "governance", "imports"}),
    ("interfaces", {"api", "region", "guide"}),
    ("wiring", {"(__init__)", "(db)", "(cli)", "(security)", "(assets)", "seed"}),
]
RANK = {unit: rank for rank, (_name, units) in enumerate(LAYERS) for unit in units}

# (importing file, imported module): why it is still there. Shrink only.
ALLOWED: dict[tuple[str, str], str] = {}  # none left since 06/12/2026


def unit_of(path: Path) -> str:
    parts = path.relative_to(PORTAL).parts
    return parts[0] if len(parts) > 1 else f"({parts[0].removesuffix('.py')})"


def unit_of_module(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "portal" or len(parts) < 2:
        return None
    if parts[1] == "__init__":
        return "(__init__)"
    return parts[1] if (PORTAL / parts[1]).is_dir() else f"({parts[1]})"


def imported_modules(path: Path, source: str | None = None) -> set[str]:
    """Absolute names of the portal modules ``path`` imports, at module level or inside functions."""
    package = ["portal", *path.relative_to(PORTAL).parts[:-1]]
    found = set()
    for node in ast.walk(ast.parse(source if source is not None else path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            if node.module:
                found.add(module)
            else:  # from .. import cases: a name is a module of that package, or something its __init__ defines
                folder = PORTAL.parent.joinpath(*module.split("."))
                found |= {f"{module}.{alias.name}" if (folder / alias.name).is_dir()
                          or (folder / f"{alias.name}.py").is_file() else f"{module}.__init__" for alias in node.names}
    return {m for m in found if m.startswith("portal.")}


def upward_imports() -> dict[tuple[str, str], str]:
    out = {}
    for path in sorted(PORTAL.rglob("*.py")):
        source_unit = unit_of(path)
        for module in imported_modules(path):
            target = unit_of_module(module)
            if target is None or target == source_unit:
                continue
            assert source_unit in RANK and target in RANK, f"place {source_unit} and {target} in LAYERS"
            if RANK[target] > RANK[source_unit]:
                out[(str(path.relative_to(PORTAL.parent)), module)] = f"{source_unit} -> {target}"
    return out


def test_no_lower_layer_imports_a_higher_one():
    found = upward_imports()
    new = sorted(f"{file} imports {module} ({edge})" for (file, module), edge in found.items()
                 if (file, module) not in ALLOWED)
    assert new == [], "a lower layer imports a higher one (send a signal instead):\n" + "\n".join(new)


def test_the_allow_list_only_shrinks():
    found = upward_imports()
    gone = sorted(f"{file} -> {module}" for file, module in ALLOWED if (file, module) not in found)
    assert gone == [], "no longer imported: remove from ALLOWED\n" + "\n".join(gone)


def test_every_package_has_a_layer():
    units = {unit_of(p) for p in PORTAL.rglob("*.py")}
    assert units - set(RANK) == set(), "place the new package in LAYERS"


def test_the_scan_sees_function_local_and_relative_imports():
    source = ("from ..alerts.hooks import changed\nimport portal.budget\n"
              "def f():\n    from ..cases import diary\n    from .. import referrals\n    from .models import Person\n")
    assert imported_modules(PORTAL / "people" / "gdpr.py", source) == {
        "portal.alerts.hooks", "portal.budget", "portal.cases", "portal.referrals", "portal.people.models"}
