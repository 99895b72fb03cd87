"""The notebooks: committed clean, and executed with papermill for several parameter sets.

Each execution starts a kernel (a few seconds); the set below is kept small on purpose.
"""

from __future__ import annotations

import base64
import html
import io
import re

import nbformat
import pandas as pd
import papermill as pm
import pytest

from analysis import data
from analysis.paths import NOTEBOOKS_DIR

KERNEL = "dti-suite"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
PARAMETER_LINE = re.compile(r"^[a-z_][a-z0-9_]*: (int|str|list|float|bool) = \S.*  # \S.*$")


def _code_cells(book):
    return [cell for cell in book.cells if cell.cell_type == "code"]


# --- the committed files ------------------------------------------------------------------------

def test_the_three_notebooks_exist():
    assert [path.name for path in NOTEBOOKS] == [
        "01_year_profile.ipynb", "02_trends.ipynb", "03_target_revisions.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    assert book.nbformat == 4
    spec = book.metadata["kernelspec"]
    assert (spec["name"], spec["display_name"], spec["language"]) == (
        KERNEL, "DTI suite (.venv)", "python")
    assert book.cells[0].cell_type == "markdown" and book.cells[0].source.startswith("# ")
    for cell in _code_cells(book):
        assert cell.outputs == [] and cell.execution_count is None, "outputs must be stripped"
        assert "def " not in cell.source and "lambda" not in cell.source, "no functions"
        assert "/work" not in cell.source and "data/" not in cell.source, "no hard-coded paths"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_code_cell_holds_the_parameters_papermill_reads(path):
    book = nbformat.read(path, as_version=4)
    first = _code_cells(book)[0]
    assert "parameters" in first.metadata.get("tags", [])
    lines = [line for line in first.source.splitlines() if line.strip()]
    for line in lines:
        assert PARAMETER_LINE.match(line), f"not `name: type = value  # help`: {line!r}"
    names = [line.split(":")[0] for line in lines]
    inspected = pm.inspect_notebook(str(path))
    assert list(inspected) == names
    assert all(inspected[name]["help"] for name in names)
    # the second code cell checks them
    assert "check_params(" in _code_cells(book)[1].source


# --- executions --------------------------------------------------------------------------------

def _run(name: str, tmp_path, **parameters):
    output = tmp_path / f"{name}.out.ipynb"
    pm.execute_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"), str(output), parameters=parameters,
                        kernel_name=KERNEL, cwd=str(tmp_path), progress_bar=False,
                        log_output=False)
    return nbformat.read(output, as_version=4)


def _outputs(book):
    """What a reader sees: every output but the notebook's own stylesheet (notebook_style)."""
    return [output for cell in _code_cells(book) for output in cell.get("outputs", [])
            if not output.get("metadata", {}).get("dti-stylesheet")]


def _text(book) -> str:
    parts = []
    for output in _outputs(book):
        if output.output_type == "stream":
            parts.append(output.text)
        for kind in ("text/markdown", "text/plain", "text/html"):
            if kind in output.get("data", {}):
                parts.append(output["data"][kind])
    # What a reader reads: a figure's element and its marks do not split "13/63".
    return html.unescape(re.sub(r"<[^>]+>", "", "\n".join(parts)))


def _identified_targets() -> str:
    status = data.load_target_status()
    return f"{data.load_targets()['target_id'].nunique()}/{int(status['of_total'].iloc[0])}"


RUNS = [
    # notebook, parameters, text expected in the outputs (the at-a-glance box and tables)
    ("01_year_profile", {}, ["DTI 2022: hạng 13/63, điểm 0,6383", "0,5786", "Tăng 1 bậc"]),
    ("01_year_profile", {"year": 2021}, ["DTI 2021: hạng 14/63, điểm 0,4843"]),
    ("01_year_profile", {"year": 2023}, ["điểm và thứ hạng DTI 2023 của Hải Dương"]),
    ("01_year_profile", {"year": 2024, "lang": "en"},
     ["Hải Phòng (the post-merger unit that includes Hải Dương), rank 3 of the 34 new provincial units"]),
    ("02_trends", {}, ["Thứ hạng DTI gần nhất của Hải Dương: 13/63 (DTI 2022)", "xếp thứ 3 trong 34 đơn vị cấp tỉnh mới"]),
    ("02_trends", {"province": "Lai Châu", "year": 2023}, ["Lai Châu", "53/63"]),
    ("03_target_revisions", {}, ["chỉ tiêu", "06-NQ/TU"]),
]



def _html_outputs(book) -> str:
    return "\n".join(o["data"]["text/html"] for o in _outputs(book)
                     if "text/html" in o.get("data", {}))


