"""The layers of `analysis`, read from the source: arrows point one way.

Every `import` of an `analysis` module is an arrow, wherever it stands (a function-level import
is a dependency too, only a later one); the graph is read by `analysis.runner.imports`, the
reader the incremental build uses. No arrow may close a cycle; the ingest tool never imports the
runner; the top layer (what the notebooks use, and the base) never imports the runner either, but
for `cli`, the command line, which hands `run` to `runner.batch` (and `__main__`, which only calls
`cli`); the notebooks import neither tool; a name meant to be defined once is; every module is
imported by a test of its mirror folder (`tests/runner/`, `tests/ingest/`, the rest `tests/`).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from analysis.paths import NOTEBOOKS_DIR, REPO_ROOT
from analysis.runner.imports import (
    graph,
    module_of,
    notebook_modules,
    package_modules,
    source_imports,
)

PACKAGE = REPO_ROOT / "src" / "analysis"
MODULES = package_modules(PACKAGE)
RUNNER = "analysis.runner"
INGEST = "analysis.ingest"
# The one door from the top layer into the runner: the command line dispatches `run` to it.
TOP_INTO_RUNNER = {"analysis.cli": {"analysis.runner.batch"}}


def in_layer(module: str, layer: str) -> bool:
    """Whether `module` is the package `layer` or lies in it."""
    return module == layer or module.startswith(layer + ".")


def test_the_package_is_read_whole():
    assert {"analysis", "analysis.cli", "analysis.ingest", "analysis.ingest.dates",
            "analysis.runner", "analysis.runner.batch"} <= set(MODULES)
    assert MODULES["analysis.ingest"] == PACKAGE / "ingest" / "__init__.py"


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
    edges = graph(MODULES)
    assert "analysis.ingest.dates" in edges["analysis.i18n"]  # a module-level `from … import`
    assert "analysis.ingest.validate" in edges["analysis.cli"]  # inside a function
    assert "analysis.measures" in edges["analysis.ingest.schemas"]
    assert "analysis.ingest.official_table" in edges["analysis.ingest.build"]  # from pkg import mod


def test_find_cycle_finds_one_and_only_one_that_is_there():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]


def test_no_import_cycle():
    cycle = find_cycle(graph(MODULES))
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_measures_imports_nothing_of_the_package():
    assert graph(MODULES)["analysis.measures"] == set()


def test_the_ingest_tool_never_imports_the_runner():
    bad = {(name, target) for name, targets in graph(MODULES).items() if in_layer(name, INGEST)
           for target in targets if in_layer(target, RUNNER)}
    assert bad == set()


def test_the_top_layer_enters_the_runner_only_through_the_command_line():
    edges = graph(MODULES)
    bad = {(name, target) for name, targets in edges.items()
           if not in_layer(name, RUNNER) and not in_layer(name, INGEST)
           for target in targets if in_layer(target, RUNNER)
           and target not in TOP_INTO_RUNNER.get(name, set())}
    assert bad == set()
    assert edges["analysis.__main__"] == {"analysis.cli"}


def test_the_runner_package_itself_imports_nothing():
    # A kernel imports `analysis.runner.forkserver` and `.kernel_streams`: the package's
    # __init__ runs first, and must not load the rest of the runner into every kernel.
    assert graph(MODULES)[RUNNER] == set()


@pytest.mark.parametrize("notebook", sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")),
                         ids=lambda p: p.stem)
def test_the_notebooks_import_neither_the_ingest_tool_nor_the_runner(notebook):
    used = notebook_modules(json.loads(notebook.read_text(encoding="utf-8")), MODULES)
    assert used - {"analysis"}, "the notebook imports no analysis module: the check proves nothing"
    assert {m for m in used if in_layer(m, INGEST) or in_layer(m, RUNNER)} == set()


def _tested_directly(folder: Path) -> set[str]:
    """The `analysis` modules the test files of `folder` import by name."""
    return {module for path in folder.glob("test_*.py")
            for name in source_imports(path.read_text(encoding="utf-8"))
            if (module := module_of(name, MODULES))}


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


@pytest.mark.parametrize("layer, folder", [(RUNNER, "runner"), (INGEST, "ingest")])
def test_every_tool_module_has_a_test_in_its_mirror_folder_that_imports_it(layer, folder):
    modules = {name for name in MODULES if in_layer(name, layer) and name != layer}
    assert modules - _tested_directly(Path(__file__).parent / folder) == set()


def test_every_top_and_base_module_has_a_flat_test_that_imports_it():
    flat = {name for name in MODULES if not in_layer(name, RUNNER) and not in_layer(name, INGEST)}
    # `__main__` only calls `cli.main` (the command-line tests run `python -m analysis`).
    assert flat - {"analysis", "analysis.__main__"} - _tested_directly(Path(__file__).parent) == set()


def test_the_readme_layout_table_names_every_module():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    short = {name: name.removeprefix("analysis.") for name in MODULES}
    # a subpackage is named as its folder ("`runner/`"), a module by its dotted name
    named = {name for name in MODULES if name not in ("analysis", "analysis.__main__")
             and f"| `{short[name]}` |" not in readme and f"| `{short[name]}/` |" not in readme}
    assert named == set(), "add a line to README's Layout table for each"
