"""Reader tables: "—" with one legend line, nothing drawn where nothing is published, headers
from the catalog, [n] source marks, every cell escaped. All figures here are synthetic."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from data_helpers import synthetic_pref

from analysis import brief, i18n, source_list, tables

SOURCES = pd.DataFrame({
    "source_id": ["syn-a", "syn-b"],
    "url": ["https://example.org/a", "https://example.org/b"],
    "publisher": ["Synthetic Portal", "Synthetic Daily"],
    "title": ["Synthetic A", "Synthetic B"],
    "date_published": ["2023-07-12", ""],
})

FIGURES = pd.DataFrame({
    "measure": ["dti", "pillar_government", "pillar_economy"],
    "score": pd.array([0.6123, pd.NA, pd.NA], dtype="Float64"),
    "rank": pd.array([8, 12, pd.NA], dtype="Int64"),
    "percentile": pd.array([pd.NA, pd.NA, pd.NA], dtype="Float64"),
    "source_id": ["syn-a", "syn-b", ""],
})


# Synthetic rows shaped like load_dti(): what each synthetic source states. syn-a gives Synth A's
# 2022 DTI score and rank 8; syn-b its rank 12 in the digital-government pillar. For the conflict
# cell: Synth C's 2022 rank is 6 per syn-a and 5 per syn-b; both give the score 0.6123.
SYNTHETIC_DTI = pd.read_csv(io.StringIO("""year,unit_system,unit,measure,score,rank,source_id,note
2022,63,Synth A,dti,0.6123,8,syn-a,
2022,63,Synth A,pillar_government,,12,syn-b,
2022,63,Synth C,dti,0.6123,6,syn-a,
2022,63,Synth C,dti,0.6123,5,syn-b,
""")).astype({"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Int64"})


def _cites(lang: str) -> brief.Citations:
    return brief.Citations(SOURCES, lang, dti=SYNTHETIC_DTI)


def _cells(page: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", page)


def test_gaps_are_a_dash_with_one_legend_line_and_empty_rows_columns_go():
    page = tables.render(FIGURES, "vi", table_id="profile")
    assert page.count('<table class="brief-table short" id="tbl-profile">') == 1  # prints whole
    assert page.count('<p class="legend">') == 1
    assert page.endswith(f'<p class="legend">{i18n.t("table.legend", "vi")}</p>')
    assert "chưa công bố" not in page.split('<p class="legend">')[0]
    assert "—" in _cells(page)
    assert "Trụ cột kinh tế số" not in page  # a row with no figure is not drawn
    assert "Phân vị" not in page  # nor a column with none
    assert "0,6123" in page and "0.6123" not in page


def test_a_frame_without_gaps_has_no_legend():
    page = tables.render(FIGURES.iloc[:1].drop(columns=["percentile"]), "en", table_id="x")
    assert "—" not in page and 'class="legend"' not in page
    assert "<th scope=\"col\">Score</th>" in page and "0.6123" in page


def test_an_all_missing_frame_is_one_sentence():
    empty = FIGURES.assign(score=pd.NA, rank=pd.NA)
    page = tables.render(empty, "vi", table_id="x",
                         gap="Thứ hạng: không tìm thấy trong các nguồn đã thu thập.")
    assert page == '<p class="gap">Thứ hạng: không tìm thấy trong các nguồn đã thu thập.</p>'


def test_require_drops_rows_without_the_figure_the_table_is_about():
    frame = pd.DataFrame({"measure": ["dti"], "score": pd.array([pd.NA], dtype="Float64"),
                          "national_average": pd.array([0.5], dtype="Float64")})
    assert tables.render(frame, "en", table_id="g", require=["score"], gap="none").startswith(
        '<p class="gap">')


def test_no_row_numbers_and_long_text_is_never_cut():
    long_text = "Synthetic wording " * 20
    page = tables.render(pd.DataFrame({"label": [long_text.strip()]}), "en", table_id="t")
    assert long_text.strip() in page and "..." not in page and "…" not in page
    assert "<tbody><tr><td>" in page  # no index cell before the first value


def test_rows_cite_their_figures_sources_by_numbered_marks_that_resolve():
    cites = _cites("vi")
    page = tables.render(FIGURES.assign(unit="Synth A"), "vi", table_id="p", cites=cites,
                         year=2022, hide=("unit",))
    assert "syn-a" not in page and "syn-b" not in page
    assert '<th scope="col" class="cite-col">' in page
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1])
    assert len(rows) == 2
    # DTI row: score and rank from syn-a; pillar row: rank from syn-b. Each row its own marks.
    assert rows[0].endswith('<td class="cite-col"><sup class="cite"><a href="#src-1">[1]</a>'
                            "</sup></td>")
    assert rows[1].endswith('<td class="cite-col"><sup class="cite"><a href="#src-2">[2]</a>'
                            "</sup></td>")
    assert [f.kind for f in cites.figures_in(rows[0])] == ["score", "rank"]
    assert cites.numbers == {"syn-a": 1, "syn-b": 2}
    listing = source_list.sources_html(cites)
    for target in re.findall(r'href="#([^"]+)"', page):
        assert f'id="{target}"' in listing


def test_no_cite_column_without_cites_or_without_figures():
    assert "cite-col" not in tables.render(FIGURES, "vi", table_id="p")
    words = pd.DataFrame({"label": ["Synthetic words"], "source_id": ["syn-a"]})
    cites = _cites("en")
    page = tables.render(words, "en", table_id="w", cites=cites)
    assert "cite-col" not in page and "syn-a" not in page and cites.numbers == {}


def test_unit_system_cells_are_marked_as_the_size_of_the_ranking():
    frame = pd.DataFrame({"unit": ["Synth A"], "measure": ["dti"], "unit_system": [63],
                          "rank": pd.array([8], dtype="Int64")})
    page = tables.render(frame, "en", table_id="u", cites=_cites("en"), year=2022)
    assert '<td class="num"><span class="n-units">63</span></td>' in page


def test_wide_table_drops_units_and_rows_nobody_published_and_names_the_units():
    pref = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2022,63,Synth A,dti,,8,syn-a
2022,63,Synth B,dti,,,syn-a
2022,63,Synth A,pillar_economy,,,syn-a
""")
    frame = pref.assign(role="peer")[["measure", "unit", "role", "score", "rank", "source_id"]]
    page = tables.wide(frame, "measure", "unit", "rank", "en", table_id="w")
    assert "<th scope=\"col\">Synth A</th>" in page and "<th scope=\"col\">Synth B</th>" not in page
    assert "Digital economy" not in page
    assert page.count('<p class="gap">') == 1 and "Synth B" in page.split('<p class="gap">')[1]
    nothing = tables.wide(frame.assign(rank=pd.NA), "measure", "unit", "rank", "en",
                          table_id="w", gap="Nothing found.")
    assert nothing == '<p class="gap">Nothing found.</p>'


