"""The at-a-glance box: its facts, the citations of its figures and the CSV they go to,
and the sentence of what is missing. Figures are synthetic (named so), except
where a test says it reads the project's data."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest
from data_helpers import SYNTHETIC_DTI, synthetic_pref
from data_helpers import SYNTHETIC_SOURCES as SOURCES

from analysis import brief, data, glance, i18n, source_list, tables


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


def _decoded_csv(link_html: str) -> pd.DataFrame:
    payload = re.search(r'href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]*)"',
                        link_html)[1]
    return pd.read_csv(io.StringIO(base64.b64decode(payload).decode("utf-8-sig")))


def test_a_figure_with_score_and_rank_from_two_sources_cites_both_and_goes_to_the_csv():
    cites = brief.Citations(SOURCES, "vi", dti=SYNTHETIC_DTI, pref=_pref(), csv_name="Synth A")
    shown = pd.DataFrame({"unit": ["Synth A"], "measure": ["dti"], "unit_system": [63],
                          "score": [0.6123], "rank": [8], "source_id": ["syn-portal"]})
    page = tables.render(shown, "vi", table_id="t", cites=cites, year=2022)
    row = page.split("<tbody>")[1]
    figures = cites.figures_in(row)
    assert {(f.kind, f.source_ids) for f in figures} == {("score", ("syn-press",)),
                                                         ("rank", ("syn-portal",))}
    # The row cites the union of its figures' sources: both, and no other.
    assert sorted(cites.numbers) == ["syn-portal", "syn-press"]
    assert cites.marks_of(figures) in row
    assert row.count('<sup class="cite">') == 2
    table = cites.csv_frame()
    assert list(table.columns) == brief.CSV_COLUMNS
    assert len(table) == 2 and set(table["source_url"]) == {
        "https://example.org/press", "https://example.org/portal"}
    assert set(zip(table["kind"], table["source_id"])) == {("score", "syn-press"),
                                                           ("rank", "syn-portal")}


def test_csv_link_decodes_to_rows_of_load_dti():
    cites = brief.Citations(SOURCES, "en", dti=SYNTHETIC_DTI, pref=_pref(), csv_name="x y")
    facts = glance.profile_facts(_pref(), "Synth A", 2022, "en", cites=cites)
    glance.glance_html(facts, None, cites)
    link = source_list.download_html(cites)
    assert '<a class="download" download="x-y.csv"' in link and "Download data (CSV)" in link
    table = _decoded_csv(link)
    assert list(table.columns) == brief.CSV_COLUMNS and len(table) >= 3
    key = ["year", "unit", "unit_system", "measure"]
    merged = table.merge(SYNTHETIC_DTI.astype({"unit_system": "float"}).assign(
        unit_system=lambda f: f["unit_system"]), on=key, how="left", suffixes=("", "_dti"),
        indicator=True)
    assert (merged["_merge"] == "both").all()
    # Every score, rank and average shown is a value its cited source gives in load_dti().
    for row in table[table["kind"].isin(["score", "rank", "average"])].itertuples():
        column = "rank" if row.kind == "rank" else "score"
        given = SYNTHETIC_DTI[SYNTHETIC_DTI["year"].eq(row.year) & SYNTHETIC_DTI["unit"].eq(row.unit)
                              & SYNTHETIC_DTI["measure"].eq(row.measure)
                              & SYNTHETIC_DTI["source_id"].eq(row.source_id)]
        assert len(given) == 1 and float(given[column].iloc[0]) == float(row.value), row


def test_profile_facts_rank_change_average_and_sources():
    # Without a registry: plain numbers, cited nowhere.
    plain = glance.profile_facts(_pref(), "Synth A", 2022, "vi")
    assert plain[0].text == "DTI 2022: hạng 8/63, điểm 0,6123"
    assert 'class="fig' not in plain[0].html and plain[0].source_ids == ()
    cites = brief.Citations(SOURCES, "vi", dti=SYNTHETIC_DTI, pref=_pref())
    facts = glance.profile_facts(_pref(), "Synth A", 2022, "vi", cites=cites)
    assert [f.text for f in facts] == [f.text for f in plain]
    texts = [f.text for f in facts]
    assert texts[0] == "DTI 2022: hạng 8/63, điểm 0,6123"
    # The rank from the portal, the score from the press page: the fact cites both.
    assert sorted(facts[0].source_ids) == ["syn-portal", "syn-press"]
    assert [f.figure.kind for f in facts[0].figures] == ["rank", "score"]
    average = next(f for f in facts if "trung bình" in f.text)
    assert average.source_ids == ("syn-press",)  # score and average: no rank, no portal
    assert "Tăng 2 bậc so với DTI 2021 (hạng 10)" in texts
    assert "Điểm cao hơn trung bình cấp tỉnh (0,55)" not in texts  # four decimals
    # The score is said once in the glance (its rank line), not again beside the average.
    assert "Điểm cao hơn trung bình cấp tỉnh (0,5500)" in texts
    assert 3 <= len(facts) <= 5


def test_english_change_is_singular_for_one_place():
    pref = _pref()
    pref.loc[pref["unit"].eq("Synth A") & pref["year"].eq(2022) & pref["measure"].eq("dti"),
             "rank"] = 9
    texts = [f.text for f in glance.profile_facts(pref, "Synth A", 2022, "en")]
    assert "Up 1 place from rank 10 in DTI 2021" in texts


def test_same_rank_says_the_rank_and_cites_it():
    pref = _pref()
    pref.loc[pref["unit"].eq("Synth A") & pref["year"].eq(2022) & pref["measure"].eq("dti"),
             "rank"] = 10
    dti = SYNTHETIC_DTI.copy()
    dti.loc[dti["unit"].eq("Synth A") & dti["year"].eq(2022) & dti["measure"].eq("dti")
            & dti["rank"].notna(), "rank"] = 10
    cites = brief.Citations(SOURCES, "en", dti=dti, pref=pref)
    facts = glance.profile_facts(pref, "Synth A", 2022, "en", cites=cites)
    same = next(f for f in facts if f.text.startswith("Same rank"))
    assert same.text == "Same rank (10) as in DTI 2021"
    assert [(f.figure.kind, f.figure.year, f.figure.value) for f in same.figures] == [
        ("rank", 2021, "10")]
    assert same.source_ids == ("syn-press",)


def test_trend_facts_give_best_and_lowest_only_when_they_differ():
    four = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2020,63,Synth A,dti,,5,syn-press
2021,63,Synth A,dti,,12,syn-press
2022,63,Synth A,dti,,9,syn-portal
2023,63,Synth A,dti,,8,syn-portal
""")
    years = [2020, 2021, 2022, 2023]
    cites = brief.Citations(SOURCES, "en", dti=SYNTHETIC_DTI)
    texts = [re.sub("[†*]", "", f.text)  # marks aside (the synthetic ranks have no sources)
             for f in glance.trend_facts(four, "Synth A", years, "en", cites=cites)]
    assert "Best rank: 5 (DTI 2020); lowest: 12 (DTI 2021)" in texts
    # The best edition the one before the latest: the change item gives its rank already.
    four.loc[four["year"].eq(2022), "rank"] = 4
    cites = brief.Citations(SOURCES, "en", dti=SYNTHETIC_DTI)
    texts = [f.text for f in glance.trend_facts(four, "Synth A", years, "en", cites=cites)]
    assert any("rank 4" in t for t in texts) and not any(t.startswith("Best") for t in texts)
    # The latest edition the best (or the lowest): the item above says it, nothing is added.
    texts = [f.text for f in glance.trend_facts(_pref(), "Synth A", [2021, 2022], "en")]
    assert not any(t.startswith("Best rank") for t in texts)
    pref = _pref()
    pref.loc[pref["unit"].eq("Synth A") & pref["measure"].eq("dti"), "rank"] = 8
    texts = [f.text for f in glance.trend_facts(pref, "Synth A", [2021, 2022], "en")]
    assert texts[0] == "Synth A's latest DTI rank: 8/63 (DTI 2022)"
    assert not any(t.startswith("Best rank") for t in texts)


