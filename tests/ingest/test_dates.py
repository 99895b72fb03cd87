"""One date rule (`analysis.ingest.dates`): what it accepts, and the same answer and message from
every place that checks a date — the build's schemas, `validate`, `import-dti` and the briefs."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from data_helpers import REAL_DATA, copy_data, edit_raw, line_of

from analysis import i18n
from analysis.ingest import dates
from analysis.ingest.build import build_all
from analysis.ingest.schemas import check_tables
from analysis.ingest.validate import validate

PUBLISHED_RULE = "must be a calendar date YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-07-12), or blank"
DAY_RULE = "must be a calendar date YYYY-MM-DD (e.g. 2023-07-12)"


@pytest.mark.parametrize("text, expected", [
    ("2023-07-12", dates.IsoDate(2023, 7, 12)),
    ("2024-02-29", dates.IsoDate(2024, 2, 29)),  # a leap day
    ("2023-07", dates.IsoDate(2023, 7)),
    ("2023", dates.IsoDate(2023)),  # a page dated only by its year, as two in the registry are
])
def test_a_date_is_read_at_the_precision_it_is_given(text, expected):
    assert dates.parse(text) == expected


@pytest.mark.parametrize("text", [
    "2023-02-29", "2023-02-30", "2023-04-31", "2023-13", "2023-00", "2023-07-00", "0000",
    "2023-7-5", "2023-7", "23-07-12", "12/7/2023", "July 2023", "mid-2021", " 2023-07-12",
    "2023-07-12 ", "2023-07-12T10:00", "20230712", "", None, 2023,
])
def test_anything_else_is_not_a_date(text):
    assert dates.parse(text) is None


def test_precision_and_first_day():
    assert dates.parse("2023").precision == dates.YEAR
    assert dates.parse("2023-07").precision == dates.MONTH
    assert dates.parse("2023-07-12").precision == dates.DAY
    assert dates.parse("2023").first_day == dt.date(2023, 1, 1)
    assert dates.parse("2023-07").first_day == dt.date(2023, 7, 1)


def test_iso_text_sorts_in_date_order_as_the_precedence_rule_assumes():
    texts = ["2023-07-12", "2023", "2022-12-31", "2023-07", "2023-06-30"]
    assert sorted(texts) == sorted(texts, key=lambda t: (dates.parse(t).first_day, len(t)))


def test_problem_says_what_is_allowed():
    assert dates.problem("2023-07-12") is None
    assert dates.problem("2023") is None
    assert dates.problem("2023-02-30", blank=True) == PUBLISHED_RULE
    assert dates.problem("", blank=True) is None
    assert dates.problem(None, blank=True) is None
    assert dates.problem(" ", blank=True) == PUBLISHED_RULE  # spaces are not blank: not "undated"
    assert dates.problem("") == PUBLISHED_RULE.removesuffix(", or blank")


@pytest.mark.parametrize("text", ["2023-07", "2023", "2023-02-30", ""])
def test_where_a_day_is_required_a_month_or_year_is_not_enough(text):
    assert dates.problem(text, dates.DAY) == DAY_RULE
    assert dates.problem("2023-07-12", dates.DAY) is None


# --- every place that checks a date, with the same rule and message ------------------------------

def _provenance(root, column, value):
    path = root / "raw/provenance.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[0, column] = value
    table.to_csv(path, index=False, lineterminator="\n")


@pytest.mark.parametrize("column, value, rule", [
    *(("date_published", v, PUBLISHED_RULE) for v in ["2023-7-5", "2023-02-30", "July 2023"]),
    # the day a page was read is a day
    *(("date_accessed", v, DAY_RULE) for v in ["2026-11", "27/11/2026", "2026-11-31"]),
])
def test_validate_names_file_line_column_value_and_what_is_allowed(tmp_path, column, value, rule):
    root = copy_data(tmp_path)
    _provenance(root, column, value)
    assert [str(p) for p in validate(root)] == [
        f"raw/provenance.csv, line 2, column {column}: {value!r}: {rule}"]


def test_a_year_alone_is_a_valid_date_published(tmp_path):
    root = copy_data(tmp_path)
    _provenance(root, "date_published", "2023")
    assert [p for p in validate(root) if p.column == "date_published"] == []


def test_a_date_shown_that_is_not_in_the_calendar_is_refused_where_it_was_built(tmp_path):
    # The source notes say "30/02/2022": the registry's date would be 2022-02-30, which the
    # schema once let through and a brief then failed to format.
    root = copy_data(tmp_path)
    notes = "raw/reference/dti_sources.md"
    edit_raw(root, notes, lambda lines: [line.replace("Date shown: 20/08/2022",
                                                      "Date shown: 30/02/2022") for line in lines])
    problems = [p for p in validate(root) if p.column == "date_published"]
    assert len(problems) == 1
    assert problems[0].file == "processed/sources.csv" and problems[0].line >= 2
    assert str(problems[0]).endswith(f", column date_published: '2022-02-30': {PUBLISHED_RULE}")
    assert line_of(root, notes, "30/02/2022")  # the edit took


def test_the_schema_refuses_what_the_rule_refuses_and_keeps_what_it_keeps():
    built = build_all(REAL_DATA)
    sources = built.tables["sources.csv"].copy()
    sources["date_published"] = ["2023-7-5", "2023-02-30", "2023", "2023-07", "2023-07-12", "",
                                 *sources["date_published"][6:]]
    problems = check_tables({**built.tables, "sources.csv": sources}, built.origins)
    assert [(p.line, p.value, p.rule) for p in problems] == [
        (2, "2023-7-5", PUBLISHED_RULE), (3, "2023-02-30", PUBLISHED_RULE)]


def test_a_proposal_date_must_be_a_day():
    built = build_all(REAL_DATA)
    revisions = built.tables["target_revisions.csv"].copy()
    revisions.loc[revisions.index[0], "proposed_on"] = ""
    problems = check_tables({**built.tables, "target_revisions.csv": revisions}, built.origins)
    assert [(p.column, p.rule) for p in problems] == [
        ("proposed_on", f"date not found in the note: {DAY_RULE}")]


def test_the_briefs_format_what_the_rule_accepts_and_show_anything_else_as_it_is():
    assert i18n.date("2023-07-12", "vi") == "12/7/2023"
    assert i18n.date("2023-07", "en") == "July 2023"
    assert i18n.date("2023", "en") == "2023" and i18n.date("2023", "vi") == "2023"
    assert i18n.date("2023-02-30", "vi") == "2023-02-30"  # no longer an exception in a brief
    assert i18n.date("c. 2025", "en") == "c. 2025"
    assert i18n.date(None, "en") == i18n.MISSING
