"""The brief's own pieces: citation numbering and the source list, the CSV download, the
at-a-glance facts and the sentence of what is missing. Figures are synthetic (named so), except
where a test says it reads the project's data."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest
from data_helpers import synthetic_pref

from analysis import brief, data, i18n

# Synthetic: two sources give Synth A's 2022 DTI, one the score, the other the rank.
SYNTHETIC_DTI = pd.read_csv(io.StringIO("""year,unit_system,unit,measure,score,rank,source_id
2021,63,Synth A,dti,0.5,10,syn-press
2022,63,Synth A,dti,0.6123,,syn-press
2022,63,Synth A,dti,,8,syn-portal
2022,63,Synth A,pillar_economy,,5,syn-portal
2022,63,Synth B,dti,,30,syn-portal
2022,63,Cả nước (trung bình cấp tỉnh),national_average_dti,0.55,,syn-press
""")).astype({"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Int64"})


def _pref() -> pd.DataFrame:
    pref = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2021,63,Synth A,dti,0.5,10,syn-press
2022,63,Synth A,dti,0.6123,8,syn-portal
2022,63,Synth A,pillar_economy,,5,syn-portal
2022,63,Synth B,dti,,30,syn-portal
2022,63,Cả nước (trung bình cấp tỉnh),national_average_dti,0.55,,syn-press
""")
    mask = pref["unit"].eq("Synth A") & pref["year"].eq(2022) & pref["measure"].eq("dti")
    pref.loc[mask, "score_source_id"] = "syn-press"
    return pref


SOURCES = pd.DataFrame({
    "source_id": ["syn-press", "syn-portal", "syn-evil"],
    "url": ["https://example.org/press", "https://example.org/portal", "javascript:alert(1)"],
    "publisher": ["Synthetic Press", "Synthetic Portal",
                  '<img src=x onerror="alert(2)">Evil'],
    "title": ["Press page", "Portal page", "<script>alert(3)</script>"],
    "date_published": ["2023-07-12", "", "2023-01-02"],
})


def _decoded_csv(link_html: str) -> pd.DataFrame:
    payload = re.search(r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]*)"',
                        link_html)[1]
    return pd.read_csv(io.StringIO(base64.b64decode(payload).decode("utf-8")))


def test_sources_are_numbered_by_first_use_and_marks_are_stable():
    cites = brief.Citations(SOURCES, "en")
    assert cites.marks(["syn-portal"]) == \
        '<sup class="cite"><a href="#src-1">[1]</a></sup>'
    assert cites.marks("syn-press;syn-portal") == (
        '<sup class="cite"><a href="#src-1">[1]</a></sup>'
        '<sup class="cite"><a href="#src-2">[2]</a></sup>')
    assert cites.numbers == {"syn-portal": 1, "syn-press": 2}
    assert cites.marks([None, "", float("nan")]) == ""


@pytest.mark.parametrize("lang, date", [("vi", "12/7/2023"), ("en", "12 July 2023")])
def test_source_list_resolves_every_mark_and_dates_in_the_language(lang, date):
    cites = brief.Citations(SOURCES, lang)
    marks = cites.marks(["syn-press", "syn-portal"])
    listing = cites.sources_html()
    assert listing.startswith('<ol class="sources"><li id="src-1">Synthetic Press, '
                              '<a href="https://example.org/press">Press page</a>, ' + date)
    for target in re.findall(r'href="#([^"]+)"', marks):
        assert f'id="{target}"' in listing
    assert "syn-press" not in listing and "syn-portal" not in listing


def test_hostile_publisher_title_and_url_are_inert():
    cites = brief.Citations(SOURCES, "en")
    cites.marks(["syn-evil"])
    listing = cites.sources_html()
    assert "<script" not in listing and "<img" not in listing
    assert 'href="javascript' not in listing  # not a link: the title is shown as text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in listing


def test_a_figure_with_score_and_rank_from_two_sources_cites_both_and_goes_to_the_csv():
    cites = brief.Citations(SOURCES, "vi", dti=SYNTHETIC_DTI, pref=_pref(), csv_name="Synth A")
    shown = pd.DataFrame({"unit": ["Synth A"], "measure": ["dti"], "unit_system": [63],
                          "score": [0.6123], "rank": [8], "source_id": ["syn-portal"]})
    assert cites.show(shown, year=2022) == [["syn-press", "syn-portal"]]
    table = cites.csv_frame()
    assert list(table.columns) == brief.CSV_COLUMNS
    assert len(table) == 2 and set(table["source_url"]) == {
        "https://example.org/press", "https://example.org/portal"}


def test_csv_link_decodes_to_rows_of_load_dti():
    cites = brief.Citations(SOURCES, "en", dti=SYNTHETIC_DTI, pref=_pref(), csv_name="x y")
    facts = brief.profile_facts(_pref(), "Synth A", 2022, "en")
    brief.glance_html(facts, None, cites)
    link = cites.download_html()
    assert '<a class="download" download="x-y.csv"' in link and "Download data (CSV)" in link
    table = _decoded_csv(link)
    assert list(table.columns) == brief.CSV_COLUMNS and len(table) >= 3
    key = ["year", "unit", "unit_system", "measure"]
    merged = table.merge(SYNTHETIC_DTI.astype({"unit_system": "float"}).assign(
        unit_system=lambda f: f["unit_system"]), on=key, how="left", suffixes=("", "_dti"),
        indicator=True)
    assert (merged["_merge"] == "both").all()


