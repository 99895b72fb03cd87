"""Reading the DTI portal's "Xếp hạng chi tiết" table, as a researcher saves it from a spreadsheet.

Tolerates comma or semicolon separators, decimal point or comma, UTF-8 with or without BOM,
CRLF or LF, stray spaces, and any subset of the provinces. Every problem is reported with the
line and column it is on.
"""

from __future__ import annotations

import csv
import io
import math
import re

import pandas as pd

from analysis.errors import Problem
from analysis.names import NameResolver, nfc

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
EXPECTED_HEADERS = [RANK_HEADER, UNIT_HEADER, *SCORE_HEADERS]
ROW_COLUMNS = ["unit", "measure", "score", "rank", "line"]


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", nfc(text)).casefold()


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
        return None, [Problem(file, None, None, None, "file is empty; expected the "
                              "'Xếp hạng chi tiết' table with its header row")]
    return text, []


def likely_encoding(raw: bytes) -> str:
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


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _number(cell: str) -> float | None:
    cell = cell.strip().replace("\u00a0", "").replace(" ", "")
    if not cell:
        return None
    if "," in cell and "." not in cell:
        cell = cell.replace(",", ".")
    return float(cell)


def _check_header(header: list[str], file: str) -> tuple[dict[str, int], list[Problem]]:
    keys = [_header_key(h) for h in header]
    problems, positions = [], {}
    for expected in EXPECTED_HEADERS:
        if _header_key(expected) in keys:
            positions[expected] = keys.index(_header_key(expected))
        else:
            problems.append(Problem(file, 1, expected, None, "missing column"))
    known = {_header_key(h) for h in EXPECTED_HEADERS}
    for position, (cell, key) in enumerate(zip(header, keys), start=1):
        if key and key not in known:
            problems.append(Problem(file, 1, f"#{position}", cell.strip(),
                                    f"unexpected column; expected: {' | '.join(EXPECTED_HEADERS)}"))
    return positions, problems


def parse(text: str, file: str, resolver: NameResolver) -> tuple[pd.DataFrame, list[Problem]]:
    """Tidy rows (unit, measure, score, rank, line) from the table's text, and every problem."""
    lines = text.splitlines()
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=_delimiter(lines[0]))
    header = next(reader)
    positions, problems = _check_header(header, file)
    if problems:
        return pd.DataFrame(columns=ROW_COLUMNS), problems
    rows, seen = [], {}
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(EXPECTED_HEADERS):
            problems.append(Problem(file, line, None, len(cells),
                                    f"row has too few cells; expected {len(EXPECTED_HEADERS)}"))
            continue
        new_rows, row_problems = _parse_row(cells, positions, line, file, resolver, seen)
        rows += new_rows
        problems += row_problems
    if not rows and not problems:
        problems.append(Problem(file, None, None, None, "no province rows under the header"))
    return pd.DataFrame(rows, columns=ROW_COLUMNS), problems


def _parse_row(cells, positions, line, file, resolver, seen):
    problems = []
    written = nfc(cells[positions[UNIT_HEADER]])
    unit = resolver.resolve(written)
    if unit is None:
        hint = ", ".join(resolver.suggestions(written)) or "none close"
        problems.append(Problem(file, line, UNIT_HEADER, written,
                                f"unknown province; closest known: {hint}"))
    elif unit in seen:
        problems.append(Problem(file, line, UNIT_HEADER, written,
                                f"province appears twice (first on line {seen[unit]})"))
    else:
        seen[unit] = line
    rank = _parse_rank(cells[positions[RANK_HEADER]], line, file, problems)
    scores = {}
    for header, measure in SCORE_HEADERS.items():
        cell = cells[positions[header]]
        try:
            value = _number(cell)
        except ValueError:
            problems.append(Problem(file, line, header, cell.strip(), "score is not a number"))
            continue
        if value is not None and not 0 <= value <= 1:
            problems.append(Problem(file, line, header, cell.strip(), "score outside [0, 1]"))
            continue
        scores[measure] = value
    if problems:
        return [], problems
    rows = [{"unit": unit, "measure": m, "score": s, "rank": rank if m == "dti" else None,
             "line": line} for m, s in scores.items()]
    return rows, []


def _parse_rank(cell: str, line: int, file: str, problems: list[Problem]) -> int | None:
    try:
        value = _number(cell)
    except ValueError:
        value = float("nan")
    if value is None:
        return None
    if not math.isfinite(value) or value != int(value) or value < 1:
        problems.append(Problem(file, line, RANK_HEADER, cell.strip(),
                                "rank is not a whole number of at least 1"))
        return None
    return int(value)
