"""Reading the DTI portal's two tables, as a researcher saves them from a spreadsheet.

The portal (dti.gov.vn/xep-hang-YYYY) shows for each edition:
- the overall table "XẾP HẠNG": DTI rank, province, and the ranks of the three pillars;
- the detailed table "Xếp hạng chi tiết": DTI rank, province, eight indicator scores, DTI score.

Either may come as CSV (comma or semicolon, decimal point or comma, UTF-8 with or without BOM,
CRLF or LF) or as an Excel workbook (.xlsx; numbers as numeric cells or as text). The table is
recognised by its header row, wherever it is under title and blank rows; header cells may wrap
over two lines and be in any case. Every problem names where it is: line and column for CSV,
sheet and cell for a workbook.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from dataclasses import dataclass

import pandas as pd

from analysis.errors import Problem
from analysis.names import NameResolver, nfc

DETAIL, OVERALL = "detail", "overall"
TABLE_KINDS = (DETAIL, OVERALL)
TABLE_TITLES = {DETAIL: "Xếp hạng chi tiết", OVERALL: "Xếp hạng"}
RANK_HEADER = "Xếp hạng DTI"
UNIT_HEADER = "Các tỉnh, thành phố trực thuộc TW"
SCORE_HEADERS = {
    "Chỉ số Nhận thức số": "awareness",
    "Chỉ số Thể chế số": "institutions",
    "Chỉ số Hạ tầng số": "infrastructure",
    "Chỉ số Nhân lực số": "human_resources",
    "Chỉ số An toàn thông tin mạng": "cybersecurity",
    "Chỉ số Hoạt động chính quyền số": "activity_government",
    "Chỉ số Hoạt động kinh tế số": "activity_economy",
    "Chỉ số Hoạt động xã hội số": "activity_society",
    "CHUYỂN ĐỔI SỐ CẤP TỈNH (PDTI)": "dti",
}
PILLAR_RANK_HEADERS = {
    "Xếp hạng Chính quyền số": "pillar_government",
    "Xếp hạng Kinh tế số": "pillar_economy",
    "Xếp hạng Xã hội số": "pillar_society",
}
# Each table: its columns in the portal's order, as (header, measure, "rank" or "score").
COLUMNS = {
    DETAIL: [(RANK_HEADER, "dti", "rank"), (UNIT_HEADER, None, "unit"),
             *[(h, m, "score") for h, m in SCORE_HEADERS.items()]],
    OVERALL: [(RANK_HEADER, "dti", "rank"), (UNIT_HEADER, None, "unit"),
              *[(h, m, "rank") for h, m in PILLAR_RANK_HEADERS.items()]],
}
EXPECTED_HEADERS = [h for h, _, _ in COLUMNS[DETAIL]]
ROW_COLUMNS = ["unit", "measure", "score", "rank", "line"]
FORMULA_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                  "#GETTING_DATA", "#SPILL!", "#CALC!")
SAVE_AS = "save it from the spreadsheet as 'Excel Workbook (.xlsx)' or 'CSV UTF-8' and import that"
PASTE_AS_TEXT = ("a spreadsheet set to Vietnamese, where '.' separates thousands, read the "
                 "portal's decimal point that way; paste the table again as text (Paste Special > "
                 "Unicode Text, or format the columns as Text before pasting) and save again")
# "9.001": 0.9001 read as 9001 and shown with Vietnamese thousands dots. "0.123" is not such a
# number (thousands never start with a 0 group): it is a score with three decimals.
_VI_THOUSANDS = re.compile(r"^[1-9]\d{0,2}(\.\d{3})+$")


def header_key(text: object) -> str:
    """The form two spellings of one header share: NFC, one space for any run of blanks
    (a cell wrapped over two lines has a line break), case folded."""
    return re.sub(r"\s+", " ", nfc("" if text is None else str(text))).strip().casefold()


# --- where a cell is ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Grid:
    """The cells of a CSV file or a worksheet: rows of (line or sheet row number, values)."""

    file: str
    rows: list[tuple[int, list]]
    sheet: str | None = None  # None for CSV

    def problem(self, row: int | None, col: int | None, header: str | None, value,
                rule: str) -> Problem:
        """A problem at a cell: 'file, line L, column H' for CSV; for a workbook
        'file, sheet 'S', cell E4, column H'."""
        if self.sheet is None:
            column = header or (f"#{col + 1}" if col is not None else None)
            return Problem(self.file, row, column, value, rule)
        place = f"{self.file}, sheet '{self.sheet}'"
        if row is not None:
            place += f", cell {_column_letter(col)}{row}" if col is not None else f", row {row}"
        return Problem(place, None, header, value, rule)


def _column_letter(col: int) -> str:
    """The spreadsheet letters of the 0-based column `col` (0 -> "A", 26 -> "AA")."""
    letters, number = "", col + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- reading the file ----------------------------------------------------------------------------

def read_grid(raw: bytes, file: str, sheet: str | None = None) -> tuple[Grid | None, list[Problem]]:
    """The cells of a saved table, whatever the file is; or one problem saying what it is instead."""
    kind = file_kind(raw)
    if kind == "xlsx":
        return _workbook_grid(raw, file, sheet)
    if kind != "text":
        return None, [Problem(file, None, None, None, f"{kind}; {SAVE_AS}")]
    if file.lower().endswith((".xlsx", ".xlsm", ".xls", ".ods")):
        return None, [Problem(file, None, None, None,
                              f"named like a workbook but holds plain text, not a workbook; {SAVE_AS}")]
    if sheet is not None:
        return None, [Problem("--sheet", None, None, sheet,
                              "applies only to an Excel workbook (.xlsx); this file is CSV text")]
    text, problems = decode(raw, file)
    if problems:
        return None, problems
    return _csv_grid(text, file), []


def file_kind(raw: bytes) -> str:
    """'xlsx', 'text', or what the file is when it is neither, in words."""
    head = raw[:4096]
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except zipfile.BadZipFile:
            return "not a workbook: a damaged ZIP archive"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "mimetype" in names and "content.xml" in names:
            return "an OpenDocument spreadsheet (.ods), not an Excel workbook (.xlsx)"
        if "word/document.xml" in names:
            return "a Word document, not a workbook"
        return "not a workbook: a ZIP archive without a worksheet"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "a legacy Excel 97-2003 workbook (.xls), which is not read"
    if head.startswith(b"%PDF"):
        return "a PDF document, not a workbook or CSV"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) or b"<table" in head.lower():
        return "a web page (HTML) saved under a spreadsheet name, not a workbook"
    if b"\x00" in head:
        return "not a workbook or CSV text: a binary file"
    return "text"


def decode(raw: bytes, file: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 text without BOM, or a problem that names the encoding the bytes look like."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(file, line, None, None,
                              f"file is not UTF-8 (likely {likely_encoding(raw)}); "
                              "save it again as 'CSV UTF-8'")]
    if not text.strip():
        return None, [Problem(file, None, None, None, "file is empty; expected one of the "
                              "portal's tables with its header row")]
    return text, []


def likely_encoding(raw: bytes) -> str:
    """In words, the encoding bytes that are not UTF-8 likely have: Windows-1258 if they decode as
    it (with the detector's other guess), else the detector's, else "an unknown encoding"."""
    try:
        raw.decode("cp1258")
        guess = "Windows-1258, the legacy Vietnamese encoding"
    except UnicodeDecodeError:
        guess = None
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    detected = best.encoding if best else None
    if guess and detected not in ("utf_8", None):
        return f"{guess}; the detector says {detected}"
    return guess or detected or "an unknown encoding"


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list]]:
    """Rows with the line each starts on (a quoted cell may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, start = [], 1
    for cells in reader:
        rows.append((start, cells))
        start = reader.line_num + 1
    return rows


def _csv_grid(text: str, file: str) -> Grid:
    """Semicolon or comma: the one under which some row holds the province column's header."""
    by_delimiter = {d: _csv_rows(text, d) for d in (",", ";")}
    unit_key = header_key(UNIT_HEADER)
    for delimiter in (";", ","):
        if any(unit_key in (header_key(c) for c in cells) for _, cells in by_delimiter[delimiter]):
            return Grid(file, by_delimiter[delimiter])
    first = text.splitlines()[0] if text.splitlines() else ""
    return Grid(file, by_delimiter[";" if first.count(";") > first.count(",") else ","])


def _workbook_grid(raw: bytes, file: str, sheet: str | None) -> tuple[Grid | None, list[Problem]]:
    """The cells of the workbook's first sheet (or `sheet`), formulas without a result marked; or
    one problem: unreadable workbook, no such sheet, or an empty sheet."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 -- openpyxl raises many kinds on a damaged file
        return None, [Problem(file, None, None, None,
                              f"not a readable Excel workbook ({type(exc).__name__}); {SAVE_AS}")]
    try:
        if sheet is None:
            worksheet = book.worksheets[0]
        elif sheet in book.sheetnames:
            worksheet = book[sheet]
        else:
            return None, [Problem("--sheet", None, None, sheet,
                                  f"no such sheet in {file}; sheets: {', '.join(book.sheetnames)}")]
        rows = [(number, _trim(list(values)))
                for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1)]
        grid = Grid(file, _mark_uncomputed(raw, worksheet.title, rows), sheet=worksheet.title)
    finally:
        book.close()
    if not any(_filled(v) for _, values in grid.rows for v in values):
        return None, [grid.problem(None, None, None, None, "sheet is empty; expected one of the "
                                   "portal's tables with its header row")]
    return grid, []


class UncomputedFormula(str):
    """A formula cell saved without its result (the file holds no value to import)."""


def _mark_uncomputed(raw: bytes, title: str, rows: list[tuple[int, list]]) -> list[tuple[int, list]]:
    """Cells that hold a formula but no saved result become UncomputedFormula, not blanks:
    a figure must not go missing silently."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    try:
        formulas = {(number, col): value
                    for number, values in enumerate(book[title].iter_rows(values_only=True), start=1)
                    for col, value in enumerate(values)
                    if isinstance(value, str) and value.startswith("=")}
    finally:
        book.close()
    marked = []
    for number, values in rows:
        width = max([len(values)] + [c + 1 for (n, c) in formulas if n == number])
        values = values + [None] * (width - len(values))
        marked.append((number, [UncomputedFormula(formulas[(number, col)])
                                if value is None and (number, col) in formulas else value
                                for col, value in enumerate(values)]))
    return marked


def _trim(values: list) -> list:
    """`values` without its trailing blank cells (trimmed in place, and returned)."""
    while values and not _filled(values[-1]):
        values.pop()
    return values


def _filled(value) -> bool:
    """Whether a cell holds something: not None, and not blank text."""
    return value is not None and (not isinstance(value, str) or value.strip() != "")


# --- the header ------------------------------------------------------------------------------------

def _find_header(grid: Grid) -> int | None:
    """Index in grid.rows of the header row: the first row naming the province column."""
    unit_key = header_key(UNIT_HEADER)
    for index, (_, cells) in enumerate(grid.rows):
        if unit_key in (header_key(c) for c in cells):
            return index
    return None


def _table_kind(keys: list[str]) -> str | None:
    """DETAIL when the header keys name an indicator score, else OVERALL when they name a pillar
    rank; None when they name neither."""
    if any(header_key(h) in keys for h in SCORE_HEADERS):
        return DETAIL
    if any(header_key(h) in keys for h in PILLAR_RANK_HEADERS):
        return OVERALL
    return None


def _check_header(grid: Grid, number: int, cells: list, kind: str) -> tuple[dict[str, int], list[Problem]]:
    """The position of each of the table's columns in the header row, and a problem for each
    missing or unexpected column."""
    keys = [header_key(c) for c in cells]
    expected = [h for h, _, _ in COLUMNS[kind]]
    problems, positions = [], {}
    for header in expected:
        if header_key(header) in keys:
            positions[header] = keys.index(header_key(header))
        else:
            problems.append(grid.problem(number, None, header, None,
                                         f"missing column of the {kind} table"))
    known = {header_key(h) for h in expected}
    for col, (cell, key) in enumerate(zip(cells, keys)):
        if key and key not in known:
            problems.append(grid.problem(number, col, f"#{col + 1}", nfc(str(cell)),
                                         f"unexpected column; the {kind} table has: "
                                         f"{' | '.join(expected)}"))
    return positions, problems


# --- the rows ------------------------------------------------------------------------------------

def parse_grid(grid: Grid, resolver: NameResolver, table: str | None = None,
               unit_count: int = 63) -> tuple[pd.DataFrame, list[Problem], str | None]:
    """Tidy rows (unit, measure, score, rank, line), every problem, and the table's kind.

    `table` forces the kind (detail or overall); otherwise the header says which it is.
    """
    empty = pd.DataFrame(columns=ROW_COLUMNS)
    index = _find_header(grid)
    if index is None:
        return empty, [grid.problem(None, None, None, None,
                                    f"no header row found: expected a row with the column "
                                    f"'{UNIT_HEADER}' (the portal's tables 'Xếp hạng chi tiết' "
                                    "or 'XẾP HẠNG')")], None
    number, header = grid.rows[index]
    kind = table or _table_kind([header_key(c) for c in header])
    if kind is None:
        return empty, [grid.problem(number, None, None, None,
                                    "header has neither the indicator columns of the detailed "
                                    "table nor the pillar rank columns of the overall table; "
                                    f"detailed: {' | '.join(EXPECTED_HEADERS)}; overall: "
                                    f"{' | '.join(h for h, _, _ in COLUMNS[OVERALL])}")], None
    positions, problems = _check_header(grid, number, header, kind)
    if problems:
        return empty, problems, kind
    rows, seen = [], {}
    width = max(positions.values()) + 1
    for line, cells in grid.rows[index + 1:]:
        if not any(_filled(c) for c in cells):
            continue
        if len(cells) < width:
            problems.append(grid.problem(line, None, None, len(cells),
                                         f"row has too few cells; expected {width}"))
            continue
        new_rows, row_problems = _parse_row(grid, kind, cells, positions, line, resolver, seen,
                                            unit_count)
        rows += new_rows
        problems += row_problems
    if not rows and not problems:
        problems.append(grid.problem(None, None, None, None, "no province rows under the header"))
    return pd.DataFrame(rows, columns=ROW_COLUMNS), problems, kind


def _parse_row(grid, kind, cells, positions, line, resolver, seen, unit_count):
    """One tidy row per measure of a table row, or none and every problem in it; a new province's
    line is recorded in `seen`."""
    problems = []
    unit_col = positions[UNIT_HEADER]
    written = nfc("" if cells[unit_col] is None else str(cells[unit_col]))
    unit = resolver.resolve(written)
    if unit is None:
        hint = ", ".join(resolver.suggestions(written)) or "none close"
        problems.append(grid.problem(line, unit_col, UNIT_HEADER, written,
                                     f"unknown province; closest known: {hint}"))
    elif unit in seen:
        problems.append(grid.problem(line, unit_col, UNIT_HEADER, written,
                                     f"province appears twice (first on line {seen[unit]})"
                                     if grid.sheet is None else
                                     f"province appears twice (first in row {seen[unit]})"))
    else:
        seen[unit] = line
    values = {}
    for header, measure, field in COLUMNS[kind]:
        if field == "unit":
            continue
        col = positions[header]
        read = _read_rank if field == "rank" else _read_score
        value, rule = read(cells[col], unit_count)
        if rule:
            problems.append(grid.problem(line, col, header, _shown(cells[col]), rule))
            continue
        values.setdefault(measure, {"score": None, "rank": None})[field] = value
    if problems:
        return [], problems
    rows = [{"unit": unit, "measure": m, "score": v["score"], "rank": v["rank"], "line": line}
            for m, v in values.items()]
    return rows, []


def _shown(value):
    """A cell's value as a problem shows it: text stripped, anything else as it is."""
    return value.strip() if isinstance(value, str) else value


def _number(cell) -> float | None:
    """A number from a numeric cell or from text in either decimal convention; ValueError or
    TypeError if it is none."""
    if cell is None:
        return None
    if isinstance(cell, (bool, dt.date, dt.time, dt.timedelta)):  # a date is no score or rank
        raise TypeError(cell)
    if isinstance(cell, (int, float)):
        return float(cell)
    text = str(cell).strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    return float(text)


def _formula_error(cell) -> str | None:
    """What is wrong when the cell holds a formula's leftover (no saved result, or an #error)
    instead of a figure; None otherwise."""
    if isinstance(cell, UncomputedFormula):
        return ("formula saved without its result, so there is no figure to read; open the "
                "workbook in a spreadsheet and save it again, or paste values only")
    if isinstance(cell, str) and cell.strip().upper() in FORMULA_ERRORS:
        return (f"formula error {cell.strip().upper()} in the spreadsheet, not a figure; "
                "copy the portal's value into this cell (paste values only) and save again")
    return None


def _read_score(cell, unit_count: int) -> tuple[float | None, str | None]:
    """(score, None) for a cell in [0, 1], (None, None) for a blank one, else (None, the rule it
    breaks), naming a decimal a spreadsheet read as thousands."""
    if error := _formula_error(cell):
        return None, error
    if isinstance(cell, str) and _VI_THOUSANDS.match(cell.strip()):
        return None, _thousands_rule(cell.strip(), float(cell.strip().replace(".", "")))
    try:
        value = _number(cell)
    except (TypeError, ValueError):
        return None, "score is not a number"
    if value is None:
        return None, None
    if not math.isfinite(value) or not 0 <= value <= 1:
        if math.isfinite(value) and value == int(value) and 1 < value <= 10_000:
            return None, _thousands_rule(_shown(cell), value)
        return None, "score outside [0, 1]"
    return value, None


def _thousands_rule(shown, value: float) -> str:
    """The rule for a score read as thousands: the value it likely was (÷ 10,000) and how to save
    the table again."""
    return (f"score {shown} looks like {value / 10_000:.4f} turned into thousands: {PASTE_AS_TEXT}")


def _read_rank(cell, unit_count: int) -> tuple[int | None, str | None]:
    """(rank, None) for a whole number in 1..`unit_count`, (None, None) for a blank cell, else
    (None, the rule it breaks)."""
    if error := _formula_error(cell):
        return None, error
    try:
        value = _number(cell)
    except (TypeError, ValueError):
        value = float("nan")
    if value is None:
        return None, None
    if not math.isfinite(value) or value != int(value) or value < 1:
        return None, "rank is not a whole number of at least 1"
    if value > unit_count:
        return None, f"rank outside 1..{unit_count}, the number of units in the {unit_count}-unit system"
    return int(value), None
