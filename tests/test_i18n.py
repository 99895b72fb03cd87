"""Catalogs agree across languages; Babel formats; Vietnamese alphabetical order."""

from __future__ import annotations

import string

import pytest
from babel import Locale

from analysis import i18n
from analysis.measures import LANGS


def _placeholders(message) -> set[str]:
    texts = message.values() if isinstance(message, dict) else [message]
    return {field for text in texts for _, field, _, _ in string.Formatter().parse(text) if field}


def test_every_key_exists_in_every_language():
    keys = {lang: set(i18n.catalog(lang)) for lang in LANGS}
    for lang in LANGS:
        for other in LANGS:
            missing = sorted(keys[lang] - keys[other])
            assert not missing, f"in locales/{lang}.toml but not locales/{other}.toml: {missing}"


def test_a_message_has_the_same_placeholders_in_every_language():
    vi, en = i18n.catalog("vi"), i18n.catalog("en")
    differ = {key: (_placeholders(vi[key]), _placeholders(en[key]))
              for key in vi if key in en and _placeholders(vi[key]) != _placeholders(en[key])}
    assert not differ


def test_plural_messages_give_every_category_the_language_uses():
    for lang in LANGS:
        for key, message in i18n.catalog(lang).items():
            if isinstance(message, dict) and key != "format.ordinal":
                needed = set(Locale.parse(i18n.BABEL_LOCALE[lang]).plural_form.tags) | {"other"}
                assert needed <= set(message), (lang, key)


def test_an_unknown_key_names_the_catalog():
    with pytest.raises(KeyError, match="locales/vi.toml"):
        i18n.t("no.such.key", "vi")


@pytest.mark.parametrize("lang, expected", [("vi", "0,6383"), ("en", "0.6383")])
def test_scores_keep_four_decimals_in_the_language_s_convention(lang, expected):
    assert i18n.number(0.6383, lang) == expected


def test_thousands_and_needless_decimals():
    assert i18n.number(1000, "vi", 0) == "1.000"
    assert i18n.number(1000, "en", 0) == "1,000"
    assert i18n.value(20.0, "vi") == "20"
    assert i18n.value(17.5, "vi") == "17,5"


def test_percentages():
    assert i18n.percent(0.806, "vi") == "81%"
    assert i18n.percent(0.806, "en", 1) == "80.6%"
    assert i18n.percent(0.806, "vi", 1) == "80,6%"


def test_dates_and_months():
    assert i18n.date("2022-12-31", "vi") == "31/12/2022"
    assert i18n.date("2022-12-31", "en") == "31 December 2022"
    assert i18n.date("2023-04", "en") == "April 2023"
    assert i18n.date("2023-04", "vi") == "tháng 4 năm 2023"
    assert i18n.date("early 2025", "en") == "early 2025"


def test_lists_and_ordinals():
    assert i18n.join(["A", "B", "C"], "vi") == "A, B và C"
    assert i18n.join(["A", "B"], "en") == "A and B"
    assert [i18n.ordinal(n, "en") for n in (1, 2, 3, 4, 11, 13, 21, 22)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "13th", "21st", "22nd"]
    assert i18n.ordinal(13, "vi") == "thứ 13"


def test_formats_written_once_still_follow_each_value_and_language():
    # Numbers and dates are formatted once per process and kept: a cached format must never
    # stand for another value, sign, pattern or language.
    assert [i18n.number(v, "vi") for v in (0.5, 0.25, 0.5)] == ["0,5000", "0,2500", "0,5000"]
    assert i18n.number(-0.0, "en") == "-0.0000" and i18n.number(0.0, "en") == "0.0000"
    assert i18n.value(17.5, "en") == "17.5" and i18n.value(17.5, "vi") == "17,5"
    assert i18n.percent(0.5, "en") == "50%" and i18n.number(0.5, "en", 0) == "0"
    assert i18n.date("2022-12-31", "en") != i18n.date("2022-12-30", "en")
    assert i18n.date(" 2023-04", "vi") == "tháng 4 năm 2023"
    assert i18n.date("early 2025 ", "en") == "early 2025 "


def test_missing_figures_are_a_dash():
    assert i18n.number(None, "vi") == i18n.MISSING
    assert i18n.percent(float("nan"), "en") == i18n.MISSING
    assert i18n.ordinal(None, "en") == i18n.MISSING


def test_vietnamese_alphabetical_order():
    names = ["Bình Thuận", "Bạc Liêu", "Bắc Giang", "Bình Định", "Bà Rịa - Vũng Tàu", "Bến Tre",
             "Đắk Lắk", "Điện Biên", "Cà Mau", "Cần Thơ", "Đà Nẵng", "Gia Lai", "Hà Nội", "Hải Dương",
             "Hà Giang", "Hưng Yên", "Hòa Bình", "Ô tô", "Ơ", "Yên Bái", "An Giang"]
    assert sorted(names, key=i18n.vietnamese_sort_key) == [
        "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bến Tre", "Bình Định",
        "Bình Thuận", "Cà Mau", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Điện Biên", "Gia Lai",
        "Hà Giang", "Hà Nội", "Hải Dương", "Hòa Bình", "Hưng Yên", "Ô tô", "Ơ", "Yên Bái"]


def test_tone_marks_only_break_ties():
    assert sorted(["má", "mà", "ma", "mạ", "mả", "mã"], key=i18n.vietnamese_sort_key) == \
        ["ma", "mà", "mả", "mã", "má", "mạ"]
    # a tone never outweighs a letter: "mạch" (a, dot below) comes before "mắc" (ă)
    assert sorted(["mắc", "mạch"], key=i18n.vietnamese_sort_key) == ["mạch", "mắc"]


def test_preload_reads_babels_data_for_every_language_once():
    """The batch's template calls preload() before forking kernels: each kernel then finds
    Babel's locale data already read (read per kernel, it was a fifth of a brief's time)."""
    import json
    import subprocess
    import sys

    def cached_after(statement):  # in a process that has formatted nothing yet
        code = ("import json; from babel import localedata; from analysis import i18n; "
                f"{statement}; print(json.dumps(sorted(localedata._cache)))")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout
        return set(json.loads(out))

    wanted = {i18n.BABEL_LOCALE[lang] for lang in i18n.LANGS}
    assert not wanted & cached_after("pass")
    assert wanted | {"root"} <= cached_after("i18n.preload()")



def _catalog_texts(lang: str) -> list[str]:
    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                yield from walk(value)
        else:
            yield str(node)
    return list(walk(i18n.catalog(lang)))


@pytest.mark.parametrize("lang,phrases", [
    ("vi", ["Vai trò", "Hồ sơ một kỳ", "Không theo tỉnh", "nhóm {top} dẫn đầu",
            "nhóm {value} dẫn đầu", "các kỳ {years}", "gồm {province}) hạng {rank}/{n_units}"]),
    ("en", ["None of the figures below", "ranked {rank}/{n_units}"])])
def test_phrases_that_read_as_translated_are_gone(lang, phrases):
    texts = _catalog_texts(lang)
    for phrase in phrases:
        assert not [t for t in texts if phrase in t], phrase
    assert i18n.t("table.role.best", "vi") != "cao nhất"
    assert i18n.t("table.column.role", "en") != "Role"


def test_the_first_half_of_a_year_is_said_in_words():
    from analysis.paths import REPO_ROOT
    translations = (REPO_ROOT / "data" / "translations.csv").read_text(encoding="utf-8")
    assert "(H1)" not in translations and "H1 2023,en,vi,nửa đầu năm 2023," in translations
