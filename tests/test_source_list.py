"""The end of a brief: the numbered source list, the CSV download and the chart's source line.
Sources are synthetic (named so)."""

from __future__ import annotations

import re

import pytest
from data_helpers import SYNTHETIC_DTI
from data_helpers import SYNTHETIC_SOURCES as SOURCES

from analysis import brief, source_list


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
    listing = source_list.sources_html(cites)
    assert listing.startswith('<ol class="sources"><li id="src-1">Synthetic Press, '
                              '<a href="https://example.org/press" '
                              'data-print="https://example.org/press">'
                              'Press page</a>, ' + date)
    for target in re.findall(r'href="#([^"]+)"', marks):
        assert f'id="{target}"' in listing
    assert "syn-press" not in listing and "syn-portal" not in listing


def test_hostile_publisher_title_and_url_are_inert():
    cites = brief.Citations(SOURCES, "en")
    cites.marks(["syn-evil"])
    listing = source_list.sources_html(cites)
    assert "<script" not in listing and "<img" not in listing
    assert 'href="javascript' not in listing  # not a link: the title is shown as text
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in listing


def test_csv_of_nothing_shown_has_the_header_only():
    cites = brief.Citations(SOURCES, "vi", dti=SYNTHETIC_DTI)
    text = source_list.csv_text(cites)
    assert text == "\ufeff" + ",".join(brief.CSV_COLUMNS) + "\r\n"  # BOM, CRLF
    assert "Tải số liệu (CSV)" in source_list.download_html(cites)


def test_chart_sources_are_cited_by_number_under_the_chart():
    cites = brief.Citations(SOURCES, "en")
    cites.marks(["syn-portal"])
    line = source_list.chart_sources_html(["syn-press", "syn-portal"], cites)
    assert line == ('<p class="chart-source">Chart sources: '
                    '<sup class="cite"><a href="#src-1">[1]</a></sup>'
                    '<sup class="cite"><a href="#src-2">[2]</a></sup></p>')


def test_a_long_or_garbled_address_prints_short_and_links_whole():
    from analysis.source_list import PRINTED_URL_CHARS, printed_url

    garbled = ("http://foreign.haiduong.gov.vn/chi-tiet-bai-viet/digitalisation-to-pave-way-for-"
               "hai-duong%EF%BF%BD%EF%BF%BD%EF%BF%BDs-development-2229-25.html")
    short = printed_url(garbled)
    assert short.startswith("http://foreign.haiduong.gov.vn/…") and "\ufffd" not in short
    assert short.endswith("s-development-2229-25.html") and len(short) <= PRINTED_URL_CHARS
    assert printed_url("https://example.org/a") == "https://example.org/a"


# --- on the project's data ------------------------------------------------------------------------

def _csv_text_from_the_frame(cites) -> str:
    """The CSV as it was written before `csv_records`: from `csv_frame`, every cell `astype(str)`."""
    import csv
    import io

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    frame = cites.csv_frame()
    writer.writerow(frame.columns)
    writer.writerows(frame.astype(str).itertuples(index=False))
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_csv_written_from_records_is_the_frames_csv_on_the_project_data(lang):
    from analysis import charts, comparisons, data, glance, grids, narrative, tables

    pref, dti, sources = data.preferred_dti(), data.load_dti(), data.load_sources()
    provinces, targets = data.load_provinces(), data.load_targets()
    for province, year in [("Hải Dương", 2024), ("Hà Nội", 2022), ("Bắc Kạn", 2021)]:
        cites = brief.Citations(sources, lang, dti=dti, pref=pref, targets=targets)
        years = [y for y in data.editions() if y <= year]
        successor = comparisons.successor_unit(province, provinces)
        glance.profile_facts(pref, province, year, lang, successor=successor, targets=targets,
                             cites=cites)
        glance.trend_facts(pref, province, years, lang, successor=successor, cites=cites)
        narrative.trend_sentences(pref, province, years, lang, sources=sources,
                                  provinces=provinces, cites=cites)
        grids.rank_grid(pref, province, years, lang, successor=successor, cites=cites)
        changes = comparisons.rank_changes(pref, province).assign(unit=province)
        tables.render(changes[changes["previous_rank"].notna()], lang, table_id="changes",
                      cites=cites)
        cites.record_dti_rows(charts.trajectory_rows(pref, province, [], years, provinces))
        assert len(cites.figures) > 10
        assert source_list.csv_text(cites) == _csv_text_from_the_frame(cites)
