"""A kernel's process tree is its run's: whatever a notebook starts, even in a new session or
orphaned, is stopped when its run ends; its memory counts against the kernel's limit; and a run
whose outputs are too large fails instead of publishing a huge brief."""

from __future__ import annotations

import pytest
from batch_notebooks import briefs, run_cli, wait_for, write_notebook

from analysis.runner.forkserver import pid_alive

# A child in a new session that outlives nothing on its own, and a grandchild orphaned on
# purpose (its parent exits at once), also in a new session: both write their pid and sleep.
ESCAPE = ("import subprocess, sys, pathlib\n"
          "folder = pathlib.Path({marks!r})\n"
          "sleeper = 'import os, time, pathlib; pathlib.Path(r\"{{}}\", str(os.getpid()))"
          ".touch(); time.sleep(600)'\n"
          "subprocess.Popen([sys.executable, '-c', sleeper.format(folder / 'child')],\n"
          "                 start_new_session=True)\n"
          "orphan = ('import subprocess, sys; subprocess.Popen([sys.executable, \"-c\", '\n"
          "          + repr(sleeper.format(folder / 'orphan')) + '], start_new_session=True)')\n"
          "subprocess.run([sys.executable, '-c', orphan], check=True)\n"
          "import time\n"
          "while len(list(folder.rglob('*'))) < 4:  # both started and said so\n"
          "    time.sleep(0.05)\n")


@pytest.mark.parametrize("fresh", [False, True], ids=["forked", "fresh-kernels"])
def test_no_process_of_a_notebook_outlives_its_run(tmp_path, fresh):
    marks, nb = tmp_path / "marks", tmp_path / "nb"
    for sub in ("child", "orphan"):
        (marks / sub).mkdir(parents=True)
    write_notebook(nb, "01_escape", ESCAPE.format(marks=str(marks)))
    proc = run_cli("--notebooks-dir", str(nb), "--years", "2022", "--out", str(tmp_path / "out"),
                   *(["--fresh-kernels"] if fresh else []))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pids = [int(p.name) for p in marks.rglob("*") if p.is_file()]
    assert len(pids) == 2
    # Killed when the run ended (a moment more for the kill to land on a loaded machine).
    wait_for(lambda: not any(pid_alive(pid) for pid in pids), timeout=10)


def test_a_childs_memory_counts_against_the_kernels_limit(tmp_path):
    nb = tmp_path / "nb"
    # The kernel itself stays small; its child holds 400 MB until the run is stopped.
    write_notebook(nb, "01_child_memory",
                   "import subprocess, sys, time\n"
                   "if year == 2020:\n"
                   "    subprocess.run([sys.executable, '-c', 'import time; "
                   "b = bytearray(400 * 2**20); time.sleep(300)'])\n"
                   "print(year)")
    proc = run_cli("--notebooks-dir", str(nb), "--years", "2020,2021", "--jobs", "1",
                   "--max-kernel-memory", "350", "--out", str(tmp_path / "out"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "kernel stopped: it used more than the memory limit (350 MB)" in proc.stdout
    assert briefs(tmp_path / "out") == {"2021/all/01_child_memory.vi.html"}


def test_a_run_whose_outputs_exceed_the_cap_fails_with_a_message(tmp_path):
    nb, out = tmp_path / "nb", tmp_path / "out"
    write_notebook(nb, "01_loud", "if year == 2020:\n    print(('y' * 99 + '\\n') * 30_000)\n"
                                  "print(year)")
    proc = run_cli("--notebooks-dir", str(nb), "--years", "2020,2021", "--max-output-mb", "1",
                   "--out", str(out))
    assert proc.returncode == 1
    failed = [line for line in proc.stdout.splitlines() if line.startswith("failed")]
    assert len(failed) == 1 and " 2020 " in failed[0]
    assert "MB, over the 1 MB cap (--max-output-mb)" in failed[0]
    assert briefs(out) == {"2021/all/01_loud.vi.html"}
    assert (out / "_failed/2020/all/01_loud.vi.ipynb").exists()
