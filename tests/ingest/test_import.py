"""`python -m analysis import-dti`: tolerant reading, all-or-nothing writing, clear refusals.

Every table here is SYNTHETIC (tests/fixtures/official/synthetic_*): made-up numbers that exist
only to exercise the importer. Nothing under data/ is touched: each test imports into a copy.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from data_helpers import copy_data

from analysis import data
from analysis.errors import UserError
from analysis.ingest.importer import import_dti

FIXTURES = Path(__file__).parents[1] / "fixtures" / "official"
COMMA = FIXTURES / "synthetic_detail_2022_comma.csv"
SEMICOLON = FIXTURES / "synthetic_detail_2022_semicolon_bom_crlf.csv"
PORTAL_2022 = "https://dti.gov.vn/xep-hang-2022"
NEW_PAGE = "https://dti.gov.vn/synthetic-test-page"
HEADER = COMMA.read_text(encoding="utf-8").splitlines()[0]
GOOD_ROW = "13,Hải Dương,0.7001,0.7002,0.7003,0.7004,0.7005,0.7006,0.7007,0.7008,0.7009"


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write(tmp_path: Path, text: str, name="synthetic_table.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if encoding != "cp1258" else _windows_1258(text))
    return path


def _windows_1258(text: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters, then a combining tone mark."""
    import unicodedata

    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for char in text:
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(base + "".join(c for c in decomposed if c in tones))
    return "".join(out).encode("cp1258")


@pytest.fixture
def root(tmp_path):
    return copy_data(tmp_path)


@pytest.mark.parametrize("fixture", [COMMA, SEMICOLON])
def test_both_spreadsheet_dialects_import_the_same_figures(root, fixture):
    result = import_dti(fixture, year=2022, source_url=NEW_PAGE, data_dir=root)
    assert result.changed and result.rows == 27  # 3 provinces x (8 indicators + DTI)
    dti = data.load_dti(root)
    new = dti[dti["origin_file"] == result.raw_file]
    danang = new[(new["unit"] == "Đà Nẵng") & (new["measure"] == "dti")]
    assert danang["score"].item() == pytest.approx(0.9009) and danang["rank"].item() == 1
    assert set(new["unit"]) == {"Đà Nẵng", "Thừa Thiên Huế", "Hải Dương"}
    assert new.loc[new["measure"] != "dti", "rank"].isna().all()  # indicators carry no rank


def test_import_keeps_the_raw_file_with_provenance_and_registers_the_source(root):
    import_dti(COMMA, year=2022, source_url=NEW_PAGE, data_dir=root)
    kept = [p for p in (root / "raw/official").iterdir() if p.read_bytes() == COMMA.read_bytes()]
    assert len(kept) == 1
    provenance = (root / "raw/provenance.csv").read_text(encoding="utf-8")
    assert kept[0].name in provenance and NEW_PAGE in provenance
    assert NEW_PAGE in set(data.load_sources(root)["url"])
    from analysis.ingest.validate import validate

    assert validate(root) == []


def test_importing_the_same_file_again_changes_nothing(root):
    import_dti(COMMA, year=2022, source_url=NEW_PAGE, data_dir=root)
    before = _snapshot(root)
    again = import_dti(COMMA, year=2022, source_url=NEW_PAGE, data_dir=root)
    assert not again.changed and _snapshot(root) == before
    # the same figures saved in the other dialect add nothing either
    assert not import_dti(SEMICOLON, year=2022, source_url=NEW_PAGE, data_dir=root).changed
    assert _snapshot(root) == before


def test_a_table_from_an_already_cited_page_completes_its_figures(root, tmp_path):
    before = data.load_dti(root)
    table = _write(tmp_path, HEADER + "\n" + GOOD_ROW.replace("0.70", "0.60") + "\n")
    import_dti(table, year=2022, source_url=PORTAL_2022, data_dir=root)
    after = data.load_dti(root)
    hd = after[(after["unit"] == "Hải Dương") & (after["year"] == 2022) & (after["measure"] == "dti")
               & (after["source_id"].str.startswith("dti-gov-vn"))]
    assert len(hd) == 1  # merged with the transcribed rank 13, not added beside it
    assert hd["rank"].item() == 13 and hd["score"].item() == pytest.approx(0.6009)
    assert len(after) == len(before) + 9 - 1  # the DTI row merged


