"""Incremental runs: each input, changed alone, reruns exactly the runs that depend on it.

Two synthetic notebooks: 01_alpha reads data/processed/extra_a.csv, 02_beta reads extra_b.csv;
both (like every run) depend on the tables the kernel template reads ahead (dti.csv, …). One
batch (2 notebooks x 2 editions) is built once per module; each test works on its own copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from batch_notebooks import briefs, index_links, rebuilt, run_cli, snapshot, write_notebook
from data_helpers import copy_data

from analysis.runner.incremental import PACKAGE_DIR, InputDigests, digest_of

READS = ('import os\n'
         'path = os.path.join(os.environ["DTI_DATA_DIR"], "processed", "{name}")\n'
         'print(year, lang, open(path, encoding="utf-8").read())')
ALPHA = {"2021 (all) 01_alpha vi", "2022 (all) 01_alpha vi"}
BETA = {"2021 (all) 02_beta vi", "2022 (all) 02_beta vi"}


def _args(root: Path, *more: str) -> list[str]:
    return ["--notebooks-dir", str(root / "nb"), "--data", str(root / "data"),
            "--years", "2021,2022", "--jobs", "2", "--out", str(root / "out"), *more]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    data = copy_data(root)
    (data / "processed" / "extra_a.csv").write_text("a\n1\n", encoding="utf-8")
    (data / "processed" / "extra_b.csv").write_text("b\n1\n", encoding="utf-8")
    write_notebook(root / "nb", "01_alpha", READS.format(name="extra_a.csv"),
                   params='note: str = ""  # free text\n')
    write_notebook(root / "nb", "02_beta", READS.format(name="extra_b.csv"))
    proc = run_cli(*_args(root))
    assert proc.returncode == 0, proc.stderr
    assert rebuilt(proc) == ALPHA | BETA
    return root


@pytest.fixture()
def work(built, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(built, root)  # copy2: bytes and modification times kept
    return root


def test_an_unchanged_rerun_runs_nothing_and_writes_nothing(work):
    before = snapshot(work / "out")
    proc = run_cli(*_args(work))
    assert proc.returncode == 0, proc.stderr
    assert "4 up to date, 0 rebuilt, 0 failed" in proc.stdout
    assert rebuilt(proc) == set()
    assert snapshot(work / "out") == before  # same bytes, same modification times
    assert index_links(work / "out") == briefs(work / "out") and len(briefs(work / "out")) == 4


def test_the_manifest_records_each_runs_inputs(work):
    manifest = json.loads((work / "out" / "manifest.json").read_text(encoding="utf-8"))
    alpha = next(r for r in manifest["runs"] if r["key"] == "2022/all/01_alpha.vi")
    assert alpha["input_digest"] == digest_of(alpha["inputs"])
    assert set(alpha["inputs"]) == {"notebook", "parameters", "data", "code", "template",
                                    "environment"}
    assert "processed/extra_a.csv" in alpha["inputs"]["data"]
    assert "processed/extra_b.csv" not in alpha["inputs"]["data"]
    assert "processed/dti.csv" in alpha["inputs"]["data"]  # read by the kernel template
    assert alpha["variant"] == "" and set(alpha["timings_s"]) >= {"execute", "export", "write"}


def test_editing_one_notebook_rebuilds_only_its_runs(work):
    path = work / "nb" / "02_beta.ipynb"
    path.write_text(path.read_text(encoding="utf-8").replace("# Fixture", "# Fixture, edited"),
                    encoding="utf-8")
    proc = run_cli(*_args(work))
    assert proc.returncode == 0, proc.stderr
    assert rebuilt(proc) == BETA
    assert "2 up to date, 2 rebuilt, 0 failed" in proc.stdout


def test_a_data_file_rebuilds_only_the_runs_that_read_it(work):
    (work / "data" / "processed" / "extra_a.csv").write_text("a\n2\n", encoding="utf-8")
    proc = run_cli(*_args(work))
    assert rebuilt(proc) == ALPHA, proc.stdout
    assert "2\n" in (work / "out/2022/all/01_alpha.vi.ipynb").read_text(encoding="utf-8")


def test_a_table_every_run_reads_rebuilds_every_run(work):
    with open(work / "data" / "processed" / "dti.csv", "a", encoding="utf-8") as handle:
        handle.write("")  # same bytes: nothing to do
    assert rebuilt(run_cli(*_args(work))) == set()
    path = work / "data" / "processed" / "sources.csv"
    path.write_bytes(path.read_bytes() + b"\n")
    assert rebuilt(run_cli(*_args(work))) == ALPHA | BETA


def test_force_reruns_everything(work):
    proc = run_cli(*_args(work, "--force"))
    assert rebuilt(proc) == ALPHA | BETA
    assert "0 up to date, 4 rebuilt, 0 failed" in proc.stdout


def test_a_deleted_brief_is_rebuilt_and_listed(work):
    (work / "out/2021/all/02_beta.vi.html").unlink()
    proc = run_cli(*_args(work))
    assert rebuilt(proc) == {"2021 (all) 02_beta vi"}
    assert (work / "out/2021/all/02_beta.vi.html").exists()
    assert index_links(work / "out") == briefs(work / "out")


def test_extra_parameters_get_their_own_files_and_entries(work):
    for note in ("first run", "second"):
        proc = run_cli(*_args(work, "--notebooks", "01", "--years", "2022", "-p", f"note={note}"))
        assert proc.returncode == 0, proc.stderr
    out = work / "out"
    assert {"2022/all/01_alpha.note-first-run.vi.html", "2022/all/01_alpha.note-second.vi.html",
            "2022/all/01_alpha.vi.html"} <= briefs(out)
    assert index_links(out) == briefs(out)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    variants = {r["key"]: r["variant"] for r in manifest["runs"] if "01_alpha" in r["key"]}
    assert variants["2022/all/01_alpha.note-first-run.vi"] == "note-first-run"
    assert variants["2022/all/01_alpha.vi"] == ""
    again = run_cli(*_args(work, "--notebooks", "01", "--years", "2022", "-p", "note=second"))
    assert "1 up to date, 0 rebuilt" in again.stdout


# --- the inputs that are the same for every run: hashed files, tested without a kernel -------

def _package(tmp_path: Path) -> tuple[Path, Path]:
    """A small package laid out as `analysis` is, and a lock file: the notebook imports `tables`,
    which reaches `ingest/sources` through `data`; `ingest/importer` and `runner/manifest` are
    reached by no run."""
    package = tmp_path / "pkg"
    files = {
        "__init__.py": "", "data.py": "from pkg.ingest import sources\n",
        "tables.py": "from pkg import data\nx = 1\n", "cli.py": "from pkg.ingest import importer\n",
        "ingest/__init__.py": "", "ingest/sources.py": "x = 1\n",
        "ingest/importer.py": "from . import sources\n",
        "runner/__init__.py": "", "runner/execute.py": "x = 1\n",
        "runner/publish.py": "from pkg.runner import export\n", "runner/export.py": "x = 1\n",
        "runner/kernel_streams.py": "x = 1\n", "runner/manifest.py": "from pkg.runner import publish\n",
        "locales/vi.toml": "a = 'b'\n", "templates/brief.css": "p{}\n",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    (package / "__pycache__").mkdir()
    lock = tmp_path / "requirements.lock"
    lock.write_text("pandas==3.0.0\n", encoding="utf-8")
    return package, lock


def _runs(tmp_path: Path) -> list:
    nb = tmp_path / "01_x.ipynb"
    nb.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "from pkg import tables"}]}),
                  encoding="utf-8")
    notebook = SimpleNamespace(path=nb)
    return [SimpleNamespace(notebook=notebook, parameters=lambda y=y: {"year": y})
            for y in (2021, 2022)]


def _append(name: str, text: str = "# edited\n"):
    def change(pkg, lock):
        with open(pkg / name, "a", encoding="utf-8") as handle:
            handle.write(text)
    return change


@pytest.mark.parametrize("change, part", [
    (_append("tables.py"), "code"),  # imported by the notebook
    (_append("ingest/sources.py"), "code"),  # reached through data
    (_append("runner/export.py"), "code"),  # shapes the brief (through publish)
    (_append("runner/execute.py"), "code"),
    (_append("locales/vi.toml"), "code"),  # a catalog
    (_append("templates/brief.css", "p{color:red}\n"), "template"),
    (lambda pkg, lock: (pkg / "templates" / "brief.html.j2").write_text("{{ x }}"), "template"),
    (lambda pkg, lock: lock.write_text("pandas==3.0.1\n"), "environment"),
])
def test_code_template_and_lock_changes_change_every_runs_digest(tmp_path, change, part):
    package, lock = _package(tmp_path)
    data = tmp_path / "data"
    (data / "processed").mkdir(parents=True)
    runs = _runs(tmp_path)
    before = InputDigests(data, package, lock)
    old = [before.inputs(run, None) for run in runs]
    (package / "__pycache__" / "x.pyc").write_bytes(b"compiled")  # not source: no change
    assert [InputDigests(data, package, lock).inputs(run, None) for run in runs] == old
    change(package, lock)
    new = [InputDigests(data, package, lock).inputs(run, None) for run in runs]
    for a, b in zip(old, new):
        assert a[part] != b[part]
        assert {k for k in a if a[k] != b[k]} == {part}
        assert digest_of(a) != digest_of(b)


@pytest.mark.parametrize("change", [
    _append("ingest/importer.py"), _append("runner/manifest.py"), _append("cli.py"),
    lambda pkg, lock: (pkg / "ingest" / "build.py").write_text("x = 1\n"),  # a new module
])
def test_code_no_run_can_execute_changes_no_digest(tmp_path, change):
    package, lock = _package(tmp_path)
    (tmp_path / "data").mkdir()
    runs = _runs(tmp_path)
    old = [InputDigests(tmp_path / "data", package, lock).inputs(run, None) for run in runs]
    change(package, lock)
    assert [InputDigests(tmp_path / "data", package, lock).inputs(run, None) for run in runs] == old


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """A copy of the real `analysis` package, to edit."""
    copy = tmp_path_factory.mktemp("package") / "analysis"
    shutil.copytree(PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.mark.parametrize("module, redone", [
    ("ingest/importer.py", False), ("ingest/build.py", False), ("ingest/validate.py", False),
    ("ingest/schemas.py", False), ("cli.py", False), ("runner/batch.py", False),
    ("runner/manifest.py", False), ("runner/index_page.py", False),
    ("tables.py", True), ("data.py", True), ("ingest/sources.py", True), ("ingest/dates.py", True),
    ("runner/export.py", True), ("runner/publish.py", True), ("runner/forkserver.py", True),
])
def test_an_edit_redoes_the_real_briefs_only_when_a_run_can_execute_it(tmp_path, package_copy,
                                                                       module, redone):
    from analysis.paths import NOTEBOOKS_DIR
    from analysis.runner.plan import Notebook, Run

    runs = [Run(Notebook(path.stem, path, ("year",)), 2022, None, None)
            for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))]
    assert len(runs) == 3
    (tmp_path / "data").mkdir()
    before = InputDigests(tmp_path / "data", package_copy)
    old = [before.inputs(run, None) for run in runs]
    path = package_copy / module
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# edited\n")
        after = InputDigests(tmp_path / "data", package_copy)
        changed = [digest_of(after.inputs(run, None)) != digest_of(inputs)
                   for run, inputs in zip(runs, old)]
    finally:
        path.write_bytes(original)
    assert changed == [redone] * 3


def test_parameters_are_part_of_the_digest(tmp_path):
    package, lock = _package(tmp_path)
    (tmp_path / "data").mkdir()
    digests = InputDigests(tmp_path / "data", package, lock)
    a, b = _runs(tmp_path)
    assert digest_of(digests.inputs(a, None)) != digest_of(digests.inputs(b, None))


def test_a_failed_or_missing_previous_run_is_never_up_to_date(tmp_path):
    package, lock = _package(tmp_path)
    (tmp_path / "data").mkdir()
    digests = InputDigests(tmp_path / "data", package, lock)
    run = _runs(tmp_path)[0]
    (tmp_path / "b.html").write_text("x")
    (tmp_path / "b.ipynb").write_text("x")
    inputs = digests.inputs(run, None)
    good = {"status": "ok", "html": "b.html", "ipynb": "b.ipynb", "inputs": inputs,
            "input_digest": digest_of(inputs)}
    assert digests.up_to_date(run, good, tmp_path)
    assert not digests.up_to_date(run, {**good, "status": "failed"}, tmp_path)
    assert not digests.up_to_date(run, None, tmp_path)
    assert not digests.up_to_date(run, {**good, "input_digest": "0" * 64}, tmp_path)
    (tmp_path / "b.ipynb").unlink()
    assert not digests.up_to_date(run, good, tmp_path)


def test_an_up_to_date_batch_starts_no_kernel(work, monkeypatch, capsys):
    from analysis import cli
    from analysis.paths import DATA_DIR_ENV
    from analysis.runner import execute

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel or the fork server was started")

    monkeypatch.setenv(DATA_DIR_ENV, str(work / "data"))  # main() sets it; restored after
    monkeypatch.setattr(execute, "start_kernel_hook", forbidden)
    monkeypatch.setattr(execute, "fork_server_hook", forbidden)
    assert cli.main(["run", *_args(work), "--quiet"]) == 0
    assert "4 up to date, 0 rebuilt, 0 failed" in capsys.readouterr().out
