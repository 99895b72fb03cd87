"""Work survives faults: `kill -9` of the runner loses only unfinished runs (the journal), and
a file that cannot be written (disk full, read-only) fails its run, not the batch.

The runner is killed on an event (the journal holds N entries and a kernel waits in a cell),
never after a guessed time.
"""

from __future__ import annotations

import errno
import json
import tempfile
from pathlib import Path

import pytest
from batch_notebooks import briefs, index_links, run_cli, start_cli, wait_for, write_notebook

from analysis import cli
from analysis.runner import kernels, manifest, publish
from analysis.runner.journal import JOURNAL_NAME, Journal, read_journal

HOLD = ("import os, pathlib, time\n"
        "go = pathlib.Path({marks!r}, 'go')\n"
        "if year == 2022 and not go.exists():\n"
        "    pathlib.Path({marks!r}, str(os.getpid())).touch()\n"
        "    while not go.exists():\n"
        "        time.sleep(0.05)\n"
        "print('done', year)")


def _manifest_html(out: Path) -> set[str]:
    runs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["runs"]
    return {r["html"] for r in runs if r.get("html")}


def test_kill_9_mid_batch_loses_only_unfinished_runs(tmp_path):
    marks, nb, out = tmp_path / "marks", tmp_path / "nb", tmp_path / "out"
    marks.mkdir()
    write_notebook(nb, "01_hold", HOLD.format(marks=str(marks)))
    args = ("--notebooks-dir", str(nb), "--years", "2020,2021,2022,2023", "--out", str(out))
    proc = start_cli(*args, "--jobs", "1")
    try:
        # 2020 and 2021 are finished and journaled; 2022 waits in its cell.
        wait_for(lambda: len(read_journal(out)) == 2
                 and [p for p in marks.iterdir() if p.name != "go"], timeout=300)
        leftover = list(Path(tempfile.gettempdir()).glob(f"dti-kernels-{proc.pid}-*"))
        proc.kill()  # SIGKILL: no clean-up of any kind
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert leftover and all(p.exists() for p in leftover)  # what the killed batch left
    assert not (out / "manifest.json").exists()
    assert briefs(out) == {"2020/all/01_hold.vi.html", "2021/all/01_hold.vi.html"}
    (marks / "go").touch()
    again = run_cli(*args)
    assert again.returncode == 0, again.stderr
    assert "2 up to date, 2 rebuilt, 0 failed" in again.stdout
    assert {line.split()[1] for line in again.stdout.splitlines()
            if line.startswith("ok ")} == {"2022", "2023"}
    assert not [p for p in leftover if p.exists()]  # removed by the next batch
    assert len(briefs(out)) == 4
    assert _manifest_html(out) == index_links(out) == briefs(out)
    assert not (out / JOURNAL_NAME).exists()


def test_a_torn_last_journal_line_is_ignored(tmp_path):
    journal = Journal(tmp_path)
    journal.append({"key": "2020/all/a.vi", "status": "ok"})
    journal.close()
    with open(tmp_path / JOURNAL_NAME, "ab") as handle:
        handle.write(b'{"key": "2021/all/a.vi", "sta')  # the crash came mid-write
    assert [e["key"] for e in read_journal(tmp_path)] == ["2020/all/a.vi"]


