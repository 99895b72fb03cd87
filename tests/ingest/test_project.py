"""The project's former province names (`raw/project/former_provinces.csv`): appended to
aliases.csv with their source, and every bad row refused naming file, line, column, value and
what is allowed."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from data_helpers import REAL_DATA, copy_data, edit_raw

from analysis.ingest.build import build_all
from analysis.ingest.project import FORMER_COLUMNS
from analysis.ingest.sources import source_id
from analysis.ingest.validate import validate

FORMER = "raw/project/former_provinces.csv"
HA_TAY_URL = "https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province"
# A synthetic row for the tests (in a copy of data/ only): a made-up name and page.
SYNTHETIC = ("Tỉnh Mẫu Thử,Hải Dương,former,https://example.org/synthetic,Example publisher,"
             "A synthetic page,2024-05,2026-12-02,Mẫu Thử is now part of Hải Dương.,test row")


@pytest.fixture(scope="module")
def built():
    return build_all(REAL_DATA)


def test_the_real_data_records_ha_tay_as_a_former_province_of_ha_noi(built):
    aliases = built.tables["aliases.csv"]
    row = aliases[aliases["alias"].eq("Hà Tây")]
    assert row[["canonical", "kind", "source_id"]].values.tolist() == [
        ["Hà Nội", "former", source_id(HA_TAY_URL)]]
    assert list(aliases["kind"]).count("former") == 1
    origin = built.origins["aliases.csv"].loc[row.index[0]]
    assert (origin["origin_file"], origin["origin_line"]) == (FORMER, 2)


def test_the_page_is_registered_with_its_publisher_and_title_and_no_made_up_date(built):
    sources = built.tables["sources.csv"].set_index("url")
    page = sources.loc[HA_TAY_URL]
    assert page["publisher"] == "Wikipedia (English)" and page["title"] == "Hà Tây province"
    assert page["date_published"] == "" and page["date_shown"] == ""
    assert page["described_in"] == FORMER


def test_the_raw_row_keeps_the_words_that_state_it():
    raw = pd.read_csv(REAL_DATA / FORMER, dtype=str, keep_default_na=False)
    assert tuple(raw.columns) == FORMER_COLUMNS
    row = raw.iloc[0]
    assert "now part of Hanoi" in row["quote"]
    assert "The merger took place on August 1, 2008." in row["quote"]
    assert row["date_published"] == "" and row["date_accessed"]


def test_the_reference_aliases_come_first_and_keep_their_lines(built):
    reference = pd.read_csv(REAL_DATA / "raw/reference/aliases.csv", dtype=str,
                            keep_default_na=False)
    origin = built.origins["aliases.csv"]
    assert list(built.tables["aliases.csv"]["alias"][:len(reference)]) == list(reference["alias"])
    assert (origin["origin_file"][:len(reference)] == "raw/reference/aliases.csv").all()
    assert list(origin["origin_line"][:len(reference)]) == list(range(2, 2 + len(reference)))


def test_build_appends_every_row_of_the_project_file(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, FORMER, lambda lines: [*lines[:-1], SYNTHETIC, lines[-1]])
    built = build_all(root)
    assert built.problems == []
    aliases, origin = built.tables["aliases.csv"], built.origins["aliases.csv"]
    assert list(aliases["alias"][-2:]) == ["Hà Tây", "Tỉnh Mẫu Thử"]
    assert list(aliases["canonical"][-2:]) == ["Hà Nội", "Hải Dương"]
    assert list(origin["origin_line"][-2:]) == [2, 3] and (origin["origin_file"][-2:] == FORMER).all()
    page = built.tables["sources.csv"].set_index("url").loc["https://example.org/synthetic"]
    assert (page["publisher"], page["title"], page["date_published"]) == (
        "Example publisher", "A synthetic page", "2024-05")
    assert validate(root)[0].rule.startswith("out of date")  # built, not yet written


def _with_row(root, **changes) -> list[str]:
    """The problems of a copy of data/ whose project file has one more (synthetic) row, with
    `changes` to its cells."""
    row = dict(zip(FORMER_COLUMNS, SYNTHETIC.split(",")))
    row.update(changes)
    line = ",".join(f'"{v}"' if "," in v else v for v in row.values())
    edit_raw(root, FORMER, lambda lines: [*lines[:-1], line, lines[-1]])
    return [str(p) for p in validate(root)]


@pytest.mark.parametrize("changes, column, value, rule", [
    ({"canonical": "Hà Tâyy"}, "canonical", "Hà Tâyy",
     ("the successor must be one of the 63 provinces, spelled as in reference/provinces_63.csv "
      "(name_vi); closest: ")),
    ({"canonical": "Hai Duong"}, "canonical", "Hai Duong",
     ("the successor must be one of the 63 provinces, spelled as in reference/provinces_63.csv "
      "(name_vi); write it as provinces_63.csv does: 'Hải Dương'")),
    ({"kind": "spelling"}, "kind", "spelling",
     ("kind must be 'former' (this file lists former province names; other spellings belong in "
      "reference/aliases.csv)")),
    ({"source_url": ""}, "source_url", "",
     ("source_url is missing: every row needs the URL (http:// or https://) of the page that "
      "states it")),
    ({"source_url": "example.org/page"}, "source_url", "example.org/page",
     "source_url must be one URL starting with http:// or https://"),
    ({"publisher": ""}, "publisher", "", "publisher is empty: name who published the page"),
    ({"quote": ""}, "quote", "", ("quote is empty: copy the page's words that state the former "
                                  "name and its successor")),
    ({"quote": "It is now part of Hải Dương."}, "quote", "It is now part of Hải Dương.",
     "the quote does not name 'Tỉnh Mẫu Thử': copy the page's words"),
    ({"alias": "Hải Dương", "quote": "Hải Dương"}, "alias", "Hải Dương",
     "is a spelling of the current province 'Hải Dương', not a former name"),
    ({"alias": ""}, "alias", "", "alias is empty: give the former province's name"),
    ({"date_published": "May 2024"}, "date_published", "May 2024",
     "must be a calendar date YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2023-07-12), or blank"),
    ({"date_accessed": ""}, "date_accessed", "",
     "must be a calendar date YYYY-MM-DD (e.g. 2023-07-12)"),
], ids=["unknown-successor", "successor-spelling", "wrong-kind", "missing-url", "not-a-url",
        "no-publisher", "no-quote", "quote-without-the-name", "current-name", "no-alias",
        "date-published", "date-accessed"])
def test_a_bad_row_is_one_line_naming_file_line_column_value_and_what_is_allowed(
        tmp_path, changes, column, value, rule):
    problems = _with_row(copy_data(tmp_path), **changes)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{FORMER}, line 3, column {column}: {value!r}: {rule}")


def test_every_bad_cell_of_a_row_is_reported_at_once(tmp_path):
    problems = _with_row(copy_data(tmp_path), canonical="Nowhere", kind="spelling", source_url="")
    assert [p.split(":")[0] for p in problems] == [
        f"{FORMER}, line 3, column canonical", f"{FORMER}, line 3, column kind",
        f"{FORMER}, line 3, column source_url"]


def test_a_former_name_given_twice_is_a_duplicate_named_where_it_is(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, FORMER, lambda lines: [*lines[:-1], lines[1], lines[-1]])
    problems = [str(p) for p in validate(root)]
    assert problems == [f"{FORMER}, line {line}, column alias: 'Hà Tây': duplicate key: another "
                        "row has the same key" for line in (2, 3)]


def test_a_missing_column_names_the_file_and_the_header_it_needs(tmp_path):
    root = copy_data(tmp_path)
    edit_raw(root, FORMER, lambda lines: [line.rsplit(",", 1)[0] if i == 0 else line
                                          for i, line in enumerate(lines)])
    problems = [str(p) for p in validate(root)]
    assert problems == [f"{FORMER}, line 1, column note: missing column; the header must be: "
                        + ",".join(FORMER_COLUMNS)]


def test_cli_validate_prints_the_bad_row_as_one_line_without_traceback(tmp_path):
    root = copy_data(tmp_path)
    _with_row(root, kind="spelling")
    result = subprocess.run([sys.executable, "-m", "analysis", "validate", "--data", str(root)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        (f"error: {FORMER}, line 3, column kind: 'spelling': kind must be 'former' (this file lists "
         "former province names; other spellings belong in reference/aliases.csv)")]
