"""The source registry (`analysis.ingest.sources`): stable ids, dates read from the notes, tiers."""

from __future__ import annotations

import pytest

from analysis.ingest import dates
from analysis.ingest.sources import (
    TIER_OFFICIAL,
    TIER_PRESS,
    TIER_PROVINCE,
    TIER_THIRD_PARTY,
    build_registry,
    home_province,
    parse_date,
    source_id,
    split_urls,
    tier_of,
)


def test_source_ids_are_stable_functions_of_the_url():
    assert source_id("https://dti.gov.vn/xep-hang-2022") == source_id("https://dti.gov.vn/xep-hang-2022")
    assert source_id("https://dti.gov.vn/xep-hang-2022").startswith("dti-gov-vn-")
    assert source_id("https://dti.gov.vn/a") != source_id("https://dti.gov.vn/b")
    assert source_id("https://www.baohaiduong.vn/x").startswith("baohaiduong-vn-")


@pytest.mark.parametrize("shown, iso", [
    ("20/08/2022", "2022-08-20"),
    ("8/2/2021", "2021-02-08"),  # day first, as Vietnamese pages write it
    ("published 2023-07-12 10:00", "2023-07-12"),
    ("2023-07", "2023-07"),
    ("March 2021", "2021-03"),
    ("mid-2021", "2021"),
    ("c. 2025 (cites end-2024)", "2025"),
    ("not shown", ""),
    ("n/d", ""),
    ("", ""),
    ("no date here", ""),
])
def test_a_date_shown_becomes_the_iso_date_the_one_rule_accepts(shown, iso):
    assert parse_date(shown) == iso
    assert dates.is_valid(iso, blank=True)


def test_a_date_shown_outside_the_calendar_is_kept_for_the_schema_to_refuse():
    # parse_date reads; the one rule (analysis.ingest.dates) judges, where the problem is located.
    assert parse_date("30/02/2022") == "2022-02-30"
    assert not dates.is_valid(parse_date("30/02/2022"), blank=True)


def test_split_urls():
    assert split_urls("https://a.vn/1 ; https://b.vn/2 ; ") == ["https://a.vn/1", "https://b.vn/2"]
    assert split_urls(None) == [] and split_urls(float("nan")) == []


def test_tiers_official_province_press_third_party():
    provinces = ["Hải Dương", "Bắc Ninh"]
    assert tier_of("https://dti.gov.vn/xep-hang-2022", "") == TIER_OFFICIAL
    home = home_province("https://baohaiduong.vn/article", provinces)
    assert home == "Hải Dương" and tier_of("https://baohaiduong.vn/article", home) == TIER_PROVINCE
    assert tier_of("https://vnexpress.net/x", home_province("https://vnexpress.net/x", provinces)) \
        == TIER_PRESS
    assert tier_of("https://huggingface.co/datasets/x", "") == TIER_THIRD_PARTY


def test_the_registry_describes_each_cited_url_once_and_the_first_note_wins():
    notes = [{"url": "https://a.vn/1", "publisher": "Báo A", "title": "T1",
              "date_shown": "20/08/2022", "described_in": "dti_sources.md"},
             {"url": "https://a.vn/1", "publisher": "Other", "title": "T2", "date_shown": "",
              "described_in": "targets_sources.md"}]
    registry = build_registry(["https://a.vn/1", "https://b.vn/2", "https://a.vn/1"], notes, [])
    assert list(registry["url"]) == ["https://a.vn/1", "https://b.vn/2"]
    first = registry.iloc[0]
    assert (first["publisher"], first["title"], first["date_published"]) == ("Báo A", "T1", "2022-08-20")
    undescribed = registry.iloc[1]
    assert (undescribed["publisher"], undescribed["date_published"], undescribed["described_in"]) \
        == ("b.vn", "", "")