def test_a_contradicting_value_from_the_same_page_names_both_and_changes_nothing(root, tmp_path):
    before = _snapshot(root)
    table = _write(tmp_path, HEADER + "\n" + GOOD_ROW.replace("13,", "12,", 1) + "\n")
    with pytest.raises(UserError) as error:
        import_dti(table, year=2022, source_url=PORTAL_2022, data_dir=root)
    message = str(error.value)
    assert "the same source gives two values" in message
    assert "13 (raw/reference/dti_observations.csv" in message and "12 (raw/official/" in message
    assert _snapshot(root) == before


def test_some_provinces_stray_spaces_and_decimal_comma(root, tmp_path):
    table = _write(tmp_path, HEADER.replace(",", ";").replace("tỉnh; thành", "tỉnh, thành") + "\n"
                   + "  13 ; Tỉnh Hải Dương ; 0,7001;0,7002;0,7003;0,7004;0,7005;0,7006;0,7007;0,7008; 0,7009 \n")
    assert import_dti(table, year=2022, source_url=NEW_PAGE, data_dir=root).rows == 9


def test_the_34_unit_system(root, tmp_path):
    table = _write(tmp_path, HEADER + "\n" + GOOD_ROW.replace("13,Hải Dương", "3,TP. Hải Phòng") + "\n")
    import_dti(table, year=2024, source_url=NEW_PAGE, unit_system=34, data_dir=root)
    dti = data.load_dti(root)
    assert ((dti["unit"] == "Hải Phòng") & (dti["unit_system"] == 34) & (dti["rank"] == 3)
            & (dti["source_id"].str.startswith("dti-gov-vn"))).any()


BAD_TABLES = {
    "score outside [0, 1]": (HEADER + "\n" + GOOD_ROW.replace("0.7003", "1.7003") + "\n",
                             "line 2, column Chỉ số Hạ tầng số: '1.7003': score outside [0, 1]"),
    "unknown province": (HEADER + "\n" + GOOD_ROW.replace("Hải Dương", "Hai Duongg") + "\n",
                         ("line 2, column Các tỉnh, thành phố trực thuộc TW: 'Hai Duongg': unknown "
                         "province; closest known: Hải Dương")),
    "province twice": (HEADER + "\n" + GOOD_ROW + "\n" + GOOD_ROW.replace("Hải Dương", "Tỉnh Hải Dương") + "\n",
                       ("line 3, column Các tỉnh, thành phố trực thuộc TW: 'Tỉnh Hải Dương': province "
                       "appears twice (first on line 2)")),
    "missing column": (HEADER.replace(",Chỉ số Thể chế số", "") + "\n", "line 1, column Chỉ số Thể chế số: missing column"),
    "unexpected column": (HEADER + ",Ghi chú\n" + GOOD_ROW + ",x\n",
                          "line 1, column #12: 'Ghi chú': unexpected column"),
    "rank not whole": (HEADER + "\n" + GOOD_ROW.replace("13,", "13.5,", 1) + "\n",
                       "line 2, column Xếp hạng DTI: '13.5': rank is not a whole number"),
    "too few cells": (HEADER + "\n13,Hải Dương,0.7001\n", "line 2: 3: row has too few cells; expected 11"),
    "empty file": ("", "file is empty"),
    "header only": (HEADER + "\n", "no province rows under the header"),
}


@pytest.mark.parametrize("kind", list(BAD_TABLES))
def test_each_bad_table_is_refused_naming_line_and_column_and_nothing_changes(root, tmp_path, kind):
    text, expected = BAD_TABLES[kind]
    before = _snapshot(root)
    with pytest.raises(UserError) as error:
        import_dti(_write(tmp_path, text), year=2022, source_url=NEW_PAGE, data_dir=root)
    assert expected in str(error.value)
    assert _snapshot(root) == before
    assert not list(root.parent.glob(".data-import-*"))  # no staging copy left behind


def test_a_windows_1258_file_is_refused_naming_the_encoding(root, tmp_path):
    table = _write(tmp_path, HEADER + "\n" + GOOD_ROW + "\n", encoding="cp1258")
    with pytest.raises(UserError, match="not UTF-8 \\(likely Windows-1258"):
        import_dti(table, year=2022, source_url=NEW_PAGE, data_dir=root)


