"""Every figure a brief shows cites the sources that state it (issue: per-figure provenance).

The audit (`tests/audit.py`) reads only a brief's HTML, its CSV and `data/processed/`; here it
walks every brief of a large run (all 63 provinces, two editions, both languages, all three
notebooks), and two synthetic fixtures (named so) pin the cases that went wrong: a score and a
rank from two sources, and a source that gives the rank among 34 but not among 63.
"""

from __future__ import annotations

import base64
import collections
import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from audit import Data, audit_brief, parse, read_csv_of

from analysis import source_list, tables
from analysis.citations import Citations
from analysis.paths import REPO_ROOT

DATA = REPO_ROOT / "data"

# Synthetic: Synth A's 2022 DTI score from a press page, its rank from the portal; Synth B
# ranked 3rd among the 34 post-merger units by one page that gives no rank among 63, and 5th
# among 63 by another; Synth C's rank disputed; Synth D's tentative.
SYNTHETIC_DTI = """year,unit_system,unit,measure,score,rank,source_id,note
2022,63,Synth A,dti,0.6123,,syn-press,"'điểm 0,6123'"
2022,63,Synth A,dti,,8,syn-portal,
2024,34,Synth B,dti,,3,syn-34,'xếp thứ 3/34'
2024,63,Synth B,dti,,5,syn-63,
2022,63,Synth C,dti,,6,syn-press,
2022,63,Synth C,dti,,5,syn-portal,
2022,63,Synth D,dti,,4,syn-press,TENTATIVE: 'lần lượt'
"""
SYNTHETIC_SOURCES = """source_id,url,publisher,title,date_published,date_shown,tier,home_province,described_in
syn-press,https://example.org/press,Synthetic Press,Press page,2023-07-12,,3,,x
syn-portal,https://example.org/portal,Synthetic Portal,Portal page,2023-07-13,,1,,x
syn-34,https://example.org/34,Synthetic 34,Page on 34 units,2025-10-21,,3,,x
syn-63,https://example.org/63,Synthetic 63,Page on 63 provinces,2025-10-22,,3,,x
"""


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""]).astype(
        {"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Int64"})


@pytest.fixture
def cites() -> Citations:
    sources = pd.read_csv(io.StringIO(SYNTHETIC_SOURCES), keep_default_na=False)
    return Citations(sources, "en", dti=_frame(SYNTHETIC_DTI), csv_name="synthetic")


def _where(unit, year=2022, system=63):
    return {"year": year, "unit": unit, "unit_system": system, "measure": "dti"}


def test_score_and_rank_from_two_sources_each_cite_their_own(cites):
    score = cites.score(0.6123, **_where("Synth A"))
    rank = cites.rank(8, **_where("Synth A"))
    assert score.figure.source_ids == ("syn-press",)
    assert rank.figure.source_ids == ("syn-portal",)
    assert score.figure.quote == "điểm 0,6123"


def test_a_rank_among_63_never_cites_a_page_that_gives_only_the_rank_among_34(cites):
    among_63 = cites.rank(5, **_where("Synth B", 2024, 63))
    among_34 = cites.rank(3, **_where("Synth B", 2024, 34))
    assert among_63.figure.source_ids == ("syn-63",)
    assert among_34.figure.source_ids == ("syn-34",)
    # A value no source gives for that ranking cites nothing (and the audit flags it).
    assert cites.rank(3, **_where("Synth B", 2024, 63)).figure.source_ids == ()


def test_disputed_and_tentative_figures_are_marked_and_said_once(cites):
    disputed = cites.rank(6, **_where("Synth C"))
    tentative = cites.rank(4, **_where("Synth D"))
    assert disputed.figure.status == "disputed" and disputed.endswith('<span class="flag">†</span>')
    assert tentative.figure.status == "tentative" and tentative.endswith("*</span>")
    legend = cites.legend_html()
    assert legend.count('<p class="legend">') == 2 and "tentative" in legend
    assert cites.legend_html() == ""  # said once


def test_a_derived_figure_cites_its_inputs_and_its_csv_row_points_to_them(cites):
    score = cites.score(0.6123, **_where("Synth A"))
    rank = cites.rank(8, **_where("Synth A"))
    percentile = cites.percentile(0.8870967, rank)
    difference = cites.derived("difference", "0.0623", [score, rank])
    assert percentile.endswith("%") and ">89<" in percentile
    assert difference.figure.source_ids == ("syn-press", "syn-portal")
    rows = cites.csv_frame()
    assert rows.loc[rows["kind"].eq("percentile"), "derived_from"].item() == "2"
    assert rows.loc[rows["kind"].eq("difference"), "source_url"].item() == \
        "https://example.org/press https://example.org/portal"


def test_a_figure_shown_twice_is_one_csv_row_and_the_csv_opens_in_excel(cites):
    first = cites.rank(8, **_where("Synth A"))
    again = cites.rank(8, **_where("Synth A"))
    assert 'data-csv="1"' in first and 'data-csv="1"' in again
    text = source_list.csv_text(cites)
    assert text.startswith("\ufeffyear,unit,unit_system,measure,kind,value,status,source_url,")
    assert "\r\n" in text and len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))) == 2


