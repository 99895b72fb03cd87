"""`python -m analysis import-dti`: add one of the DTI portal's tables to data/, all or nothing.

Both tables (the overall "XẾP HẠNG" and the detailed "Xếp hạng chi tiết"), saved as CSV or as an
Excel workbook. The file is kept under data/raw/official/ as received, with its provenance; the
processed tables are rebuilt and validated in a staging copy of data/, and only then moved into
place. `dry_run` does all of that in the staging copy and reports what it would change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import datalock
from analysis.atomic import write_bytes_atomic
from analysis.errors import Problem, UserError
from analysis.ingest import dates, official_table
from analysis.ingest.build import (
    PROVENANCE_COLUMNS,
    PROVENANCE_FILE,
    build_aliases,
    build_provinces,
    build_units_2025,
    read_provenance,
    resolvers,
    write_processed,
)
from analysis.ingest.sources import host_of, source_id
from analysis.measures import FIRST_EDITION, UNIT_SYSTEMS
from analysis.paths import data_dir as resolve_data_dir
from analysis.paths import processed_dir, raw_dir

OFFICIAL_DIR = "official"


@dataclass(frozen=True)
class Plan:
    """What an import does to the figures of its page: added, already there, contradicted."""

    added: list[dict] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plan as indented report lines: rows added by measure, rows merged, conflicts."""
        counts = Counter(row["measure"] for row in self.added)
        by_measure = ", ".join(f"{m} {n}" for m, n in counts.items())
        out = [f"  rows added: {len(self.added)}" + (f" ({by_measure})" if by_measure else ""),
               f"  rows already there (merged): {len(self.merged)}"]
        out += [f"    {line}" for line in self.merged]
        out.append(f"  conflicts with figures from the same page: {len(self.conflicts)}")
        out += [f"    {line}" for line in self.conflicts]
        return out


@dataclass(frozen=True)
class ImportResult:
    """What an import did (in a dry run, would do); its str() is the report the user reads."""
    raw_file: str
    rows: int
    changed: bool
    table: str = official_table.DETAIL
    plan: Plan = field(default_factory=Plan)
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        """The report: raw file, table, rows and verdict (imported, unchanged, or a dry run's), then
        the plan."""
        kind = f"the {self.table} table '{official_table.TABLE_TITLES[self.table]}'"
        if self.dry_run:
            verdict = ("would be refused (problems below)" if self.problems else
                       "would change nothing" if not self.changed else "would be imported")
            return "\n".join([(f"dry run, nothing written: {self.raw_file}, {kind}, {self.rows} "
                              f"rows; {verdict}"), *self.plan.lines()])
        if not self.changed:
            return f"{self.raw_file}: every figure is already in data/; nothing changed"
        return "\n".join([(f"imported {self.rows} rows from {kind} into {self.raw_file}; "
                          "data/processed rebuilt and valid"), *self.plan.lines()])


def _check_arguments(file: Path, year: int, source_url: str, unit_system: int, table: str | None,
                     date_published: str, date_accessed: str = "") -> None:
    """Nothing when every argument is usable; else a UserError with one problem per bad one (file,
    year, unit system, URL, table kind, dates)."""
    this_year = dt.date.today().year
    problems = []
    if not file.is_file():
        problems.append(Problem(str(file), None, None, None, "file not found"))
    if not FIRST_EDITION <= year <= this_year:
        problems.append(Problem("--year", None, None, year,
                                f"must be an edition year from {FIRST_EDITION} to {this_year}"))
    if unit_system not in UNIT_SYSTEMS:
        problems.append(Problem("--unit-system", None, None, unit_system, "must be 63 or 34"))
    if not source_url.startswith(("http://", "https://")):
        problems.append(Problem("--source-url", None, None, source_url,
                                "must be the http(s) URL of the page the table was saved from"))
    if table is not None and table not in official_table.TABLE_KINDS:
        problems.append(Problem("--table", None, None, table, "must be overall or detail"))
    # Left out, the date published is "not stated" and the date accessed today.
    if date_published and (rule := dates.problem(date_published)):
        problems.append(Problem("--date-published", None, None, date_published, rule))
    if date_accessed and (rule := dates.problem(date_accessed, dates.DAY)):
        problems.append(Problem("--date-accessed", None, None, date_accessed, rule))
    if problems:
        raise UserError(problems)


