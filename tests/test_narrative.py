"""Narrative sentences: both languages, number conventions, rank change, missing data, merger.

Most tests use tiny SYNTHETIC frames (units named "Synth ..."): their figures are made up for the
test and appear nowhere in the suite's data. A few tests read the real data through the API.

Without `cites=` a sentence shows its figures as plain numbers (the size of a ranking is still
marked `<span class="n-units">`); with a `Citations` registry each figure is a `span.fig` whose
tooltip names its sources, and `cited_list` adds the [n] marks. `_text` reads a sentence as the
brief shows it (tags dropped, entities decoded).
"""

from __future__ import annotations

import html
import io
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from analysis import brief, data, glance, i18n, narrative, phrasing, resolution_text, tables
from analysis.measures import NATIONAL_AVERAGE_UNIT

SYNTHETIC_PREF_CSV = f"""year,unit_system,unit,measure,score,rank,source_id
2021,63,Synth A,dti,0.5012,10,syn-press
2022,63,Synth A,dti,0.6123,8,syn-portal
2022,63,Synth A,awareness,,3,syn-portal
2022,63,Synth A,institutions,,40,syn-portal
2022,63,Synth A,infrastructure,,12,syn-portal
2022,63,Synth A,cybersecurity,,50,syn-portal
2021,63,Synth B,dti,,5,syn-press
2022,63,Synth B,dti,,7,syn-press
2021,63,Synth C,dti,,12,syn-press
2022,63,Synth C,dti,,12,syn-press
2022,63,Synth C,pillar_government,,20,syn-press
2022,63,Synth C,pillar_economy,,30,syn-press
2022,63,Synth C,pillar_society,,25,syn-press
2022,63,{NATIONAL_AVERAGE_UNIT},national_average_dti,0.5500,,syn-portal
2024,34,Synth B,dti,0.7001,2,syn-portal
"""

SYNTHETIC_PROVINCES_CSV = """name,unit_2025,region_en
Synth A,Synth B,Synthetic region
Synth B,Synth B,Synthetic region
Synth C,Synth C,Synthetic region
"""

SYNTHETIC_SOURCES_CSV = """source_id,publisher,title,url,date_published,date_shown
syn-press,Synthetic Press,A made-up article,https://example.invalid/a,2023-01-02,
syn-portal,Synthetic Portal,A made-up table,https://example.invalid/b,,not shown
"""

SYNTHETIC_TARGETS_CSV = """target_id,horizon,comparator,value,note,label_vi,label_en,value_text,unit,source_id
T01,2025,top_n,9,,nhóm 9 (giả),top 9 (synthetic),9,rank group,syn-press
T02,2025,reach,50,,,synthetic share,50,%,syn-press
"""

SYNTHETIC_STATUS_CSV = """as_of,status,n_targets,of_total,source_id
2022-12-31,completed,3,6,syn-press
2022-12-31,at_least_50pct,2,6,syn-press
2022-12-31,at_21pct,1,6,syn-press
"""


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])


# --- the Resolution's tables, as the one table renderer writes them, read back as frames --------

class _TableReader(HTMLParser):
    """Header and cell texts of the first table of a page (tags, [n] marks and flags dropped)."""

    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.in_cell, self.in_sup = [], None, False, 0

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell, self.in_cell = [], True
        elif tag == "sup":
            self.in_sup += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.in_cell:
            text = " ".join("".join(self.cell).replace("†", "").replace("*", "").split())
            self.rows[-1].append(text)
            self.in_cell = False
        elif tag == "sup":
            self.in_sup -= 1

    def handle_data(self, text):
        if self.in_cell and not self.in_sup:
            self.cell.append(text)


def _frame_of(page: str) -> pd.DataFrame:
    reader = _TableReader()
    reader.feed(page)
    header, *rows = [r for r in reader.rows if r]
    return pd.DataFrame(rows, columns=header)


# The project's, read once (a test may point the data elsewhere).
_SOURCES, _DTI = data.load_sources(), data.load_dti()


def _source_numbers(lang):
    return brief.Citations(_SOURCES, lang, dti=_DTI)


def _targets_frame(targets, lang):
    return _frame_of(tables.targets(targets, lang, cites=_source_numbers(lang)))


def _progress_frame(progress, lang):
    return _frame_of(tables.progress(progress, lang, cites=_source_numbers(lang)))


def _revisions_frame(revisions, lang):
    return _frame_of(tables.revisions(revisions, lang, cites=_source_numbers(lang)))


@pytest.fixture
def synth_pref() -> pd.DataFrame:
    frame = _csv(SYNTHETIC_PREF_CSV)
    frame = frame.astype({"year": "Int64", "unit_system": "Int64", "score": "Float64",
                          "rank": "Int64"})
    frame["has_conflict"] = False
    frame["conflict"] = ""
    return frame


@pytest.fixture
def synth_provinces() -> pd.DataFrame:
    return _csv(SYNTHETIC_PROVINCES_CSV)


@pytest.fixture
def synth_sources() -> pd.DataFrame:
    return _csv(SYNTHETIC_SOURCES_CSV).fillna("")


@pytest.fixture
def synth_dti(synth_pref) -> pd.DataFrame:
    """The synthetic preferred rows as the `load_dti()` rows a `Citations` checks figures
    against (one source per row, no transcriber's note)."""
    return synth_pref.assign(note="")


