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

Text from the data written in one language only (a target's wording, a unit such as "% of GRDP",
the project's English descriptors of publishers and pages) is shown in the brief's language by
`data_text`, from `data/translations.csv`: text as the data gives it, text_lang, target_lang,
translation, kind (`source_wording`: a source's own words, marked "(bản dịch)" / "(translation)"
in the brief; `project_text`: the project's own descriptor, translated like a label), translated_by,
translated_from (processed table:column), note. `check_translations` lists every incomplete row,
changed number and data text left without a translation (`NEEDS_TRANSLATION`).

Vietnamese alphabetical order (`vietnamese_sort_key`): a ă â b c d đ e ê g h i k l m n o ô ơ p q r
s t u ư v x y, word by word; tone marks only break ties.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from babel import Locale
from babel.dates import format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal, parse_pattern
from babel.numbers import format_percent as _babel_percent

from analysis.ingest import dates
from analysis.measures import LANGS
from analysis.paths import data_dir as resolve_data_dir
from analysis.paths import processed_dir

LOCALES_DIR = Path(__file__).with_name("locales")
BABEL_LOCALE = {"vi": "vi", "en": "en_GB"}  # en_GB: "31 December 2022", as the briefs had
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
MISSING = "—"  # a figure nobody published, in tables; one legend line explains it


@functools.cache
def babel_locale(lang: str) -> Locale:
    """The Babel locale of a brief language, parsed once (`Locale.parse` is not cached)."""
    return Locale.parse(BABEL_LOCALE[check_lang(lang)])


@functools.cache
def _number_pattern(pattern: str):
    """A parsed number pattern ("#,##0.##"), parsed once."""
    return parse_pattern(pattern)


def preload() -> None:
    """Read now what formatting reads on first use (the catalogs, Babel's locale and global
    data), so that the processes forked afterwards (the batch's kernels) share it: read in each
    kernel, it was a fifth of a brief's time."""
    for lang in LANGS:
        catalog(lang)
        babel_locale(lang).plural_form(1)
        join(["a", "b", "c"], lang)
        number(0.5, lang)
        integer(1000, lang)
        percent(0.5, lang)
        value(1.5, lang)
        date("2022-01-31", lang)
        date("2022-01", lang)
        ordinal(1, lang)


def check_lang(lang: str) -> str:
    """`lang` itself when it is one of the briefs' languages (LANGS); a ValueError otherwise."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def _is_plural(value) -> bool:
    """Whether a catalog value is a plural message (CLDR plural categories, `other` among them)."""
    return isinstance(value, dict) and "other" in value and set(value) <= PLURAL_CATEGORIES


def _flatten(table: dict, prefix: str = "") -> dict:
    """A catalog's nested TOML tables as one dict by dotted key (plural messages kept as dicts)."""
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
        message = message.get(babel_locale(lang).plural_form(
            getattr(count, "plural_value", count)), message["other"])
    if count is not None and "count" not in values:
        # A figure's element (analysis.citations.Fig) is shown as it is; a plain count formatted.
        values["count"] = count if isinstance(count, str) else integer(count, lang)
    return message.format(**values) if values else message


def label(measure: str, lang: str = "vi") -> str:
    """A measure's name in `lang` (catalog `[label.measures]`); an unknown measure as it is."""
    return catalog(check_lang(lang)).get(f"label.measures.{measure}", measure)


def is_missing(value) -> bool:
    """Whether `value` is None, <NA> or NaN (a value pandas cannot test, a list, is not missing)."""
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
    return _formatted(float(value), pattern, lang)


def integer(value, lang: str) -> str:
    """1000 -> "1.000" (vi) / "1,000" (en), rounded to a whole number; missing -> "—"."""
    return number(value, lang, decimals=0)


def value(v, lang: str, max_decimals: int = 2) -> str:
    """A value without needless decimals: 20.0 -> "20", 17.5 -> "17,5" (vi)."""
    if is_missing(v):
        return MISSING
    pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    return _formatted(float(v), pattern, lang)


def percent(share, lang: str, decimals: int = 0) -> str:
    """A share in [0, 1]: 0.806 -> "81%"; decimals=1 -> "80,6%" (vi)."""
    if is_missing(share):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    return _formatted(float(share), pattern, lang)


def _formatted(number: float, pattern: str, lang: str) -> str:
    """`number` in the Babel `pattern` ("#,##0.##", "#,##0%") and the language's symbols; each
    (number, sign, pattern, language) formatted once per process (a brief writes the same
    ranks, years and axis ticks dozens of times, and Babel takes ~50 µs a number)."""
    return _formatted_once(number, math.copysign(1.0, number), pattern, lang)


@functools.lru_cache(maxsize=4096)
def _formatted_once(number: float, sign: float, pattern: str, lang: str) -> str:
    """`_formatted`, cached; `sign` tells -0.0 from 0.0, which are one key otherwise."""
    format_number = _babel_percent if pattern.endswith("%") else format_decimal
    return format_number(number, format=_number_pattern(pattern), locale=babel_locale(lang))


def date(iso, lang: str) -> str:
    """"2022-12-31" -> "31/12/2022" (vi) / "31 December 2022" (en); "2023-04" -> month and year;
    "2023" -> "2023". Text that is not a date by the data's rule (`analysis.ingest.dates`) is
    returned as it is; a missing value as "—"."""
    if is_missing(iso):
        return MISSING
    return _date_once(str(iso), lang)


@functools.lru_cache(maxsize=1024)
def _date_once(iso: str, lang: str) -> str:
    """`date` of a text, written once per process per (text, language): Babel's date format
    costs ~0.1 ms, and a brief dates the same few sources a hundred times."""
    when = dates.parse(iso.strip())
    if when is None:
        return str(iso)
    if when.precision == dates.YEAR:
        return str(when.year)
    skeleton = t("format.date_skeleton" if when.precision == dates.DAY else "format.month_skeleton",
               lang)
    return format_skeleton(skeleton, when.first_day, locale=babel_locale(lang))


def join(items, lang: str) -> str:
    """["a", "b", "c"] -> "a, b và c" (vi) / "a, b and c" (en)."""
    items = [str(i) for i in items]
    return format_list(items, locale=babel_locale(lang)) if items else ""


def ordinal(rank, lang: str) -> str:
    """13 -> "thứ 13" (vi) / "13th" (en), by the language's ordinal rule; missing -> "—"."""
    if is_missing(rank):
        return MISSING
    forms = catalog(check_lang(lang))["format.ordinal"]
    category = babel_locale(lang).ordinal_form(int(rank))
    return forms.get(category, forms["other"]).format(n=int(rank))


# --- text from the data, and its translations ------------------------------------------------

TRANSLATIONS_FILE = "translations.csv"
TRANSLATION_COLUMNS = ("text", "text_lang", "target_lang", "translation", "kind", "translated_by",
                       "translated_from", "note")
# A translation of words a source gave (a target's wording) is marked as such in the brief; the
# project's own descriptors (units, periods) are translated without a mark, as labels are.
TRANSLATION_KINDS = {"source_wording": True, "project_text": False}
# Publishers are names, kept as published, except the project's English descriptors in them
# ("(English)", "author …", "official DTI portal"): those publisher names need a translation.
ENGLISH_DESCRIPTOR = re.compile(
    r"(?<![\w.])(english|en|author|aggregator|reposting|third-party|portal|official|unknown|"
    r"original|mirror|provincial|school|online|foreign-affairs)(?![\w.])", re.IGNORECASE)
# Titles are kept as published, except the project's description of a page it could not copy
# the title of ("(URL slug: '…')", "(mirror site)").
PAGE_DESCRIPTOR = re.compile(r"URL slug|title not in page|English edition|article on|"
                             r"same article as|mirror site|dataset viewer")
# The data texts that reach a brief and are written in one language only: (table, column, the
# language they are written in, a column whose emptiness makes the translation needed, or None,
# a pattern the text must match to need one, or None).
NEEDS_TRANSLATION = (
    ("targets.csv", "label_en", "en", "label_vi", None),
    ("targets.csv", "label_vi", "vi", "label_en", None),
    ("targets.csv", "unit", "en", None, None),
    ("targets.csv", "value_text", "en", None, None),
    ("target_progress.csv", "as_of", "en", None, None),
    ("target_progress.csv", "value_text", "en", None, None),
    ("target_progress.csv", "unit", "en", None, None),
    ("target_revisions.csv", "unit", "en", None, None),
    ("target_revisions.csv", "proposed_by", "en", None, None),
    ("target_revisions.csv", "proposed_to", "en", None, None),
    ("target_revisions.csv", "from_wording_vi", "vi", None, None),
    ("target_revisions.csv", "to_wording_vi", "vi", None, None),
    ("sources.csv", "publisher", "en", None, ENGLISH_DESCRIPTOR),
    ("sources.csv", "title", "en", None, PAGE_DESCRIPTOR),
    ("sources.csv", "date_shown", "en", "date_published", None),
)


@dataclass(frozen=True)
class Translation:
    """One text as a brief in some language shows it: the text, whether the project translated it,
    whether the brief must say so, and by whom and from what."""
    text: str  # as shown in the brief's language
    translated: bool  # True when it is a translation made by the project
    marked: bool  # True when the brief must say it is a translation
    translated_by: str = ""
    translated_from: str = ""


def _translations_path(data_dir=None) -> Path:
    """Where `translations.csv` is: in the given data folder, else the default one."""
    return resolve_data_dir(data_dir) / TRANSLATIONS_FILE


@functools.lru_cache(maxsize=8)
def _read_translations(path: str, mtime_ns: int) -> pd.DataFrame:
    """The translations file, every column as text, read once per version on disk (`mtime_ns`); a
    ValueError when a column is missing."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in TRANSLATION_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame


def load_translations(data_dir=None) -> pd.DataFrame:
    """`data/translations.csv`: one row per (text, target_lang); an empty table when the data
    folder has none (a test fixture), so every text is then shown as the source gave it."""
    path = _translations_path(data_dir)
    if not path.exists():
        return pd.DataFrame({c: pd.Series(dtype=str) for c in TRANSLATION_COLUMNS})
    return _read_translations(str(path), path.stat().st_mtime_ns).copy()


@functools.lru_cache(maxsize=8)
def _lookup(path: str, mtime_ns: int) -> dict:
    """The translations by (text, target language), built once per version of the file on disk."""
    frame = _read_translations(path, mtime_ns)
    return {(row.text, row.target_lang): row for row in frame.itertuples(index=False)}


def translate(text, lang: str, data_dir=None) -> Translation:
    """`text` from the data in `lang`: the project's translation where the text is written in
    another language (with who made it, and whether the brief must mark it), else unchanged."""
    check_lang(lang)
    text = "" if is_missing(text) else str(text)
    path = _translations_path(data_dir)
    row = _lookup(str(path), path.stat().st_mtime_ns).get((text, lang)) if path.exists() else None
    if row is None or row.text_lang == lang:
        return Translation(text, translated=False, marked=False)
    return Translation(row.translation, translated=True,
                       marked=TRANSLATION_KINDS.get(row.kind, True),
                       translated_by=row.translated_by, translated_from=row.translated_from)


def body(name, lang: str) -> str:
    """A body named in the data (e.g. who proposed a revision) in `lang`: the catalog's name
    for it (`[chart.body]`), else the data's text."""
    key = f"chart.body.{name}"
    return t(key, lang) if key in catalog(lang) else data_text(str(name), lang)


def data_text(text, lang: str, data_dir=None) -> str:
    """Text that comes from the data (a target's wording, a unit such as "% of GRDP") in `lang`.
    Translations live in `data/translations.csv` with who made them and from what; a translation
    of a source's own wording is marked "(bản dịch)" / "(translation)". A text with no
    translation is returned as the source gave it."""
    shown = translate(text, lang, data_dir)
    return t("label.data_text.translated", lang, text=shown.text) if shown.marked else shown.text


_LETTER = re.compile(r"[^\W\d_]")
# A number a translation must keep; digits glued to letters name something ("H1" = first half,
# said in words in Vietnamese) and are not a figure.
_DIGITS = re.compile(r"(?<![^\W\d_])\d+")


def _needs_words(text: str) -> bool:
    """Text with words in it (not a bare number, percentage or ISO date)."""
    return bool(_LETTER.search(text)) and dates.parse(text.strip()) is None


def texts_needing_translation(data_dir=None) -> pd.DataFrame:
    """Every data text that reaches a brief in one language only: text, text_lang, target_lang,
    and where it comes from (table:column)."""
    folder = processed_dir(resolve_data_dir(data_dir))
    rows = []
    for table, column, text_lang, unless, pattern in NEEDS_TRANSLATION:
        if not (folder / table).exists():
            continue  # a data folder without that table (a test fixture) needs nothing from it
        frame = pd.read_csv(folder / table, dtype=str, keep_default_na=False)
        if column not in frame:
            continue
        for text, other in zip(frame[column], frame[unless] if unless else [""] * len(frame)):
            if (text.strip() and _needs_words(text) and not (unless and other.strip())
                    and (pattern is None or pattern.search(text))):
                for target in LANGS:
                    if target != text_lang:
                        rows.append((text, text_lang, target, f"processed/{table}:{column}"))
    frame = pd.DataFrame(rows, columns=["text", "text_lang", "target_lang", "found_in"])
    return frame.drop_duplicates(["text", "target_lang"]).reset_index(drop=True)


def check_translations(data_dir=None) -> list[str]:
    """Problems of `data/translations.csv`, one line each (empty list: none): every column of
    every row filled, languages known, one row per (text, target language), the numbers of the
    text kept in the translation, and a translation for every data text that needs one."""
    name = TRANSLATIONS_FILE
    frame = load_translations(data_dir)
    problems = []
    for line, row in enumerate(frame.itertuples(index=False), start=2):
        for column in TRANSLATION_COLUMNS:
            if not str(getattr(row, column)).strip():
                problems.append(f"{name}, line {line}, column {column}: empty; every column "
                                "must be filled")
        for column in ("text_lang", "target_lang"):
            if getattr(row, column) not in LANGS:
                problems.append(f"{name}, line {line}, column {column}: "
                                f"{getattr(row, column)!r}: must be one of {', '.join(LANGS)}")
        if row.text_lang == row.target_lang:
            problems.append(f"{name}, line {line}, column target_lang: {row.target_lang!r}: "
                            "the same language as the text")
        if row.kind not in TRANSLATION_KINDS:
            problems.append(f"{name}, line {line}, column kind: {row.kind!r}: must be one of "
                            f"{', '.join(TRANSLATION_KINDS)}")
        # Numbers, not digit strings: "2024-08" may become "tháng 8/2024".
        if sorted(map(int, _DIGITS.findall(row.text))) != sorted(
                map(int, _DIGITS.findall(row.translation))):
            problems.append(f"{name}, line {line}, column translation: the numbers of the "
                            f"text ({' '.join(_DIGITS.findall(row.text))}) must all be kept")
    duplicated = frame[frame.duplicated(["text", "target_lang"], keep=False)]
    for text, target in dict.fromkeys(zip(duplicated["text"], duplicated["target_lang"])):
        problems.append(f"{name}: {text!r} has more than one translation into {target}")
    have = set(zip(frame["text"], frame["target_lang"]))
    for need in texts_needing_translation(data_dir).itertuples(index=False):
        if (need.text, need.target_lang) not in have:
            problems.append(f"{name}: no translation into {need.target_lang} of {need.text!r} "
                            f"({need.found_in})")
    return problems


# --- Vietnamese alphabetical order ---------------------------------------------------------------

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"  # f j w z: Latin letters in loanwords and codes
_LETTER_RANK = {letter: i for i, letter in enumerate(_ALPHABET)}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}  # huyền hỏi ngã sắc nặng
_QUALITY = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def _letters_and_tone(word: str) -> tuple[tuple, int]:
    """A word's letters as ranks in the Vietnamese alphabet (ă, â, đ, ê, ô, ơ, ư letters of their
    own) and its tone mark (0 none, 1–5 huyền hỏi ngã sắc nặng)."""
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
