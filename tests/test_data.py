"""The shipped data and the public data API."""

from __future__ import annotations

import pandas as pd
import pytest
from data_helpers import REAL_DATA, copy_data

from analysis import data
from analysis.errors import UserError
from analysis.ingest.sources import PRECEDENCE_RULE
from analysis.ingest.validate import validate
from analysis.measures import MEASURES, NATIONAL_UNITS


def test_shipped_data_is_valid_and_processed_tables_are_current():
    assert validate(REAL_DATA) == []


def test_load_dti_has_the_documented_columns_and_types():
    dti = data.load_dti()
    assert list(dti.columns[:7]) == ["year", "unit_system", "unit", "measure", "score", "rank",
                                     "source_id"]
    assert str(dti["rank"].dtype) == "Int64" and str(dti["score"].dtype) == "Float64"
    assert set(dti["measure"]) <= set(MEASURES)
    assert dti["score"].dropna().between(0, 1).all()


def test_key_is_unique():
    dti = data.load_dti()
    key = ["year", "unit_system", "unit", "measure", "source_id"]
    assert not dti.duplicated(key).any()


def test_hai_duong_figures_match_the_sources():
    pref = data.preferred_dti()
    hd = pref[pref["unit"] == "Hải Dương"].set_index(["year", "measure"])
    assert hd.loc[(2020, "dti"), "rank"] == 14
    assert hd.loc[(2020, "dti"), "score"] == pytest.approx(0.3504)
    assert hd.loc[(2021, "human_resources"), "rank"] == 37  # seed article: 22, 10, 10, 37
    assert hd.loc[(2022, "dti"), "rank"] == 13
    assert (2023, "dti") not in hd.index  # not published: stays missing


def test_every_figure_traces_to_a_registered_source_url():
    sources = data.load_sources().set_index("source_id")
    for table in (data.load_dti(), data.load_targets(), data.load_target_revisions(),
                  data.load_target_progress(), data.load_target_status(), data.load_provinces()):
        assert table["source_id"].isin(sources.index).all()
    assert sources["url"].str.startswith("http").all()
    assert (sources["publisher"] != "").all()


def test_preferred_keeps_one_row_per_figure_and_flags_the_hanoi_2023_conflict():
    pref = data.preferred_dti()
    assert not pref.duplicated(["year", "unit_system", "unit", "measure"]).any()
    hanoi = pref[(pref["unit"] == "Hà Nội") & (pref["year"] == 2023) & (pref["measure"] == "dti")]
    assert hanoi["has_conflict"].item() and hanoi["n_sources"].item() == 3
    assert "5" in hanoi["conflict"].item() and "6" in hanoi["conflict"].item()
    assert len(data.conflicts()) >= 1


def _synthetic(rows):
    return pd.DataFrame(rows, columns=["year", "unit_system", "unit", "measure", "score", "rank",
                                       "source_id"]).astype(
        {"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Int64"})


SYNTHETIC_SOURCES = pd.DataFrame({
    "source_id": ["official", "home-paper", "press-new", "press-old", "other-paper", "compilation"],
    "tier": [1, 2, 3, 3, 2, 4],
    "home_province": ["", "Hải Dương", "", "", "Bắc Ninh", ""],
    "date_published": ["2023-07-12", "2021", "2024-01-01", "2022-01-01", "2020-01-01", ""],
})


@pytest.mark.parametrize("present, expected", [
    (["official", "home-paper", "press-new"], "official"),
    (["home-paper", "press-new"], "home-paper"),
    (["press-old", "press-new"], "press-new"),            # same tier: the most recent wins
    (["other-paper", "press-old"], "press-old"),          # another province's paper is just press
    (["compilation", "press-old"], "press-old"),
])
def test_precedence_rule(present, expected):
    rows = [(2022, 63, "Hải Dương", "dti", None, 10 + i, s) for i, s in enumerate(present)]
    preferred = data.preferred_from(_synthetic(rows), SYNTHETIC_SOURCES)
    assert preferred["rank_source_id"].item() == expected
    assert preferred["has_conflict"].item() == (len(present) > 1)


def test_score_and_rank_may_come_from_different_sources():
    rows = [(2022, 63, "Hải Dương", "dti", None, 13, "official"),
            (2022, 63, "Hải Dương", "dti", 0.5, None, "press-new")]
    preferred = data.preferred_from(_synthetic(rows), SYNTHETIC_SOURCES)
    assert preferred["rank"].item() == 13 and preferred["score"].item() == 0.5
    assert not preferred["has_conflict"].item()
    assert preferred["source_id"].item() == "official"


def test_preferred_of_an_empty_table_is_empty():
    assert data.preferred_from(_synthetic([]), SYNTHETIC_SOURCES).empty


def test_precedence_rule_is_written_down():
    assert "official DTI portal" in PRECEDENCE_RULE


