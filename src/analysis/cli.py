"""`python -m analysis COMMAND`: build, validate, import-dti, conflicts, run.

User mistakes end with one line per problem on stderr and exit code 1 (2 for a bad parameter
of `run`), never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from analysis.errors import UserError
from analysis.paths import data_dir


def _data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="data folder (default: $DTI_DATA_DIR, else the repository's data/)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    _data_arg(commands.add_parser("build", help="rebuild data/processed/ from data/raw/, then validate"))
    _data_arg(commands.add_parser("validate", help="check every table; one line per problem"))
    _data_arg(commands.add_parser("conflicts", help="list figures on which sources disagree"))
    imp = commands.add_parser("import-dti", help="import a table saved from the DTI portal "
                              "('XẾP HẠNG' or 'Xếp hạng chi tiết'; CSV or .xlsx)")
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
                     help="YYYY-MM-DD or YYYY-MM, where the page shows it")
    imp.add_argument("--date-accessed", default="",
                     help="YYYY-MM-DD the page was read (default: today)")
    imp.add_argument("--dry-run", action="store_true",
                     help="print the rows it would add, merge or contradict; write nothing")
    _data_arg(imp)
    commands.add_parser("run", help="produce the HTML briefs (see `python -m analysis run -h`)",
                        add_help=False)
    return parser


def _cmd_build(args) -> int:
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
    from analysis.ingest.validate import validate

    root = data_dir(args.data)
    problems = validate(root)
    if problems:
        raise UserError(problems)
    print(f"{root}: all tables valid")
    return 0


def _cmd_conflicts(args) -> int:
    from analysis.data import PRECEDENCE_RULE, conflicts

    table = conflicts(args.data)
    print(PRECEDENCE_RULE)
    print(table[["year", "unit_system", "unit", "measure", "score", "rank", "conflict"]]
          .to_string(index=False) if len(table) else "no conflicts")
    return 0


def _cmd_import(args) -> int:
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


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "run":
        from analysis.batch import main as run_main

        return run_main(argv[1:])
    args = _parser().parse_args(argv)
    handler = {"build": _cmd_build, "validate": _cmd_validate, "conflicts": _cmd_conflicts,
               "import-dti": _cmd_import}[args.command]
    try:
        return handler(args)
    except UserError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