@pytest.mark.parametrize("arguments, expected", [
    ({"year": 2019}, "--year: 2019: must be an edition year"),
    ({"source_url": "dti.gov.vn"}, "--source-url: 'dti.gov.vn': must be the http(s) URL"),
    ({"unit_system": 62}, "--unit-system: 62: must be 63 or 34"),
])
def test_bad_arguments(root, arguments, expected):
    call = {"year": 2022, "source_url": NEW_PAGE, "unit_system": 63, **arguments}
    with pytest.raises(UserError, match=expected.replace("(", "\\(").replace(")", "\\)")):
        import_dti(COMMA, data_dir=root, **call)


def test_cli_refuses_with_one_line_per_problem_and_exit_1(root, tmp_path):
    table = _write(tmp_path, HEADER + "\n" + GOOD_ROW.replace("0.7003", "1.7003").replace("Hải Dương", "Hai Duongg") + "\n")
    result = subprocess.run([sys.executable, "-m", "analysis", "import-dti", str(table), "--year", "2022",
                             "--source-url", NEW_PAGE, "--data", str(root)], capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"error: {table}, line 2, column ") for line in lines)


# --- both portal tables, from CSV and from Excel workbooks (all SYNTHETIC) ------------------------

OVERALL_CSV = FIXTURES / "synthetic_overall_2022_title_rows_ties.csv"
TITLE_ROWS = [["BẢNG XẾP HẠNG (SYNTHETIC TEST TABLE: made-up numbers)"], []]
DETAIL_HEADER_TWO_LINES = [
    "Xếp hạng\nDTI", "Các tỉnh, thành phố\ntrực thuộc TW", "Chỉ số\nNhận thức số", "Chỉ số\nThể chế số",
    "Chỉ số\nHạ tầng số", "Chỉ số\nNhân lực số", "Chỉ số\nAn toàn thông tin mạng",
    "Chỉ số\nHoạt động chính quyền số", "Chỉ số\nHoạt động kinh tế số", "Chỉ số\nHoạt động xã hội số",
    "CHUYỂN ĐỔI SỐ\nCẤP TỈNH (PDTI)",
]
OVERALL_HEADER_UPPER = ["XẾP HẠNG DTI", "CÁC TỈNH, THÀNH PHỐ TRỰC THUỘC TW",
                        "XẾP HẠNG\nCHÍNH QUYỀN SỐ", "XẾP HẠNG\nKINH TẾ SỐ", "XẾP HẠNG\nXÃ HỘI SỐ"]
DETAIL_ROWS = [  # synthetic scores; numeric cells
    [1, "TP. Đà Nẵng", *[0.9001 + i / 10_000 for i in range(9)]],
    [13, "Hải Dương", *[0.7001 + i / 10_000 for i in range(9)]],
]