def test_csv_of_nothing_shown_has_the_header_only():
    cites = brief.Citations(SOURCES, "vi", dti=SYNTHETIC_DTI)
    assert cites.csv_text().strip() == ",".join(brief.CSV_COLUMNS)
    assert "Tải số liệu (CSV)" in cites.download_html()


def test_profile_facts_rank_change_average_and_sources():
    facts = brief.profile_facts(_pref(), "Synth A", 2022, "vi")
    texts = [f.text for f in facts]
    assert texts[0] == "DTI 2022: hạng 8/63, điểm 0,6123"
    assert facts[0].source_ids == ("syn-press", "syn-portal")
    assert "Tăng 2 bậc so với DTI 2021 (hạng 10)" in texts
    assert "Điểm 0,6123, cao hơn trung bình cấp tỉnh (0,55)" not in texts  # four decimals
    assert "Điểm 0,6123, cao hơn trung bình cấp tỉnh (0,5500)" in texts
    assert 3 <= len(facts) <= 5


def test_english_change_is_singular_for_one_place():
    pref = _pref()
    pref.loc[pref["unit"].eq("Synth A") & pref["year"].eq(2022) & pref["measure"].eq("dti"),
             "rank"] = 9
    texts = [f.text for f in brief.profile_facts(pref, "Synth A", 2022, "en")]
    assert "Up 1 place since DTI 2021 (rank 10)" in texts


def test_missing_sentence_names_what_is_not_published_once():
    sentence = brief.profile_missing(_pref(), "Synth A", 2022, ["Synth A", "Synth C"], "en")
    assert sentence.startswith("Not published in the sources collected: ")
    assert "the ranks of the eight main indicators" in sentence
    assert "1 of 1 peer provinces (Synth C)" in sentence
    assert "pillars" not in sentence  # one pillar is published
    assert brief.profile_missing(_pref(), "Synth Z", 2022, [], "vi").count("chưa công bố") <= 1


def test_glance_box_escapes_and_carries_marks():
    facts = [brief.Fact("<b>bold</b> claim", ("syn-press",))]
    cites = brief.Citations(SOURCES, "vi")
    box = brief.glance_html(facts, "<i>missing</i>", cites)
    assert box.startswith('<section class="glance">') and box.endswith("</section>")
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in box and "<b>" not in box
    assert '<a href="#src-1">[1]</a>' in box and "&lt;i&gt;missing&lt;/i&gt;" in box


def test_no_facts_for_a_province_and_edition_without_figures():
    assert brief.profile_facts(_pref(), "Synth Z", 2022, "vi") == []
    assert brief.trend_facts(_pref(), "Synth Z", [2021, 2022], "vi") == []
    assert "Synth Z" in brief.trend_missing(_pref(), "Synth Z", [2021, 2022], "en")


# --- on the project's data ------------------------------------------------------------------------

def test_dti_2022_glance_on_the_project_data():
    pref, sources, targets = data.preferred_dti(), data.load_sources(), data.load_targets()
    facts = brief.profile_facts(pref, "Hải Dương", 2022, "vi", successor="Hải Phòng",
                                targets=targets)
    text = " | ".join(f.text for f in facts)
    assert "hạng 13/63" in text and "0,6383" in text and "0,5786" in text
    assert "Tăng 1 bậc" in text and "06-NQ/TU" in text
    cites = brief.Citations(sources, "vi", dti=data.load_dti(), pref=pref)
    box = brief.glance_html(facts, None, cites)
    listing = cites.sources_html()
    for target in re.findall(r'href="#([^"]+)"', box):
        assert f'id="{target}"' in listing
    table = _decoded_csv(cites.download_html())
    dti = data.load_dti()
    keys = set(zip(dti["year"], dti["unit"], dti["measure"]))
    assert all(k in keys for k in zip(table["year"], table["unit"], table["measure"]))


def test_missing_sentence_stays_one_sentence_per_language():
    pref = data.preferred_dti()
    for lang in ("vi", "en"):
        sentence = brief.profile_missing(pref, "Hải Dương", 2024, ["Hà Nội", "Bắc Ninh"], lang)
        assert sentence.count(".") == 1 and sentence.endswith(".")
    assert i18n.t("glance.missing", "vi", items="x").lower().count("chưa công bố") == 1


def test_chart_sources_are_cited_by_number_under_the_chart():
    cites = brief.Citations(SOURCES, "en")
    cites.marks(["syn-portal"])
    line = brief.chart_sources_html(["syn-press", "syn-portal"], cites)
    assert line == ('<p class="chart-source">Chart sources: '
                    '<sup class="cite"><a href="#src-1">[1]</a></sup>'
                    '<sup class="cite"><a href="#src-2">[2]</a></sup></p>')


def test_a_score_set_against_the_provincial_average_cites_both_and_puts_both_in_the_csv():
    cites = brief.Citations(SOURCES, "en", dti=SYNTHETIC_DTI, pref=_pref(), csv_name="gap")
    row = pd.DataFrame({"measure": ["dti"], "unit": ["Synth A"], "source_id": [""],
                        "score": [0.6123], "national_average": [0.55]})
    # the province's score comes from syn-press, the average from syn-press too; its rank
    # (not shown here) from syn-portal
    assert cites.show(row, year=2022) == [["syn-press", "syn-portal"]]
    shown = cites.csv_frame()
    assert set(zip(shown["unit"], shown["measure"])) == {
        ("Synth A", "dti"), ("Cả nước (trung bình cấp tỉnh)", "national_average_dti")}
