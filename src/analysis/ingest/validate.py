"""`python -m analysis validate`: every check on every table, one line per problem."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from analysis.errors import Problem
from analysis.ingest import dates
from analysis.ingest.build import (
    PROCESSED_FILES,
    PROVENANCE_COLUMNS,
    PROVENANCE_FILE,
    Built,
    build_all,
)
from analysis.ingest.schemas import check_tables
from analysis.paths import processed_dir, raw_dir

REQUIRED_PROVENANCE = ("file", "kind", "publisher", "title", "url", "date_accessed", "sha256")
# (column, finest precision required, blank allowed): the page's date as it shows it, the day
# it was read (an empty date_accessed is reported once, as a required field).
DATE_COLUMNS = (("date_published", dates.YEAR, True), ("date_accessed", dates.DAY, False))


def check_provenance(root: Path) -> list[Problem]:
    """Every raw file has its provenance, and is byte for byte the file that was received."""
    file = f"raw/{PROVENANCE_FILE}"
    path = raw_dir(root) / PROVENANCE_FILE
    if not path.exists():
        return [Problem(file, None, None, None, "provenance file is missing")]
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = [Problem(file, 1, c, None, "missing column")
                for c in PROVENANCE_COLUMNS if c not in table.columns]
    if problems:
        return problems
    for line, record in enumerate(table.to_dict("records"), start=2):
        problems += [Problem(file, line, c, record[c], "required provenance field is empty")
                     for c in REQUIRED_PROVENANCE if not record[c].strip()]
        for column, finest, blank in DATE_COLUMNS:
            if record[column] and (rule := dates.problem(record[column], finest, blank)):
                problems.append(Problem(file, line, column, record[column], rule))
        raw_file = raw_dir(root) / record["file"]
        if not raw_file.exists():
            problems.append(Problem(file, line, "file", record["file"], "raw file is missing"))
        elif hashlib.sha256(raw_file.read_bytes()).hexdigest() != record["sha256"]:
            problems.append(Problem(file, line, "sha256", record["file"],
                                    "raw file changed since it was received (raw files are never edited)"))
    listed = set(table["file"])
    for raw_file in sorted(raw_dir(root).rglob("*")):
        relative = raw_file.relative_to(raw_dir(root)).as_posix()
        if raw_file.is_file() and relative != PROVENANCE_FILE and relative not in listed:
            problems.append(Problem(f"raw/{relative}", None, None, None, "raw file has no provenance"))
    return problems


def check_processed_current(root: Path, built: Built) -> list[Problem]:
    """The processed tables on disk are the ones the raw data builds."""
    problems = []
    for name in PROCESSED_FILES:
        path = processed_dir(root) / name
        expected = built.tables[name].to_csv(index=False, lineterminator="\n")
        if not path.exists():
            problems.append(Problem(f"processed/{name}", None, None, None,
                                    "missing; run `python -m analysis build`"))
        elif path.read_text(encoding="utf-8") != expected:
            problems.append(Problem(f"processed/{name}", None, None, None,
                                    "out of date with data/raw; run `python -m analysis build`"))
    return problems


def build_checked(root: Path, this_year: int | None = None) -> tuple[Built | None, list[Problem]]:
    """Build every table from raw and run every schema; the tables only if nothing failed."""
    problems = check_provenance(root)
    if problems:
        return None, problems
    try:
        built = build_all(root)
    except KeyError as exc:
        return None, [Problem("raw", None, str(exc).strip("'\""), None,
                              "a raw table lacks this column")]
    # A cell the build already refused (an unknown province, with the closest names) is said
    # once: the schema's word on the same cell adds nothing.
    said = {(p.file, p.line, p.column) for p in built.problems}
    problems = built.problems + [p for p in check_tables(built.tables, built.origins, this_year)
                                 if (p.file, p.line, p.column) not in said]
    return (built if not problems else None), problems


def check_translations_file(root: Path) -> list[Problem]:
    """`data/translations.csv` (see `analysis.i18n.check_translations`) as problems."""
    from analysis.i18n import TRANSLATIONS_FILE, check_translations

    prefix = TRANSLATIONS_FILE
    return [Problem(prefix, None, None, None, text.removeprefix(prefix).lstrip(",: "))
            for text in check_translations(root)]


def validate(root: Path, this_year: int | None = None) -> list[Problem]:
    """Every problem of the data folder `root`: provenance, build, schemas, stale processed tables;
    translations are checked only when all else passes."""
    built, problems = build_checked(root, this_year)
    if built is not None:
        problems += check_processed_current(root, built)
        if not problems:
            problems += check_translations_file(root)
    return problems