def parse_file(file: Path, unit_system: int, root: Path, table: str | None = None,
               sheet: str | None = None) -> tuple[pd.DataFrame, str, str]:
    """The table's rows, its kind and the file format ('xlsx' or 'csv'), or a UserError naming
    every problem's line and column (CSV) or sheet and cell (workbook)."""
    ref = raw_dir(root) / "reference"
    resolver = resolvers(build_provinces(ref), build_units_2025(ref), build_aliases(ref))[unit_system]
    raw = file.read_bytes()
    grid, problems = official_table.read_grid(raw, str(file), sheet)
    if problems:
        raise UserError(problems)
    rows, problems, kind = official_table.parse_grid(grid, resolver, table, unit_count=unit_system)
    if problems:
        raise UserError(problems)
    return rows, kind, "csv" if grid.sheet is None else "xlsx"


def plan_import(rows: pd.DataFrame, existing: pd.DataFrame, year: int, unit_system: int,
                source: str) -> Plan:
    """Compare the table's figures with those already in data/ from the same page."""
    same = existing[(existing["year"] == year) & (existing["unit_system"] == unit_system)
                    & (existing["source_id"] == source)]
    known = {(r["unit"], r["measure"]): r for r in same.to_dict("records")}
    plan = Plan()
    for row in rows.to_dict("records"):
        old = known.get((row["unit"], row["measure"]))
        if old is None:
            plan.added.append(row)
            continue
        name = f"{year} {row['unit']} {row['measure']}"
        where = f"{old['origin_file']}, line {old['origin_line']}"
        clashes, adds = [], []
        for column in ("rank", "score"):
            new_value, old_value = row[column], old[column]
            if _blank(new_value):
                continue
            if _blank(old_value):
                adds.append(f"adds {column} {_show(new_value)}")
            elif round(float(new_value), 9) != round(float(old_value), 9):
                clashes.append(f"{column}: table says {_show(new_value)}, data/ has "
                               f"{_show(old_value)} ({where})")
        if clashes:
            plan.conflicts.extend(f"{name} {c}" for c in clashes)
        else:
            plan.merged.append(f"{name}: already there ({where})" + (f"; {', '.join(adds)}" if adds else ""))
    return plan


def _blank(value) -> bool:
    """Whether `value` is missing (None or NA); text, even "", is not."""
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _show(value) -> str:
    """A figure as a message shows it: a whole number above 1 without decimals, else in %g form."""
    number = float(value)
    return str(int(number)) if number.is_integer() and number > 1 else f"{number:g}"


def import_dti(file, year: int, source_url: str, unit_system: int = 63, data_dir=None,
               publisher: str | None = None, title: str | None = None,
               date_published: str = "", table: str | None = None, sheet: str | None = None,
               dry_run: bool = False, date_accessed: str = "") -> ImportResult:
    """Add the table in `file` to data/, all or nothing, and say what changed; a UserError names
    every problem (a dry run writes nothing and returns the rebuild's problems instead)."""
    file, root = Path(file), resolve_data_dir(data_dir)
    _check_arguments(file, year, source_url, unit_system, table, date_published, date_accessed)
    rows, kind, fmt = parse_file(file, unit_system, root, table, sheet)
    # A real import writes data/: it waits for running batches (they hold the lock shared), so
    # that no batch reads half old, half new tables; a dry run writes nothing and does not wait.
    with nullcontext() if dry_run else datalock.writing(root):
        return _import(file, root, rows, kind, fmt, year=year, source_url=source_url,
                       unit_system=unit_system, publisher=publisher, title=title,
                       date_published=date_published, sheet=sheet, dry_run=dry_run,
                       date_accessed=date_accessed)