def test_a_table_row_cites_the_union_of_its_figures_sources_no_more(cites):
    frame = pd.DataFrame({"unit": ["Synth A"], "measure": ["dti"], "unit_system": [63],
                          "score": [0.6123], "rank": [8],
                          "source_id": ["syn-portal"]})  # the preferred row's own id: ignored
    page = tables.render(frame, "en", table_id="t", cites=cites, year=2022)
    marks = page.split('<td class="cite-col">')[1]
    assert "#src-1" in marks and "#src-2" in marks and "#src-3" not in marks


def _synthetic_brief(tmp_path: Path, cites: Citations, body: str) -> Path:
    page = (f"<html><body>{body}{source_list.sources_html(cites)}"
            f"{source_list.download_html(cites)}</body></html>")
    path = tmp_path / "synthetic.en.html"
    path.write_text(page, encoding="utf-8")
    return path


@pytest.fixture
def synthetic_data(tmp_path: Path) -> Data:
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "dti.csv").write_text(SYNTHETIC_DTI, encoding="utf-8")
    (processed / "sources.csv").write_text(SYNTHETIC_SOURCES, encoding="utf-8")
    for name in ("targets.csv", "target_revisions.csv", "target_progress.csv",
                 "target_status.csv"):
        (processed / name).write_text((DATA / "processed" / name).read_text(encoding="utf-8"),
                                      encoding="utf-8")
    return Data(processed, DATA / "translations.csv")


def test_the_audit_passes_a_row_whose_score_and_rank_cite_two_sources(tmp_path, cites,
                                                                       synthetic_data):
    frame = pd.DataFrame({"unit": ["Synth A", "Synth B"], "measure": ["dti", "dti"],
                          "unit_system": [63, 34], "year": [2022, 2024],
                          "score": [0.6123, pd.NA], "rank": [8, 3]})
    body = tables.render(frame, "en", table_id="t", cites=cites, hide=("unit_system",))
    assert audit_brief(_synthetic_brief(tmp_path, cites, body), synthetic_data) == []


def test_the_audit_catches_a_figure_cited_to_a_page_that_does_not_state_it(tmp_path, cites,
                                                                            synthetic_data):
    body = f"<table><tr><td>{cites.rank(8, **_where('Synth A'))}</td>" \
           f"<td>{cites.marks(['syn-portal', 'syn-press'])}</td></tr></table>" \
           "<ul><li>Synth B ranked 5th among 63.</li></ul>"
    path = _synthetic_brief(tmp_path, cites, body)
    problems = audit_brief(path, synthetic_data)
    assert any("cites 2 sources, its figures 1" in p for p in problems)
    assert any("number outside a figure" in p for p in problems)
    # A rank among 63 cited to the page that gives only the ranking among 34.
    forged = path.read_text(encoding="utf-8").replace("syn-portal", "syn-34")
    path.write_text(forged, encoding="utf-8")
    payload = base64.b64encode(source_list.csv_text(cites).replace("syn-portal", "syn-34")
                               .encode("utf-8")).decode("ascii")
    page = parse(path.read_text(encoding="utf-8"))
    assert read_csv_of(page)[1]  # the page still carries its CSV
    text = path.read_text(encoding="utf-8")
    start = text.index("base64,") + len("base64,")
    path.write_text(text[:start] + payload + text[text.index('"', start):], encoding="utf-8")
    assert any("syn-34 does not give rank 8" in p for p in audit_brief(path, synthetic_data))


# --- the large run ----------------------------------------------------------------------------

def _run(out: Path, *options: str) -> Path:
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "run", "--lang", "vi,en", "--out", str(out),
         *options], check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def large_run(tmp_path_factory) -> Path:
    """Every notebook × all 63 provinces × DTI 2022 and 2024 × vi and en (508 briefs)."""
    return _run(tmp_path_factory.mktemp("large-run"), "--years", "2022,2024",
                "--provinces", "all", "--notebooks", "all")


@pytest.fixture(scope="module")
def default_set(tmp_path_factory) -> Path:
    """The default set (every edition, Hải Dương, every notebook), in both languages."""
    return _run(tmp_path_factory.mktemp("default-set"))


def test_every_figure_of_the_default_set_cites_the_sources_that_state_it(default_set):
    data = Data(DATA / "processed", DATA / "translations.csv")
    briefs = _briefs(default_set)
    assert len(briefs) == 30
    problems = [p for path in briefs for p in audit_brief(path, data)]
    assert problems == [], f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:20])


