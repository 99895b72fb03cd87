"""The import graph of a package, read from its source with `ast`: which of its modules a module
or a notebook imports, and every module they reach.

Why from the source, not from `sys.modules` after a run: the runner decides what a run depends on
before it runs it (to skip it when nothing changed), and a kernel forked from the warm template
has imported far more than its notebook needs. The rules:

- every `import` is an arrow, wherever it stands (a function-level import is a dependency too,
  only a later one), relative imports included;
- a name imported from a module (`from analysis.data import load_dti`) is that module;
- importing a module runs the `__init__` of every package above it, so those count too.

Used by `runner.incremental` (the code a run can execute) and by `tests/test_layers.py` (the
arrows of the house point one way).
"""

from __future__ import annotations

import ast
from pathlib import Path


def package_modules(package_dir: Path) -> dict[str, Path]:
    """{dotted name: file} of every module of the package at `package_dir` (named after its
    folder; a package's name stands for its `__init__.py`)."""
    package_dir = Path(package_dir)
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = (package_dir.name, *path.relative_to(package_dir).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def module_of(name: str, modules: dict[str, Path]) -> str | None:
    """The module a dotted name lies in (`analysis.ingest.dates.parse` -> its module), or None
    when it is not one of `modules`."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def source_imports(source: str, package: str = "") -> set[str]:
    """Every dotted name a Python source imports, anywhere in it (`from x import y`: x and x.y;
    relative imports resolved against `package`, the package the source lies in)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from .y import z
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.update([f"{base}.{alias.name}" for alias in node.names] + [base])
    return found


def module_imports(module: str, modules: dict[str, Path]) -> set[str]:
    """The modules of `modules` that `module` imports, anywhere in its source (not itself)."""
    path = modules[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = source_imports(path.read_text(encoding="utf-8"), package)
    return {module_of(name, modules) for name in names} - {None, module}


def graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module of `modules` and the modules of `modules` it imports."""
    return {name: module_imports(name, modules) for name in modules}


def reachable(roots, edges: dict[str, set[str]]) -> set[str]:
    """`roots` and every module they import, directly or not, with the packages that hold them
    (their `__init__` runs first); names not in `edges` are left out."""
    seen: set[str] = set()
    todo = [name for name in roots if name in edges]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        parents = [name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)]
        todo += [other for other in (*edges[name], *parents) if other in edges]
    return seen


def notebook_imports(nb) -> set[str]:
    """Dotted names a notebook's code cells import (`import x`: x; `from x import y`: x and
    x.y); magics and shell lines, relative imports and cells that do not parse are left out."""
    names: set[str] = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        code = "\n".join(line for line in source.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        try:
            names |= source_imports(code)
        except SyntaxError:
            continue
    return {name for name in names if name and not name.startswith(".")}


def notebook_modules(nb, modules: dict[str, Path]) -> set[str]:
    """The modules of `modules` that a notebook imports."""
    return {found for name in notebook_imports(nb) if (found := module_of(name, modules))}
