"""The import graph reader (`runner.imports`), on a small package written for each test: every
kind of import is an arrow, a name imported from a module is that module, a package's
`__init__` counts for what lies in it, and a notebook's imports are read as the kernel runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.runner.imports import (
    graph,
    module_imports,
    notebook_imports,
    notebook_modules,
    package_modules,
    reachable,
)

FILES = {
    "__init__.py": "",
    "base.py": "X = 1\n",
    "top.py": "from pkg.base import X\n\ndef later():\n    import pkg.sub.deep\n",
    "relative.py": "from . import base\nfrom .sub import deep\n",
    "sub/__init__.py": "",
    "sub/deep.py": "from .. import base\nimport json\n",
    "alone.py": "import os\n",
}


@pytest.fixture
def modules(tmp_path) -> dict[str, Path]:
    for name, text in FILES.items():
        (tmp_path / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "pkg" / name).write_text(text, encoding="utf-8")
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "stale.py").write_text("import pkg.alone\n")
    return package_modules(tmp_path / "pkg")


def test_every_module_is_named_by_its_path_and_a_package_by_its_init(modules, tmp_path):
    assert set(modules) == {"pkg", "pkg.base", "pkg.top", "pkg.relative", "pkg.sub",
                            "pkg.sub.deep", "pkg.alone"}
    assert modules["pkg.sub"] == tmp_path / "pkg" / "sub" / "__init__.py"


def test_a_name_from_a_module_and_a_function_level_import_are_arrows(modules):
    assert module_imports("pkg.top", modules) == {"pkg.base", "pkg.sub.deep"}


def test_relative_imports_are_resolved_and_outside_modules_left_out(modules):
    assert module_imports("pkg.relative", modules) == {"pkg", "pkg.base", "pkg.sub",
                                                       "pkg.sub.deep"}
    assert module_imports("pkg.sub.deep", modules) == {"pkg", "pkg.base"}
    assert module_imports("pkg.alone", modules) == set()


def test_what_a_module_reaches_includes_the_packages_above_it(modules):
    edges = graph(modules)
    assert reachable({"pkg.top"}, edges) == {"pkg.top", "pkg", "pkg.base", "pkg.sub",
                                             "pkg.sub.deep"}
    assert reachable({"pkg.alone", "not.a.module"}, edges) == {"pkg.alone", "pkg"}


def test_a_notebook_is_read_as_its_kernel_runs_it(modules):
    nb = {"cells": [
        {"cell_type": "markdown", "source": "import pkg.alone"},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "from pkg.base import X\n"]},
        {"cell_type": "code", "source": "!pip list\nimport pkg.sub"},
        {"cell_type": "code", "source": "from . import relative"},
        {"cell_type": "code", "source": "import pkg.top +"},  # does not parse: skipped
    ]}
    assert notebook_imports(nb) == {"pkg.base", "pkg.base.X", "pkg.sub"}
    assert notebook_modules(nb, modules) == {"pkg.base", "pkg.sub"}
    assert notebook_imports({}) == set()
