"""Province names: one key for every spelling sources use, slugs, and the closest names."""

import unicodedata

import pytest

from analysis.names import NameResolver, match_key, nfc, slugify, strip_diacritics, suggest


@pytest.mark.parametrize("spelling", ["TP. Hải Phòng", "Thành phố Hải Phòng", "hải phòng",
                                      "  Hải   Phòng "])
def test_prefixes_case_and_spaces_share_one_key(spelling):
    assert match_key(spelling) == match_key("Hải Phòng")


def test_old_and_new_tone_placement_and_dashes_share_one_key():
    assert match_key("Hoà Bình") == match_key("Hòa Bình")
    assert match_key("Thừa Thiên - Huế") == match_key("Thừa Thiên Huế")
    assert match_key(unicodedata.normalize("NFD", "Hải Dương")) == match_key("Hải Dương")


def test_slugs_and_plain_letters():
    assert slugify("Hải Dương") == "hai-duong"
    assert slugify("Bà Rịa - Vũng Tàu") == "ba-ria-vung-tau"
    assert strip_diacritics("Đắk Lắk") == "Dak Lak"
    assert nfc(unicodedata.normalize("NFD", " Đồng Tháp ")) == "Đồng Tháp"


def test_the_resolver_knows_canonical_plain_and_alias_spellings_and_nothing_else():
    resolver = NameResolver(["Hải Dương", "Hà Nội"], {"Hai Duong province": "Hải Dương"})
    assert resolver.resolve("Hai Duong") == "Hải Dương"  # without diacritics
    assert resolver.resolve("tỉnh Hải Dương") == "Hải Dương"
    assert resolver.resolve("Hai Duong province") == "Hải Dương"
    assert resolver.resolve("Hà Tây") is None
    assert resolver.suggestions("Ha Noi city") == ["Hà Nội"]


def test_suggestions_are_closest_first_and_few():
    known = ["Hải Dương", "Hải Phòng", "Hà Giang", "Hậu Giang", "Lai Châu"]
    assert suggest("Hai Duon", known)[0] == "Hải Dương"
    assert len(suggest("Hai", known, n=2)) <= 2
    assert suggest("Zzzz", known) == []
