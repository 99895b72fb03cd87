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
from analysis.importer import import_dti

FIXTURES = Path(__file__).parent / "fixtures" / "official"
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
    from analysis.validate import validate

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
                         "line 2, column Các tỉnh, thành phố trực thuộc TW: 'Hai Duongg': unknown "
                         "province; closest known: Hải Dương"),
    "province twice": (HEADER + "\n" + GOOD_ROW + "\n" + GOOD_ROW.replace("Hải Dương", "Tỉnh Hải Dương") + "\n",
                       "line 3, column Các tỉnh, thành phố trực thuộc TW: 'Tỉnh Hải Dương': province "
                       "appears twice (first on line 2)"),
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
                             "--source-url", NEW_PAGE, "--data", str(root)], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith(f"error: {table}, line 2, column ") for line in lines)
