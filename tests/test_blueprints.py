"""Each domain's routes are gathered by its ``blueprint.py``: the app registers the blueprints it exports and
nothing else, and a view module never imports another view module at its bottom or inside a function (a
cycle kept out of sight: ``views.py`` loading ``views_orders.py``, which needed ``views.py``)."""
import ast
from pathlib import Path

PORTAL = Path(__file__).resolve().parent.parent / "portal"


def _view_modules() -> list[Path]:
    return sorted(p for p in PORTAL.rglob("*.py") if p.stem.startswith("views") or p.stem.endswith("_views"))


def _imports(node: ast.AST) -> list[ast.ImportFrom | ast.Import]:
    return [n for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom)]


def test_every_domain_with_views_has_a_blueprint_module_and_the_app_registers_only_those():
    domains = {p.parent.name for p in _view_modules() if p.stem != "views_helpers"}
    missing = sorted(d for d in domains if not (PORTAL / d / "blueprint.py").exists())
    assert not missing, f"domains without blueprint.py: {missing}"
    factory = ast.parse((PORTAL / "__init__.py").read_text())
    configure = next(n for n in ast.walk(factory) if isinstance(n, ast.FunctionDef) and n.name == "configure_blueprints")
    # "from .cases.blueprint import bp" and "from .network import blueprint as network" both name a blueprint.py.
    sources = {f"{n.module}.{a.name}" if a.name == "blueprint" else n.module
               for n in _imports(configure) if isinstance(n, ast.ImportFrom) for a in n.names}
    views = sorted(s for s in sources if s and not s.endswith(".blueprint") and s != "accounts.identity")
    assert not views, f"configure_blueprints imports view modules directly: {views}"
    assert {f"{d}.blueprint" for d in domains} <= sources


def test_no_view_module_imports_at_its_bottom_or_inside_a_function():
    found = []
    for path in _view_modules():
        tree = ast.parse(path.read_text())
        seen_code = False
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                if seen_code:
                    found.append(f"{path.relative_to(PORTAL)}:{node.lineno} imports after its code")
            elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):  # the docstring
                seen_code = True
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for node in _imports(function):
                if isinstance(node, ast.ImportFrom) and node.level and (node.module or "").split(".")[-1].startswith("views"):
                    found.append(f"{path.relative_to(PORTAL)}:{node.lineno} imports a view module inside a function")
    assert not found, "\n".join(found)