def _briefs(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.html") if p.name != "index.html")


def test_every_figure_of_a_large_run_cites_exactly_the_sources_that_state_it(large_run):
    data = Data(DATA / "processed", DATA / "translations.csv")
    briefs = _briefs(large_run)
    assert len(briefs) == 63 * 2 * 2 * 2 + 2 * 2
    problems = [p for path in briefs for p in audit_brief(path, data)]
    assert problems == [], f"{len(problems)} problems, e.g.\n" + "\n".join(problems[:20])


def test_every_targets_csv_holds_the_twelve_identified_targets_and_their_revisions(large_run):
    for path in large_run.rglob("03_target_revisions.*.html"):
        _, rows = read_csv_of(parse(path.read_text(encoding="utf-8")))
        kinds = {(r["kind"], r["measure"]) for r in rows}
        assert len({m for k, m in kinds if k == "target"}) == 12, path
        assert {m for k, m in kinds if k == "revision_to"} == {"T03", "T10", "T11"}, path
        assert any(k == "progress" for k, _ in kinds) and any(k == "count" for k, _ in kinds)


def test_no_page_says_a_figure_was_not_published(large_run):
    pages = [*_briefs(large_run), large_run / "index.html"]
    for path in pages:
        text = path.read_text(encoding="utf-8").lower()
        for phrase in ("not published", "chưa công bố", "chưa được công bố"):
            assert phrase not in text, (path, phrase)


def test_the_audit_accepts_a_draft_wording_only_as_the_draft_s():
    from audit import check_stated
    data = Data(DATA / "processed", DATA / "translations.csv")
    draft = next(d for d in data.drafts if d["target_id"] == "T02")
    row = {"kind": "target", "value": draft["wording_vi"], "measure": "T02", "year": "2025"}
    assert check_stated(row, draft["source_id"], data) is None
    # The same words cited to a page of the adopted targets, or for another target: refused.
    adopted = next(t for t in data.targets if t["target_id"] == "T02")
    assert check_stated(row, adopted["source_id"], data) is not None
    assert check_stated(row | {"measure": "T04"}, draft["source_id"], data) is not None


def test_the_audit_accepts_a_revision_s_wording_only_as_the_report_gives_it():
    from audit import check_stated
    data = Data(DATA / "processed", DATA / "translations.csv")
    rev = next(r for r in data.revisions if r["target_id"] == "T03")
    row = {"kind": "revision_to", "value": rev["to_wording_vi"], "measure": "T03",
           "year": rev["horizon"]}
    assert check_stated(row, rev["source_id"], data) is None
    assert check_stated(row | {"kind": "revision_from"}, rev["source_id"], data) is not None


def test_the_quote_is_the_passage_that_states_the_figure_marked_when_in_another_language():
    from analysis.citations import quote_of

    note = "English; 'Network Information Security' leads; 'ranking 6th out of 63'"
    assert quote_of(note, "6") == "ranking 6th out of 63"
    assert quote_of("'Network Information Security'", "6") == ""  # a name is no evidence
    assert quote_of("'điểm 0,6383 năm 2022'", "0.6383") == "điểm 0,6383 năm 2022"
    sources = pd.read_csv(io.StringIO(SYNTHETIC_SOURCES), keep_default_na=False)
    dti = _frame(SYNTHETIC_DTI.replace("'điểm 0,6123'", "'a score of 0.6123 in 2022'"))
    tip = Citations(sources, "vi", dti=dti).score(0.6123, **_where("Synth A"))
    assert "“a score of 0.6123 in 2022” (nguyên văn tiếng Anh)" in tip


_FIGURE = re.compile(r'<span class="fig[^"]*" data-csv="(\d+)"')


@pytest.mark.parametrize("run", ["default_set", "large_run"])
def test_a_figure_is_said_at_most_twice_in_the_glance_and_summary(run, request):
    """Tables aside: the glance and the summary (all that comes before a brief's first table)
    say each figure at most twice."""
    for path in _briefs(request.getfixturevalue(run)):
        page = path.read_text(encoding="utf-8")
        opening = page[page.find("<main"):]
        opening = opening[:opening.find("<table")]
        counts = collections.Counter(_FIGURE.findall(opening))
        assert not counts or max(counts.values()) <= 2, (path, counts.most_common(3))


def _states_by_pattern(passage, figure):
    """What quote_of used to test: the figure, not inside a longer number."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d])", passage) is not None


@pytest.mark.parametrize("passage, figure", [
    ("0.6383", "0.6383"), ("10.6383", "0.6383"), ("0.63831", "0.6383"), ("x0.6383y", "0.6383"),
    ("1,0.6383", "0.6383"), ("6th of 63", "6"), ("63 and 6", "6"), ("66", "6"), ("", "6"),
    ("rank ٦", "٦"), ("٣6", "6"), ("6٣ then 6", "6"), ("a.6", "6"), ("a 6.", "6")])
def test_a_figure_stated_in_a_passage_as_the_pattern_said(passage, figure):
    from analysis.citations import _states

    assert _states(passage, figure) == _states_by_pattern(passage, figure)


def test_every_quote_in_the_data_is_found_as_before():
    from analysis import data
    from analysis.citations import _QUOTE, _states

    dti = data.load_dti()
    checked = 0
    for note, score, rank in zip(dti["note"], dti["score"], dti["rank"]):
        shown = [] if pd.isna(score) else [f"{score:.4f}", f"{score:.4f}".replace(".", ",")]
        shown += [] if pd.isna(rank) else [str(int(rank))]
        for passage in _QUOTE.findall(str(note)):
            for figure in shown:
                assert _states(passage, figure) == _states_by_pattern(passage, figure)
                checked += 1
    assert checked > 50