def _check_reader_html(book, lang):
    """The brief's structure: glance box first, numbered citations that resolve, a source
    list, a CSV of load_dti() rows, reader tables without Styler, no raw source ids."""
    page = _html_outputs(book)
    _title, nav, glance = _outputs(book)[:3]
    assert nav["data"]["text/html"].startswith('<p class="brief-nav">')  # links, then the glance
    assert glance["data"]["text/html"].startswith('<section class="glance">')
    assert page.count('<ol class="sources">') == 1
    ids = set(re.findall(r'id="([^"]+)"', page))
    for target in re.findall(r'href="#([^"]+)"', page):
        assert target in ids, f"link to #{target} resolves"
    assert re.search(r'<sup class="cite"><a href="#src-1">\[1\]</a></sup>', page)
    assert "T_brief" not in page and 'class="dataframe"' not in page
    shown = _text(book)
    registry = data.load_sources()["source_id"]
    assert not [sid for sid in registry if sid in shown], "no raw source id shown"
    link = re.search(r'<a class="download" download="[^"]+\.csv" '
                     r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]*)">', page)
    assert link, "a CSV download link"
    payload = base64.b64decode(link[1])
    assert payload.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, for Excel"
    table = pd.read_csv(io.StringIO(payload.decode("utf-8-sig")), dtype=str,
                        keep_default_na=False)
    assert list(table.columns[:10]) == ["year", "unit", "unit_system", "measure", "kind",
                                        "value", "status", "source_url", "publisher", "title"]
    rows = set(re.findall(r'data-csv="(\d+)"', page))
    assert rows and all(1 <= int(k) <= len(table) for k in rows), "every figure has its row"
    dti = data.load_dti()
    for r in table[table["kind"].isin(["score", "rank", "average"])].itertuples():
        column = "rank" if r.kind == "rank" else "score"
        for sid in r.source_id.split():
            given = dti[dti["year"].eq(int(r.year)) & dti["unit"].eq(r.unit)
                        & dti["measure"].eq(r.measure) & dti["source_id"].eq(sid)][column]
            assert (given.astype(float) - float(r.value)).abs().min() < 5e-5, \
                f"{sid} states {r.kind} {r.value} of {r.unit} {r.year}"
    if lang == "vi":
        assert "chưa công bố" not in shown.lower()


@pytest.mark.parametrize("name, parameters, expected", RUNS,
                         ids=[f"{n}-{'-'.join(map(str, p.values())) or 'defaults'}"
                              for n, p, _ in RUNS])
def test_notebook_runs_and_shows_the_figures(tmp_path, name, parameters, expected):
    book = _run(name, tmp_path, **parameters)
    outputs = _outputs(book)
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], \
        "no warnings printed"
    first = outputs[0]
    assert first.output_type == "display_data" and first.data["text/markdown"].startswith("# ")
    # 01's one chart, the indicator profile, needs Hải Dương's own pillar or indicator ranks of
    # the year: published for 2020 and 2021 only. Elsewhere the brief says so instead.
    draws_chart = name != "01_year_profile" or parameters.get("year") in (2020, 2021)
    assert any("image/png" in o.get("data", {}) for o in outputs) == draws_chart, "charts"
    text = _text(book)
    for snippet in expected:
        assert snippet in text
    _check_reader_html(book, parameters.get("lang", "vi"))
    if name == "03_target_revisions":
        assert _identified_targets() in text
    if parameters.get("lang") == "en":
        assert "chưa công bố" not in text and "chưa được công bố" not in text
    else:
        assert "not published" not in text


@pytest.mark.parametrize("parameters, expected", [
    ({"province": "Hai Duongg"}, ["province='Hai Duongg'", "closest: Hải Dương"]),
    ({"province": "Hà Tây"}, ["province='Hà Tây' is a former province, now part of Hà Nội",
                              "https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province"]),
    ({"year": 2019}, ["year=2019", ", ".join(str(y) for y in data.editions())]),
], ids=["unknown-province", "former-province", "year-without-edition"])
def test_bad_parameter_stops_in_the_check_cell_with_one_line(tmp_path, parameters, expected):
    with pytest.raises(pm.PapermillExecutionError) as caught:
        _run("01_year_profile", tmp_path, **parameters)
    error = caught.value
    assert error.ename == "UserError"
    assert "check_params(" in error.source
    lines = [line for line in error.traceback if line.strip()]
    assert len(lines) == 1, "one line, no traceback"
    for snippet in expected:
        assert snippet in str(error)


HOSTILE_PUBLISHER = '<img src=x onerror="alert(1)">Evil Press'
HOSTILE_TITLE = "<script>alert(2)</script>"


def test_hostile_source_text_is_inert_in_the_reader_html(tmp_path, monkeypatch):
    """A publisher, title and URL from the data with markup in them reach the brief's tables,
    glance box and source list as text (the HTML export's sanitiser is the second line)."""
    from data_helpers import copy_data

    root = copy_data(tmp_path)
    path = root / "processed" / "sources.csv"
    sources = pd.read_csv(path, dtype=str, keep_default_na=False)
    cited = sources["source_id"].str.startswith("dti-gov-vn")
    sources.loc[cited, "publisher"] = HOSTILE_PUBLISHER
    sources.loc[cited, "title"] = HOSTILE_TITLE
    sources.loc[cited, "url"] = "javascript:alert(3)"
    sources.to_csv(path, index=False, lineterminator="\n")
    monkeypatch.setenv("DTI_DATA_DIR", str(root))
    book = _run("01_year_profile", tmp_path)
    page = _html_outputs(book)
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page, "the hostile source is listed"
    assert "<script" not in page and "<img" not in page
    assert 'href="javascript' not in page


def test_the_targets_notebook_says_what_its_year_means():
    book = nbformat.read(NOTEBOOKS_DIR / "03_target_revisions.ipynb", as_version=4)
    help_text = pm.inspect_notebook(str(NOTEBOOKS_DIR / "03_target_revisions.ipynb"))["year"]["help"]
    assert "last DTI edition compared with the targets" in help_text
    assert "narrative.title(" in _code_cells(book)[1].source  # and the title says it too
