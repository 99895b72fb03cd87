"""The layers of `analysis`, read from the source: arrows point one way.

Every `import` of an `analysis` module is an arrow, wherever it stands (a function-level import
is a dependency too, only a later one). No arrow may close a cycle; the ingest tool never
imports the runner; the notebooks import neither; a name meant to be defined once is.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from analysis.paths import NOTEBOOKS_DIR, REPO_ROOT

PACKAGE = REPO_ROOT / "src" / "analysis"
# The batch runner and what only it uses. `datalock` is not among them: it is the lock both tools
# take on the data folder (the runner reading, `build` and `import-dti` writing), a base module.
# `dataset` is: the runner publishes it beside the briefs.
RUNNER = {
    "batch", "kernels", "forkserver", "kernel_streams", "incremental", "html_export",
    "brief_exporter", "publish", "index_page", "papermill_engine", "journal", "dataset",
}


def module_name(path: Path) -> str:
    """`src/analysis/ingest/build.py` -> "analysis.ingest.build" (a package: its own name)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(tree: ast.AST, importer: str) -> set[str]:
    """The `analysis` modules a parsed file imports, anywhere in it."""
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .y import z
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in MODULES:  # analysis.ingest.dates.parse -> its module
                name = name.rpartition(".")[0]
            if name and name != importer:
                found.add(name)
    return found


def graph() -> dict[str, set[str]]:
    """Each `analysis` module and the `analysis` modules it imports."""
    return {name: imported(ast.parse(path.read_text(encoding="utf-8")), name)
            for name, path in MODULES.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as a path that ends where it starts, or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return []

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return []


def test_the_graph_reader_sees_the_imports_it_must():
    edges = graph()
    assert "analysis.ingest.dates" in edges["analysis.i18n"]  # a module-level `from … import`
    assert "analysis.ingest.validate" in edges["analysis.cli"]  # inside a function
    assert "analysis.measures" in edges["analysis.ingest.schemas"]
    assert "analysis.ingest.official_table" in edges["analysis.ingest.build"]  # from pkg import mod


def test_find_cycle_finds_one_and_only_one_that_is_there():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_no_import_cycle():
    cycle = find_cycle(graph())
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_measures_imports_nothing_of_the_package():
    assert graph()["analysis.measures"] == set()


def test_the_ingest_tool_never_imports_the_runner():
    edges = graph()
    bad = {(name, target) for name, targets in edges.items() if name.startswith("analysis.ingest")
           for target in targets if target.removeprefix("analysis.") in RUNNER
           or target.startswith("analysis.runner")}
    assert bad == set()


def _notebook_imports(path: Path) -> set[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    found = set()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {name for name in found if name in MODULES}


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.stem)
def test_the_notebooks_import_neither_the_ingest_tool_nor_the_runner(notebook):
    used = _notebook_imports(notebook)
    assert used, "the notebook imports no analysis module: the check would prove nothing"
    assert {m for m in used if m.startswith(("analysis.ingest", "analysis.runner"))
            or m.removeprefix("analysis.") in RUNNER} == set()


@pytest.mark.parametrize("name", ["DTI_KEY", "label"])
def test_defined_once(name):
    where = []
    for module, path in MODULES.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = ([t.id for t in node.targets if isinstance(t, ast.Name)]
                       if isinstance(node, ast.Assign) else
                       [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [])
            if name in targets:
                where.append(module)
    assert len(where) == 1, f"{name} defined in {where}"
