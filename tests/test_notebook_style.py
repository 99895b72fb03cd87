"""The notebooks style their own outputs (analysis.notebook_style): JupyterLab, VS Code or a
plain nbconvert page show the glance box, grids, legends and citations as the brief does."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from analysis.html_contract import brief_css
from analysis.notebook_style import CONTRACT_CLASSES, MARK, _rules, stylesheet
from analysis.paths import REPO_ROOT

JUPYTER = str(Path(sys.executable).with_name("jupyter"))


class _Classes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "class" and value:
                self.found.update(value.split())


def _classes(html: str) -> set[str]:
    parser = _Classes()
    parser.feed(html)
    return parser.found


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else value


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> nbformat.NotebookNode:
    """02_trends (its defaults: Hải Dương, every edition) run by `jupyter execute`."""
    folder = tmp_path_factory.mktemp("style")
    path = folder / "02_trends.ipynb"
    shutil.copy(REPO_ROOT / "notebooks" / "02_trends.ipynb", path)
    proc = subprocess.run([JUPYTER, "execute", "--inplace", str(path)], cwd=folder,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return nbformat.read(path, as_version=4)


def _outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


def test_every_class_the_outputs_use_is_styled_by_the_notebooks_own_outputs(executed):
    styles, used = [], set()
    for output in _outputs(executed):
        data = output.get("data", {})
        html = _text(data.get("text/html", "")) + _text(data.get("text/markdown", ""))
        if output.get("metadata", {}).get(MARK):
            styles += re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
        else:
            used |= _classes(html)
    assert len(styles) == 1  # shown once
    css = styles[0]
    assert {"glance", "grid", "heat-3"} <= used  # the outputs do use the contract

    def styled(cls, sheet):
        return re.search(rf"\.{re.escape(cls)}(?![-\w])", sheet)

    # A class the brief's own stylesheet has no screen rule for either (a marker, e.g.
    # `n-units`, or `short`, which only keeps a table on one printed page) has no look to
    # carry; every other class must be styled by the notebook's own output.
    screen = "\n".join(f"{selector} {{}}" for selector, _ in _rules(brief_css()))
    looks = {c for c in used if styled(c, screen)}
    assert {c for c in looks if not styled(c, css)} == set()


def test_the_stylesheet_touches_only_the_briefs_outputs():
    # every selector names a class of the brief's HTML: nothing for JupyterLab's own interface
    for rule in stylesheet().splitlines():
        selectors = rule.split("{")[0]
        assert ".jp-" not in selectors and ":root" not in selectors, rule
        for selector in re.split(r",\s*(?![^()]*\))", selectors):
            assert set(re.findall(r"\.([-\w]+)", selector)) & CONTRACT_CLASSES, selector
    assert "var(" not in stylesheet()  # colours written out: an output has no :root


def test_the_brief_leaves_the_notebooks_stylesheet_out(executed):
    from analysis.runner.brief_exporter import DtiBriefExporter

    page, _ = DtiBriefExporter().from_notebook_node(executed)
    assert page.count("<style>") == 1  # the brief's own, in its head
    assert "section.glance" in page.split("</head>")[0]