def _xlsx(tmp_path: Path, rows: list[list], sheet="Chi tiết", name="synthetic_table.xlsx",
          before: list[tuple[str, list[list]]] = ()) -> Path:
    """A SYNTHETIC workbook: `before` sheets first, then `sheet` holding `rows`."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, content in [*before, (sheet, rows)]:
        worksheet = book.create_sheet(title)
        for row in content:
            worksheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def _new_rows(root: Path, result) -> data.pd.DataFrame:
    dti = data.load_dti(root)
    return dti[dti["origin_file"] == result.raw_file].set_index(["unit", "measure"])


def test_detail_table_from_xlsx_with_title_rows_two_line_headers_and_numeric_cells(root, tmp_path):
    book = _xlsx(tmp_path, [*TITLE_ROWS, DETAIL_HEADER_TWO_LINES, *DETAIL_ROWS])
    result = import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root)
    assert result.changed and result.table == "detail" and result.rows == 18
    assert result.raw_file.endswith(".xlsx")
    new = _new_rows(root, result)
    assert new.loc[("Đà Nẵng", "dti"), "score"] == pytest.approx(0.9009)
    assert new.loc[("Đà Nẵng", "dti"), "rank"] == 1
    assert new.loc[("Hải Dương", "awareness"), "score"] == pytest.approx(0.7001)
    assert (root / result.raw_file).read_bytes() == book.read_bytes()  # kept as received
    from analysis.ingest.validate import validate

    assert validate(root) == []  # the build reads the kept workbook again


def test_detail_table_from_xlsx_with_text_cells_in_either_decimal_convention(root, tmp_path):
    rows = [[" 1 ", "Đà Nẵng", *["0,9001"] * 4, *["0.9001"] * 5],
            ["13", "Hải Dương", *["0,7001"] * 4, *[" 0.7001 "] * 5]]
    result = import_dti(_xlsx(tmp_path, [DETAIL_HEADER_TWO_LINES, *rows]), year=2022,
                        source_url=NEW_PAGE, data_dir=root)
    new = _new_rows(root, result)
    assert new.loc[("Hải Dương", "awareness"), "score"] == pytest.approx(0.7001)
    assert new.loc[("Hải Dương", "dti"), "score"] == pytest.approx(0.7001)
    assert new.loc[("Hải Dương", "dti"), "rank"] == 13


def test_overall_table_from_csv_with_title_rows_two_line_headers_and_ties(root):
    result = import_dti(OVERALL_CSV, year=2022, source_url=NEW_PAGE, data_dir=root)
    assert result.table == "overall" and result.rows == 16  # 4 provinces x (DTI + 3 pillars)
    new = _new_rows(root, result)
    assert new.loc[("Thanh Hóa", "dti"), "rank"] == 15 and new.loc[("Yên Bái", "dti"), "rank"] == 15
    assert new.loc[("Hải Dương", "pillar_government"), "rank"] == 16
    assert new.loc[("Hải Dương", "pillar_society"), "rank"] == 18
    assert new["score"].isna().all()  # the overall table gives ranks only
    assert new.loc[("Hải Dương", "dti"), "origin_line"] == 12  # lines counted through wrapped headers


def test_overall_table_from_xlsx_in_upper_case_with_ties_and_text_ranks(root, tmp_path):
    rows = [*TITLE_ROWS, OVERALL_HEADER_UPPER, [1, "Đà Nẵng", 2, 1, 3], ["15", "Thanh Hóa", "20", 11, 15],
            [15, "Yên Bái", 12, 30, 15]]
    result = import_dti(_xlsx(tmp_path, rows, sheet="Xếp hạng"), year=2022, source_url=NEW_PAGE,
                        data_dir=root)
    new = _new_rows(root, result)
    assert result.table == "overall" and result.rows == 12
    assert new.loc[("Thanh Hóa", "pillar_government"), "rank"] == 20
    assert new.loc[("Yên Bái", "dti"), "rank"] == 15


def test_sheet_option_picks_the_named_sheet(root, tmp_path):
    other = [["Ghi chú"], ["SYNTHETIC notes sheet"]]
    book = _xlsx(tmp_path, [DETAIL_HEADER_TWO_LINES, *DETAIL_ROWS], sheet="Chi tiết",
                 before=[("Ghi chú", other)])
    with pytest.raises(UserError, match="sheet 'Ghi chú'.*no header row found"):
        import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root)  # the first sheet
    result = import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root, sheet="Chi tiết")
    assert result.changed and result.rows == 18
    provenance = (root / "raw/provenance.csv").read_text(encoding="utf-8")
    assert ",detail,Chi tiết\n" in provenance  # the rebuild reads the same sheet
    from analysis.ingest.validate import validate

    assert validate(root) == []
    with pytest.raises(UserError, match="--sheet: 'Bảng 2': no such sheet .*sheets: Ghi chú, Chi tiết"):
        import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root, sheet="Bảng 2")


def test_table_option_forces_the_kind(root, tmp_path):
    book = _xlsx(tmp_path, [DETAIL_HEADER_TWO_LINES, *DETAIL_ROWS])
    with pytest.raises(UserError) as error:
        import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root, table="overall")
    assert "sheet 'Chi tiết', row 1, column Xếp hạng Chính quyền số: missing column of the overall table" \
        in str(error.value)
    assert import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root, table="detail").changed


def test_34_unit_names_resolve_against_the_34_unit_registry(root, tmp_path):
    rows = [DETAIL_HEADER_TWO_LINES, [2, "TP. Huế", *[0.8] * 9], [1, "Thành phố Hồ Chí Minh", *[0.9] * 9],
            [3, "Tỉnh Hải Phòng", *[0.7] * 9]]
    result = import_dti(_xlsx(tmp_path, rows), year=2024, source_url=NEW_PAGE, unit_system=34,
                        data_dir=root)
    new = _new_rows(root, result)
    assert set(new.index.get_level_values("unit")) == {"Huế", "Hồ Chí Minh", "Hải Phòng"}
    assert (data.load_dti(root).query("origin_file == @result.raw_file")["unit_system"] == 34).all()
    # a pre-merger name is no unit of the 34
    rows[3][1] = "Hải Dương"
    with pytest.raises(UserError, match="cell B4, column Các tỉnh, thành phố trực thuộc TW: 'Hải Dương': unknown"):
        import_dti(_xlsx(tmp_path, rows, name="synthetic_b.xlsx"), year=2024, source_url=NEW_PAGE,
                   unit_system=34, data_dir=root)


def test_reimporting_a_workbook_changes_nothing(root, tmp_path):
    book = _xlsx(tmp_path, [DETAIL_HEADER_TWO_LINES, *DETAIL_ROWS])
    import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root)
    before = _snapshot(root)
    again = import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root)
    assert not again.changed and len(again.plan.merged) == 18 and not again.plan.added
    assert _snapshot(root) == before


# --- refusals: where, what, and nothing written -----------------------------------------------------

def _detail_with(cell: str, value) -> list[list]:
    """The synthetic detail table with one cell changed (A1 notation; the header is row 1)."""
    rows = [list(DETAIL_HEADER_TWO_LINES), *[list(r) for r in DETAIL_ROWS]]
    col, row = ord(cell[0]) - ord("A"), int(cell[1:]) - 1
    rows[row][col] = value
    return rows


XLSX_REFUSALS = {
    "#VALUE!": (_detail_with("E3", "#VALUE!"), ("sheet 'Chi tiết', cell E3, column Chỉ số Hạ tầng số: "
                "'#VALUE!': formula error #VALUE!")),
    "#N/A": (_detail_with("K2", "#N/A"), "cell K2, column CHUYỂN ĐỔI SỐ CẤP TỈNH (PDTI): '#N/A': formula error"),
    "#REF!": (_detail_with("A3", "#REF!"), "cell A3, column Xếp hạng DTI: '#REF!': formula error #REF!"),
    "thousands, numeric": (_detail_with("D2", 9000), ("cell D2, column Chỉ số Thể chế số: 9000: score 9000 "
                           "looks like 0.9000 turned into thousands: a spreadsheet set to Vietnamese")),
    "thousands, text": (_detail_with("D2", "9.000"), ("cell D2, column Chỉ số Thể chế số: '9.000': score "
                        "9.000 looks like 0.9000")),
    "score above 1": (_detail_with("C3", 1.5), "cell C3, column Chỉ số Nhận thức số: 1.5: score outside [0, 1]"),
    "not a number": (_detail_with("C3", "n/a"), "cell C3, column Chỉ số Nhận thức số: 'n/a': score is not a number"),
    "unknown province": (_detail_with("B3", "Hai Duongg"), ("cell B3, column Các tỉnh, thành phố trực thuộc TW: "
                         "'Hai Duongg': unknown province; closest known: Hải Dương")),
    "province twice": (_detail_with("B3", "Đà Nẵng"), ("cell B3, column Các tỉnh, thành phố trực thuộc TW: "
                       "'Đà Nẵng': province appears twice (first in row 2)")),
    "rank out of range": (_detail_with("A3", 64), "cell A3, column Xếp hạng DTI: 64: rank outside 1..63"),
    "rank not whole": (_detail_with("A3", 13.5), "cell A3, column Xếp hạng DTI: 13.5: rank is not a whole number"),
    "missing column": ([DETAIL_HEADER_TWO_LINES[:3] + DETAIL_HEADER_TWO_LINES[4:]],
                       "sheet 'Chi tiết', row 1, column Chỉ số Thể chế số: missing column of the detail table"),
    "extra column": ([[*DETAIL_HEADER_TWO_LINES, "Ghi chú"], [*DETAIL_ROWS[0], "x"]],
                     "sheet 'Chi tiết', cell L1, column #12: 'Ghi chú': unexpected column"),
    "short row": ([DETAIL_HEADER_TWO_LINES, DETAIL_ROWS[0][:4]],
                  "sheet 'Chi tiết', row 2: 4: row has too few cells; expected 11"),
    "header only": ([DETAIL_HEADER_TWO_LINES], "sheet 'Chi tiết': no province rows under the header"),
    "no header": ([["SYNTHETIC"], [1, "Hải Dương", 0.5]], "sheet 'Chi tiết': no header row found"),
    "empty sheet": ([], "sheet 'Chi tiết': sheet is empty"),
}


@pytest.mark.parametrize("kind", list(XLSX_REFUSALS))
def test_each_bad_workbook_is_refused_naming_sheet_and_cell_and_nothing_changes(root, tmp_path, kind):
    rows, expected = XLSX_REFUSALS[kind]
    before = _snapshot(root)
    with pytest.raises(UserError) as error:
        import_dti(_xlsx(tmp_path, rows), year=2022, source_url=NEW_PAGE, data_dir=root)
    assert expected in str(error.value)
    assert _snapshot(root) == before
    assert not list(root.parent.glob(".data-import-*"))


def test_a_rank_beyond_34_is_refused_in_the_34_unit_system(root, tmp_path):
    rows = [DETAIL_HEADER_TWO_LINES, [35, "Huế", *[0.5] * 9]]
    with pytest.raises(UserError, match="cell A2, column Xếp hạng DTI: 35: rank outside 1..34"):
        import_dti(_xlsx(tmp_path, rows), year=2024, source_url=NEW_PAGE, unit_system=34, data_dir=root)


CSV_REFUSALS = {
    "formula error": (HEADER + "\n" + GOOD_ROW.replace("0.7003", "#VALUE!") + "\n",
                      "line 2, column Chỉ số Hạ tầng số: '#VALUE!': formula error #VALUE!"),
    "thousands": (HEADER.replace(",", ";").replace("tỉnh; thành", "tỉnh, thành") + "\n"
                  + GOOD_ROW.replace(",", ";").replace("0.7002", "7002") + "\n",
                  ("line 2, column Chỉ số Thể chế số: '7002': score 7002 looks like 0.7002 turned into "
                  "thousands")),
}


@pytest.mark.parametrize("kind", list(CSV_REFUSALS))
def test_csv_refusals_name_line_and_column(root, tmp_path, kind):
    text, expected = CSV_REFUSALS[kind]
    before = _snapshot(root)
    with pytest.raises(UserError) as error:
        import_dti(_write(tmp_path, text), year=2022, source_url=NEW_PAGE, data_dir=root)
    assert expected in str(error.value)
    assert _snapshot(root) == before


NOT_WORKBOOKS = {
    "legacy .xls": ("synthetic.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
                    ("a legacy Excel 97-2003 workbook (.xls), which is not read; save it from the "
                    "spreadsheet as 'Excel Workbook (.xlsx)' or 'CSV UTF-8'")),
    "web page as .xls": ("synthetic.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>",
                         "a web page (HTML) saved under a spreadsheet name"),
    "text as .xlsx": ("synthetic.xlsx", "Xếp hạng DTI,Các tỉnh\n".encode(),
                      "named like a workbook but holds plain text"),
    "zip, no sheet": ("synthetic.xlsx", None, "not a workbook: a ZIP archive without a worksheet"),
    "pdf": ("synthetic.xlsx", b"%PDF-1.4 synthetic", "a PDF document"),
}


@pytest.mark.parametrize("kind", list(NOT_WORKBOOKS))
def test_a_file_that_is_not_a_workbook_says_what_it_is_and_what_to_do(root, tmp_path, kind):
    name, content, expected = NOT_WORKBOOKS[kind]
    path = tmp_path / name
    if content is None:
        import zipfile

        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("synthetic.txt", "not a sheet")
    else:
        path.write_bytes(content)
    before = _snapshot(root)
    with pytest.raises(UserError) as error:
        import_dti(path, year=2022, source_url=NEW_PAGE, data_dir=root)
    assert f"{path}: " in str(error.value) and expected in str(error.value)
    assert _snapshot(root) == before


def test_sheet_option_on_a_csv_is_refused(root):
    with pytest.raises(UserError, match="--sheet: 'Chi tiết': applies only to an Excel workbook"):
        import_dti(COMMA, year=2022, source_url=NEW_PAGE, data_dir=root, sheet="Chi tiết")


# --- --dry-run ------------------------------------------------------------------------------------

def test_dry_run_reports_added_merged_and_conflicts_and_writes_nothing(root, tmp_path):
    # Hải Dương's DTI rank 13 is transcribed from this page: merged (the table adds its score);
    # its indicator scores are not in data/ yet: added.
    rows = [DETAIL_HEADER_TWO_LINES, [13, "Hải Dương", *[0.6001] * 9]]
    before = _snapshot(root)
    result = import_dti(_xlsx(tmp_path, rows), year=2022, source_url=PORTAL_2022, data_dir=root,
                        dry_run=True)
    assert _snapshot(root) == before and not list(root.parent.glob(".data-import-*"))
    assert result.dry_run and result.changed and not result.problems
    assert len(result.plan.added) == 8 and len(result.plan.merged) == 1 and not result.plan.conflicts
    assert "2022 Hải Dương dti: already there (raw/reference/dti_observations.csv" in result.plan.merged[0]
    assert "adds score 0.6001" in result.plan.merged[0]
    text = str(result)
    assert text.startswith("dry run, nothing written")
    assert "rows added: 8" in text and "rows already there (merged): 1" in text

    rows[1][0] = 12  # contradicts the rank 13 transcribed from the same page
    result = import_dti(_xlsx(tmp_path, rows, name="synthetic_b.xlsx"), year=2022,
                        source_url=PORTAL_2022, data_dir=root, dry_run=True)
    assert result.plan.conflicts == [
        ("2022 Hải Dương dti rank: table says 12, data/ has 13 (raw/reference/dti_observations.csv, "
        f"line {result.plan.conflicts[0].split('line ')[1].rstrip(')')})")]
    assert any("the same source gives two values" in str(p) for p in result.problems)
    assert _snapshot(root) == before


def test_dry_run_on_the_command_line_prints_the_plan_and_writes_nothing(root):
    before = _snapshot(root)
    result = subprocess.run([sys.executable, "-m", "analysis", "import-dti", str(OVERALL_CSV), "--year",
                             "2022", "--source-url", NEW_PAGE, "--data", str(root), "--dry-run"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "the overall table 'Xếp hạng'" in result.stdout and "rows added: 16" in result.stdout
    assert _snapshot(root) == before


# --- the rank/score rule and the publication date ------------------------------------------------------

def test_a_better_rank_with_a_lower_score_is_refused_naming_file_line_and_rule(root, tmp_path):
    table = _write(tmp_path, HEADER + "\n" + GOOD_ROW.replace("13,", "1,", 1) + "\n"
                   + GOOD_ROW.replace("13,Hải Dương", "2,Bắc Ninh").replace("0.7009", "0.7509") + "\n")
    before = _snapshot(root)
    with pytest.raises(UserError) as error:
        import_dti(table, year=2022, source_url=NEW_PAGE, data_dir=root)
    message = str(error.value)
    assert "raw/official/" in message and ", line 2, column score: 0.7009: a better rank never has a lower score" \
        in message
    assert "Hải Dương ranked 1 scores 0.7009, but Bắc Ninh ranked 2 scores 0.7509" in message
    assert _snapshot(root) == before


@pytest.mark.parametrize("date", ["2023-7-5", "12/7/2023", "July 2023", "2023-13", "2023-02-30"])
def test_date_published_must_be_an_iso_date(root, date):
    before = _snapshot(root)
    with pytest.raises(UserError) as error:
        import_dti(COMMA, year=2022, source_url=NEW_PAGE, data_dir=root, date_published=date)
    assert str(error.value) == (f"--date-published: {date!r}: must be a calendar date "
                                "YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-07-12)")
    assert _snapshot(root) == before


@pytest.mark.parametrize("date", ["2023-07", "2023-07-12 ", "2023-06-31"])
def test_date_accessed_must_be_a_day(root, date):
    with pytest.raises(UserError) as error:
        import_dti(COMMA, year=2022, source_url=NEW_PAGE, data_dir=root, date_accessed=date)
    assert str(error.value) == (f"--date-accessed: {date!r}: must be a calendar date "
                                "YYYY-MM-DD (e.g. 2023-07-12)")


@pytest.mark.parametrize("date", ["2023-07-12", "2023-07", "2023"])
def test_iso_dates_are_accepted_and_reach_the_source_registry(root, date):
    import_dti(COMMA, year=2022, source_url=NEW_PAGE, data_dir=root, date_published=date)
    sources = data.load_sources(root).set_index("url")
    assert sources.loc[NEW_PAGE, "date_published"] == date


def test_a_formula_saved_without_its_result_is_refused_not_read_as_missing(root, tmp_path):
    # openpyxl writes formulas without a computed result, like a workbook saved unrecalculated
    book = _xlsx(tmp_path, _detail_with("F3", "=E3*1"))
    with pytest.raises(UserError, match="sheet 'Chi tiết', cell F3, column Chỉ số Nhân lực số: "
                                        "'=E3\\*1': formula saved without its result"):
        import_dti(book, year=2022, source_url=NEW_PAGE, data_dir=root)
