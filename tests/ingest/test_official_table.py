"""Reading a table saved from the DTI portal (`analysis.ingest.official_table`), cell by cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.ingest import official_table
from analysis.names import NameResolver

FIXTURES = Path(__file__).parents[1] / "fixtures" / "official"
RESOLVER = NameResolver(["Đà Nẵng", "Thừa Thiên Huế", "Hải Dương"],
                        {"TP. Đà Nẵng": "Đà Nẵng", "Thừa Thiên - Huế": "Thừa Thiên Huế"})
HEADER = (FIXTURES / "synthetic_detail_2022_comma.csv").read_text(encoding="utf-8").splitlines()[0]


def _parse(text: str):
    grid, problems = official_table.read_grid(text.encode("utf-8"), "saved.csv")
    assert problems == []
    return official_table.parse_grid(grid, RESOLVER)


def test_header_spellings_share_one_key():
    assert official_table.header_key("Xếp hạng\nDTI ") == official_table.header_key("XẾP HẠNG DTI")
    assert official_table.header_key(None) == ""


@pytest.mark.parametrize("head, kind", [
    (b"PK\x03\x04not really a zip", "not a workbook: a damaged ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a legacy Excel 97-2003 workbook (.xls), which is not read"),
    (b"%PDF-1.7", "a PDF document, not a workbook or CSV"),
    (b"<html><table>", "a web page (HTML) saved under a spreadsheet name, not a workbook"),
    (b"a,b\n1,2\n", "text"),
])
def test_file_kind_says_what_a_file_is(head, kind):
    assert official_table.file_kind(head) == kind


def test_the_detailed_table_gives_a_rank_and_nine_scores_per_province():
    rows, problems, kind = _parse(
        f"{HEADER}\n1,TP. Đà Nẵng,0.9001,0.9002,0.9003,0.9004,0.9005,0.9006,0.9007,0.9008,0.9009\n")
    assert (problems, kind) == ([], official_table.DETAIL)
    assert len(rows) == 9 and set(rows["unit"]) == {"Đà Nẵng"}
    dti = rows[rows["measure"] == "dti"].iloc[0]
    assert (dti["score"], dti["rank"], dti["line"]) == (0.9009, 1, 2)


@pytest.mark.parametrize("cells, column, value, rule", [
    ("1,TP. Đà Nẵng,1.5", "Chỉ số Nhận thức số", 1.5, "score outside [0, 1]"),
    ("1,TP. Đà Nẵng,9.001", "Chỉ số Nhận thức số", "9.001", "turned into thousands"),
    ("1,TP. Đà Nẵng,#VALUE!", "Chỉ số Nhận thức số", "#VALUE!", "formula error #VALUE!"),
    ("1,TP. Đà Nẵng,inf", "Chỉ số Nhận thức số", "inf", "score outside [0, 1]"),
    ("1,TP. Đà Nẵng,nan", "Chỉ số Nhận thức số", "nan", "score outside [0, 1]"),
    ("1.5,TP. Đà Nẵng,0.9", "Xếp hạng DTI", 1.5, "rank is not a whole number of at least 1"),
    ("64,TP. Đà Nẵng,0.9", "Xếp hạng DTI", 64, "rank outside 1..63"),
    ("1,Đà Nẵngg,0.9", "Các tỉnh, thành phố trực thuộc TW", "Đà Nẵngg", "unknown province"),
])
def test_a_bad_cell_is_named_by_line_column_value_and_rule(cells, column, value, rule):
    rest = ",0.9002,0.9003,0.9004,0.9005,0.9006,0.9007,0.9008,0.9009"
    rows, problems, _ = _parse(f"{HEADER}\n{cells}{rest}\n")
    assert rows.empty and len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.line, problem.column) == ("saved.csv", 2, column)
    assert problem.value in (value, str(value)) and rule in problem.rule


def test_a_score_with_three_decimals_is_a_score_not_thousands():
    rest = ",0.9002,0.9003,0.9004,0.9005,0.9006,0.9007,0.9008,0.9009"
    rows, problems, _ = _parse(f"{HEADER}\n1,TP. Đà Nẵng,0.123{rest}\n")
    assert problems == [] and 0.123 in set(rows["score"])


def test_a_file_that_is_not_utf8_names_its_line_and_what_to_save_instead():
    grid, problems = official_table.read_grid(b"a,b\nCao B\xe8ng,1\n", "saved.csv")
    assert grid is None and len(problems) == 1
    assert (problems[0].file, problems[0].line) == ("saved.csv", 2)
    assert problems[0].rule.startswith("file is not UTF-8 (likely ")
    assert problems[0].rule.endswith("save it again as 'CSV UTF-8'")


def test_no_header_row_is_one_problem():
    rows, problems, kind = _parse("a,b\n1,2\n")
    assert rows.empty and kind is None and len(problems) == 1
    assert problems[0].rule.startswith("no header row found")
