"""`python -m analysis`: one parser with every command; each command's options and mistakes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analysis import cli
from analysis.paths import NOTEBOOKS_DIR
from analysis.runner import plan

COMMANDS = ["build", "validate", "conflicts", "import-dti", "run"]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "notebooks"


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "{" + ",".join(COMMANDS) + "}" in out
    for command in COMMANDS:
        assert f"\n    {command} " in out, command


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_its_own_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([command, "-h"])
    assert done.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: python -m analysis {command} [-h]")


def test_run_help_keeps_its_description_options_and_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # as wrapped for any terminal width
    assert "publish offline HTML briefs under --out" in out
    assert "Exit codes: 0 all published, 1 a run failed, 2 a bad parameter." in out
    for option in ("--years", "--provinces", "--notebooks", "--lang", "--param", "--jobs",
                   "--timeout", "--out", "--data", "--notebooks-dir", "--wait", "--fresh-kernels",
                   "--force", "--max-kernel-memory", "--max-output-mb", "--quiet"):
        assert option in out, option


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_named_with_the_usage_of_its_command(command, capsys):
    argv = [command, "--bogus"] + (["file.csv", "--year", "2022", "--source-url", "https://x"]
                                   if command == "import-dti" else [])
    with pytest.raises(SystemExit) as done:
        cli.main(argv)
    err = capsys.readouterr().err
    assert done.value.code == 2
    assert err.startswith(f"usage: python -m analysis {command} ")
    assert err.strip().endswith(f"python -m analysis {command}: error: unrecognized arguments: "
                                "--bogus")


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main([])
    assert done.value.code == 2
    assert "the following arguments are required: command" in capsys.readouterr().err


def test_run_defaults_are_the_default_set():
    args = cli.parse(["run"])
    assert (args.years, args.provinces, args.notebooks, args.lang, args.param) == (
        "all", "Hải Dương", "all", "vi", [])
    assert args.jobs == cli.default_jobs() and args.timeout == 600
    assert (args.max_kernel_memory, args.max_output_mb) == (1024, 20)
    runs = plan.plan(args, NOTEBOOKS_DIR)
    assert {run.province for run in runs} <= {"Hải Dương", None}
    assert {run.lang for run in runs} == {"vi"}


def test_run_takes_a_language_as_a_notebook_does():
    args = cli.parse(["run", "--lang", "EN", "--years", "2022", "--notebooks", "01"])
    assert {run.lang for run in plan.plan(args, FIXTURES)} == {"en"}


def test_a_command_mistake_is_one_error_line_and_exit_1(tmp_path, capsys):
    code = cli.main(["import-dti", str(tmp_path / "missing.csv"), "--year", "2022",
                     "--source-url", "https://dti.gov.vn/x", "--date-published", "2023-02-30",
                     "--data", str(tmp_path)])
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err == [f"error: {tmp_path / 'missing.csv'}: file not found",
                   ("error: --date-published: '2023-02-30': must be a calendar date "
                    "YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-07-12)")]


def test_python_dash_m_analysis_runs_the_one_parser():
    done = subprocess.run([sys.executable, "-m", "analysis", "run", "--help"], capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m analysis run [-h]")