def _import(file: Path, root: Path, rows, kind: str, fmt: str, *, year: int, source_url: str,
            unit_system: int, publisher, title, date_published: str, sheet, dry_run: bool,
            date_accessed: str) -> ImportResult:
    """import_dti once the table is parsed (and, unless dry_run, the data folder locked)."""
    content = file.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    relative = f"{OFFICIAL_DIR}/dti_{year}_{unit_system}_{kind}_{digest[:12]}.{fmt}"
    existing = pd.read_csv(processed_dir(root) / "dti.csv", keep_default_na=False, na_values=[""])
    plan = plan_import(rows, existing, year, unit_system, source_id(source_url))
    result = {"rows": len(rows), "table": kind, "plan": plan, "dry_run": dry_run}
    provenance = read_provenance(root)
    same = provenance[(provenance["sha256"] == digest) & (provenance["url"] == source_url)
                      & (provenance["year"] == str(year))
                      & (provenance["unit_system"] == str(unit_system))]
    if len(same):
        return ImportResult(f"raw/{same['file'].iloc[0]}", changed=False, **result)
    record = {
        "file": relative, "kind": "official_table",
        "publisher": publisher or host_of(source_url),
        "title": title or official_table.TABLE_TITLES[kind], "url": source_url,
        "date_published": date_published, "date_accessed": date_accessed or dt.date.today().isoformat(),
        "sha256": digest, "year": str(year), "unit_system": str(unit_system),
        "note": f"saved by a researcher from the page; original file name {file.name}",
        "table": kind, "sheet": sheet or "",
    }
    with _staged(root, relative, content, record) as (staging, problems):
        changed = not problems and _adds_figures(staging, root)
        if dry_run:
            return ImportResult(f"raw/{relative}", changed=changed, problems=problems, **result)
        if problems:
            raise UserError(problems)
        if changed:
            _move_changed(staging, root)
    return ImportResult(f"raw/{relative}", changed=changed, **result)


@contextmanager
def _staged(root: Path, relative: str, content: bytes, record: dict):
    """A copy of data/ with the import applied and rebuilt, and the problems validation found."""
    from analysis.ingest.validate import build_checked

    with tempfile.TemporaryDirectory(dir=root.parent, prefix=f".{root.name}-import-") as tmp:
        staging = Path(tmp) / root.name
        shutil.copytree(root, staging)
        (raw_dir(staging) / relative).parent.mkdir(parents=True, exist_ok=True)
        (raw_dir(staging) / relative).write_bytes(content)
        provenance = pd.concat([read_provenance(staging), pd.DataFrame([record])], ignore_index=True)
        provenance[PROVENANCE_COLUMNS].to_csv(raw_dir(staging) / PROVENANCE_FILE, index=False,
                                              lineterminator="\n")
        built, problems = build_checked(staging)
        if not problems:
            write_processed(built, staging)
        yield staging, problems


def _adds_figures(staging: Path, root: Path) -> bool:
    """False when every figure in the table is already in data/ (same source, same values)."""
    columns = ["year", "unit_system", "unit", "measure", "score", "rank", "source_id"]
    before = pd.read_csv(processed_dir(root) / "dti.csv")[columns]
    after = pd.read_csv(processed_dir(staging) / "dti.csv")[columns]
    return not before.equals(after)


def _move_changed(staging: Path, root: Path) -> None:
    """Copy each file of `staging` that differs from `root` into `root`, each written atomically."""
    # The new raw file first, the processed tables next, provenance last: a reader never sees
    # provenance that names a file that is not there yet.
    changed = [p for p in sorted(staging.rglob("*")) if p.is_file() and _differs(p, root / p.relative_to(staging))]
    order = sorted(changed, key=lambda p: (p.name == PROVENANCE_FILE, "processed" in p.parts))
    for path in order:
        write_bytes_atomic(path.read_bytes(), root / path.relative_to(staging))


def _differs(staged: Path, live: Path) -> bool:
    """Whether `live` is missing or holds other bytes than `staged`."""
    return not live.exists() or live.read_bytes() != staged.read_bytes()
