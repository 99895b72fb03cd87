"""`python -m analysis import-dti`: add an official "Xếp hạng chi tiết" table to data/, all or nothing.

The file is kept under data/raw/official/ as received, with its provenance; the processed tables
are rebuilt and validated in a staging copy of data/, and only then moved into place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import official_table
from analysis.atomic import write_bytes_atomic
from analysis.build import (
    PROVENANCE_COLUMNS,
    PROVENANCE_FILE,
    build_aliases,
    build_provinces,
    build_units_2025,
    read_provenance,
    resolvers,
    write_processed,
)
from analysis.errors import Problem, UserError
from analysis.measures import FIRST_EDITION, UNIT_SYSTEMS
from analysis.paths import data_dir as resolve_data_dir
from analysis.paths import processed_dir, raw_dir
from analysis.sources import host_of
from analysis.validate import build_checked

OFFICIAL_DIR = "official"


@dataclass(frozen=True)
class ImportResult:
    raw_file: str
    rows: int
    changed: bool

    def __str__(self) -> str:
        if not self.changed:
            return f"{self.raw_file}: every figure is already in data/; nothing changed"
        return f"imported {self.rows} figures from {self.raw_file}; data/processed rebuilt and valid"


def _check_arguments(file: Path, year: int, source_url: str, unit_system: int) -> None:
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
    if problems:
        raise UserError(problems)


def parse_file(file: Path, unit_system: int, root: Path) -> pd.DataFrame:
    """The table's rows, or a UserError naming every problem's line and column."""
    ref = raw_dir(root) / "reference"
    resolver = resolvers(build_provinces(ref), build_units_2025(ref), build_aliases(ref))[unit_system]
    text, problems = official_table.decode(file.read_bytes(), str(file))
    if not problems:
        rows, problems = official_table.parse(text, str(file), resolver)
    if problems:
        raise UserError(problems)
    return rows


def import_dti(file, year: int, source_url: str, unit_system: int = 63, data_dir=None,
               publisher: str | None = None, title: str = "Xếp hạng chi tiết",
               date_published: str = "") -> ImportResult:
    file, root = Path(file), resolve_data_dir(data_dir)
    _check_arguments(file, year, source_url, unit_system)
    rows = parse_file(file, unit_system, root)
    content = file.read_bytes()
    digest = hashlib.sha256(content).hexdigest()
    relative = f"{OFFICIAL_DIR}/dti_{year}_{unit_system}_{digest[:12]}.csv"
    provenance = read_provenance(root)
    same = provenance[(provenance["sha256"] == digest) & (provenance["url"] == source_url)
                      & (provenance["year"] == str(year))
                      & (provenance["unit_system"] == str(unit_system))]
    if len(same):
        return ImportResult(f"raw/{same['file'].iloc[0]}", len(rows), changed=False)
    record = {
        "file": relative, "kind": "official_table",
        "publisher": publisher or host_of(source_url), "title": title, "url": source_url,
        "date_published": date_published, "date_accessed": dt.date.today().isoformat(),
        "sha256": digest, "year": str(year), "unit_system": str(unit_system),
        "note": f"saved by a researcher from the page; original file name {file.name}",
    }
    changed = _stage_and_commit(root, relative, content, record)
    return ImportResult(f"raw/{relative}", len(rows), changed=changed)


def _stage_and_commit(root: Path, relative: str, content: bytes, record: dict) -> bool:
    """Apply the import to a copy of data/, validate it there, then move the changed files in."""
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=f".{root.name}-import-") as tmp:
        staging = Path(tmp) / root.name
        shutil.copytree(root, staging)
        (raw_dir(staging) / relative).parent.mkdir(parents=True, exist_ok=True)
        (raw_dir(staging) / relative).write_bytes(content)
        provenance = pd.concat([read_provenance(staging), pd.DataFrame([record])], ignore_index=True)
        provenance[PROVENANCE_COLUMNS].to_csv(raw_dir(staging) / PROVENANCE_FILE, index=False,
                                              lineterminator="\n")
        built, problems = build_checked(staging)
        if problems:
            raise UserError(problems)
        write_processed(built, staging)
        if not _adds_figures(staging, root):
            return False
        _move_changed(staging, root)
        return True


def _adds_figures(staging: Path, root: Path) -> bool:
    """False when every figure in the table is already in data/ (same source, same values)."""
    columns = ["year", "unit_system", "unit", "measure", "score", "rank", "source_id"]
    before = pd.read_csv(processed_dir(root) / "dti.csv")[columns]
    after = pd.read_csv(processed_dir(staging) / "dti.csv")[columns]
    return not before.equals(after)


def _move_changed(staging: Path, root: Path) -> None:
    # The new raw file first, provenance next, processed tables last: a reader never sees
    # provenance that names a file that is not there yet.
    changed = [p for p in sorted(staging.rglob("*")) if p.is_file() and _differs(p, root / p.relative_to(staging))]
    order = sorted(changed, key=lambda p: (p.name == PROVENANCE_FILE, "processed" in p.parts))
    for path in order:
        write_bytes_atomic(path.read_bytes(), root / path.relative_to(staging))


def _differs(staged: Path, live: Path) -> bool:
    return not live.exists() or live.read_bytes() != staged.read_bytes()
