"""Reader grids (analysis.grids): measure × edition tables with every rank written, shaded by
class, gaps said once, DTI 2020's indicators marked not comparable once, the post-merger unit's
ranks in a column of their own, sources cited per row. Every figure here is synthetic."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from data_helpers import SYNTHETIC_MERGER_PREF

from analysis import brief, grids, i18n
from analysis.html_contract import sanitize_html

SYNTHETIC_PREF = SYNTHETIC_MERGER_PREF  # Alpha merged into Gamma in 2025; Beta its peer
# The same rows as load_dti() gives them (what a `Citations` checks each figure against).
SYNTHETIC_DTI = SYNTHETIC_PREF.assign(note="")
YEARS = [2020, 2021, 2022, 2023, 2024]
SYNTHETIC_SOURCES = pd.DataFrame({
    "source_id": ["synth-a", "synth-b", "synth-c"],
    "url": ["https://example.org/a", "https://example.org/b", "https://example.org/c"],
    "publisher": ["Synthetic Portal", "Synthetic Daily", "Synthetic Daily"],
    "title": ["A", "B", "C"], "date_published": ["2021-10-19", "2022-08-08", ""],
})
SYNTHETIC_COVERAGE = pd.DataFrame({
    "measure": ["dti", "dti", "awareness", "awareness"],
    "year": pd.array([2020, 2021, 2020, 2021], dtype="Int64"),
    "n_sources": pd.array([1, 0, 1, 1], dtype="Int64"),
    "source_ids": ["synth-a", "", "synth-a", "synth-b"],
    "status": ["published", "not published", "rank only", "rank only"],
})


def _rows(page: str) -> dict[str, list[str]]:
    """Row header -> the row's cells (text of each <td>, tags removed)."""
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body):
        name = re.search(r'<th scope="row">(.*?)</th>', row)[1]
        out[name] = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
    return out


def _heads(page: str) -> list[str]:
    head = page.split("<thead>")[1].split("</thead>")[0]
    return [re.sub(r"<[^>]+>", " ", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head)]


def test_rank_grid_writes_every_rank_and_leaves_out_what_nobody_ranked():
    page = grids.rank_grid(SYNTHETIC_PREF, "Alpha", YEARS, "en")
    assert _heads(page) == ["Measure", "2020", "2021"]  # no rank of Alpha in 2022-2024
    rows = _rows(page)
    assert list(rows) == ["DTI (overall)", "Digital government pillar", "Digital awareness",
                          "Digital institutions"]
    assert rows["DTI (overall)"] == ["10", "12"]
    assert rows["Digital government pillar"] == ["5", "—"]
    assert page.count(i18n.t("table.legend", "en")) == 1  # "—" explained once
    # What is left out is named once, in words; whole groups by their name.
    left_out = re.search(r'<p class="gap">(.*?)</p>', page)[1]
    assert "DTI 2022" in left_out and "DTI 2024" in left_out
    assert "Digital economy pillar" in left_out and "Digital infrastructure" in left_out


def test_a_grid_of_dti_2020_alone_does_not_miss_the_eight_indicators_it_did_not_have():
    page = grids.rank_grid(SYNTHETIC_PREF, "Alpha", [2020], "en")
    left_out = " ".join(re.findall(r'<p class="gap">(.*?)</p>', page))
    assert "indicator" not in left_out.lower() and "awareness" not in left_out.lower()
    assert "Digital economy pillar" in left_out  # a pillar DTI 2020 had, not found


def test_dti_2020_indicators_are_marked_not_comparable_once():
    page = grids.rank_grid(SYNTHETIC_PREF, "Alpha", YEARS, "vi")
    assert page.count('class="not-comparable"') == 1
    assert 'class="not-comparable" rowspan="2"' in page  # over both indicator rows shown
    assert _rows(page)["Nhận thức số"][0].startswith("không so sánh được")
    assert _rows(page)["Thể chế số"] == ["40"]  # its 2020 cell is the spanned one
    assert page.count(i18n.t("grid.not_comparable_key", "vi")) == 1  # why, once, in the key
    assert i18n.t("grid.not_comparable_key", "vi") not in grids.rank_grid(
        SYNTHETIC_PREF, "Alpha", [2021, 2022], "vi")  # no 2020 column: nothing to explain


def test_rank_shading_follows_the_percentile_on_one_scale():
    assert grids.heat_class(0.99) == "heat-5" and grids.heat_class(1.0) == "heat-5"
    assert grids.heat_class(0.0) == "heat-1" and grids.heat_class(0.5) == "heat-3"
    page = grids.rank_grid(SYNTHETIC_PREF, "Alpha", YEARS, "en")
    assert re.search(r'<td class="num heat-5">3</td>', page)  # rank 3 of 63: top fifth
    assert re.search(r'<td class="num heat-2">40</td>', page)