def test_missing_targets_are_said_without_numbers():
    targets = pd.DataFrame({"target_id": ["T91", "T92"]})  # synthetic: 2 identified of 14
    status = pd.DataFrame({"as_of": ["2022-12-31"], "status": ["completed"],
                           "n_targets": [1], "of_total": [14], "source_id": ["syn-press"]})
    sentence = glance.target_missing(_pref(), targets, status, [], "en")  # no edition asked
    assert sentence == ("Not found in the sources collected: "
                        "the wording of the Resolution's other targets.")
    assert not re.search(r"\d", sentence)


def test_missing_sentence_names_what_is_not_found_once():
    sentence = glance.profile_missing(_pref(), "Synth A", 2022, ["Synth A", "Synth C"], "en")
    assert sentence.startswith("Not found in the sources collected: ")
    assert "the ranks of the eight main indicators" in sentence
    assert "the figures for the peer provinces Synth C" in sentence  # named, not counted
    assert "1 of 1" not in sentence
    assert "pillars" not in sentence  # one pillar is published
    assert glance.profile_missing(_pref(), "Synth Z", 2022, [], "vi").lower().count(
        "không tìm thấy") <= 1


def test_missing_sentence_names_the_indicators_not_found():
    pref = _pref()
    row = pref[pref["unit"].eq("Synth A") & pref["year"].eq(2022)
               & pref["measure"].eq("dti")].assign(measure="awareness", score=pd.NA, rank=3)
    sentence = glance.profile_missing(pd.concat([pref, row], ignore_index=True), "Synth A", 2022,
                                     [], "en")
    assert "the ranks of the indicators " in sentence
    assert "Digital awareness" not in sentence  # the one indicator ranked is not listed
    assert "Cybersecurity" in sentence


