"""The whole dataset, published beside the briefs: `<out>/data/`.

- one tidy CSV per table (UTF-8, LF, a missing figure is an empty cell, never 0);
- `datapackage.json`, a Frictionless Data Package: every field's type and description, primary
  and foreign keys, and the data rule in words (`frictionless validate` checks data against it);
- `dti-dataset.xlsx`, the same tables for spreadsheet users: one sheet per table (same rows as
  the CSV), a frozen header row of Vietnamese column titles, and a first sheet saying what the
  workbook holds and the data rule.

Every file goes through a temporary file and a rename, and only when its bytes change: the same
data gives the same bytes (the workbook's zip entries and document dates are fixed), so a batch
with nothing new leaves every file as it was.
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis import data
from analysis.atomic import write_bytes_atomic
from analysis.errors import UserError
from analysis.ingest import sources
from analysis.ingest.sources import PRECEDENCE_RULE
from analysis.measures import DTI_KEY

DATA_SUBDIR = "data"
DESCRIPTOR = "datapackage.json"
WORKBOOK = "dti-dataset.xlsx"

DATA_RULE = (
    "Every number in this package is a figure published by the source its row names "
    "(sources.csv: URL, publisher, title, date published). Nothing is estimated, interpolated or "
    "filled in: a figure not found in the sources collected is an empty cell (missing), never "
    "zero. When sources "
    "disagree, every published figure stays in dti_observations; dti_figures gives one figure per "
    "edition, unit system, unit and measure, score and rank each taken by the written precedence "
    "rule: " + PRECEDENCE_RULE
)
DATA_RULE_VI = (
    "Mọi con số trong bộ dữ liệu này là số liệu đã được công bố bởi nguồn ghi trên cùng dòng "
    "(bảng sources: địa chỉ, nơi công bố, tiêu đề, ngày công bố). Không có số nào được ước tính, "
    "nội suy hay điền thêm: số liệu không tìm thấy trong các nguồn đã thu thập là ô trống, không "
    "phải số 0. Khi các nguồn khác "
    "nhau, mọi số liệu đã công bố đều được giữ trong bảng dti_observations; bảng dti_figures chọn "
    "một số liệu theo quy tắc ưu tiên nguồn đã nêu."
)


@dataclass(frozen=True)
class Table:
    """One published table: its rows (a loader), key, and foreign keys to other tables."""

    name: str
    description: str
    load: object                      # data_dir -> DataFrame
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[str, str, str], ...] = ()   # (field, table, field)


def _figures(data_dir) -> pd.DataFrame:
    """The preferred figures (one per key), without the ambiguous `source_id`."""
    # `source_id` of the preferred table repeats the rank's (else the score's) source: the two
    # columns that name the score's and the rank's own sources say it without ambiguity.
    return data.preferred_dti(data_dir).drop(columns=["source_id"])


def _observations(data_dir) -> pd.DataFrame:
    """Every published figure, one row per figure and source."""
    return data.load_dti(data_dir)


TO_SOURCES = "sources"
TABLES = (
    Table("dti_figures", "One DTI figure per edition, unit system (63 provinces or 34 post-2025 "
          "units), unit and measure: the score and the rank chosen by the precedence rule, each "
          "with the source it comes from.", _figures,
          tuple(data.PREFERRED_KEY),
          (("score_source_id", TO_SOURCES, "source_id"),
           ("rank_source_id", TO_SOURCES, "source_id"))),
    Table("dti_observations", "Every published DTI figure, one row per figure and source (sources "
          "that disagree both stay), with the file and line it was transcribed from.",
          _observations, tuple(DTI_KEY),
          (("source_id", TO_SOURCES, "source_id"),)),
    Table("sources", "The source registry: one row per page cited.", data.load_sources,
          ("source_id",)),
    Table("provinces", "The 63 provinces before the 2025 merger, with the unit each became.",
          data.load_provinces, ("name",), (("source_id", TO_SOURCES, "source_id"),)),
    Table("units_2025", "The 34 administrative units formed by the 2025 merger.",
          data.load_units_2025, ("unit",), (("source_id", TO_SOURCES, "source_id"),)),
    Table("aliases", "Spellings of province names seen in sources, and the name each means.",
          data.load_aliases, ("alias",), (("source_id", TO_SOURCES, "source_id"),)),
    Table("list_mentions", "A unit named in a published list (e.g. a top-10) without its rank.",
          data.load_list_mentions, ("year", "unit", "unit_system", "list", "source_id"),
          (("source_id", TO_SOURCES, "source_id"),)),
    Table("targets", "Targets of Hải Dương's Resolution 06-NQ/TU (26 March 2021) that the "
          "sources identify (the sources do not identify all of them; none is invented).",
          data.load_targets, ("target_id", "horizon"),
          (("source_id", TO_SOURCES, "source_id"),)),
    Table("target_revisions", "Revisions of the Resolution's targets as proposed (appended, "
          "never overwritten).", data.load_target_revisions,
          ("target_id", "horizon", "proposed_on"), (("source_id", TO_SOURCES, "source_id"),)),
    Table("target_progress", "Progress reported towards the Resolution's targets.",
          data.load_target_progress, ("target_id", "as_of"),
          (("source_id", TO_SOURCES, "source_id"),)),
    Table("target_status", "How many of the Resolution's targets were reported in each state.",
          data.load_target_status, ("as_of", "status"),
          (("source_id", TO_SOURCES, "source_id"),)),
    Table("target_drafts", "Wording of targets in the draft submitted three days before the "
          "Resolution was adopted (a draft, not the adopted text).", data.load_target_drafts,
          ("target_id", "horizon"), (("source_id", TO_SOURCES, "source_id"),)),
    Table("target_restatements", "A target as a later report restates it, where it differs "
          "from the Resolution (e.g. rank 15 by 2025 instead of the top 20).",
          data.load_target_restatements, ("target_id", "horizon", "source_id"),
          (("source_id", TO_SOURCES, "source_id"),)),
)

FIELDS_FILE = Path(__file__).with_name("dataset_fields.csv")


def read_fields(path: Path = FIELDS_FILE) -> dict[str, tuple[str, str]]:
    """Every published column's (description, Vietnamese column title), from `dataset_fields.csv`
    (kept as a table so that a translator edits words, not code)."""
    import csv

    with path.open(encoding="utf-8", newline="") as file:
        return {row["field"]: (row["description"], row["title_vi"]) for row in csv.DictReader(file)}


FIELDS = read_fields()


def _field_type(series: pd.Series) -> str:
    """The Table Schema type of a column: boolean, integer, number or string."""
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "string"


def _frame(table: Table, data_dir) -> pd.DataFrame:
    """A table's rows sorted by its key; UserError when a column has no description in FIELDS."""
    frame = table.load(data_dir).reset_index(drop=True)
    unknown = [c for c in frame.columns if c not in FIELDS]
    if unknown:  # a new column must be described before it is published
        raise UserError(f"{table.name}: column(s) {', '.join(unknown)} have no description "
                        f"in {FIELDS_FILE.name} (analysis/runner/)")
    return frame.sort_values(list(table.primary_key), kind="stable").reset_index(drop=True)