def test_wide_table_cells_are_rank_figures_and_rows_cite_them():
    pref = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2022,63,Synth A,dti,,8,syn-a
2022,63,Synth A,pillar_government,,12,syn-b
""")
    frame = pref[["year", "unit_system", "measure", "unit", "rank", "source_id"]]
    cites = _cites("en")
    page = tables.wide(frame, "measure", "unit", "rank", "en", table_id="w", cites=cites)
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1])
    assert [[(f.kind, f.value, f.source_ids) for f in cites.figures_in(r)] for r in rows] == [
        [("rank", "8", ("syn-a",))], [("rank", "12", ("syn-b",))]]
    assert rows[0].endswith('<td class="cite-col"><sup class="cite"><a href="#src-1">[1]</a>'
                            "</sup></td>")
    assert rows[1].endswith('<a href="#src-2">[2]</a></sup></td>')


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_headers_come_from_the_catalog(lang):
    page = tables.render(FIGURES, lang, table_id="h")
    for column in ("measure", "score", "rank"):
        assert f">{i18n.t(f'table.column.{column}', lang)}</th>" in page


HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def test_hostile_text_in_cells_is_inert():
    frame = pd.DataFrame({"unit": [HOSTILE], "label": ['<a href="javascript:alert(3)">x</a>'],
                          "rank": pd.array([3], dtype="Int64")})
    page = tables.render(frame, "en", table_id="<x onload=1>")
    assert "<script" not in page and "<img" not in page and "<a href" not in page
    assert "&lt;script&gt;" in page
    assert 'id="tbl-x-onload-1"' in page


def test_conflict_cell_cites_by_number_and_translates_the_words():
    cites = _cites("vi")
    record = {"year": 2022, "unit": "Synth C", "measure": "dti", "unit_system": 63}
    html_text = tables.conflict_html(
        "rank: 6 (syn-a); 5 (syn-b); 4 (unknown-id) | score: 0.6123 (syn-a); 0.6123 (syn-b)",
        cites, "vi", record)
    assert "syn-a" not in html_text and "syn-b" not in html_text and "unknown-id" not in html_text
    assert re.sub(r"<[^>]+>", "", html_text).startswith("thứ hạng: 6")
    ranks, scores = html_text.split(" | ")
    six, five, four = ranks.split("; ")
    # Each value is a figure (disputed: the sources disagree) followed by its own marks.
    assert '">6</span><span class="flag">†</span>' in six and six.endswith(
        '<a href="#src-1">[1]</a></sup>') and "[2]" not in six
    assert five.endswith('<a href="#src-2">[2]</a></sup>') and "[1]" not in five
    assert "cite" not in four  # a value no source collected states cites nothing
    # A value given by both sources is shown once, citing both.
    assert scores.count('class="fig') == 1 and "[1]" in scores and "[2]" in scores
    assert re.sub(r"<[^>]+>", "", scores) == "điểm: 0,6123[1][2]"


# Synthetic targets (one with no wording at all) and a synthetic progress report.
SYNTHETIC_TARGETS = pd.DataFrame({
    "target_id": ["T91", "T92"], "horizon": [2025, 2030], "comparator": ["reach", "reach"],
    "value": pd.array([50, pd.NA], dtype="Float64"), "value_text": ["50", "synthetic words"],
    "unit": ["%", ""], "label_vi": ["", ""], "label_en": ["synthetic share", ""],
    "note": ["", ""], "source_id": ["syn-b", "syn-a"], "source_ids": ["syn-b;syn-a", "syn-a"],
})


def test_targets_table_replaces_id_columns_with_marks():
    cites = _cites("en")
    page = tables.targets(SYNTHETIC_TARGETS, "en", cites=cites, table_id="t")
    assert "syn-" not in page and "Source id" not in page
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1])
    # T91 names both sources (syn-b first: [1]); T92 only syn-a.
    assert rows[0].endswith('<a href="#src-1">[1]</a></sup><sup class="cite">'
                            '<a href="#src-2">[2]</a></sup></td>')
    assert rows[1].endswith('<a href="#src-2">[2]</a></sup></td>')
    kinds = {(f.kind, f.measure, f.value) for f in cites.figures_in(page)}
    assert ("target", "T91", "50") in kinds and ("target", "T91", "synthetic share") in kinds
    assert page.count('<p class="legend">') == 1  # the empty wording is a dash
    assert "—" in _cells(page)


def test_progress_table_cites_each_report():
    cites = _cites("vi")
    progress = pd.DataFrame({"target_id": ["T91", "ALL"], "as_of": ["2023-12-31", "2022"],
                             "as_of_year": [2023, 2022],
                             "value": pd.array([17.5, pd.NA], dtype="Float64"),
                             "value_text": ["17.5", "synthetic words"], "unit": ["%", ""],
                             "note": ["", ""], "source_id": ["syn-a", "syn-b"],
                             "source_ids": ["", "syn-b"]})
    page = tables.progress(progress, "vi", cites=cites, table_id="p")
    assert "syn-" not in page and "17,5" in page and "Tất cả chỉ tiêu" in page
    rows = re.findall(r"<tr>(.*?)</tr>", page.split("<tbody>")[1])
    assert rows[0].endswith('<a href="#src-1">[1]</a></sup></td>')
    assert rows[1].endswith('<a href="#src-2">[2]</a></sup></td>')
    assert [f.kind for f in cites.figures_in(page)] == ["progress", "progress"]


def test_progress_rows_for_all_targets_or_context_are_named_in_words():
    assert tables.cell_text("target_id", "ALL", "vi") == "Tất cả chỉ tiêu"
    assert tables.cell_text("target_id", "CTX", "en") == "Context (not one of the targets)"
    assert tables.cell_text("target_id", "T03", "en") == "T03"


def test_a_draft_wording_is_cited_to_the_draft_and_said_to_be_one():
    from analysis import data
    targets, drafts = data.load_targets(), data.load_target_drafts()
    cites = brief.Citations(data.load_sources(), "vi", targets=targets, csv_name="t")
    out = tables.targets(targets[targets["target_id"].eq("T02")], "vi", cites=cites,
                         drafts=drafts)
    assert "(theo dự thảo trình Hội nghị, 23/3/2021)" in out
    draft = next(f for f in cites.figures if f.kind == "target" and f.value.startswith("Cụ thể"))
    assert draft.source_ids == tuple(drafts.loc[drafts["target_id"].eq("T02"), "source_id"])
    assert "(bản dịch)" in out  # the 2030 target: no Vietnamese anywhere, so a marked translation


@pytest.mark.parametrize("lang,before,after", [
    ("vi", "được cung cấp mức độ 4", "dịch vụ công trực tuyến toàn trình"),
    ("en", "provided at level 4 by 2025 (translation)",
     "as full-process online public services by 2025 (translation)")])
def test_a_revision_shows_the_wording_before_and_after_not_only_the_values(lang, before, after):
    # T03 2025 keeps its value (100 -> 100): the change is in the words.
    from analysis import data
    revisions = data.load_target_revisions()
    cites = brief.Citations(data.load_sources(), lang, csv_name="t")
    out = tables.revisions(revisions[revisions["target_id"].eq("T03")], lang, cites=cites)
    row = re.search(r"<tr>(?:(?!</tr>).)*T03(?:(?!</tr>).)*</tr>", out, re.DOTALL)[0]
    assert row.index(before) < row.index(after)
    assert i18n.t("table.column.from_wording", lang) in out
    wordings = [f for f in cites.figures if f.kind.startswith("revision_") and " " in f.value]
    assert {f.kind for f in wordings} == {"revision_from", "revision_to"}
    assert {s for f in wordings for s in f.source_ids} == set(revisions["source_id"])


def _same_records(left, right) -> bool:
    """Records equal, a missing value (pd.NA, NaN, None) matching only a missing value."""
    def plain(records):
        return [{k: "<missing>" if pd.isna(v) else v for k, v in r.items()} for r in records]
    return plain(left) == plain(right)


def test_published_records_are_the_dropped_frames_records_on_the_project_data():
    """`render` works on `published_records`; it used to render `drop_unpublished(frame)`."""
    from analysis import comparisons, data

    pref = data.preferred_dti()
    overall = comparisons.with_percentile(pref)
    frames = []
    for province in data.load_provinces()["name"][::4]:
        frames.append(overall[overall["unit"].eq(province)])
        frames.append(comparisons.rank_changes(pref, province).assign(unit=province))
        for year in (2020, 2022, 2024):
            frames.append(comparisons.province_year(pref, province, year))
            frames.append(comparisons.peer_table(pref, province, ["Hà Nội", "Hải Phòng"], year))
    frames.append(pref[pref["has_conflict"]][["year", "unit", "measure", "conflict"]])
    frames.append(overall.head(0))
    frames.append(overall.assign(score=pd.NA, rank=pd.NA, percentile=pd.NA).head(5))
    for frame in frames:
        for drop_empty in (True, False):
            shown = tables.drop_unpublished(frame) if drop_empty else frame
            columns, records = tables.published_records(frame, drop_empty)
            assert columns == list(shown.columns)
            assert _same_records(records, shown.to_dict("records"))
            assert (not records) == shown.empty