def test_data_dir_argument_and_environment_variable(tmp_path, monkeypatch):
    root = copy_data(tmp_path)
    assert len(data.load_dti(root)) == len(data.load_dti())
    monkeypatch.setenv("DTI_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(UserError, match="processed table missing"):
        data.load_dti()
    monkeypatch.setenv("DTI_DATA_DIR", str(root))
    assert len(data.load_dti()) > 300


def test_province_registry_has_63_provinces_34_units_and_the_merger():
    provinces, units = data.load_provinces(), data.load_units_2025()
    assert len(provinces) == 63 and provinces["code"].is_unique and provinces["slug"].is_unique
    assert len(units) == 34
    hd = provinces.set_index("name").loc["Hải Dương"]
    assert hd["code"] == "30" and hd["slug"] == "hai-duong" and hd["unit_2025"] == "Hải Phòng"


@pytest.mark.parametrize("written", ["Hải Dương", "hai duong", "Tỉnh Hải Dương", "HẢI DƯƠNG",
                                     "Hai Duong"])
def test_resolve_province_accepts_spellings(written):
    assert data.resolve_province(written) == "Hải Dương"


@pytest.mark.parametrize("written, canonical", [
    ("TP. Hải Phòng", "Hải Phòng"), ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
    ("Hòa Bình", "Hoà Bình"), ("Thanh Hoá", "Thanh Hóa"), ("TP.HCM", "Hồ Chí Minh"),
    ("Ðắk Lắk", "Đắk Lắk"),
])
def test_aliases_and_tone_mark_placement(written, canonical):
    assert data.resolve_province(written) == canonical


def test_unicode_nfd_input_is_normalised():
    import unicodedata

    assert data.resolve_province(unicodedata.normalize("NFD", "Hải Dương")) == "Hải Dương"


def test_unknown_province_suggests_the_closest():
    with pytest.raises(UserError) as error:
        data.resolve_province("Hai Duongg")
    assert "Hải Dương" in str(error.value) and "province" in str(error.value)


def test_editions_and_national_units():
    assert data.editions() == [2020, 2021, 2022, 2023, 2024]
    assert set(data.load_dti()["unit"]) & set(NATIONAL_UNITS)


def test_targets_identify_12_of_14_and_keep_revisions_apart():
    targets, revisions, status = (data.load_targets(), data.load_target_revisions(),
                                  data.load_target_status())
    assert targets["target_id"].nunique() == 12
    assert status["of_total"].unique().tolist() == [14]
    assert dict(zip(status["status"], status["n_targets"])) == {
        "completed": 5, "at_least_60pct": 7, "at_43pct": 1, "initially_deployed": 1}
    t11 = revisions.set_index(["target_id", "horizon"]).loc[("T11", 2025)]
    assert (t11["from_value"], t11["to_value"]) == (700, 200)
    assert t11["proposed_on"] == "2023-04-06" and t11["status"] == "proposed"
    # the original value stays in the targets table: revisions are appended, not overwritten
    assert targets.set_index(["target_id", "horizon"]).loc[("T11", 2025), "value"] == 700


def test_blank_text_fields_load_as_empty_strings_not_missing():
    sources, targets = data.load_sources(), data.load_targets()
    assert not sources["date_published"].isna().any() and (sources["date_published"] == "").any()
    assert not targets["label_vi"].isna().any()


# --- the precedence rule, pinned in full order (SYNTHETIC sources and figures) ---------------------

ORDER_SOURCES = pd.DataFrame({
    "source_id": ["official-undated", "own-paper-undated", "press-2023-07-12", "press-2023-07-05",
                  "press-2023-07", "press-2023-06-30", "press-2024", "press-2023-12-31",
                  "press-undated-a", "press-undated-b", "other-paper-2025", "compilation-2025"],
    "tier": [1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2, 4],
    "home_province": ["", "Hải Dương", "", "", "", "", "", "", "", "", "Bắc Ninh", ""],
    "date_published": ["", "", "2023-07-12", "2023-07-05", "2023-07", "2023-06-30", "2024",
                       "2023-12-31", "", "", "2025-01-01", "2025-01-01"],
})


@pytest.mark.parametrize("present, expected", [
    # 1. tier first, whatever the dates: the portal, the province's own paper, press, compilations
    (["official-undated", "press-2024"], "official-undated"),
    (["own-paper-undated", "press-2024"], "own-paper-undated"),
    (["compilation-2025", "press-2023-06-30"], "press-2023-06-30"),
    # 2. another province's paper is press for this province; then its date counts like any press
    (["other-paper-2025", "press-2024"], "other-paper-2025"),
    (["other-paper-2025", "own-paper-undated"], "own-paper-undated"),
    # 3. within a tier, a dated page beats an undated one (Hà Nội 2023 depends on this)
    (["press-undated-a", "press-2023-06-30"], "press-2023-06-30"),
    # 4. then the most recent date, compared as dates, a partial date by its first day
    (["press-2023-07-05", "press-2023-07-12"], "press-2023-07-12"),
    (["press-2023-06-30", "press-2023-07"], "press-2023-07"),
    (["press-2023-12-31", "press-2024"], "press-2024"),
    (["press-2023-07", "press-2023-07-12"], "press-2023-07-12"),  # same month: the exact day wins
    # 5. last, two pages alike in all of that: the smaller source_id, so the choice never wavers
    (["press-undated-b", "press-undated-a"], "press-undated-a"),
])
def test_precedence_rule_full_order(present, expected):
    for order in (present, present[::-1]):  # the order rows arrive in never matters
        rows = [(2022, 63, "Hải Dương", "dti", None, 10 + i, s) for i, s in enumerate(order)]
        preferred = data.preferred_from(_synthetic(rows), ORDER_SOURCES)
        assert preferred["rank_source_id"].item() == expected


def test_hanoi_2023_rank_comes_from_the_dated_page_of_its_tier():
    # hanoitimes (5th) and nguoihanoi (6th) are both Hà Nội's own press; only nguoihanoi is dated.
    pref = data.preferred_dti().set_index(["year", "unit_system", "unit", "measure"])
    hanoi = pref.loc[(2023, 63, "Hà Nội", "dti")]
    assert hanoi["rank"] == 6 and hanoi["rank_source_id"] == "nguoihanoi-vn-10af73"
    sources = data.load_sources().set_index("source_id")
    assert sources.loc["hanoitimes-vn-03f346", "date_published"] == ""
    assert sources.loc["hanoitimes-vn-03f346", "tier"] == sources.loc["nguoihanoi-vn-10af73", "tier"]


def test_source_dates_are_zero_padded_iso_so_they_compare_as_dates():
    dates = data.load_sources()["date_published"]
    assert dates.str.fullmatch(r"(\d{4}(-\d{2}(-\d{2})?)?)?").all()


# --- the portal's 2022 detailed table (rows 1-5), imported with import-dti --------------------------

PORTAL_2022_ID = "dti-gov-vn-4a6c02"


def test_the_portal_2022_table_gives_the_best_province_of_each_indicator():
    pref = data.preferred_dti()
    year = pref[(pref["year"] == 2022) & (pref["unit_system"] == 63) & pref["score"].notna()]
    # Figures of https://dti.gov.vn/xep-hang-2022 as saved in data/raw/official/ (see provenance).
    expected = {"awareness": ({"Đà Nẵng"}, 1.0), "institutions": ({"Đà Nẵng", "Hồ Chí Minh",
                "Quảng Ninh", "Thừa Thiên Huế"}, 0.9), "infrastructure": ({"Hồ Chí Minh"}, 0.8258),
                "human_resources": ({"Đà Nẵng"}, 0.8487), "cybersecurity": ({"Đà Nẵng"}, 0.7578),
                "activity_government": ({"Đà Nẵng"}, 0.8575), "activity_economy": ({"Đà Nẵng"}, 0.7836),
                "activity_society": ({"Đà Nẵng"}, 0.5197), "dti": ({"Đà Nẵng"}, 0.8002)}
    for measure, (units, score) in expected.items():
        rows = year[year["measure"] == measure]
        best = rows[rows["score"] == rows["score"].max()]
        assert set(best["unit"]) == units and best["score"].iloc[0] == pytest.approx(score), measure
        assert (best["score_source_id"] == PORTAL_2022_ID).all()
    danang = year[(year["unit"] == "Đà Nẵng") & (year["measure"] == "dti")]
    assert danang["rank"].item() == 1 and danang["rank_source_id"].item() == PORTAL_2022_ID


def test_the_portal_2022_page_carries_its_announcement_date():
    sources = data.load_sources().set_index("source_id")
    assert sources.loc[PORTAL_2022_ID, "date_published"] == "2023-07-12"
    assert sources.loc[PORTAL_2022_ID, "tier"] == 1


def test_the_political_school_page_has_no_publication_date():
    # The "2022" once read as its date was the site's banner, not a publication date.
    sources = data.load_sources()
    school = sources[sources["url"].str.startswith("http://truongchinhtri.haiduong.org.vn/")]
    assert len(school) == 1 and school["date_published"].iloc[0] == ""


def test_draft_wordings_are_kept_apart_from_the_adopted_text_and_cite_their_page():
    drafts = data.load_target_drafts()
    assert set(drafts["target_id"]) == {"T01", "T02", "T05", "T08"}
    assert drafts["wording_vi"].str.len().gt(0).all()
    assert set(drafts["date"]) == {"2021-03-23"}
    sources = data.load_sources().set_index("source_id")
    page = sources.loc[drafts["source_id"].iloc[0]]
    assert page["publisher"].startswith("Báo Đầu tư") and page["date_published"] == "2021-03-23"
    # targets.csv keeps only what the adopted resolution (or its reports) say: no draft text.
    targets = data.load_targets()
    assert not targets["wording_vi"].isin(drafts["wording_vi"]).any()
