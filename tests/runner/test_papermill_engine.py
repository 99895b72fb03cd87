"""`papermill --engine dti`: kernels forked from the warm template, same outputs as papermill's
default engine, a new kernel per run, the template reused and stopped at exit."""

from __future__ import annotations

import subprocess
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from batch_notebooks import write_notebook

from analysis import data
from analysis.paths import REPO_ROOT
from analysis.runner import papermill_engine
from analysis.runner.export import normalise
from analysis.runner.forkserver import pid_alive

NOTEBOOKS = REPO_ROOT / "notebooks"
PAPERMILL = str(Path(sys.executable).with_name("papermill"))
PROBE = ("import os\n"
         "print('pid', os.getpid(), 'parent', os.getppid())\n"
         "print('left by an earlier run:', globals().get('left_behind'))\n"
         "left_behind = year")


@pytest.fixture(scope="module", autouse=True)
def _stop_templates():
    yield
    papermill_engine.stop_servers()


def _outputs(path: Path) -> list:
    return [c.get("outputs") for c in normalise(nbformat.read(path, as_version=4)).cells]


def test_the_engine_is_registered_by_entry_point():
    from papermill.engines import papermill_engines

    found = {e.name: e for e in entry_points(group="papermill.engine")}
    assert found["dti"].load() is papermill_engine.DtiEngine
    assert papermill_engines.get_engine("dti") is papermill_engine.DtiEngine


def _execute(path, out, engine="dti", **options):
    """Run a notebook through papermill's API on the project's kernel, with `engine` (None:
    papermill's default)."""
    pm.execute_notebook(str(path), str(out), kernel_name="dti-suite", engine_name=engine,
                        progress_bar=False, **options)


def test_same_outputs_as_the_default_engine(tmp_path):
    source = NOTEBOOKS / "02_trends.ipynb"
    for engine in (None, "dti"):
        _execute(source, tmp_path / f"{engine}.ipynb", engine=engine,
                 parameters={"year": 2022, "lang": "en"}, cwd=str(NOTEBOOKS))
    forked = _outputs(tmp_path / "dti.ipynb")
    assert forked == _outputs(tmp_path / "None.ipynb")
    assert any(o for o in forked)  # it did show something
    # written as papermill writes it (`nbformat.writes`), though each save reuses the JSON of
    # the cells that did not change (`runner.notebook_json`)
    text = (tmp_path / "dti.ipynb").read_text(encoding="utf-8")
    assert text == nbformat.writes(nbformat.read(tmp_path / "dti.ipynb", as_version=4))


def test_every_run_gets_a_new_kernel_from_one_template(tmp_path):
    path = write_notebook(tmp_path, "01_probe", PROBE)
    pids, server_pids = [], set()
    for year in (2021, 2022):
        out = tmp_path / f"out{year}.ipynb"
        _execute(path, out, parameters={"year": year})
        text = "".join(o.get("text", "") for o in nbformat.read(out, 4).cells[-1].outputs)
        assert "left by an earlier run: None" in text  # fresh state every run
        pids.append(int(text.split("pid ")[1].split()[0]))
        server_pids.add(papermill_engine._SERVERS["dti-suite"].process.pid)
        assert int(text.split("parent ")[1].split()[0]) in server_pids  # forked from it
    assert pids[0] != pids[1] and not pid_alive(pids[0])  # each run's kernel stopped after it
    assert len(server_pids) == 1  # the template is started once and reused