def _csv(frame: pd.DataFrame) -> bytes:
    """A table as CSV bytes: Table Schema's booleans, an empty cell for missing text, LF line
    ends."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):  # Table Schema's canonical booleans
            out[column] = out[column].map({True: "true", False: "false"})
        elif pd.api.types.is_string_dtype(out[column]) or out[column].dtype == object:
            out[column] = out[column].replace("", pd.NA)  # missing text: empty cell
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _schema(table: Table, frame: pd.DataFrame) -> dict:
    """The Table Schema of a table: its fields (type, titles, description), key and foreign keys."""
    fields = [{"name": c, "type": _field_type(frame[c]), "title": FIELDS[c][1],
               "description": FIELDS[c][0]} for c in frame.columns]
    for field in fields:  # a key part is required where the data always has it (the national
        # DTI has no unit system: its rows leave that part of the key empty)
        if field["name"] in table.primary_key and frame[field["name"]].notna().all():
            field["constraints"] = {"required": True}
    schema = {"fields": fields, "missingValues": [""], "primaryKey": list(table.primary_key)}
    if table.foreign_keys:
        schema["foreignKeys"] = [{"fields": f, "reference": {"resource": ref, "fields": rf}}
                                 for f, ref, rf in table.foreign_keys]
    return schema


def descriptor(frames: dict[str, pd.DataFrame]) -> dict:
    """The Data Package descriptor for the tables in `frames` (name -> rows)."""
    return {
        "profile": "tabular-data-package",
        "name": "hai-duong-dti",
        "title": "Vietnam's provincial Digital Transformation Index (DTI) as published, with "
                 "Hải Dương's Resolution 06-NQ/TU targets",
        "description": DATA_RULE,
        "resources": [{
            "name": t.name, "path": f"{t.name}.csv", "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "description": t.description, "schema": _schema(t, frames[t.name]),
        } for t in TABLES],
    }


_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's earliest: a date that says "not a date"
_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _deterministic_zip(raw: bytes) -> bytes:
    """`raw` (an .xlsx) rewritten with fixed entry times and document dates: openpyxl stamps
    both with the time of saving, which would make every batch's workbook differ."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATES.sub(rb"\g<1>1980-01-01T00:00:00Z\g<3>", content)
            entry = zipfile.ZipInfo(info.filename, _FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def _cell(value):
    """A value as a workbook cell takes it (None for a missing value or empty text)."""
    if value is pd.NA or value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, str) and value == "":
        return None
    return value.item() if hasattr(value, "item") else value