def test_the_successor_unit_gets_its_own_labelled_column():
    page = grids.rank_grid(SYNTHETIC_PREF, "Alpha", YEARS, "en", successor="Gamma")
    heads = _heads(page)
    assert heads[-1].startswith("2024") and "Gamma (34 units)" in heads[-1]
    rows = _rows(page)
    assert rows["DTI (overall)"][-1] == "3/34"
    assert rows["Digital infrastructure"] == ["—", "5/34"]  # 2020: in the spanned cell
    assert 'class="not-comparable" rowspan="3"' in page
    assert page.count('<td class="num merged">') == 2
    assert "rank among 34 units, not Alpha" in page and 'class="swatch merged"' in page


def test_rank_grid_cites_each_row_and_records_the_ranks_for_the_csv():
    cites = brief.Citations(SYNTHETIC_SOURCES, "en", dti=SYNTHETIC_DTI, pref=SYNTHETIC_PREF)
    page = grids.rank_grid(SYNTHETIC_PREF, "Alpha", YEARS, "en", successor="Gamma", cites=cites)
    assert _heads(page)[-1] == "Source"
    assert _rows(page)["DTI (overall)"] == ["10", "12", "3/34", "[1][2][3]"]
    assert _rows(page)["Digital awareness"][-1] == "[2]"
    # Each rank is a figure element; a merged cell is the figure over the ranking's size.
    assert re.search(r'<td class="num heat-\d"><span class="fig" data-csv="\d+" tabindex="0" '
                     r'title="Synthetic Portal[^"]*">10</span></td>', page)
    assert re.search(r'<td class="num merged"><span class="fig" data-csv="\d+"[^>]*>3</span>'
                     r'/<span class="n-units">34</span></td>', page)
    figures = cites.figures_in(page)
    assert len(figures) == 7 and all(len(f.source_ids) == 1 for f in figures)
    shown = cites.csv_frame()
    assert len(shown) == 7  # 5 ranks of Alpha + 2 of Gamma, one source each
    assert set(shown["unit"]) == {"Alpha", "Gamma"} and set(shown["kind"]) == {"rank"}
    gamma = shown[shown["unit"].eq("Gamma")]
    assert set(gamma["unit_system"]) == {34} and set(gamma["source_id"]) == {"synth-c"}


def test_rank_grid_with_no_rank_at_all_is_one_sentence():
    page = grids.rank_grid(SYNTHETIC_PREF.head(0), "Alpha", YEARS, "vi",
                           gap="Thứ hạng DTI của Alpha: không tìm thấy.")
    assert page == '<p class="gap">Thứ hạng DTI của Alpha: không tìm thấy.</p>'


def test_grid_text_from_the_data_is_escaped():
    pref = SYNTHETIC_PREF.assign(unit=SYNTHETIC_PREF["unit"].replace("Gamma", "<b>G</b>"))
    page = grids.rank_grid(pref, "Alpha", YEARS, "en", successor="<b>G</b>")
    assert "<b>G</b>" not in page and "&lt;b&gt;G&lt;/b&gt;" in page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_grids_survive_the_briefs_sanitiser(lang):
    cites = brief.Citations(SYNTHETIC_SOURCES, lang, dti=SYNTHETIC_DTI, pref=SYNTHETIC_PREF)
    for page in (grids.rank_grid(SYNTHETIC_PREF, "Alpha", YEARS, lang, successor="Gamma",
                                 cites=cites),
                 grids.coverage_grid(SYNTHETIC_COVERAGE, lang, cites=cites)):
        clean = sanitize_html(page)
        for css in re.findall(r'class="([^"]+)"', page):
            assert f'class="{css}"' in clean, css
        # The figure elements keep what makes them figures: their CSV row, focus and tooltip.
        for attr in re.findall(r'(data-csv="\d+"|tabindex="0"|title="[^"]*")', page):
            assert attr in clean, attr
    rank_page = sanitize_html(grids.rank_grid(SYNTHETIC_PREF, "Alpha", YEARS, lang,
                                              successor="Gamma", cites=cites))
    assert rank_page.count('<span class="fig"') == 7
    assert '<span class="n-units">34</span>' in rank_page


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_coverage_grid_says_what_was_published_in_each_cell(lang):
    cites = brief.Citations(SYNTHETIC_SOURCES, lang)
    page = grids.coverage_grid(SYNTHETIC_COVERAGE, lang, cites=cites)
    rows = _rows(page)
    dti, awareness = (rows[i18n.t(f"label.measures.{m}", lang)] for m in ("dti", "awareness"))
    assert dti[:2] == [i18n.t("grid.status_published", lang), "—"]
    assert awareness[0] == i18n.t("grid.not_comparable", lang)  # DTI 2020's indicator
    assert awareness[1] == i18n.t("grid.status_rank_only", lang)
    assert dti[-1] == "[1]" and awareness[-1] == "[1][2]"
    assert '<td class="num cov-full">' in page and '<td class="num cov-rank">' in page
    assert page.count(i18n.t("table.legend", lang)) == 1
    assert i18n.t("grid.coverage_caption", lang) in page