def test_the_cli_runs_with_the_engine_and_the_template_stops_at_exit(tmp_path):
    path = write_notebook(tmp_path, "01_probe", PROBE)
    proc = subprocess.run([PAPERMILL, "--engine", "dti", str(path), str(tmp_path / "o.ipynb"),
                           "-p", "year", "2023", "-k", "dti-suite", "--no-progress-bar"],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    cell = nbformat.read(tmp_path / "o.ipynb", 4).cells[-1]
    assert "left by an earlier run: None" in cell.outputs[0]["text"]
    script = ("import papermill as pm; from analysis.runner import papermill_engine as e\n"
              f"pm.execute_notebook({str(path)!r}, {str(tmp_path / 'p.ipynb')!r}, "
              "kernel_name='dti-suite', engine_name='dti', progress_bar=False)\n"
              "print(e._SERVERS['dti-suite'].process.pid)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, check=True)
    server = int(done.stdout.split()[-1])
    end = time.monotonic() + 10
    while pid_alive(server) and time.monotonic() < end:
        time.sleep(0.1)
    assert not pid_alive(server)  # stopped when the process exited


def test_a_failing_cell_is_reported_as_with_the_default_engine(tmp_path):
    path = write_notebook(tmp_path, "01_fails", "raise ValueError('bad value')")
    with pytest.raises(pm.PapermillExecutionError, match="bad value"):
        _execute(path, tmp_path / "o.ipynb")
    assert "ValueError" in str(nbformat.read(tmp_path / "o.ipynb", 4).cells[-1].outputs)


def test_a_kernel_ends_as_with_the_default_engine(tmp_path):
    # Shut down at the end of the run, the kernel runs the notebook's atexit handlers and
    # closes (so flushes) the files it left open, as a kernel started from scratch does.
    leave = ("import atexit, pathlib\n"
             "atexit.register(pathlib.Path('atexit.txt').write_text, 'ran')\n"
             "left_open = open('left_open.txt', 'w')\n"
             "left_open.write('buffered')")
    path = write_notebook(tmp_path, "01_leaves", leave)
    for engine in (None, "dti"):
        folder = tmp_path / str(engine)
        folder.mkdir()
        _execute(path, folder / "o.ipynb", engine=engine, cwd=str(folder))
        assert (folder / "atexit.txt").read_text() == "ran"
        assert (folder / "left_open.txt").read_text() == "buffered"


def test_a_kernel_shuts_down_without_importing_anything(tmp_path):
    # What a kernel imports as it shuts down (ipykernel lists its child processes with psutil)
    # is imported once, by the template: imported by each kernel, every run waited for it.
    record = ("import atexit, pathlib, sys\n"
              "from analysis.runner import forkserver\n"
              "new = lambda: sorted(set(sys.modules) - forkserver.TEMPLATE_MODULES)\n"
              "atexit.register(lambda: pathlib.Path('new.txt').write_text(' '.join(new())))")
    path = write_notebook(tmp_path, "01_records", record)
    _execute(path, tmp_path / "o.ipynb", cwd=str(tmp_path))
    assert (tmp_path / "new.txt").read_text() == ""


def test_a_run_that_changes_the_templates_tables_leaves_the_next_run_intact(tmp_path):
    # The tables the template read ahead are shared with every kernel it forks: a run that
    # overwrites one in place changes its own copy only.
    overwrite = (
        "from analysis import data\n"
        "cached = data._preferred_cached(data._stamp('dti.csv'), data._stamp('sources.csv'))\n"
        "if year == 2021:\n"
        "    cached.loc[:, 'unit'] = 'overwritten'\n"
        "print('overwritten', data.preferred_dti()['unit'].eq('overwritten').sum())")
    path = write_notebook(tmp_path, "01_overwrites", overwrite)
    seen = []
    for year in (2021, 2022):
        out = tmp_path / f"{year}.ipynb"
        _execute(path, out, parameters={"year": year}, cwd=str(NOTEBOOKS))
        seen += [o["text"] for o in nbformat.read(out, 4).cells[-1].outputs
                 if o.get("name") == "stdout"]
    assert seen == [f"overwritten {len(data.preferred_dti())}\n", "overwritten 0\n"]


def test_the_output_notebook_shows_each_cell_as_it_runs(tmp_path):
    # papermill writes the output notebook as each cell starts (and completes): while a cell
    # runs, the file shows it running, the cells before it completed with their outputs.
    look = ("import json, time\n"
            "time.sleep(0.5)\n"
            "cells = json.load(open(OUT))['cells']\n"
            "print([c['metadata']['papermill']['status'] for c in cells])\n"
            "print(''.join(cells[-2]['outputs'][0]['text']).strip())")
    for engine in (None, "dti"):
        out = tmp_path / f"{engine}.ipynb"
        path = write_notebook(tmp_path / str(engine), "01_looks", "print('before')", look,
                              params=f"OUT = {str(out)!r}\n")
        _execute(path, out, engine=engine)
        seen = nbformat.read(out, 4).cells[-1].outputs[0]["text"].splitlines()
        assert seen == ["['completed', 'completed', 'completed', 'running']", "before"]


def test_a_kernel_forked_ahead_serves_only_a_run_with_the_same_settings(tmp_path):
    # The next run's kernel is forked while a run executes; a run in another folder must not
    # get it (it would run in the wrong working directory).
    path = write_notebook(tmp_path, "01_cwd", "import os\nprint(os.getcwd())")
    for folder in ("a", "a", "b", "a"):
        (tmp_path / folder).mkdir(exist_ok=True)
        out = tmp_path / f"{folder}.ipynb"
        _execute(path, out, cwd=str(tmp_path / folder))
        printed = nbformat.read(out, 4).cells[-1].outputs[0]["text"].strip()
        assert printed == str(tmp_path / folder)


def test_the_engine_module_can_be_imported_before_papermill():
    # papermill loads every registered engine while it is imported: no import circle
    code = ("from analysis.runner import papermill_engine\nimport papermill\n"
            "from papermill.engines import papermill_engines\n"
            "assert papermill_engines.get_engine('dti') is papermill_engine.DtiEngine")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_process_the_notebook_started_is_stopped_with_its_kernel(tmp_path):
    # The kernel looks for the processes it started only when it has one
    # (`runner.suite_kernel`): one it has is stopped as it shuts down, as ipykernel does.
    start = ("import subprocess, sys\n"
             "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
             "print(child.pid)")
    path = write_notebook(tmp_path, "01_starts", start)
    _execute(path, tmp_path / "o.ipynb")
    child = int(nbformat.read(tmp_path / "o.ipynb", 4).cells[-1].outputs[0]["text"])
    assert not pid_alive(child)
