"""Words and formats of the briefs, one catalog per language; numbers, dates and lists by Babel.

Catalogs are `locales/<lang>.toml`: symbolic keys grouped in TOML tables (`[heading]`,
`[chart]`, …), values with named placeholders (`"hạng {rank}/{n_units}"`). `t("heading.peers",
lang)` looks one up. A value that is a table of CLDR plural categories (`{one = "…", other =
"…"}`) is chosen by the language's plural rule; Vietnamese needs only `other`.

Why a plain TOML file per language rather than gettext `.po`: the texts are keyed, not
English-as-key (the Vietnamese brief is the primary one); long paragraphs read as multi-line
strings; the standard library reads it (`tomllib`); and a translator edits one file per language
without tooling. Babel still does what it is the standard for: locale-aware numbers,
percentages, dates, lists and plural rules. `tests/test_i18n.py` fails when a key or a
placeholder exists in one language only.

Vietnamese alphabetical order (`vietnamese_sort_key`): a ă â b c d đ e ê g h i k l m n o ô ơ p q r
s t u ư v x y, word by word; tone marks only break ties.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
import unicodedata
from pathlib import Path

import pandas as pd
from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal
from babel.numbers import format_percent as _babel_percent

from analysis.measures import LANGS

LOCALES_DIR = Path(__file__).with_name("locales")
BABEL_LOCALE = {"vi": "vi", "en": "en_GB"}  # en_GB: "31 December 2022", as the briefs had
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
MISSING = "—"  # a figure nobody published, in tables; one legend line explains it


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def _is_plural(value) -> bool:
    return isinstance(value, dict) and "other" in value and set(value) <= PLURAL_CATEGORIES


def _flatten(table: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and not _is_plural(value):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


@functools.cache
def catalog(lang: str) -> dict:
    """Every message of one language, by dotted key (plural messages stay dicts)."""
    path = LOCALES_DIR / f"{check_lang(lang)}.toml"
    with open(path, "rb") as handle:
        return _flatten(tomllib.load(handle))


def t(key: str, lang: str, count: int | None = None, **values) -> str:
    """The message `key` in `lang`, with its placeholders filled from `values` (and `count`)."""
    messages = catalog(lang)
    if key not in messages:
        raise KeyError(f"no message {key!r} in locales/{lang}.toml")
    message = messages[key]
    if isinstance(message, dict):
        if count is None:
            raise TypeError(f"message {key!r} is a plural message: give count=")
        message = message.get(Locale.parse(BABEL_LOCALE[lang]).plural_form(count),
                              message["other"])
    if count is not None:
        values["count"] = integer(count, lang)
    return message.format(**values) if values else message


def is_missing(value) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number(value, lang: str, decimals: int = 4) -> str:
    """0.6383 -> "0,6383" (vi) / "0.6383" (en); 1000 -> "1.000" / "1,000"; missing -> "—"."""
    if is_missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(float(value), format=pattern, locale=BABEL_LOCALE[check_lang(lang)])


def integer(value, lang: str) -> str:
    return number(value, lang, decimals=0)


def value(v, lang: str, max_decimals: int = 2) -> str:
    """A value without needless decimals: 20.0 -> "20", 17.5 -> "17,5" (vi)."""
    if is_missing(v):
        return MISSING
    pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    return format_decimal(float(v), format=pattern, locale=BABEL_LOCALE[check_lang(lang)])


def percent(share, lang: str, decimals: int = 0) -> str:
    """A share in [0, 1]: 0.806 -> "81%"; decimals=1 -> "80,6%" (vi)."""
    if is_missing(share):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return _babel_percent(float(share), format=pattern, locale=BABEL_LOCALE[check_lang(lang)])


_ISO = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")


def date(iso, lang: str) -> str:
    """"2022-12-31" -> "31/12/2022" (vi) / "31 December 2022" (en); "2023-04" -> month and year.
    Text that is not an ISO date is returned as it is."""
    match = _ISO.fullmatch(str(iso).strip()) if not is_missing(iso) else None
    if not match:
        return MISSING if is_missing(iso) else str(iso)
    year, month, day = int(match[1]), int(match[2]), match[3]
    skeleton = t("format.date_skeleton" if day else "format.month_skeleton", lang)
    when = dt.date(year, month, int(day) if day else 1)
    return format_skeleton(skeleton, when, locale=BABEL_LOCALE[lang])


def join(items, lang: str) -> str:
    """["a", "b", "c"] -> "a, b và c" (vi) / "a, b and c" (en)."""
    items = [str(i) for i in items]
    return format_list(items, locale=BABEL_LOCALE[check_lang(lang)]) if items else ""


def ordinal(rank, lang: str) -> str:
    """13 -> "thứ 13" (vi) / "13th" (en), by the language's ordinal rule; missing -> "—"."""
    if is_missing(rank):
        return MISSING
    forms = catalog(check_lang(lang))["format.ordinal"]
    category = Locale.parse(BABEL_LOCALE[lang]).ordinal_form(int(rank))
    return forms.get(category, forms["other"]).format(n=int(rank))


def data_text(text: str, lang: str) -> str:
    """Text that comes from the data (a target's wording, a unit such as "% of GRDP") in `lang`.
    Translations live in `data/` with who made them and from what; until one exists for `text`,
    the text is returned as the source gave it."""
    return text


# --- Vietnamese alphabetical order ---------------------------------------------------------------

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"  # f j w z: Latin letters in loanwords and codes
_LETTER_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_QUALITY = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def _letters_and_tone(word: str) -> tuple[tuple, int]:
    letters, tone = [], 0
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _TONES:
            tone = _TONES[char]
        elif char in _QUALITY and letters:
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + char)
        else:
            letters.append(char)
    return tuple(_LETTER_RANK.get(c, 100 + ord(c)) for c in letters), tone


def vietnamese_sort_key(name: str) -> tuple:
    """Sort key for Vietnamese names: letters word by word first, tone marks only on a tie."""
    words = [_letters_and_tone(w) for w in re.split(r"[\s\-–]+", str(name).strip()) if w]
    return tuple(w[0] for w in words), tuple(w[1] for w in words)
