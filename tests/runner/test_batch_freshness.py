"""Freshness is exact: data that changes under a running batch never leaves a stale brief that
the next batch calls up to date; and the tools that write data/ wait for running batches (and a
batch for them), saying so.

Every wait is on an event (a file a held kernel writes, a line on stderr), not a guessed sleep.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from batch_notebooks import PY, ROOT, briefs, run_cli, start_cli, wait_for, write_notebook

from analysis import datalock

YEARS = "2020,2021,2022"

# Each run prints the note it reads from the data folder. The 2021 run first says it is there
# (a file named after its pid in `marks`) and waits for `marks/go`, so that the test changes the
# data in the middle of the batch: 2020 has read the old note, 2021 and 2022 will read the new.
READ_NOTE = ("import os, pathlib, time\n"
             "go = pathlib.Path({marks!r}, 'go')\n"
             "if year == 2021 and not go.exists():\n"
             "    pathlib.Path({marks!r}, str(os.getpid())).touch()\n"
             "    while not go.exists():\n"
             "        time.sleep(0.05)\n"
             "note = pathlib.Path(os.environ['DTI_DATA_DIR'], 'processed', 'note.txt')\n"
             "print(year, note.read_text())")


def _data_copy(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    (data / "processed" / "note.txt").write_text("old figures")
    return data


def _pages(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in briefs(out)}


def test_data_changed_during_a_batch_one_plain_rerun_equals_a_fresh_build(tmp_path):
    data, marks, nb = _data_copy(tmp_path), tmp_path / "marks", tmp_path / "nb"
    marks.mkdir()
    write_notebook(nb, "01_note", READ_NOTE.format(marks=str(marks)))
    common = ("--notebooks-dir", str(nb), "--years", YEARS, "--data", str(data))
    out = tmp_path / "out"
    proc = start_cli(*common, "--jobs", "1", "--out", str(out))
    try:
        wait_for(lambda: [p for p in marks.iterdir() if p.name != "go"], timeout=300)
        # Changed by hand, as an editor or a copy would (no lock): the batch must not record
        # the runs as built from the new data.
        (data / "processed" / "note.txt").write_text("new figures")
        (marks / "go").touch()
        stdout, stderr = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stdout + stderr
    assert "old figures" in (out / "2020/all/01_note.vi.html").read_text(encoding="utf-8")
    again = run_cli(*common, "--out", str(out))
    assert again.returncode == 0, again.stderr
    fresh = run_cli(*common, "--out", str(tmp_path / "fresh"))
    assert fresh.returncode == 0, fresh.stderr
    assert _pages(out) == _pages(tmp_path / "fresh")
    assert len(_pages(out)) == 3
    # ... and the rerun after that finds everything up to date.
    third = run_cli(*common, "--out", str(out))
    assert "3 up to date, 0 rebuilt, 0 failed" in third.stdout


def test_build_waits_for_a_running_batch_and_says_so(tmp_path):
    data = _data_copy(tmp_path)
    log = tmp_path / "build.err"
    with datalock.reading(data), open(log, "w") as err:  # what a running batch holds
        proc = subprocess.Popen([PY, "-m", "analysis", "build", "--data", str(data)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=err)
        try:
            wait_for(lambda: "waiting: a batch run is reading" in log.read_text(), timeout=120)
            assert proc.poll() is None  # still waiting, nothing written
        except BaseException:
            proc.kill()
            raise
    assert proc.wait(timeout=300) == 0, log.read_text()
    assert f"reading {data};" in log.read_text()


def test_a_batch_waits_for_a_writer_of_the_data_and_says_so(tmp_path):
    data = _data_copy(tmp_path)
    nb, out = tmp_path / "nb", tmp_path / "out"
    write_notebook(nb, "01_plain", "print(year)")
    with datalock.writing(data):  # what import-dti or build holds
        proc = start_cli("--notebooks-dir", str(nb), "--years", "2022", "--data", str(data),
                         "--out", str(out))
        try:
            line = proc.stderr.readline()  # the batch's first line on stderr is the wait
            assert line.startswith(f"waiting: {data} is being written"), line
            assert not briefs(out)
        except BaseException:
            proc.kill()
            raise
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stdout + stderr
    assert briefs(out) == {"2022/all/01_plain.vi.html"}
