"""`python -m analysis COMMAND`: build, validate, import-dti, conflicts, run.

One argparse parser holds every command and every option, so that `python -m analysis --help`
lists them all, `python -m analysis COMMAND -h` shows each one's options, and a command's options
are written in one place. The modules that do the work are imported only by the command that
runs (building the parser imports neither pandas nor the runner).

User mistakes end with one line per problem on stderr and exit code 1 (2 for a bad parameter
of `run`), never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from analysis.errors import UserError
from analysis.measures import HOME_PROVINCE
from analysis.paths import DATA_DIR_ENV, NOTEBOOKS_DIR, NOTEBOOKS_DIR_ENV, OUTPUTS_DIR, data_dir

DEFAULT_MEMORY_LIMIT_MB = 1024
DEFAULT_OUTPUT_LIMIT_MB = 20


def default_jobs() -> int:
    """One kernel more than there are CPUs: each kernel waits on the runner between cells (for
    the next cell, while the runner exports another brief), and the extra one fills those gaps
    (measured here, 2 CPUs, 127 runs: 33 s with 2 kernels, 29.5 s with 3, no gain beyond)."""
    return (os.cpu_count() or 1) + 1


def _data_arg(parser: argparse.ArgumentParser) -> None:
    """The `--data DIR` option every command takes."""
    parser.add_argument("--data", metavar="DIR", default=None,
                        help=f"data folder (default: ${DATA_DIR_ENV}, else the repository's data/)")


def _import_options(imp: argparse.ArgumentParser) -> None:
    """The options of `import-dti` (see `analysis.ingest.importer`)."""
    imp.add_argument("file", type=Path, help="the saved table: .csv or .xlsx")
    imp.add_argument("--year", type=int, required=True)
    imp.add_argument("--source-url", required=True)
    imp.add_argument("--unit-system", type=int, choices=(63, 34), default=63)
    imp.add_argument("--table", choices=("overall", "detail"), default=None,
                     help="which portal table it is (default: recognised by its header)")
    imp.add_argument("--sheet", default=None, metavar="NAME",
                     help="worksheet of an .xlsx workbook (default: the first)")
    imp.add_argument("--publisher", default=None, help="default: taken from the URL's host")
    imp.add_argument("--title", default=None, help="default: the portal table's title")
    imp.add_argument("--date-published", default="",
                     help="YYYY-MM-DD, YYYY-MM or YYYY, as the page shows it")
    imp.add_argument("--date-accessed", default="",
                     help="YYYY-MM-DD the page was read (default: today)")
    imp.add_argument("--dry-run", action="store_true",
                     help="print the rows it would add, merge or contradict; write nothing")
    _data_arg(imp)


def _run_options(p: argparse.ArgumentParser) -> None:
    """The options of `run` (see `analysis.runner.batch`)."""
    p.add_argument("--years", default="all", help="comma-separated DTI years, or 'all' (default)")
    p.add_argument("--provinces", default=HOME_PROVINCE,
                   help=f"comma-separated province names, or 'all' (default: {HOME_PROVINCE})")
    p.add_argument("--notebooks", default="all",
                   help="comma-separated notebook ids (01, 02_trends…), or 'all' (default)")
    p.add_argument("--lang", default="vi", help="comma-separated: vi, en (default: vi)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="another notebook parameter (VALUE read as JSON, else as text), e.g. "
                        "-p 'peers=[\"Bắc Ninh\"]'; passed to the notebooks that declare it")
    p.add_argument("--jobs", type=int, default=default_jobs(),
                   help="parallel worker kernels (default: CPU count + 1)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per run (default: 600)")
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default: {OUTPUTS_DIR})")
    _data_arg(p)
    p.add_argument("--notebooks-dir", type=Path, default=None,
                   help=f"where the notebooks are (default: ${NOTEBOOKS_DIR_ENV}, else "
                        f"{NOTEBOOKS_DIR})")
    p.add_argument("--wait", action="store_true",
                   help="if another run holds --out, wait for it instead of exiting")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start every run's kernel from scratch instead of forking it from the "
                        "warm template (slower; gives the same bytes)")
    p.add_argument("--force", action="store_true",
                   help="rerun every requested run, even those whose inputs did not change")
    p.add_argument("--max-kernel-memory", type=float, default=DEFAULT_MEMORY_LIMIT_MB,
                   metavar="MB", help="stop a run whose kernel uses more resident memory than "
                                      f"this (default: {DEFAULT_MEMORY_LIMIT_MB:g}; 0: no limit)")
    p.add_argument("--max-output-mb", type=float, default=DEFAULT_OUTPUT_LIMIT_MB, metavar="MB",
                   help="fail a run whose brief or executed notebook would be larger than this "
                        f"(default: {DEFAULT_OUTPUT_LIMIT_MB:g})")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def parser() -> argparse.ArgumentParser:
    """Every command of `python -m analysis` with its options."""
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    _data_arg(commands.add_parser("build", help="rebuild data/processed/ from data/raw/, then validate"))
    _data_arg(commands.add_parser("validate", help="check every table; one line per problem"))
    _data_arg(commands.add_parser("conflicts", help="list figures on which sources disagree"))
    _import_options(commands.add_parser(
        "import-dti", help="import a table saved from the DTI portal ('XẾP HẠNG' or 'Xếp hạng "
                           "chi tiết'; CSV or .xlsx)"))
    _run_options(commands.add_parser(
        "run", help="produce the HTML briefs (see `python -m analysis run -h`)",
        description="Run the notebooks for every requested year x province x language and "
                    "publish offline HTML briefs under --out.",
        epilog="A notebook without a `province` parameter runs once per year and language, "
               "into <out>/<year>/all/. Exit codes: 0 all published, 1 a run failed, 2 a bad "
               "parameter."))
    for command in commands.choices.values():  # an unknown option is the command's mistake
        command.set_defaults(command_parser=command)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command and its options from `argv` (default: the process's arguments); a mistake
    ends the process with the usage of the command it concerns (argparse's exit 2)."""
    args, unknown = parser().parse_known_args(sys.argv[1:] if argv is None else list(argv))
    if unknown:
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return args


