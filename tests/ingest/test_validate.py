"""`python -m analysis validate`: passes on the shipped data, one line per problem otherwise."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from data_helpers import OBSERVATIONS, REAL_DATA, copy_data, edit_raw, line_of

from analysis.ingest.build import build_all
from analysis.ingest.schemas import check_tables
from analysis.ingest.validate import validate

HD_2020 = "2020,Hải Dương,63,dti,0.3504,14,https://tab.baohaiduong"


def _replace(old: str, new: str):
    def edit(lines):
        index = next(i for i, line in enumerate(lines) if line.startswith(old))
        lines[index] = lines[index].replace(old, new, 1)
        return lines
    return edit


def _problems(root):
    return [str(p) for p in validate(root)]


@pytest.mark.parametrize("new, column, rule", [
    ("2020,Hải Dương,63,dti,1.3504,14,", "score", "score must be in [0, 1]"),
    ("2020,Hải Dương,63,dti,0.3504,14.5,", "rank", "rank must be a whole number"),
    ("2020,Hải Dương,63,dti,0.3504,64,", "rank", "within 1..N"),
    ("2020,Hải Dương,63,dti,0.3504,0,", "rank", "at least 1"),
    ("2020,Hải Dương,63,dtii,0.3504,14,", "measure", "unknown measure"),
    ("2020,Hai Duongg,63,dti,0.3504,14,", "unit", "closest known: Hải Dương"),
    ("2019,Hải Dương,63,dti,0.3504,14,", "year", "year must be from 2020"),
    ("2020,Hải Dương,64,dti,0.3504,14,", "unit_system", "unit_system must be 63 or 34"),
    ("2020,Hải Dương,,dti,0.3504,14,", "unit_system", "allowed only for national aggregates"),
])
def test_each_bad_value_is_one_line_naming_file_line_column_and_rule(tmp_path, new, column, rule):
    root = copy_data(tmp_path)
    line = line_of(root, OBSERVATIONS, HD_2020)
    edit_raw(root, OBSERVATIONS, _replace("2020,Hải Dương,63,dti,0.3504,14,", new))
    problems = _problems(root)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{OBSERVATIONS}, line {line}, column {column}")
    assert rule in problems[0]


def test_a_34_unit_rank_above_34_is_refused(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, OBSERVATIONS, _replace("2024,Khánh Hòa,34,dti,0.7071,16,", "2024,Khánh Hòa,34,dti,0.7071,40,"))
    assert any("within 1..N" in p for p in _problems(root))


def test_a_pre_merger_name_is_unknown_among_the_34_units(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, OBSERVATIONS, _replace("2024,Khánh Hòa,34,", "2024,Ninh Thuận,34,"))
    assert any("column unit: 'Ninh Thuận': unknown unit" in p for p in _problems(root))


def test_two_values_from_one_source_are_a_problem_naming_both_lines(tmp_path):
    root = copy_data(tmp_path)
    first = line_of(root, OBSERVATIONS, HD_2020)

    def duplicate_with_other_rank(lines):
        lines.insert(first, lines[first - 1].replace(",0.3504,14,", ",0.3504,15,"))
        return lines
    edit_raw(root, OBSERVATIONS, duplicate_with_other_rank)
    problems = _problems(root)
    assert len(problems) == 1
    assert f"line {first}" in problems[0] and f"line {first + 1}" in problems[0]
    assert "the same source gives two values" in problems[0]


def test_a_repeated_identical_row_merges_silently(tmp_path):
    root = copy_data(tmp_path)
    first = line_of(root, OBSERVATIONS, HD_2020)
    edit_raw(root, OBSERVATIONS, lambda lines: lines[:first] + [lines[first - 1]] + lines[first:])
    assert [p for p in _problems(root) if "processed/" not in p] == []


def test_every_failure_is_reported_at_once(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, OBSERVATIONS, _replace("2020,Hải Dương,63,dti,0.3504,14,", "2020,Hải Dương,63,dti,1.5,14.5,"))
    edit_raw(root, OBSERVATIONS, _replace("2022,Hải Dương,63,dti,", "2022,Hải Dương,63,dtti,"))
    assert len(_problems(root)) == 3


def test_a_raw_file_edited_by_hand_is_caught(tmp_path):
    root = copy_data(tmp_path)
    path = root / OBSERVATIONS
    path.write_text(path.read_text(encoding="utf-8").replace("0.3504", "0.3505"), encoding="utf-8")
    problems = _problems(root)
    assert problems == [(f"raw/provenance.csv, line {line_of(root, 'raw/provenance.csv', 'dti_observations')}"
                        ", column sha256: 'reference/dti_observations.csv': raw file changed since "
                        "it was received (raw files are never edited)")]


def test_a_raw_file_without_provenance_is_caught(tmp_path):
    root = copy_data(tmp_path)
    (root / "raw/reference/stray.csv").write_text("a\n1\n", encoding="utf-8")
    assert _problems(root) == ["raw/reference/stray.csv: raw file has no provenance"]


def test_provenance_needs_every_field(tmp_path):
    root = copy_data(tmp_path)
    path = root / "raw/provenance.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[0, "publisher"] = ""
    table.to_csv(path, index=False, lineterminator="\n")
    assert _problems(root) == [("raw/provenance.csv, line 2, column publisher: '': "
                               "required provenance field is empty")]


def test_stale_processed_tables_are_caught(tmp_path):
    root = copy_data(tmp_path)
    (root / "processed/dti.csv").write_text("year\n", encoding="utf-8")
    assert _problems(root) == [("processed/dti.csv: out of date with data/raw; run "
                               "`python -m analysis build`")]


def test_a_missing_raw_column_is_named(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, OBSERVATIONS, lambda lines: [lines[0].replace("measure", "measur")] + lines[1:])
    assert any("measure" in p and "lacks this column" in p for p in _problems(root))


def _tables():
    built = build_all(REAL_DATA)
    return built.tables, built.origins


def test_duplicate_keys_are_refused_by_the_schema():
    tables, origins = _tables()
    dti = tables["dti.csv"]
    tables["dti.csv"] = pd.concat([dti, dti.iloc[[0]]], ignore_index=True)
    origins["dti.csv"] = tables["dti.csv"][["origin_file", "origin_line"]]
    problems = [str(p) for p in check_tables(tables, origins)]
    assert problems and all("duplicate key" in p for p in problems)


@pytest.mark.parametrize("system, unit", [(63, "Synthetic Province"), (34, "Hải Dương")])
def test_a_unit_outside_its_unit_system_is_one_problem_on_the_unit_column(system, unit):
    tables, origins = _tables()
    dti = tables["dti.csv"]
    row = dti.index[dti["unit_system"].eq(system)][0]
    dti.loc[row, "unit"] = unit  # e.g. a processed table edited by hand
    problems = [str(p) for p in check_tables(tables, origins)]
    assert len(problems) == 1 and "column unit:" in problems[0] and repr(unit) in problems[0]
    assert "not one of its unit system's units" in problems[0]


def test_an_unregistered_source_is_refused():
    tables, origins = _tables()
    tables["targets.csv"].loc[0, "source_id"] = "nowhere-000000"
    problems = [str(p) for p in check_tables(tables, origins)]
    assert len(problems) == 1
    assert problems[0].startswith("raw/reference/targets.csv, line 2, column source_id: 'nowhere-000000'")
    assert "not in the source registry" in problems[0]


def test_cli_exit_codes_and_no_traceback(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "analysis", "validate"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    root = copy_data(tmp_path)
    edit_raw(root, OBSERVATIONS, _replace("2020,Hải Dương,63,dti,0.3504,14,", "2020,Hải Dương,63,dti,2,14,"))
    bad = subprocess.run([sys.executable, "-m", "analysis", "validate", "--data", str(root)],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
    assert bad.stderr.strip().splitlines() == [
        (f"error: {OBSERVATIONS}, line {line_of(root, OBSERVATIONS, '2020,Hải Dương,63,dti,2,14')}, "
        "column score: 2: score must be in [0, 1]")]


HD_2020_URL = "https://tab.baohaiduong.vn/khoa-hoc---cong-nghe/hai-duong-xep-thu-14-ve-chi-so-chuyen-doi-so-nam-2020-183739"


def test_a_better_rank_with_a_lower_score_from_one_source_is_one_line_with_file_line_value_rule(tmp_path):
    root = copy_data(tmp_path)
    line = line_of(root, OBSERVATIONS, HD_2020)
    # SYNTHETIC row: same year, measure and source, a worse rank (20) with a higher score (0.4).
    edit_raw(root, OBSERVATIONS, lambda lines: [*lines[:-1], (f"2020,Lai Châu,63,dti,0.4,20,{HD_2020_URL},"
                                                "synthetic test row"), lines[-1]])
    problems = _problems(root)
    assert problems == [
        (f"{OBSERVATIONS}, line {line}, column score: 0.3504: a better rank never has a lower score "
        "(within one year, unit system, measure and source): Hải Dương ranked 14 scores 0.3504, but "
        f"Lai Châu ranked 20 scores 0.4 ({OBSERVATIONS}, line {line_of(root, OBSERVATIONS, 'synthetic test row')})")]


def _build_problems(root):
    from analysis.ingest.validate import build_checked

    return [str(p) for p in build_checked(root)[1]]


@pytest.mark.parametrize("score", ["0.3504", "0.3"])  # equal or lower score for a worse rank
def test_equal_or_lower_scores_for_worse_ranks_pass(tmp_path, score):
    root = copy_data(tmp_path)
    edit_raw(root, OBSERVATIONS, lambda lines: [*lines[:-1], (f"2020,Lai Châu,63,dti,{score},20,"
                                                f"{HD_2020_URL},synthetic test row"), lines[-1]])
    assert _build_problems(root) == []


def test_tied_ranks_may_have_different_scores(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, OBSERVATIONS, lambda lines: [*lines[:-1], (f"2020,Lai Châu,63,dti,0.36,14,{HD_2020_URL},"
                                                "synthetic test row"), lines[-1]])
    assert _build_problems(root) == []


def test_a_translation_that_drops_a_number_is_reported_by_validate(tmp_path):
    root = copy_data(tmp_path)
    path = root / "translations.csv"
    text = path.read_text(encoding="utf-8")
    assert "Whole country (average of the provinces)" in text
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if "Level-4 online public services" in line)
    lines[index] = lines[index].replace("mức độ 4", "mức độ", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = _problems(root)
    assert len(problems) == 1
    assert problems[0].startswith(f"translations.csv: line {index + 1}, column translation:")
    assert "numbers of the text (4) must all be kept" in problems[0]
