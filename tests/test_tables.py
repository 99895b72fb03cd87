"""Reader tables: "—" with one legend line, nothing drawn where nothing is published, headers
from the catalog, [n] source marks, every cell escaped. All figures here are synthetic."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from data_helpers import synthetic_pref

from analysis import brief, i18n, tables

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


def _cells(page: str) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", page)


def test_gaps_are_a_dash_with_one_legend_line_and_empty_rows_columns_go():
    page = tables.render(FIGURES, "vi", table_id="profile")
    assert page.count('<table class="brief-table" id="tbl-profile">') == 1
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
    page = tables.render(empty, "vi", table_id="x", gap="Thứ hạng: chưa công bố.")
    assert page == '<p class="gap">Thứ hạng: chưa công bố.</p>'


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


def test_source_column_becomes_numbered_marks_that_resolve():
    cites = brief.Citations(SOURCES, "vi")
    page = tables.render(FIGURES, "vi", table_id="p", cites=cites)
    assert "syn-a" not in page and "syn-b" not in page
    assert '<sup class="cite"><a href="#src-1">[1]</a></sup>' in page
    assert '<a href="#src-2">[2]</a>' in page
    listing = cites.sources_html()
    for target in re.findall(r'href="#([^"]+)"', page):
        assert f'id="{target}"' in listing


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
                          table_id="w", gap="Nothing published.")
    assert nothing == '<p class="gap">Nothing published.</p>'


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
    cites = brief.Citations(SOURCES, "vi")
    html_text = tables.conflict_html("rank: 6 (syn-a); 5 (syn-b); 4 (unknown-id)", cites, "vi")
    assert "syn-a" not in html_text and "syn-b" not in html_text
    assert html_text.startswith("thứ hạng: 6")
    assert '[1]' in html_text and '[2]' in html_text


def test_from_display_replaces_id_columns_with_marks():
    cites = brief.Citations(SOURCES, "en")
    shown = pd.DataFrame({"Target": ["T1"], "Wording": [""], "Source id": ["syn-b;syn-a"]})
    page = tables.from_display(shown, "en", table_id="t", source_ids=["syn-b;syn-a"],
                               cites=cites)
    assert "syn-" not in page and "Source id" not in page
    assert '<a href="#src-1">[1]</a>' in page and '<a href="#src-2">[2]</a>' in page
    assert page.count('<p class="legend">') == 1  # the empty wording is a dash


def test_progress_rows_for_all_targets_or_context_are_named_in_words():
    assert tables.cell_text("target_id", "ALL", "vi") == "Tất cả chỉ tiêu"
    assert tables.cell_text("target_id", "CTX", "en") == "Context (not one of the targets)"
    assert tables.cell_text("target_id", "T03", "en") == "T03"
