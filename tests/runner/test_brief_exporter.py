"""`jupyter nbconvert --to dti_brief`: the runner's brief from a papermill run (one exporter)."""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from importlib.metadata import entry_points
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from batch_notebooks import run_cli
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from analysis.paths import REPO_ROOT
from analysis.runner.brief_exporter import DtiBriefExporter, brief_settings, notebook_parameters
from analysis.runner.export import external_resources, normalise

JUPYTER = str(Path(sys.executable).with_name("jupyter"))
NOTEBOOK = REPO_ROOT / "notebooks" / "01_year_profile.ipynb"


class _Text(HTMLParser):
    """The text a reader sees (no <style>, <title> or <script> contents), whitespace folded."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script", "title")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def test_the_exporter_is_registered_by_entry_point():
    from nbconvert.exporters import get_exporter

    found = {e.name: e for e in entry_points(group="nbconvert.exporters")}
    assert found["dti_brief"].load() is DtiBriefExporter
    assert get_exporter("dti_brief") is DtiBriefExporter


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The runner's brief for 01 (2022, vi) and nbconvert's from papermill's run of it."""
    root = tmp_path_factory.mktemp("exporter")
    proc = run_cli("--years", "2022", "--notebooks", "01", "--out", str(root / "out"))
    assert proc.returncode == 0, proc.stderr
    runner = (root / "out/2022/hai-duong/01_year_profile.vi.html").read_text(encoding="utf-8")
    pm.execute_notebook(str(NOTEBOOK), str(root / "run.ipynb"), parameters={"year": 2022},
                        kernel_name="dti-suite", cwd=str(NOTEBOOK.parent), progress_bar=False)
    done = subprocess.run([JUPYTER, "nbconvert", "--to", "dti_brief", "run.ipynb"], cwd=root,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return runner, (root / "run.html").read_text(encoding="utf-8")


def test_nbconvert_gives_the_runners_brief(both):
    runner, converted = both
    assert visible_text(converted) == visible_text(runner)
    assert "Hải Dương" in visible_text(converted)
    assert converted == runner  # the same bytes, even


def test_the_converted_brief_is_offline_and_has_no_script_and_real_alt_text(both):
    _, converted = both
    assert "<script" not in converted.lower()
    assert external_resources(converted) == []
    assert "No description has been provided" not in converted
    assert all(alt.strip() for alt in re.findall(r'<img [^>]*alt="([^"]*)"', converted))
    assert 'lang="vi"' in converted and "def " not in visible_text(converted)


def test_without_papermill_the_parameters_cell_gives_title_and_language():
    params = new_code_cell('year: int = 2023  # edition\nprovince: str = "Bac Ninh"\n'
                           'lang: str = "en"  # vi or en\n', metadata={"tags": ["parameters"]})
    shown = new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/markdown": "# Year profile"})])
    nb = new_notebook(cells=[new_markdown_cell("# Notebook heading",
                                               metadata={"tags": ["notebook-only"]}),
                             params, shown])
    assert notebook_parameters(nb) == {"year": 2023, "province": "Bac Ninh", "lang": "en"}
    settings = brief_settings(normalise(nb))
    assert settings == {"title": "Year profile — Bắc Ninh · DTI 2023",
                        "kicker": "Bắc Ninh · DTI 2023", "lang": "en"}
    page, _ = DtiBriefExporter().from_notebook_node(nb)
    assert 'lang="en"' in page and "Notebook heading" not in page
    assert "<title>Year profile — Bắc Ninh · DTI 2023</title>" in page


def test_a_chart_keeps_its_own_alt_text():
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    chart = new_code_cell("", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": png},
        metadata={"image/png": {"alt": "Hạng DTI của Hải Dương qua các kỳ"}})])
    page, _ = DtiBriefExporter().from_notebook_node(new_notebook(cells=[chart]))
    assert re.findall(r'<img [^>]*alt="([^"]*)"', page) == ["Hạng DTI của Hải Dương qua các kỳ"]


def test_a_heading_moves_into_the_output_after_it_so_print_keeps_them_together():
    from analysis.runner.brief_exporter import _keep_headings_with_next

    child = ('<div class="jp-OutputArea-child">\n<div class="jp-RenderedHTMLCommon '
             'jp-RenderedMarkdown jp-OutputArea-output " data-mime-type="text/markdown">\n{}\n'
             '</div>\n</div>\n')
    page = (child.format('<h2 id="Method">Method<a class="anchor-link" href="#Method">¶</a></h2>')
            + child.format("<p>The index is published yearly.</p>"))
    kept = _keep_headings_with_next(page)
    assert kept.count('<div class="jp-OutputArea-child">') == 1
    assert re.search(r"</h2>\s*<p>The index", kept)
    # A heading with text of its own in its output stays where it is.
    mixed = child.format("<h2>Sources</h2><ol><li>a</li></ol>") + child.format("<p>x</p>")
    assert _keep_headings_with_next(mixed) == mixed