def test_dead_kernel_folders_are_removed_live_ones_kept(tmp_path):
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    dead = tmp_path / f"dti-kernels-{gone}-abc"
    alive = tmp_path / "dti-kernels-1-abc"  # pid 1 is always running
    unnamed = tmp_path / "dti-kernels-xyz"  # an older runner's folder: no owner known
    for folder in (dead, alive, unnamed):
        folder.mkdir()
        (folder / "k1.json").write_text("{}")
    assert kernels.remove_dead_kernel_dirs(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and unnamed.exists()


# --- I/O errors ------------------------------------------------------------------------------

def _full_disk_for(word: str, monkeypatch, code=errno.ENOSPC):
    """Writing any file whose path holds `word` fails as on a full disk (a real full disk also
    fails the temporary file; `write_many` then names the target path, as here)."""
    real = publish.write_many

    def write_many(items, **kwargs):
        for _, path in items:
            if word in str(path):
                import os

                raise OSError(code, os.strerror(code), str(path))
        return real(items, **kwargs)

    write_many.__wrapped__ = real
    monkeypatch.setattr(publish, "write_many", write_many)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_brief_that_cannot_be_written_fails_its_run_and_stops_the_batch_cleanly(
        tmp_path, monkeypatch, capsys, code):
    import os

    nb, out = tmp_path / "nb", tmp_path / "out"
    write_notebook(nb, "01_plain", "print(year)")
    args = ["--notebooks-dir", str(nb), "--years", "2020,2021,2022", "--jobs", "1",
            "--out", str(out), "--quiet"]
    _full_disk_for("/2021/", monkeypatch, code)
    status = cli.main(["run", *args])
    captured = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in captured.err + captured.out
    line = [x for x in captured.out.splitlines() if x.startswith("failed")]
    assert len(line) == 1
    assert f"cannot write {out}/2021/all/01_plain.vi.ipynb: {os.strerror(code)}" in line[0]
    assert "0 up to date, 1 rebuilt, 1 failed" in captured.out
    # The later runs would fail the same way: none starts, and the batch says so in one line.
    assert captured.err.strip().splitlines() == [
        (f"stopped: 1 run(s) not started, the output folder cannot take more "
         f"({os.strerror(code)}); free it and run again: the runs published are kept")]
    assert briefs(out) == {"2020/all/01_plain.vi.html"}
    assert _manifest_html(out) == index_links(out) == briefs(out)
    assert not list(out.rglob("*.tmp")) and not list(out.rglob("*2021*"))
    # Once the disk takes files again, one plain run completes the rest.
    monkeypatch.setattr(publish, "write_many", publish.write_many.__wrapped__)
    assert cli.main(["run", *args]) == 0
    assert "1 up to date, 2 rebuilt, 0 failed" in capsys.readouterr().out
    assert len(briefs(out)) == 3 and _manifest_html(out) == index_links(out) == briefs(out)


def test_a_manifest_that_cannot_be_written_keeps_the_journal_for_the_next_batch(
        tmp_path, monkeypatch, capsys):
    nb, out = tmp_path / "nb", tmp_path / "out"
    write_notebook(nb, "01_plain", "print(year)")
    real = manifest.write_text_atomic

    def no_manifest(text, path, **kwargs):
        if Path(path).name == "manifest.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(text, path, **kwargs)

    monkeypatch.setattr(manifest, "write_text_atomic", no_manifest)
    status = cli.main(["run", "--notebooks-dir", str(nb), "--years", "2020,2021", "--out", str(out),
                         "--quiet"])
    captured = capsys.readouterr()
    assert status == 1 and "Traceback" not in captured.err
    assert "0 up to date, 2 rebuilt, 0 failed" in captured.out  # the summary still comes
    assert captured.err.strip().splitlines()[-1] == (
        f"error: cannot write {out}/manifest.json: No space left on device; the finished runs "
        f"stay in {out / JOURNAL_NAME} for the next batch")
    monkeypatch.setattr(manifest, "write_text_atomic", real)
    status = cli.main(["run", "--notebooks-dir", str(nb), "--years", "2020,2021", "--out", str(out),
                         "--quiet"])
    assert status == 0
    assert "2 up to date, 0 rebuilt, 0 failed" in capsys.readouterr().out
    assert _manifest_html(out) == index_links(out) == briefs(out)
    assert len(briefs(out)) == 2 and not (out / JOURNAL_NAME).exists()


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MB tmpfs (root only: skipped elsewhere)."""
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_fails_runs_cleanly_and_lists_exactly_the_briefs(small_disk,
                                                                             tmp_path):
    nb, out = tmp_path / "nb", small_disk / "out"
    # Each run prints ~150 KB, so a 1 MB disk takes a few briefs (notebook and HTML) only.
    write_notebook(nb, "01_big", "print('x' * 150_000)")
    proc = run_cli("--notebooks-dir", str(nb), "--years", "2020,2021,2022,2023,2024",
                   "--jobs", "1", "--out", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "No space left on device" in proc.stdout
    assert 1 <= len(briefs(out)) < 5
    assert _manifest_html(out) == index_links(out) == briefs(out)
    assert not list(out.rglob("*.tmp")) and not (out / JOURNAL_NAME).exists()