def workbook(frames: dict[str, pd.DataFrame]) -> bytes:
    """The tables as one .xlsx: a first sheet on the data rule, then one sheet per table (row 1:
    Vietnamese column titles, frozen; then the same rows as the CSV)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    about = book.active
    about.title = "doc_truoc"
    for row in (["Chỉ số chuyển đổi số cấp tỉnh (DTI) — dữ liệu đã công bố"], [DATA_RULE_VI],
                [DATA_RULE], [], ["Bảng (trang tính)", "Nội dung"],
                *([t.name, t.description] for t in TABLES)):
        about.append(row)
    about["A1"].font = Font(bold=True)
    for table in TABLES:
        frame = frames[table.name]
        sheet = book.create_sheet(table.name)
        sheet.append([FIELDS[c][1] for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in frame.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    raw = io.BytesIO()
    book.save(raw)
    return _deterministic_zip(raw.getvalue())


def build(data_dir=None) -> dict[str, bytes]:
    """Every file of `<out>/data/` (file name -> bytes), from the processed tables."""
    frames = {t.name: _frame(t, data_dir) for t in TABLES}
    files = {f"{name}.csv": _csv(frame) for name, frame in frames.items()}
    files[DESCRIPTOR] = (json.dumps(descriptor(frames), ensure_ascii=False, indent=1)
                         + "\n").encode("utf-8")
    files[WORKBOOK] = workbook(frames)
    return files


def write_dataset(out: Path, data_dir=None) -> list[Path]:
    """Write `<out>/data/` (atomically, file by file); a file whose bytes would not change is
    not touched. Returns the files written. A problem with the tables (a processed table
    missing, a column without a description) is one `error:` line on stderr, and nothing in
    `<out>/data/` changes: the briefs of the batch are published all the same."""
    folder = Path(out) / DATA_SUBDIR
    try:
        digest = inputs_digest(data_dir)
        stamp = folder / STAMP
        names = [*(f"{t.name}.csv" for t in TABLES), DESCRIPTOR, WORKBOOK]
        if (stamp.is_file() and stamp.read_text(encoding="utf-8").strip() == digest
                and all((folder / n).is_file() for n in names)):
            return []  # same inputs as last time: no need to build (an unchanged batch is fast)
        files = build(data_dir)
    except UserError as exc:
        print(f"error: {folder}: not updated: {exc}".splitlines()[0], file=sys.stderr)
        return []
    written = []
    for name, content in files.items():
        path = folder / name
        if path.is_file() and path.read_bytes() == content:
            continue
        write_bytes_atomic(content, path)
        written.append(path)
    if not stamp.is_file() or stamp.read_text(encoding="utf-8").strip() != digest:
        write_bytes_atomic(f"{digest}\n".encode(), stamp)
    return written


STAMP = ".inputs.sha256"
INPUT_FILES = ("dti.csv", "sources.csv", "provinces.csv", "units_2025.csv", "aliases.csv",
               "list_mentions.csv", "targets.csv", "target_revisions.csv",
               "target_progress.csv", "target_status.csv", "target_drafts.csv",
               "target_restatements.csv")


def inputs_digest(data_dir=None) -> str:
    """SHA-256 over what the files depend on: the processed tables, the code that turns them
    into the published tables, and the versions of pandas and openpyxl."""
    import hashlib
    from importlib.metadata import version

    from analysis.paths import data_dir as resolve_data_dir
    from analysis.paths import processed_dir

    digest = hashlib.sha256()
    tables = processed_dir(resolve_data_dir(data_dir))
    for name in INPUT_FILES:
        path = tables / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    for module in (sys.modules[__name__], data, sources):  # what builds the published tables
        digest.update(Path(module.__file__).read_bytes())
    digest.update(FIELDS_FILE.read_bytes())
    digest.update(f"{version('pandas')} {version('openpyxl')}".encode())
    return digest.hexdigest()
