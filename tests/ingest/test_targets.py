"""The Resolution's target tables, from synthetic reference files (named so) and the real ones."""

from __future__ import annotations

from data_helpers import REAL_DATA

from analysis.ingest.raw import REFERENCE
from analysis.ingest.targets import build_target_progress, build_target_status, build_targets

PROGRESS_HEADER = "target_id,as_of,value,unit,share_of_target,source_url,note\n"


def _progress(tmp_path, rows: str):
    (tmp_path / "target_progress.csv").write_text(PROGRESS_HEADER + rows, encoding="utf-8")
    return tmp_path


def test_the_status_summary_becomes_one_row_per_status_with_its_source(tmp_path):
    ref = _progress(tmp_path, "ALL,2022-12-31,2 completed; 1 at >=60%; 0 at 43%; 1 only initially "
                              "deployed,number of the 4 targets,,https://example.org/synthetic,\n")
    problems = []
    status = build_target_status(ref, problems)
    assert problems == []
    assert dict(zip(status["status"], status["n_targets"])) == {
        "completed": 2, "at_least_60pct": 1, "at_43pct": 0, "initially_deployed": 1}
    assert set(status["of_total"]) == {4} and status["source_id"].nunique() == 1


def test_a_summary_in_another_form_is_one_problem_naming_file_line_and_value(tmp_path):
    ref = _progress(tmp_path, "ALL,2022-12-31,most completed,number of the 4 targets,,"
                              "https://example.org/synthetic,\n")
    problems = []
    assert build_target_status(ref, problems).empty
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.line, problem.column, problem.value) == (
        f"raw/{REFERENCE}/target_progress.csv", 2, "value", "most completed")


def test_a_progress_value_is_a_number_only_when_it_is_exactly_one(tmp_path):
    ref = _progress(tmp_path, "T08,2023,\"1,200\",firms,,https://example.org/a ; https://example.org/b,\n"
                              "T08,2024,15-20,% of GRDP,,https://example.org/a,\n")
    progress = build_target_progress(ref)
    assert progress["value"].iloc[0] == 1200 and progress["value"].isna().iloc[1]
    assert progress["value_text"].iloc[1] == "15-20"  # kept as the source writes it
    assert len(progress["source_ids"].iloc[0].split(";")) == 2


def test_the_real_targets_say_whose_words_and_how_each_is_met():
    targets = build_targets(REAL_DATA / "raw" / REFERENCE)
    rank = targets[targets["target_id"].eq("T01")]
    assert set(rank["comparator"]) == {"top_n"} and set(rank["value"]) == {20, 15}
    assert set(targets["wording_vi_kind"]) <= {"", "source", "paraphrase"}
    assert not targets["wording_vi"].str.contains("wording)", regex=False).any()  # the transcriber's mark goes