def test_glance_box_escapes_and_carries_marks():
    # A fact's HTML is built where its words meet the data: text from the data is escaped
    # there (a hostile unit name), and the glance box cites each item by its figures.
    pref = _pref()
    pref["unit"] = pref["unit"].replace({"Synth A": "<b>bold</b> Synth"})
    dti = SYNTHETIC_DTI.assign(unit=SYNTHETIC_DTI["unit"].replace({"Synth A": "<b>bold</b> Synth"}))
    cites = brief.Citations(SOURCES, "vi", dti=dti, pref=pref)
    facts = glance.trend_facts(pref, "<b>bold</b> Synth", [2021, 2022], "vi", cites=cites)
    box = glance.glance_html(facts, "<i>missing</i>", cites)
    assert box.startswith('<section class="glance">') and box.endswith("</section>")
    assert "&lt;b&gt;bold&lt;/b&gt; Synth" in box and "<b>" not in box
    assert "&lt;i&gt;missing&lt;/i&gt;" in box and "<i>" not in box
    first = re.search(r"<li>(.*?)</li>", box)[1]  # latest rank 8 (DTI 2022), from the portal
    assert first.endswith('<sup class="cite"><a href="#src-1">[1]</a></sup>')
    assert cites.numbers["syn-portal"] == 1
    # A fact with no figure carries no mark.
    bare = glance.glance_html([glance.Fact("words only")], None, cites)
    assert "cite" not in bare


def test_no_facts_for_a_province_and_edition_without_figures():
    assert glance.profile_facts(_pref(), "Synth Z", 2022, "vi") == []
    assert glance.trend_facts(_pref(), "Synth Z", [2021, 2022], "vi") == []
    assert "Synth Z" in glance.trend_missing(_pref(), "Synth Z", [2021, 2022], "en")


# --- on the project's data ------------------------------------------------------------------------

def test_dti_2022_glance_on_the_project_data():
    pref, sources, targets = data.preferred_dti(), data.load_sources(), data.load_targets()
    cites = brief.Citations(sources, "vi", dti=data.load_dti(), pref=pref, targets=targets)
    facts = glance.profile_facts(pref, "Hải Dương", 2022, "vi", successor="Hải Phòng",
                                targets=targets, cites=cites)
    text = " | ".join(f.text for f in facts)
    assert "hạng 13/63" in text and "0,6383" in text and "0,5786" in text
    assert "Tăng 1 bậc" in text and "06-NQ/TU" in text
    assert all(f.source_ids for f in facts)  # every item with figures cites their sources
    box = glance.glance_html(facts, None, cites)
    listing = source_list.sources_html(cites)
    targets_linked = re.findall(r'href="#([^"]+)"', box)
    assert targets_linked
    for target in targets_linked:
        assert f'id="{target}"' in listing
    table = _decoded_csv(source_list.download_html(cites))
    dti = data.load_dti()
    keys = set(zip(dti["year"], dti["unit"], dti["measure"]))
    primary = table[table["kind"].isin(["score", "rank", "average"])]
    assert len(primary) >= 3
    assert all(k in keys for k in zip(primary["year"], primary["unit"], primary["measure"]))


def test_missing_sentence_stays_one_sentence_per_language():
    pref = data.preferred_dti()
    for lang in ("vi", "en"):
        sentence = glance.profile_missing(pref, "Hải Dương", 2024, ["Hà Nội", "Bắc Ninh"], lang)
        assert sentence.count(".") == 1 and sentence.endswith(".")
    assert i18n.t("glance.missing", "vi", items="x").lower().count("không tìm thấy") == 1
    assert "chưa công bố" not in i18n.t("glance.missing", "vi", items="x").lower()


