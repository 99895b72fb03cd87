"""Every option of `run` is checked before any kernel starts: exit 2, one line, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import cli
from analysis.runner import execute, plan

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "notebooks"


@pytest.fixture
def no_kernels(monkeypatch):
    started = []

    def forbidden(*args, **kwargs):
        started.append(True)
        raise AssertionError("a kernel or the fork server was started")

    monkeypatch.setattr(execute, "start_kernel_hook", forbidden)
    monkeypatch.setattr(execute, "fork_server_hook", forbidden)
    return started


def _files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


@pytest.mark.parametrize("args, expected", [
    (["--timeout", "-1"], "--timeout: -1 is not a number of seconds > 0"),
    (["--timeout", "0"], "--timeout: 0 is not a number of seconds > 0"),
    (["--timeout", "nan"], "--timeout: nan is not a number of seconds > 0"),
    (["--timeout", "inf"], "--timeout: inf is not a number of seconds > 0"),
    (["--max-kernel-memory", "-5"], "--max-kernel-memory: -5 is not a number of MB >= 0"),
    (["--max-kernel-memory", "nan"], "--max-kernel-memory: nan is not a number of MB >= 0"),
    (["--max-output-mb", "0"], "--max-output-mb: 0 is not a number of MB > 0"),
    (["--provinces", ""], "--provinces: empty list; give comma-separated values, or all"),
    (["--years", " , "], "--years: empty list"),
    (["--notebooks", ""], "--notebooks: empty list"),
    (["--lang", ""], "--lang: empty list"),
    (["--jobs", "0"], "--jobs: must be at least 1"),
])
def test_a_bad_option_exits_2_with_one_line_and_writes_nothing(args, expected, no_kernels,
                                                               tmp_path, capsys):
    out = tmp_path / "out"
    code = cli.main(["run", "--notebooks-dir", str(FIXTURES), "--out", str(out), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: " + expected), err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists() and not no_kernels


def test_out_naming_an_existing_file_is_refused_and_the_file_kept(no_kernels, tmp_path, capsys):
    out = tmp_path / "briefs"
    out.write_text("mine")
    code = cli.main(["run", "--notebooks-dir", str(FIXTURES), "--out", str(out), "--years", "2022"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"error: --out: {out} exists and is not a folder"
    assert out.read_text() == "mine" and _files(tmp_path) == [out] and not no_kernels


def test_out_under_a_file_cannot_be_created(no_kernels, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code = cli.main(["run", "--notebooks-dir", str(FIXTURES), "--out", str(blocker / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"--out: {blocker} is not a folder, so {blocker / 'out'} cannot be created" in err
    assert len(err.strip().splitlines()) == 1 and _files(tmp_path) == [blocker]


def test_a_creatable_out_passes_the_check(tmp_path):
    assert plan._out_problem(tmp_path / "a" / "b") is None
    assert plan._out_problem(tmp_path) is None
