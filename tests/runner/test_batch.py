"""`python -m analysis run` on the fixture notebooks (tests/fixtures/notebooks) into a temp --out.

Fixtures: 01 prints its parameters, draws a chart, shows a table whose note holds `<script>`,
and links a source; 02 raises for year 2023 and emits a warning; 03 has no province parameter
and sets a seaborn theme (state a reused kernel must not leak into the next run).

Two real batches run once per module: kernels forked from the warm template (jobs 2) and kernels
started from scratch (--fresh-kernels); both give every run a new kernel process.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from analysis import cli
from analysis.runner import batch, execute
from analysis.runner.export import external_resources, normalise

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks"
PY = sys.executable
ARGS = ["--notebooks-dir", str(FIXTURES), "--years", "2022,2023", "--jobs", "2", "--quiet"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "analysis", "run", *args], check=False, cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def reused(tmp_path_factory):
    out = tmp_path_factory.mktemp("reused")
    return out, run_cli(*ARGS, "--out", str(out))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("fresh")
    return out, run_cli(*ARGS, "--out", str(out), "--fresh-kernels")


def briefs(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if p.name != "index.html")


EXPECTED = {
    "2022/all/03_fixture_targets.vi.html", "2023/all/03_fixture_targets.vi.html",
    "2022/hai-duong/01_fixture_profile.vi.html", "2023/hai-duong/01_fixture_profile.vi.html",
    "2022/hai-duong/02_fixture_trends.vi.html",
}
FAILED = "2023/hai-duong/02_fixture_trends.vi"


def test_failed_run_gives_exit_1_and_the_others_are_published(reused):
    out, proc = reused
    assert proc.returncode == 1, proc.stderr
    assert {p.relative_to(out).as_posix() for p in briefs(out)} == EXPECTED
    for html in EXPECTED:
        assert (out / html).with_suffix(".ipynb").exists()
    assert not (out / f"{FAILED}.html").exists()
    failed_nb = out / "_failed" / f"{FAILED}.ipynb"
    assert "fixture failure for year 2023" in failed_nb.read_text(encoding="utf-8")
    assert "failed" in proc.stdout and "0 up to date, 5 rebuilt, 1 failed" in proc.stdout
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_index_lists_every_brief_and_the_failure(reused):
    out, _ = reused
    index = (out / "index.html").read_text(encoding="utf-8")
    links = set(re.findall(r'href="([^"]+)"', index))
    assert EXPECTED <= links
    assert f"_failed/{FAILED}.ipynb" in links
    assert '<td class="failed" lang="vi">' in index  # index words: runner.index_page
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    for key in ("git_commit", "data_files", "packages", "duration_s", "parameters"):
        assert f'"{key}"' in manifest


def test_briefs_have_no_code_no_network_and_escape_data(reused):
    out, _ = reused
    for path in briefs(out):
        page = path.read_text(encoding="utf-8")
        assert '<meta charset="utf-8"' in page
        assert external_resources(page) == []
        assert "<script" not in page.lower() and "<link" not in page.lower()
        without_links = re.sub(r"<a\b[^>]*>", "", page)
        assert "http://" not in without_links and "https://" not in without_links, path
        for code in ("plt.subplots", "print(f", "import ", "In&nbsp;[", "Out["):
            assert code not in page, (path, code)
    profile = (out / "2022/hai-duong/01_fixture_profile.vi.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in profile
    assert re.search(r"<title>[^<]*Hồ sơ chỉ số DTI[^<]*Hải Dương[^<]*2022[^<]*</title>", profile)
    assert 'src="data:image/png;base64,' in profile
    assert '<a href="https://dti.gov.vn/">' in profile


def test_forked_kernels_give_the_same_bytes_as_kernels_started_from_scratch(reused, fresh):
    (out_a, _), (out_b, proc_b) = reused, fresh
    assert proc_b.returncode == 1, proc_b.stderr
    files_a = sorted(p.relative_to(out_a) for p in out_a.rglob("*") if p.suffix in (".html", ".ipynb"))
    files_b = sorted(p.relative_to(out_b) for p in out_b.rglob("*") if p.suffix in (".html", ".ipynb"))
    assert files_a == files_b
    for rel in files_a:
        assert (out_a / rel).read_bytes() == (out_b / rel).read_bytes(), rel


def test_failure_keeps_the_previous_good_brief(reused, tmp_path):
    out, _ = reused
    previous = out / f"{FAILED}.html"
    previous.write_text("<p>previous good brief</p>", encoding="utf-8")
    proc = run_cli("--notebooks-dir", str(FIXTURES), "--years", "2023", "--notebooks", "02",
                   "--out", str(out), "--quiet")
    assert "0 up to date, 0 rebuilt, 1 failed" in proc.stdout  # a failed run is never skipped
    assert proc.returncode == 1
    assert previous.read_text(encoding="utf-8") == "<p>previous good brief</p>"
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2023/hai-duong/02_fixture_trends.vi.html">bản trước</a>' in index
    assert EXPECTED <= set(re.findall(r'href="([^"]+)"', index))  # earlier briefs still listed
    previous.unlink()


@pytest.fixture()
def no_kernels(monkeypatch):
    started = []

    def forbidden():
        started.append(True)
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(execute, "start_kernel_hook", forbidden)
    return started


@pytest.mark.parametrize("args, expected", [
    (["-p", "yaer=2022"], "-p yaer: unknown parameter for the selected notebooks; valid: peers"),
    (["--years", "2019"], "--years: '2019' is not a DTI edition with data; valid: 2020"),
    (["--provinces", "Hai Duongg"], "--provinces: 'Hai Duongg' is not a known province; closest:"),
    (["--provinces", "Ha Tay"], ("--provinces: 'Ha Tay' is a former province, now part of Hà Nội "
                                 "(source: Wikipedia (English), "
                                 "https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province "
                                 "[wikipedia-org-832511]); use 'Hà Nội'")),
    (["--lang", "fr"], "--lang: 'fr' is not a language of the briefs; valid: vi, en"),
    (["--notebooks", "09"], "--notebooks: '09' is not a notebook in"),
    (["-p", "peers=3"], "-p peers='3': expected list"),
    (["-p", 'peers=["Bac Ninhh"]'], "-p peers has unknown provinces: 'Bac Ninhh' (closest: Bắc Ninh"),
])
def test_bad_parameters_exit_2_before_any_kernel(args, expected, no_kernels, tmp_path, capsys):
    code = cli.main(["run", "--notebooks-dir", str(FIXTURES), "--out", str(tmp_path), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err, err
    assert len(err.strip().splitlines()) == 1
    assert not no_kernels and not list(tmp_path.iterdir())


def test_every_problem_is_reported_at_once(no_kernels, tmp_path, capsys):
    code = cli.main(["run", "--notebooks-dir", str(FIXTURES), "--out", str(tmp_path), "--years",
                       "2019,2022", "--lang", "vi,fr", "-p", "yaer=1"])
    assert code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 3
    assert not no_kernels


def test_province_on_a_notebook_without_province_is_refused(no_kernels, tmp_path, capsys):
    code = cli.main(["run", "--notebooks-dir", str(FIXTURES), "--out", str(tmp_path),
                       "--notebooks", "03", "--provinces", "Bắc Ninh"])
    assert code == 2
    assert "no selected notebook has a 'province' parameter" in capsys.readouterr().err


def test_a_second_run_on_the_same_out_exits_with_a_clear_message(no_kernels, tmp_path, capsys):
    with FileLock(str(tmp_path / batch.LOCK_NAME)):
        code = cli.main(["run", "--notebooks-dir", str(FIXTURES), "--out", str(tmp_path),
                           "--years", "2022"])
    assert code == 1
    assert "another `python -m analysis run` is writing to" in capsys.readouterr().err
    assert not no_kernels


def test_external_resources_finds_loads_not_links():
    page = """<a href="https://dti.gov.vn/">source</a>
    <script src="https://cdn.example/require.js"></script>
    <link rel="stylesheet" href="//cdn.example/x.css"><img src='http://x.example/a.png'>
    <style>@import url("https://fonts.example/f.css"); div{background:url(https://x/y.png)}</style>
    <img src="data:image/png;base64,AAAA">"""
    assert external_resources(page) == [
        "//cdn.example/x.css", "http://x.example/a.png", "https://cdn.example/require.js",
        "https://fonts.example/f.css", "https://x/y.png"]


def test_normalise_removes_run_specific_bits():
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    cell = new_code_cell("x", execution_count=7, metadata={"execution": {"shell.execute_reply": "2026-11-27T20:00:00Z"},
                                                           "papermill": {"duration": 1.2}})
    cell.outputs = [
        new_output("execute_result", {"text/plain": "<Axes at 0x7f3a2b>",
                                      "text/html": '<style>#T_ab12c_row0 {}</style><script>x</script>',
                                      "application/javascript": "alert(1)"}, execution_count=7),
    ]
    nb = new_notebook(cells=[cell], metadata={"papermill": {"parameters": {"year": 1},
                                                            "start_time": "now"}})
    clean = normalise(nb)
    out = clean.cells[0].outputs[0]
    assert clean.cells[0].execution_count == 1 and out["execution_count"] == 1
    assert clean.metadata["papermill"] == {"parameters": {"year": 1}}
    assert "execution" not in clean.cells[0].metadata and "papermill" not in clean.cells[0].metadata
    assert out["data"]["text/plain"] == "<Axes at 0x…>"
    # Scripts in HTML outputs are removed when the brief is rendered (tests/runner/test_export.py).
    assert "T_ab12c" not in out["data"]["text/html"]
    assert "application/javascript" not in out["data"]
    nbformat.validate(clean)


def test_run_help_mentions_the_layout():
    proc = run_cli("-h")
    assert proc.returncode == 0 and "<out>/<year>/all/" in proc.stdout
    assert os.path.basename(PY)  # the venv's python ran the CLI


def test_a_run_over_the_timeout_fails_and_the_next_run_completes(tmp_path):
    # 01_fixture_sleep sleeps 120 s for 2022 only; one worker: 2023 runs on a replacement kernel.
    # 2023 must fit in the same --timeout, its kernel's start included: 10 s, not a tight 3 s.
    proc = run_cli("--notebooks-dir", str(FIXTURES / "slow"), "--years", "2022,2023", "--jobs", "1",
                   "--timeout", "10", "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 1, proc.stderr
    assert "timed out after 10 s" in proc.stdout
    assert (tmp_path / "2023/all/01_fixture_sleep.vi.html").exists()
    assert not (tmp_path / "2022/all/01_fixture_sleep.vi.html").exists()
    assert (tmp_path / "_failed/2022/all/01_fixture_sleep.vi.ipynb").exists()


def test_normalise_joins_one_print_that_arrived_in_pieces():
    """The kernel flushes stdout on a timer: under load one print may come as two messages."""
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    def cell_with(*pieces):
        cell = new_code_cell("print(a, b)", execution_count=1)
        cell.outputs = [new_output("stream", name=name, text=text) for name, text in pieces]
        return normalise(new_notebook(cells=[cell])).cells[0].outputs

    whole = cell_with(("stdout", "['year'] False\n"))
    assert cell_with(("stdout", "['year']"), ("stdout", " False\n")) == whole
    # stderr between two stdout pieces keeps the order the reader saw
    mixed = cell_with(("stdout", "a"), ("stderr", "warn\n"), ("stdout", "b\n"))
    assert [(o["name"], o["text"]) for o in mixed] == [("stdout", "a"), ("stderr", "warn\n"),
                                                         ("stdout", "b\n")]


def test_a_forked_kernel_starts_without_importing_anything(tmp_path):
    """Every module a kernel imports while it starts is imported once, by the template
    (`forkserver.KERNEL_MODULES`): imported per kernel, it is paid per run."""
    from batch_notebooks import write_notebook

    write_notebook(tmp_path / "nb", "01_imports", "1 + 1",  # (what running a cell imports)
                   "import sys\nfrom analysis.runner import forkserver\n"
                   "print('new:', sorted(set(sys.modules) - forkserver.TEMPLATE_MODULES))")
    proc = run_cli("--notebooks-dir", str(tmp_path / "nb"), "--years", "2022", "--quiet",
                   "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out/2022/all/01_imports.vi.html").read_text(encoding="utf-8")
    assert "new: []" in page