def _cmd_build(args) -> int:
    """Rebuild data/processed/ from data/raw/ under the data folder's write lock, if it passes
    every check (else UserError, nothing written)."""
    from analysis import datalock
    from analysis.ingest.build import write_processed
    from analysis.ingest.validate import build_checked

    root = data_dir(args.data)
    with datalock.writing(root):  # running batches finish on the tables they started with
        built, problems = build_checked(root)
        if problems:
            raise UserError(problems)
        write_processed(built, root)
    print(f"built {len(built.tables)} tables in {root / 'processed'}; all checks passed")
    return 0


def _cmd_validate(args) -> int:
    """Every check on every table; UserError with one line per problem."""
    from analysis.ingest.validate import validate

    root = data_dir(args.data)
    problems = validate(root)
    if problems:
        raise UserError(problems)
    print(f"{root}: all tables valid")
    return 0


def _cmd_conflicts(args) -> int:
    """Print the precedence rule and every figure on which sources disagree."""
    from analysis.data import PRECEDENCE_RULE, conflicts

    table = conflicts(args.data)
    print(PRECEDENCE_RULE)
    print(table[["year", "unit_system", "unit", "measure", "score", "rank", "conflict"]]
          .to_string(index=False) if len(table) else "no conflicts")
    return 0


def _cmd_import(args) -> int:
    """Import one portal table (all or nothing); UserError naming every problem's place."""
    from analysis.ingest.importer import import_dti

    result = import_dti(args.file, year=args.year, source_url=args.source_url,
                        unit_system=args.unit_system, data_dir=args.data, publisher=args.publisher,
                        title=args.title, date_published=args.date_published,
                        table=args.table, sheet=args.sheet, dry_run=args.dry_run,
                        date_accessed=args.date_accessed)
    print(result)
    if result.problems:
        raise UserError(result.problems)
    return 0


def _cmd_run(args) -> int:
    """The batch runner; it reports its own problems (exit 2 for a bad parameter)."""
    from analysis.runner.batch import run

    return run(args)


COMMANDS = {"build": _cmd_build, "validate": _cmd_validate, "conflicts": _cmd_conflicts,
            "import-dti": _cmd_import, "run": _cmd_run}


def main(argv: list[str] | None = None) -> int:
    """Run one command; its exit code (a UserError: one `error:` line per problem, exit 1)."""
    args = parse(argv)
    try:
        return COMMANDS[args.command](args)
    except UserError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