def _cites(sources: pd.DataFrame, dti: pd.DataFrame, lang: str):
    from analysis.citations import Citations
    return Citations(sources, lang, dti=dti, csv_name="synthetic")


_TAG = re.compile(r"<[^>]+>")


def _text(markup: str) -> str:
    """A sentence as a reader sees it: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", str(markup)))


@pytest.fixture
def synth_targets() -> pd.DataFrame:
    return _csv(SYNTHETIC_TARGETS_CSV).astype({"horizon": "Int64", "value": "Float64"})


@pytest.fixture
def synth_status() -> pd.DataFrame:
    return _csv(SYNTHETIC_STATUS_CSV).astype({"n_targets": "Int64", "of_total": "Int64"})


# --- numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, lang, decimals, expected", [
    (0.6383, "vi", 4, "0,6383"),
    (0.6383, "en", 4, "0.6383"),
    (1000, "vi", 0, "1.000"),
    (1000, "en", 0, "1,000"),
    (1234.5, "vi", 1, "1.234,5"),
    (1234.5, "en", 1, "1,234.5"),
])
def test_numbers_follow_the_language(value, lang, decimals, expected):
    assert i18n.number(value, lang, decimals) == expected


def test_format_percent_and_value():
    assert i18n.percent(0.8123, "vi", 1) == "81,2%"
    assert i18n.percent(0.8123, "en", 1) == "81.2%"
    assert i18n.percent(0.806, "en") == "81%"
    assert i18n.value(17.5, "vi") == "17,5"
    assert i18n.value(20.0, "en") == "20"
    assert i18n.value(1000.0, "vi") == "1.000"


def test_format_rank_and_date():
    assert [i18n.ordinal(r, "en") for r in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd"]
    assert i18n.ordinal(13, "vi") == "thứ 13"
    assert i18n.date("2022-12-31", "vi") == "31/12/2022"
    assert i18n.date("2022-12-31", "en") == "31 December 2022"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="vi, en"):
        i18n.number(0.5, "fr")


# --- sentences (synthetic) -----------------------------------------------------------------

def test_overall_sentence_vi_uses_decimal_comma_and_plain_numbers_without_cites(synth_pref,
                                                                               synth_sources):
    text = narrative.overall_sentence(synth_pref, "Synth A", 2022, "vi", synth_sources)
    assert 'thứ 8/<span class="n-units">63</span>' in text
    assert "thứ 8/63" in _text(text) and "0,6123" in text and "0.6123" not in text
    # No registry: plain numbers, and the source is not named in words.
    assert 'class="fig' not in text and "Synthetic Portal" not in text and "nguồn:" not in text


def test_overall_sentence_cites_its_figures_sources(synth_pref, synth_dti, synth_sources):
    cites = _cites(synth_sources, synth_dti, "vi")
    text = narrative.overall_sentence(synth_pref, "Synth A", 2022, "vi", synth_sources, cites)
    assert "thứ 8/63" in _text(text) and "0,6123" in _text(text)
    assert "Synthetic Portal" not in _text(text) and "nguồn:" not in _text(text)
    figures = cites.figures_in(text)
    assert [(f.kind, f.value) for f in figures] == [("rank", "8"), ("percentile", "89"),
                                                    ("score", "0.6123")]
    assert {f.source_ids for f in figures} == {("syn-portal",)}
    # The figure's tooltip names the publisher; the list item carries the source's mark.
    assert 'title="Synthetic Portal' in text
    assert narrative.cited_list([text], cites).endswith(
        '<sup class="cite"><a href="#src-1">[1]</a></sup>')


def test_overall_sentence_en_uses_decimal_point(synth_pref, synth_sources):
    text = narrative.overall_sentence(synth_pref, "Synth A", 2022, "en", synth_sources)
    assert "8th of 63" in _text(text) and "0.6123" in text and "0,6123" not in text


def test_overall_sentence_without_score_says_so(synth_pref):
    vi = _text(narrative.overall_sentence(synth_pref, "Synth B", 2022, "vi"))
    en = _text(narrative.overall_sentence(synth_pref, "Synth B", 2022, "en"))
    assert "thứ 7/63" in vi and "điểm số không tìm thấy trong các nguồn đã thu thập" in vi
    assert "7th of 63" in en and "score was not found in the sources collected" in en


@pytest.mark.parametrize("unit, vi, en", [
    ("Synth A", "tăng 2 bậc", "rose 2 places"),
    ("Synth B", "giảm 2 bậc", "fell 2 places"),
    ("Synth C", "giữ nguyên thứ hạng", "kept its rank"),
])
def test_change_sentence_improved_worsened_unchanged(synth_pref, unit, vi, en):
    assert vi in narrative.change_sentence(synth_pref, unit, 2022, "vi")
    assert en in narrative.change_sentence(synth_pref, unit, 2022, "en")


def test_change_sentence_of_a_one_place_move_is_singular(synth_pref):
    pref = synth_pref.copy()
    pref.loc[(pref["unit"] == "Synth A") & (pref["year"] == 2022) & (pref["measure"] == "dti"),
             "rank"] = 9
    assert "rose 1 place." in narrative.change_sentence(pref, "Synth A", 2022, "en")


def test_change_sentence_when_previous_edition_is_missing(synth_pref):
    pref = synth_pref[~((synth_pref["unit"] == "Synth A") & (synth_pref["year"] == 2021))]
    text = narrative.change_sentence(pref, "Synth A", 2022, "en")
    assert "DTI 2021 rank was not found in the sources collected" in text


def test_missing_edition_gives_explicit_not_found_sentence(synth_pref, synth_sources):
    assert narrative.overall_sentence(synth_pref, "Synth A", 2023, "vi") == (
        "Số liệu DTI 2023 của Synth A không tìm thấy trong các nguồn đã thu thập.")
    assert narrative.overall_sentence(synth_pref, "Synth A", 2023, "en") == (
        "Synth A's DTI 2023 figures were not found in the sources collected.")
    sentences = narrative.key_sentences(synth_pref, synth_sources, None, None, "Synth A", 2023, "en")
    assert sentences == ["Synth A's DTI 2023 figures were not found in the sources collected."]


def test_strengths_uses_indicators_and_splits_them(synth_pref):
    vi = narrative.strengths_sentence(synth_pref, "Synth A", 2022, "vi")
    en = narrative.strengths_sentence(synth_pref, "Synth A", 2022, "en")
    assert "Nhận thức số (thứ 3)" in vi and "An toàn thông tin mạng (thứ 50)" in vi
    assert en.index("strongest") < en.index("Digital awareness (3rd)") < en.index("weakest")
    assert en.index("weakest") < en.index("Cybersecurity (50th)")
    assert "strongest main indicators: " in en  # two: plural


def test_strengths_falls_back_to_pillars_and_says_indicators_are_missing(synth_pref):
    en = narrative.strengths_sentence(synth_pref, "Synth C", 2022, "en")
    assert "strongest pillar: Digital government pillar (20th)" in en  # one: singular
    assert "weakest: Digital economy pillar (30th)" in en
    assert "ranks of the eight main indicators were not found in the sources collected" in en


def test_strengths_without_any_rank_is_not_found(synth_pref):
    assert "pillar and main-indicator ranks were not found in the sources collected" in narrative.strengths_sentence(
        synth_pref, "Synth B", 2022, "en")


def test_gap_sentence_in_both_languages(synth_pref):
    vi = narrative.gap_sentence(synth_pref, "Synth A", 2022, "vi")
    en = narrative.gap_sentence(synth_pref, "Synth A", 2022, "en")
    # The score itself is said by the rank sentence; here only its distance to the average.
    assert "0,6123" not in vi and "cao hơn 0,0623 điểm so với trung bình cấp tỉnh (0,5500)" in vi
    assert "0.0623 above the provincial average of 0.5500" in en


def test_gap_sentence_when_the_score_is_missing(synth_pref):
    assert "score was not found in the sources collected" in narrative.gap_sentence(
        synth_pref, "Synth B", 2022, "en")


def test_merged_province_is_labelled_as_its_successor(synth_pref, synth_provinces, synth_sources):
    en = narrative.key_sentences(synth_pref, synth_sources, None, None, "Synth A", 2024, "en",
                                 provinces=synth_provinces)
    assert en[0] == "Synth A's DTI 2024 figures were not found in the sources collected."
    merged = _text(en[1])
    assert "Synth A has been part of Synth B" in merged and "2nd of 34" in merged
    assert "0.7001" in merged and "not of Synth A alone" in merged
    assert "DTI 2022" in en[2] and "8th of 63" in _text(en[2])  # its own last published rank
    vi = [_text(s) for s in narrative.key_sentences(synth_pref, synth_sources, None, None,
                                                     "Synth A", 2024, "vi",
                                                     provinces=synth_provinces)]
    assert "thứ 2/34" in vi[1] and "0,7001" in vi[1] and "không phải của riêng Synth A" in vi[1]


def test_no_merged_sentence_for_an_edition_among_63(synth_pref, synth_provinces):
    assert narrative.merged_sentence(synth_pref, "Synth A", 2022, synth_provinces, "en") is None


def test_rank_target_sentence(synth_pref, synth_targets):
    en = resolution_text.rank_target_sentence(synth_pref, synth_targets, 2022, "en", province="Synth A")
    vi = resolution_text.rank_target_sentence(synth_pref, synth_targets, 2022, "vi", province="Synth A")
    assert "(8th)" in en and "within the 2025 target (top 9)" in en
    assert "đạt chỉ tiêu năm 2025 (nhóm 9 tỉnh, thành phố dẫn đầu)" in vi
    short = resolution_text.rank_target_sentence(synth_pref, synth_targets, 2021, "en", province="Synth A")
    assert "short of the 2025 target" in short
    missing = resolution_text.rank_target_sentence(synth_pref, synth_targets, 2023, "en",
                                             province="Synth A")
    assert "not found in the sources collected" in missing and "not published" not in missing


def test_status_sentence_counts_come_from_the_frame(synth_status):
    vi = resolution_text.status_sentence(synth_status, "vi")
    en = resolution_text.status_sentence(synth_status, "en")
    assert "31/12/2022" in vi and "hoàn thành 3/6 chỉ tiêu" in vi
    assert "2 chỉ tiêu đạt từ 50% trở lên" in vi and "1 chỉ tiêu đạt 21%" in vi
    assert "completed 3 of the 6 targets" in en and "2 had reached at least 50%" in en
    assert "1 had reached 21%" in en


def test_targets_identified_sentence(synth_targets, synth_status):
    assert "identify 2 of the 6 targets" in resolution_text.targets_identified_sentence(
        synth_targets, synth_status, "en")
    assert "2/6 chỉ tiêu" in resolution_text.targets_identified_sentence(synth_targets, synth_status, "vi")


def test_titles_method_note_and_precedence_rule_in_both_languages():
    assert narrative.title("01_year_profile", "Synth A", 2022, "vi") == "# Kết quả DTI 2022 của Synth A"
    assert narrative.title("notebooks/02_trends.ipynb", "Synth A", 2024, "en").startswith("# Synth A")
    # The 03 brief's year is the last DTI edition compared with the targets, said in its title.
    assert narrative.title("03_target_revisions", "Hải Dương", 2024, "en").endswith(
        "against DTI 2020–2024")
    assert narrative.title("03_target_revisions", "Hải Dương", 2020, "vi").endswith(
        "đối chiếu với DTI 2020")
    for lang, word in (("vi", "phân vị"), ("en", "percentile")):
        note = narrative.method_note(lang)
        assert word in note and "2020" in note and "2021" in note and "34" in note
    # the three pillars named once each, without "pillar" repeated in every name
    assert "ba trụ cột: chính quyền số, kinh tế số và xã hội số." in narrative.method_note("vi")
    assert "Trụ cột" not in narrative.method_note("vi")
    assert narrative.precedence_rule("en") == data.PRECEDENCE_RULE
    assert "cổng DTI chính thức" in narrative.precedence_rule("vi")


# --- against the real data -----------------------------------------------------------------

@pytest.fixture(scope="module")
def real():
    return {"pref": data.preferred_dti(), "sources": data.load_sources(),
            "targets": data.load_targets(), "status": data.load_target_status(),
            "provinces": data.load_provinces()}


def _key(real, year, lang, province="Hải Dương"):
    return narrative.key_sentences(real["pref"], real["sources"], real["targets"], real["status"],
                                   province, year, lang, provinces=real["provinces"])


def test_real_hai_duong_2022(real):
    vi = [_text(s) for s in _key(real, 2022, "vi")]
    en = [_text(s) for s in _key(real, 2022, "en")]
    assert "thứ 13/63" in vi[0] and "0,6383" in vi[0]
    assert "13th of 63" in en[0] and "0.6383" in en[0]
    assert "rose 1 place" in en[1]


def test_real_hai_duong_2023_is_not_found(real):
    assert _key(real, 2023, "vi")[0] == (
        "Số liệu DTI 2023 của Hải Dương không tìm thấy trong các nguồn đã thu thập.")
    assert _key(real, 2023, "en")[0] == (
        "Hải Dương's DTI 2023 figures were not found in the sources collected.")


def test_real_hai_duong_2024_shows_hai_phong_among_34(real):
    en = [_text(s) for s in _key(real, 2024, "en")]
    merged = next(s for s in en if "34" in s and "Hải Phòng" in s)
    assert "3rd of 34" in merged and "not of Hải Dương alone" in merged


def test_real_status_sentence_uses_the_status_table(real):
    status = real["status"]
    completed = int(status.loc[status["status"] == "completed", "n_targets"].iloc[0])
    total = int(status["of_total"].iloc[0])
    assert f"hoàn thành {completed}/{total} chỉ tiêu" in resolution_text.status_sentence(status, "vi")
    assert any(f"completed {completed} of the {total}" in s for s in _key(real, 2022, "en"))


def test_key_sentences_default_to_the_project_merger_table(real):
    sentences = narrative.key_sentences(real["pref"], real["sources"], real["targets"],
                                        real["status"], "Hải Dương", 2024, "en")
    assert any("3rd of 34" in _text(s) for s in sentences)


def test_trend_sentences_cover_every_edition(synth_pref, synth_provinces):
    en = narrative.trend_sentences(synth_pref, "Synth A", [2021, 2022, 2023, 2024], "en",
                                   provinces=synth_provinces)
    assert _text(en[0]).startswith("In DTI 2021, Synth A ranked 10th of 63")
    # The first edition has no earlier one: nothing said; the rank just given is not repeated.
    assert en[1].startswith("In DTI 2022")
    assert _text(en[2]) == "Compared with DTI 2021, Synth A rose 2 places."
    assert en[3] == "Synth A's DTI 2023 figures were not found in the sources collected."
    assert en[4] == "Synth A's DTI 2024 figures were not found in the sources collected."
    assert "2nd of 34" in _text(en[5]) and len(en) == 6


@pytest.mark.parametrize("status, vi, en", [
    ("completed", "hoàn thành", "completed"),
    ("at_least_50pct", "đạt từ 50% trở lên", "at least 50%"),
    ("at_21pct", "đạt 21%", "at 21%"),
    ("initially_deployed", "bước đầu triển khai", "implementation begun"),
])
def test_status_label_reads_the_percentage_from_the_code(status, vi, en):
    assert resolution_text.status_label(status, "vi") == vi
    assert resolution_text.status_label(status, "en") == en


def test_progress_table_formats_numbers_in_the_language():
    progress = pd.DataFrame({"target_id": ["T99", "T98"], "as_of": ["2023", "2024"],
                             "value": pd.array([17.5, None], dtype="Float64"),
                             "value_text": ["17.5", "qualitative words"],
                             "unit": ["%", ""], "source_id": ["syn-press", "syn-press"],
                             "source_ids": ["syn-press", "syn-press"],
                             "as_of_year": pd.array([2023, 2024], dtype="Int64")})
    vi = _progress_frame(progress, "vi")
    assert vi["Giá trị"].tolist() == ["17,5", "qualitative words"]
    assert _progress_frame(progress, "en")["Value"].tolist()[0] == "17.5"


def test_targets_table_falls_back_to_the_other_language(synth_targets):
    vi = _targets_frame(synth_targets, "vi")
    assert vi["Nội dung"].tolist() == ["nhóm 9 (giả)", "synthetic share"]
    assert _targets_frame(synth_targets, "en")["Wording"].tolist()[0] == "top 9 (synthetic)"


def test_headings_in_both_languages():
    assert narrative.heading("sources", "vi") == "## Nguồn"
    assert narrative.heading("sources", "en", level=3) == "### Sources"


# --- words from the catalogs, Babel formats -----------------------------------------------------

def test_babel_formats_reach_the_sentences(synth_pref, synth_status):
    vi = narrative.overall_sentence(synth_pref, "Synth A", 2022, "vi")
    en = narrative.overall_sentence(synth_pref, "Synth A", 2022, "en")
    # rank 8 of 63: ahead of 55/62 = 88,7% of the other units, rounded by Babel
    assert "0,6123" in vi and "đứng trên 89% số đơn vị còn lại" in vi
    assert "0.6123" in en and "ahead of 89% of the other units" in en
    assert "31 December 2022" in resolution_text.status_sentence(synth_status, "en")
    assert "đạt từ 50% trở lên" in resolution_text.status_sentence(synth_status, "vi")
    assert i18n.date("2023-04", "vi") == "tháng 4 năm 2023"
    assert i18n.date("2023-04", "en") == "April 2023"
    assert i18n.percent(0.806, "vi") == "81%"


def test_real_babel_formats(real):
    vi, en = _key(real, 2022, "vi"), _key(real, 2022, "en")
    assert "0,6383" in vi[0] and "đứng trên 81%" in vi[0]
    assert "0.6383" in en[0] and "ahead of 81%" in en[0]
    assert any("31/12/2022" in s for s in vi) and any("31 December 2022" in s for s in en)


def test_every_heading_and_measure_has_words_in_both_languages():
    from analysis.i18n import label
    from analysis.measures import MEASURES
    for lang in ("vi", "en"):
        headings = [k.split(".", 1)[1] for k in i18n.catalog("vi") if k.startswith("heading.")]
        for key in headings:
            assert narrative.heading(key, lang).startswith("## ")
        for measure in MEASURES:
            assert label(measure, lang) != measure
    assert len(headings) >= 19


def test_an_unknown_language_is_refused_everywhere(synth_pref):
    for call in (lambda: narrative.heading("sources", "fr"),
                 lambda: narrative.title("01_year_profile", "Synth A", 2022, "fr"),
                 lambda: narrative.overall_sentence(synth_pref, "Synth A", 2022, "fr"),
                 lambda: resolution_text.target_name("ALL", "fr")):
        with pytest.raises(ValueError, match="vi, en"):
            call()


def test_an_unknown_notebook_has_no_title():
    with pytest.raises(ValueError, match="unknown notebook"):
        narrative.title("04_nothing", "Synth A", 2022, "en")


# Functions of narrative.py that track "content" replaces with analysis.tables; their
# per-language branches go with them.
_REPLACED_ELSEWHERE: set[str] = set()


@pytest.mark.parametrize("module", ["narrative.py", "measures.py"])
def test_no_per_language_branches_in_the_code(module):
    """No `lang == "vi"` (or `"en" != lang`, …): the difference between languages is in the
    catalogs."""
    import ast
    from pathlib import Path

    import analysis

    path = Path(analysis.__file__).with_name(module)
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    skipped = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in _REPLACED_ELSEWHERE:
            skipped.update(range(node.lineno, node.end_lineno + 1))
    branches = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and node.lineno not in skipped:
            names = [n.id for n in [node.left, *node.comparators] if isinstance(n, ast.Name)]
            literals = [n.value for n in [node.left, *node.comparators]
                        if isinstance(n, ast.Constant)]
            text_literals = [v for v in literals if isinstance(v, str)]
            if ("lang" in names and text_literals) or {"vi", "en"} & set(text_literals):
                branches.append(f"{module}:{node.lineno}: {ast.get_source_segment(source, node)}")
    assert not branches, branches


# --- data text: escaped in Markdown, in the brief's language ---------------------------------

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))"]


def _rendered(markdown: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune
    return markdown2html_mistune(markdown)


def _tags(page: str) -> list[tuple[str, dict]]:
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collect().feed(page)
    return found


# What a sentence's own markup may be: figure elements, their marks, the size of a ranking,
# and the [n] marks `cited_list` adds (links within the page).
_SPAN_CLASSES = {"fig", "tentative", "disputed", "flag", "n-units"}
_SPAN_ATTRS = {"class", "data-csv", "tabindex", "title"}


def _assert_inert(markdown: str, hostile: str | None):
    """Rendered as a brief renders it (nbconvert's Markdown): only text-structure tags and the
    figure markup, no event handler, no link leaving the page; the hostile text is shown as text
    (or sits in a figure's tooltip, an attribute value)."""
    import html as html_module
    page = _rendered(markdown)
    for tag, attrs in _tags(page):
        assert tag in {"p", "ul", "li", "h1", "h2", "h3", "a", "span", "sup"}, (tag, page)
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        if tag == "span":
            assert set(attrs) <= _SPAN_ATTRS, attrs
            assert set(attrs.get("class", "").split()) <= _SPAN_CLASSES, attrs
        if tag == "sup":
            assert attrs == {"class": "cite"}, attrs
        if tag == "a":  # nbconvert's heading anchor or a citation mark, within the page
            assert attrs.get("class") == "anchor-link" or set(attrs) == {"href"}, attrs
            assert attrs["href"].startswith("#"), attrs
    if hostile is not None:
        assert hostile in html_module.unescape(page)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_publisher_is_inert_in_the_markdown(synth_pref, synth_dti, synth_sources,
                                                     hostile):
    # The publisher reaches a sentence only through its figures' tooltips (`title`).
    sources = synth_sources.assign(publisher=hostile)
    for lang in ("vi", "en"):
        cites = _cites(sources, synth_dti, lang)
        text = narrative.overall_sentence(synth_pref, "Synth A", 2022, lang, sources, cites)
        assert hostile not in _text(text)
        _assert_inert(narrative.cited_list([text], cites), hostile)
        plain = narrative.overall_sentence(synth_pref, "Synth A", 2022, lang, sources)
        _assert_inert(phrasing.as_markdown([plain]), None)


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_province_names_are_inert_in_the_markdown(synth_pref, synth_provinces,
                                                           synth_sources, hostile):
    rename = {"Synth A": f"A {hostile}", "Synth B": f"B {hostile}"}
    pref = synth_pref.assign(unit=synth_pref["unit"].replace(rename))
    provinces = synth_provinces.assign(name=synth_provinces["name"].replace(rename),
                                       unit_2025=synth_provinces["unit_2025"].replace(rename))
    province = rename["Synth A"]
    for lang in ("vi", "en"):
        sentences = [narrative.title("01_year_profile", province, 2024, lang),
                     *narrative.key_sentences(pref, synth_sources, None, None, province, 2024,
                                              lang, provinces=provinces),
                     *narrative.trend_sentences(pref, province, [2021, 2022], lang,
                                                provinces=provinces),
                     narrative.gap_sentence(pref, province, 2022, lang),
                     narrative.strengths_sentence(pref, province, 2023, lang)]
        assert any("34" in s for s in sentences)  # the merged unit's sentence is among them
        first_edition = narrative.change_sentence(pref, province, 2021, lang)  # names no unit
        for sentence in sentences:
            _assert_inert(sentence, None if sentence == first_edition else hostile)


def test_escape_markdown_keeps_plain_names_readable():
    assert phrasing.escape_markdown("Bà Rịa - Vũng Tàu") == "Bà Rịa - Vũng Tàu"
    assert phrasing.escape_markdown("Sở KH&ĐT\nBắc Ninh") == "Sở KH&amp;ĐT Bắc Ninh"
    assert _rendered(phrasing.escape_markdown("a_b *c* $x$ `d`")).strip() == (
        "<p>a_b *c* $x$ `d`</p>")


def _translations_dir(tmp_path, rows: str):
    (tmp_path / "processed").mkdir()
    (tmp_path / "translations.csv").write_text(
        "text,text_lang,target_lang,translation,kind,translated_by,translated_from,note\n" + rows,
        encoding="utf-8")
    return tmp_path


SYNTHETIC_TRANSLATIONS = """\
synthetic share,en,vi,tỷ lệ giả,source_wording,test fixture,targets.csv:label_en,synthetic
rank group,en,vi,nhóm hạng,project_text,test fixture,targets.csv:unit,synthetic
"""


def test_targets_table_shows_a_marked_translation(synth_targets, tmp_path, monkeypatch):
    monkeypatch.setenv("DTI_DATA_DIR", str(_translations_dir(tmp_path, SYNTHETIC_TRANSLATIONS)))
    vi = _targets_frame(synth_targets, "vi")
    assert vi["Nội dung"].tolist() == ["nhóm 9 (giả)", "tỷ lệ giả (bản dịch)"]
    # A rank target's unit says what the rank is among; the project's own units carry no mark.
    assert vi["Đơn vị"].tolist() == ["thứ hạng trong 63 tỉnh, thành phố", "%"]
    en = _targets_frame(synth_targets, "en")
    assert en["Wording"].tolist() == ["top 9 (synthetic)", "synthetic share"]
    assert en["Unit"].tolist()[1] == "%" and "(translation)" not in " ".join(en["Unit"])


def test_real_vietnamese_target_tables_have_no_english(real):
    import re
    english = re.compile(r"\b(of|the|at|and|completed|published|rank|enterprises|level|"
                         r"online|documents|procedures|share|number|estimate|qualitative|year|"
                         r"least|more|than|reported)\b", re.IGNORECASE)
    tables = {"targets": _targets_frame(real["targets"], "vi"),
              "progress": _progress_frame(data.load_target_progress(), "vi"),
              "revisions": _revisions_frame(data.load_target_revisions(), "vi")}
    for name, table in tables.items():
        for column in table.columns:
            if column == "Mã nguồn":  # source ids stay ids (track "content" replaces them)
                continue
            for cell in table[column].astype(str):
                assert not english.search(cell), (name, column, cell)
    wordings = tables["targets"]["Nội dung"]
    assert wordings.str.endswith("(bản dịch)").sum() >= 10  # English-only wordings, marked
    assert "% GRDP" in set(tables["targets"]["Đơn vị"])
    progress = tables["progress"]
    assert "31/12/2022" in set(progress["Thời điểm"]) and "15/7/2021" in set(progress["Thời điểm"])


def test_real_english_tables_translate_vietnamese_only_wording(real):
    revisions = _revisions_frame(data.load_target_revisions(), "en")
    assert "6 April 2023" in set(revisions["Proposed on"])
    assert "%/year (at least)" in set(revisions["Unit"])
    targets = _targets_frame(real["targets"], "en")
    assert not targets["Wording"].str.contains("(translation)", regex=False).any()
    assert (resolution_text.target_wording({"label_vi": "Năng suất lao động hằng năm tăng tối thiểu 8%",
                                      "label_en": ""}, "en")
            == "Labour productivity to grow by at least 8% a year (translation)")


def test_real_publishers_are_in_the_brief_s_language(real):
    """The publishers named in a figure's tooltip are in the brief's language."""
    from analysis.citations import Citations
    dti = data.load_dti()
    titles = {}
    for lang in ("vi", "en"):
        cites = Citations(real["sources"], lang, dti=dti, pref=real["pref"])
        sentence = narrative.key_sentences(real["pref"], real["sources"], real["targets"],
                                           real["status"], "Hải Dương", 2022, lang,
                                           provinces=real["provinces"], cites=cites)[0]
        titles[lang] = " ".join(html.unescape(t) for t in re.findall(r'title="([^"]*)"',
                                                                      sentence))
    assert "cổng DTI chính thức" in titles["vi"] and "official" not in titles["vi"]
    assert "official DTI portal" in titles["en"]


def test_nothing_is_cut_short(real):
    texts = [*_key(real, 2022, "vi"), *_key(real, 2024, "en"), narrative.method_note("vi")]
    for lang in ("vi", "en"):
        for table in (_targets_frame(real["targets"], lang),
                      _progress_frame(data.load_target_progress(), lang)):
            texts.extend(table.astype(str).to_numpy().ravel())
    assert not [t for t in texts if "..." in t or "…" in t]


def test_a_bare_number_in_a_value_text_follows_the_language(real):
    vi = _targets_frame(real["targets"], "vi")
    en = _targets_frame(real["targets"], "en")
    assert "1.000" in set(vi["Giá trị"]) and "1,000" in set(en["Value"])
    assert "90 / 80 / 70" in set(vi["Giá trị"])  # words and separators stay as the source gave


def test_the_disputed_rank_target_is_said_once_not_with_every_edition(real):
    targets = real["targets"]
    for year in (2020, 2021, 2022):
        sentence = resolution_text.rank_target_sentence(real["pref"], targets, year, "en")
        assert "disagree" not in sentence
    dispute = resolution_text.rank_target_dispute_sentence(targets, "vi")
    assert dispute.startswith("Về chỉ tiêu thứ hạng DTI của tỉnh (chỉ tiêu T01), các nguồn không")
    undisputed = targets.assign(note="")
    assert resolution_text.rank_target_dispute_sentence(undisputed, "en") is None
    assert phrasing.as_markdown(["a", None, "b"]) == "- a\n- b"


def test_progress_rows_not_about_one_target_are_named_in_words():
    progress = pd.DataFrame({"target_id": ["ALL", "CTX", "T08"], "as_of": ["2022-12-31"] * 3,
                             "value": [None, None, None], "value_text": ["x", "y", "z"],
                             "unit": ["", "", ""], "source_id": ["s", "s", "s"],
                             "source_ids": ["s", "s", "s"],
                             "as_of_year": pd.array([2022] * 3, dtype="Int64")})
    table = _progress_frame(progress, "vi")
    assert table.iloc[:, 0].tolist() == ["Tất cả chỉ tiêu", "Bối cảnh (không thuộc chỉ tiêu nào)",
                                         "T08"]


def test_the_trends_title_of_the_first_edition_names_one_year_not_a_span():
    assert narrative.title("02_trends", "Synth A", 2020, "vi") == "# Diễn biến DTI của Synth A: kỳ đầu tiên (DTI 2020)"
    assert narrative.title("02_trends", "Synth A", 2022, "en") == "# Synth A: DTI trends, 2020–2022"


def test_vietnamese_targets_use_the_sources_words_then_the_drafts(real):
    drafts = data.load_target_drafts()
    shown = {(row["target_id"], row["horizon"]): resolution_text.target_wording_shown(row, "vi", drafts)
             for _, row in real["targets"].iterrows()}
    for target_id in ("T01", "T03", "T08", "T10", "T11"):
        wording = shown[(target_id, 2025)]
        assert wording.kind in ("source", "paraphrase"), target_id
        assert not wording.text.endswith("(bản dịch)"), target_id
    assert shown[("T03", 2025)].text.startswith("Phấn đấu đến năm 2025, 100% số thủ tục")
    # The draft's words, never passed off as the adopted text: said to be the draft.
    for target_id in ("T02", "T05"):
        wording = shown[(target_id, 2025)]
        assert wording.kind == "draft" and wording.date == "2021-03-23"
        assert resolution_text.wording_note(wording, "vi") == "(theo dự thảo trình Hội nghị, 23/3/2021)"
    assert resolution_text.wording_note(shown[("T08", 2025)], "vi")  # a newspaper's paraphrase, said so
    assert "(nhandan wording)" not in shown[("T08", 2025)].text
    # Where no Vietnamese exists, the marked translation; English keeps marking translations.
    assert shown[("T04", 2025)].kind == "translation"
    assert shown[("T04", 2025)].text.endswith("(bản dịch)")
    t10 = real["targets"].query("target_id == 'T10'").iloc[0].to_dict() | {"label_en": ""}
    assert resolution_text.target_wording_shown(t10, "en", drafts).text.endswith("(translation)")


@pytest.mark.parametrize("lang,credit", [("vi", "Theo Báo Hải Dương (tháng 4 năm 2023), đến"),
                                         ("en", "As reported by Báo Hải Dương in April 2023, by")])
def test_the_end_2022_status_is_credited_to_the_april_2023_report_that_states_it(real, lang,
                                                                                  credit):
    from analysis.citations import Citations
    cites = Citations(real["sources"], lang, dti=data.load_dti(), pref=real["pref"])
    sentence = _text(resolution_text.status_sentence(real["status"], lang, cites))
    assert sentence.startswith(credit)
    assert not sentence.rstrip(".").endswith(")")  # no "(Nghị quyết 06-NQ/TU)" credit
    facts = glance.target_facts(real["pref"], real["targets"], real["status"],
                               data.load_target_revisions(), [2020, 2021], lang, cites=cites)
    assert any(credit.split(",")[0].split(" in ")[0] in _text(f.html) for f in facts)


@pytest.mark.parametrize("lang,words", [
    ("vi", ["chỉ tiêu thứ hạng DTI của tỉnh (chỉ tiêu T01)", "tỉnh, thành phố dẫn đầu",
            "Báo Hải Dương (tháng 4 năm 2023) ghi mục tiêu đến năm 2025 là xếp thứ 15"]),
    ("en", ["target for the province's DTI rank (T01)", "leading provinces and cities by 2025",
            "Báo Hải Dương (April 2023) gives the 2025 target as rank 15"])])
def test_the_rank_target_dispute_says_the_other_figure_and_what_t01_is(real, lang, words):
    from analysis.citations import Citations
    cites = Citations(real["sources"], lang, dti=data.load_dti(), pref=real["pref"],
                      targets=real["targets"])
    sentence = resolution_text.rank_target_dispute_sentence(real["targets"], lang, cites)
    for part in words:
        assert part in _text(sentence), part
    other = next(f for f in cites.figures if f.kind == "target" and f.value == "15"
                 and f.year == 2025)
    # cited to the April 2023 report that gives it, not to the Resolution's sources
    assert other.source_ids == tuple(data.load_target_restatements()["source_id"])


def test_editions_that_stand_alike_against_the_rank_target_are_said_once(real):
    sentences = resolution_text.rank_target_sentences(real["pref"], real["targets"],
                                                [2020, 2021, 2022], "vi")
    assert len(sentences) == 1
    text = _text(sentences[0])
    assert text.startswith("Thứ hạng ở DTI 2020 (thứ 14), DTI 2021 (thứ 14) và DTI 2022 (thứ 13) đều")
    assert text.count("đạt chỉ tiêu năm 2025") == 1
    # one edition: its own sentence, as before
    assert resolution_text.rank_target_sentences(real["pref"], real["targets"], [2020], "en") == [
        resolution_text.rank_target_sentence(real["pref"], real["targets"], 2020, "en")]

    later = resolution_text.rank_target_sentences(real["pref"], real["targets"],
                                            [2020, 2021, 2022, 2023, 2024], "en")
    assert len(later) == 2 and _text(later[0]).startswith(
        "Hải Dương's ranks in DTI 2023 and DTI 2024 cannot be compared")


def test_overall_change_is_the_row_the_frame_filters_gave_on_the_project_data():
    """`overall_change` reads the rows of `rank_changes`; the briefs used to filter the frame."""
    from analysis import comparisons
    from analysis.measures import OVERALL

    pref = data.preferred_dti()
    checked = 0
    for province in data.load_provinces()["name"]:
        changes = comparisons.rank_changes(pref, province)
        for year in data.editions():
            previous = narrative._previous_edition(pref, year)
            # change_sentence: the change from the previous edition.
            match = changes[changes["year"].eq(year) & changes["measure"].eq(OVERALL)
                            & changes["previous_year"].eq(previous)]
            found = narrative.overall_change(pref, province, year, previous)
            assert (found is None) == match.empty
            if found is not None:
                assert found == {"previous_year": match["previous_year"].iloc[0],
                                 "change": match["change"].iloc[0]} or (
                    pd.isna(found["change"]) and pd.isna(match["change"].iloc[0]))
                checked += 1
            # glance: the first comparable change.
            rows = changes[changes["year"].eq(year) & changes["measure"].eq(OVERALL)
                           & changes["comparable"].fillna(False).astype(bool)]
            found = narrative.overall_change(pref, province, year)
            assert (found is None) == rows.empty
            if found is not None:
                assert int(found["previous_year"]) == int(rows["previous_year"].iloc[0])
                assert found["change"] == rows["change"].iloc[0]
    assert checked > 20  # the provinces ranked in two editions or more