def test_a_score_set_against_the_provincial_average_cites_both_and_puts_both_in_the_csv():
    cites = brief.Citations(SOURCES, "en", dti=SYNTHETIC_DTI, pref=_pref(), csv_name="gap")
    row = pd.DataFrame({"measure": ["dti"], "unit": ["Synth A"], "source_id": [""],
                        "score": [0.6123], "national_average": [0.55], "gap": [0.0623]})
    page = tables.render(row, "en", table_id="gap", cites=cites, year=2022)
    figures = cites.figures_in(page)
    # The province's score comes from syn-press, the average from syn-press too, the gap from
    # both; its rank (not shown here) from syn-portal, which the row therefore does not cite.
    assert [(f.kind, f.source_ids) for f in figures] == [
        ("score", ("syn-press",)), ("average", ("syn-press",)), ("difference", ("syn-press",))]
    assert list(cites.numbers) == ["syn-press"] and "#src-2" not in page
    shown = cites.csv_frame()
    assert set(zip(shown["unit"], shown["measure"])) == {
        ("Synth A", "dti"), ("Cả nước (trung bình cấp tỉnh)", "national_average_dti")}
    assert shown.loc[shown["kind"].eq("difference"), "derived_from"].item() == "1 2"


def _glance_and_summary_text(facts, sentences) -> str:
    return " ".join([f.text for f in facts] + [re.sub(r"<[^>]+>", "", s) for s in sentences])


@pytest.mark.parametrize("lang,opening", [
    ("vi", ("Biến động lớn nhất: Trụ cột chính quyền số tăng 9 bậc (từ hạng 22 ở DTI 2020 lên "
            "hạng 13 ở DTI 2021); Trụ cột kinh tế số giảm 9 bậc")),
    ("en", ("Largest rank changes: Digital government pillar up 9 places (from 22 in DTI 2020 to 13 "
            "in DTI 2021); Digital economy pillar down 9 places"))])
def test_the_2021_trends_glance_and_summary_open_with_the_largest_moves(lang, opening):
    from analysis import narrative
    pref = data.preferred_dti()
    cites = brief.Citations(data.load_sources(), lang, dti=data.load_dti(), pref=pref)
    facts = glance.trend_facts(pref, "Hải Dương", [2020, 2021], lang, cites=cites)
    assert facts[0].text.startswith(opening)
    assert "5" in facts[0].text.split(";")[2]  # digital society down 5
    sentences = narrative.trend_sentences(pref, "Hải Dương", [2020, 2021], lang, cites=cites)
    assert opening.split(": ", 1)[1] in re.sub(r"<[^>]+>", "", sentences[0])
    # a move is a difference derived from its two ranks, so it cites their sources
    moves = [f for f in cites.figures if f.kind == "difference"]
    assert {m.value for m in moves} >= {"9", "5"}


@pytest.mark.parametrize("year", [2021, 2022])
def test_a_score_is_said_at_most_twice_in_the_glance_and_summary(year):
    from analysis import narrative
    pref, targets = data.preferred_dti(), data.load_targets()
    cites = brief.Citations(data.load_sources(), "vi", dti=data.load_dti(), pref=pref,
                            targets=targets)
    facts = glance.profile_facts(pref, "Hải Dương", year, "vi", successor="Hải Phòng",
                                targets=targets, cites=cites)
    sentences = narrative.key_sentences(pref, data.load_sources(), targets,
                                        data.load_target_status(), "Hải Dương", year, "vi",
                                        cites=cites)
    text = _glance_and_summary_text(facts, sentences)
    scores = re.findall(r"\b0,\d{4}\b", text)
    assert scores and max(scores.count(s) for s in scores) <= 2


@pytest.mark.parametrize("edition, lang, later", [
    (2020, "vi", " (sau kỳ DTI 2020)"), (2021, "en", " (after DTI 2021)"), (2024, "en", "")])
def test_a_revision_later_than_the_edition_is_said_to_be_so_and_credited(edition, lang, later):
    # Reads the project's data: the revisions proposed on 6 April 2023 (Báo Hải Dương).
    sources, revisions = data.load_sources(), data.load_target_revisions()
    cites = brief.Citations(sources, lang)
    facts = glance.target_facts(data.preferred_dti(), data.load_targets(),
                               data.load_target_status(), revisions,
                               [y for y in data.editions() if y <= edition], lang, cites=cites)
    text = next(re.sub(r"<[^>]+>", "", f.html) for f in facts if "6/4/2023" in f.html
                or "6 April 2023" in f.html)
    assert ("Báo Hải Dương" in text) and text.endswith(f"chỉ tiêu{later}" if lang == "vi"
                                                       else f"targets{later}")
    assert ("Ban Thường vụ Tỉnh ủy" if lang == "vi" else "Provincial Party Standing Committee") \
        in text


def test_the_first_edition_s_changes_are_said_to_have_nothing_to_compare_not_to_be_missing():
    assert brief.changes_gap([2020], "Synth A", "en") == (
        "DTI 2020 is the first edition in the data, so there is no earlier edition to compare "
        "it with.")
    later = brief.changes_gap([2020, 2021], "Synth A", "en")
    assert "not found in the sources collected" in later
