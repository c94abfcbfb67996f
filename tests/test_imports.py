"""Imports flow one way (docs/CONVENTIONS.md): operators -> regularisers -> solvers ->
nets/train/pretrained -> analysis/tasks -> widgets. A module imports only from modules to its
left, never from one to its right, so there are no cycles.

Two checks:

* static: every ``import`` in every file of the package -- including the ones inside functions,
  which is how the old ``regularisers`` <-> ``solvers`` cycle hid -- is read with ``ast`` and
  compared with the layer order below;
* dynamic: each unit is imported *alone* in a fresh interpreter (without running
  ``invlab/__init__.py``, which imports everything), and the invlab modules that got loaded
  must all lie to its left.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "invlab"

#: The layer order. A unit is a top-level module or subpackage of invlab; it may import units
#: of its own layer or of a layer to its left (and the unit graph must stay acyclic). A new
#: module must be placed here, or the tests below fail.
LAYERS = [
    ["_checks"],                                      # argument checks, imports nothing of invlab
    ["operators"],
    ["noise", "metrics", "viz", "data", "_mrdata"],   # the edges: measurements, numbers, pictures
    ["regularisers"],
    ["solvers"],
    ["losses", "nets", "train", "recipes", "pretrained"],  # recipes: how each shipped net is trained
    ["analysis", "tasks", "coursework"],
    ["widgets"],
    ["present"],                                      # the app view: serves the lectures, imports no panel
]
RANK = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(module: str) -> str | None:
    """``invlab.operators.blur`` -> ``operators``; ``invlab`` itself -> None."""
    parts = module.split(".")
    return parts[1] if parts[0] == "invlab" and len(parts) > 1 else None


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Absolute names of the invlab modules that ``source`` (the code of ``module``) imports.

    Relative imports are resolved; ``from . import x`` counts as importing ``package.x``.
    Imports anywhere in the file count, also inside functions and ``if`` blocks.
    """
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "invlab")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "invlab":
                continue
            found.add(target)
            if target == "invlab":  # from . import operators, solvers
                found.update(f"invlab.{a.name}" for a in node.names)
    return found


def _violations(edges) -> list[str]:
    """Edges ``(module, imported, unit, imported_unit)`` that point right, or to an unknown unit."""
    bad = []
    for module, target, u, v in edges:
        if u not in RANK:
            bad.append(f"{module}: unit {u!r} is not placed in LAYERS (tests/test_imports.py)")
        elif v not in RANK:
            bad.append(f"{module} imports {target}: unit {v!r} is not placed in LAYERS")
        elif RANK[v] > RANK[u]:
            bad.append(f"{module} imports {target}, which lies to its right ({u} -> {v})")
    return sorted(set(bad))


def _edges():
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        if module == "invlab":
            continue  # the package root imports everything on purpose
        for target in imported_modules(path.read_text(), module, path.name == "__init__.py"):
            u, v = _unit(module), _unit(target)
            if v is not None and u != v:
                edges.append((module, target, u, v))
    return edges


def _cycle(edges) -> list[str] | None:
    graph: dict[str, set[str]] = {}
    for _, _, u, v in edges:
        graph.setdefault(u, set()).add(v)
    state: dict[str, int] = {}

    def visit(u, path):
        state[u] = 1
        for v in sorted(graph.get(u, ())):
            if state.get(v) == 1:
                return path + [u, v]
            if v not in state and (found := visit(v, path + [u])):
                return found
        state[u] = 2
        return None

    for u in sorted(graph):
        if u not in state and (found := visit(u, [])):
            return found
    return None


def test_every_import_points_left():
    edges = _edges()
    assert edges, "no imports found: is PACKAGE right?"
    assert _violations(edges) == []
    assert _cycle(edges) is None


def test_the_check_catches_the_old_cycle():
    """The regulariser module used to import the solvers inside a function (and the solvers import
    the regularisers): the static check must see such a local import."""
    old = "def prox(self, x, tau):\n    from .solvers import cg\n    return cg\n"
    targets = imported_modules(old, "invlab.regularisers", is_package=False)
    assert targets == {"invlab.solvers"}
    edges = [("invlab.regularisers", t, "regularisers", _unit(t)) for t in targets]
    edges.append(("invlab.solvers._common", "invlab.regularisers", "solvers", "regularisers"))
    assert _violations(edges) == ["invlab.regularisers imports invlab.solvers, which lies to its right "
                                  "(regularisers -> solvers)"]
    assert _cycle(edges) is not None


def test_every_unit_is_placed():
    units = {_unit(_module_name(p)) for p in PACKAGE.rglob("*.py")} - {None}
    assert units <= set(RANK), f"place these in LAYERS: {sorted(units - set(RANK))}"


# Import one unit and all its submodules without running invlab/__init__.py; print what loaded.
_ALONE = """
import importlib, importlib.util, pkgutil, sys, types
spec = importlib.util.find_spec("invlab")
pkg = types.ModuleType("invlab")
pkg.__path__ = list(spec.submodule_search_locations)
sys.modules["invlab"] = pkg
name = "invlab." + sys.argv[1]
mod = importlib.import_module(name)
for info in pkgutil.walk_packages(getattr(mod, "__path__", []), name + "."):
    if not info.name.endswith(".__main__"):  # a command-line entry point runs when imported
        importlib.import_module(info.name)
print(" ".join(sorted(m for m in sys.modules if m.startswith("invlab."))))
"""


def test_each_unit_imports_alone_in_a_fresh_interpreter():
    units = [u for layer in LAYERS for u in layer if (PACKAGE / u).is_dir() or (PACKAGE / f"{u}.py").is_file()]
    procs = {u: subprocess.Popen([sys.executable, "-c", _ALONE, u], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for u in units}
    problems = []
    for u, p in procs.items():  # in dependency order
        out, err = p.communicate(timeout=300)
        if p.returncode:
            problems.append(f"import invlab.{u} alone failed:\n{err[-2000:]}")
            continue
        loaded = {_unit(m) for m in out.split()}
        right = sorted(v for v in loaded if v in RANK and RANK[v] > RANK[u])
        if right:
            problems.append(f"importing invlab.{u} loaded {right}, which lie to its right")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("statement", ["import invlab", "import invlab.widgets"])
def test_package_imports(statement):
    subprocess.run([sys.executable, "-c", statement], check=True, capture_output=True, timeout=300)


def test_package_sources_compile_without_warnings():
    """No ``SyntaxWarning`` (an invalid escape such as ``\\d`` in a docstring) in any module."""
    import warnings
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    for path in sorted((root / "invlab").rglob("*.py")) + sorted((root / "scripts").glob("*.py")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
