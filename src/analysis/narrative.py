"""The words of a brief, generated from the data, in Vietnamese (`lang='vi'`) or English ('en').

Every function here is pure: it takes frames from `analysis.data` (or `analysis.comparisons`)
and returns strings (or a small display frame). No figure is typed into a sentence: ranks, scores,
counts and dates all come from the frames. A figure the sources did not give produces an explicit
"not published" / "chưa công bố" sentence, never a guess.

The words live in the catalogs (`locales/<lang>.toml`: `[heading] [title] [method] [narrative]
[status] [unit] [label]`); numbers, percentages, dates and lists are formatted by Babel through
`analysis.i18n`. Text from the data (names, publishers, units, target wordings) is shown in the
brief's language through `i18n.data_text` (translations in `data/translations.csv`).

Sentences are Markdown: every piece of data-derived text in them is escaped (`escape_markdown`),
so a name such as `<img onerror=…>` or `[x](javascript:…)` is shown as text, never run or linked.
Put them into HTML by rendering the Markdown, not by escaping them a second time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import NamedTuple

import pandas as pd

from analysis import comparisons, data, i18n
from analysis.citations import (
    Citations,
    Fig,
    Html,
    n_units_html,
    revision_figure,
    say,
    status_count,
    target_figure,
    target_rank_figure,
    threshold_figure,
    where_of,
)
from analysis.errors import UserError
from analysis.i18n import label
from analysis.measures import (
    FIRST_EDITION,
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    HOME_PROVINCE,
    INDICATORS,
    LANGS,
    NATIONAL_AVERAGE_UNIT,
    OVERALL,
    PILLARS,
    RESOLUTION,
    UNITS_AFTER_MERGER,
    UNITS_BEFORE_MERGER,
)

NOT_PUBLISHED = {lang: i18n.t("common.not_published", lang) for lang in LANGS}


def _check_lang(lang: str) -> str:
    return i18n.check_lang(lang)


def _missing(value) -> bool:
    return i18n.is_missing(value)


# --- Markdown from data ------------------------------------------------------------------------

class Markdown(str):
    """Text that is safe to put into Markdown as it is (catalog words, escaped data)."""


# Markdown's inline syntax (emphasis, code, links, images, tables, strike-through, math in
# Jupyter) and the backslash itself; `<`, `>` and `&` become HTML entities instead.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}|~$!#+])")


def escape_markdown(text) -> Markdown:
    """Data-derived text made inert in Markdown: whitespace runs (newlines too) become one space,
    Markdown punctuation is backslash-escaped, and `<`, `>`, `&` become entities. The rendered
    text reads as the data gave it."""
    if isinstance(text, Markdown):
        return text
    flat = " ".join(str(text).split())
    return Markdown(html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", flat), quote=False))


def _say(key: str, lang: str, count: int | None = None, **values) -> Markdown:
    """A catalog message with its values filled; text values not yet Markdown are escaped."""
    safe = {name: escape_markdown(v) if isinstance(v, str) and not isinstance(v, Html) else v
            for name, v in values.items()}
    return Markdown(i18n.t(key, lang, count, **safe))


def _plain(cites, lang: str) -> Citations:
    return cites if cites is not None else Citations.plain(lang)



def ordinal_of(rank: Fig, lang: str) -> Markdown:
    """"thứ 13" / "13th" with the number as its figure element."""
    forms = i18n.catalog(lang)["format.ordinal"]
    category = i18n.babel_locale(lang).ordinal_form(int(rank.figure.value))
    return Markdown(forms.get(category, forms["other"]).format(n=rank))


def cited_list(sentences: Iterable[str], cites: Citations | None) -> str:
    """Sentences as a Markdown bullet list, each followed by its figures' [n] marks."""
    text = as_markdown(cites.cite(s) if cites is not None and s else s for s in sentences)
    legend = cites.legend_html() if cites is not None else ""
    return f"{text}\n\n{legend}" if legend else text


def _year(year) -> str:
    return str(int(year))  # an edition is a name ("DTI 2022"), never "2.022"


# --- numbers (thin wrappers over analysis.i18n, for display_table and older callers) ----------

def format_number(value, lang: str = "vi", decimals: int = 4) -> str:
    """`0.6383` -> "0,6383" (vi) / "0.6383" (en); thousands "1.000" / "1,000"; NA -> not published."""
    _check_lang(lang)
    return NOT_PUBLISHED[lang] if _missing(value) else i18n.number(value, lang, decimals)


def format_value(value, lang: str = "vi", max_decimals: int = 2) -> str:
    """A value with no needless decimals: 20.0 -> "20", 17.5 -> "17,5" (vi), 1000 -> "1.000"."""
    _check_lang(lang)
    return NOT_PUBLISHED[lang] if _missing(value) else i18n.value(value, lang, max_decimals)


def format_percent(share, lang: str = "vi", decimals: int = 0) -> str:
    """A share in [0, 1] as a percentage: 0.806 -> "81%"; with decimals=1, "80,6%" (vi)."""
    _check_lang(lang)
    return NOT_PUBLISHED[lang] if _missing(share) else i18n.percent(share, lang, decimals)


def format_rank(rank, lang: str = "vi") -> str:
    """13 -> "thứ 13" (vi) / "13th" (en)."""
    _check_lang(lang)
    return NOT_PUBLISHED[lang] if _missing(rank) else i18n.ordinal(rank, lang)


def format_date(iso: str, lang: str = "vi") -> str:
    """"2022-12-31" -> "31/12/2022" (vi) / "31 December 2022" (en); other text unchanged."""
    return i18n.date(iso, _check_lang(lang))


def _join(items: list[str], lang: str) -> str:
    return i18n.join(items, lang)


# --- fixed texts -------------------------------------------------------------------------------

HEADINGS = tuple(key.split(".", 1)[1] for key in i18n.catalog("vi") if key.startswith("heading."))


def heading(key: str, lang: str = "vi", level: int = 2) -> str:
    """A Markdown section heading in the chosen language (catalog `[heading]`)."""
    return f"{'#' * level} {i18n.t(f'heading.{key}', _check_lang(lang))}"


_TITLES = ("year_profile", "trends", "target_revisions")


def title(notebook: str, province: str = HOME_PROVINCE, year: int | None = None,
          lang: str = "vi") -> str:
    """The brief's title as Markdown (level-1 heading), with the parameter values in it."""
    _check_lang(lang)
    name = re.sub(r"^\d+_|\.ipynb$", "", str(notebook).rsplit("/", 1)[-1])
    if name not in _TITLES:
        raise ValueError(f"unknown notebook {notebook!r}")
    if name in ("trends", "target_revisions") and year == FIRST_EDITION:
        name = f"{name}_first_edition"  # one edition: no span of years to speak of
    text = _say(f"title.{name}", lang, province=province, home=HOME_PROVINCE,
                resolution=RESOLUTION, first=_year(FIRST_EDITION),
                year="" if year is None else _year(year))
    return f"# {text}"


def precedence_rule(lang: str = "vi") -> str:
    """The rule that picks one figure where sources disagree (analysis.sources.PRECEDENCE_RULE)."""
    return i18n.t("method.precedence", _check_lang(lang))


def method_note(lang: str = "vi") -> str:
    """What the DTI measures, its structure over editions, the 2025 merger and percentiles."""
    _check_lang(lang)
    return _say("method.note", lang,
                pillars=i18n.join([label(m, lang) for m in PILLARS], lang),
                indicators=i18n.join([label(m, lang) for m in INDICATORS], lang),
                first=_year(FIRST_EDITION), first_eight=_year(FIRST_YEAR_OF_EIGHT_INDICATORS),
                home=HOME_PROVINCE)


# --- labels (for tables and charts) ------------------------------------------------------------

def _section(prefix: str) -> dict[str, str]:
    """The plain messages directly under `prefix.` of the Vietnamese catalog (the keys agree)."""
    return {key[len(prefix) + 1:]: key for key, message in i18n.catalog("vi").items()
            if key.startswith(prefix + ".") and "." not in key[len(prefix) + 1:]
            and isinstance(message, str)}


def column_label(column: str, lang: str = "vi") -> str:
    """A column's heading in `lang` (catalog `[label]`); an unknown column as it is."""
    return i18n.catalog(_check_lang(lang)).get(f"label.{column}", column)


_VALUE_SECTIONS = {"role": "label.roles", "position": "label.positions", "status": "status"}


def value_label(column: str, value, lang: str = "vi") -> str:
    """A coded value in words: measure names, roles, positions, statuses; others unchanged."""
    _check_lang(lang)
    if column == "measure":
        return label(value, lang)
    if column == "status":
        return status_label(value, lang)
    section = _VALUE_SECTIONS.get(column)
    return i18n.catalog(lang).get(f"{section}.{value}", value) if section else value


def yes_no(value, lang: str = "vi") -> str:
    """True -> "có" / "yes"; missing -> ""."""
    _check_lang(lang)
    return "" if _missing(value) else i18n.t(f"label.boolean.{str(bool(value)).lower()}", lang)


# The tuples (vi, en) that display_table and wide_table read; the words are the catalog's.
COLUMN_LABELS = {column: tuple(i18n.t(key, lang) for lang in LANGS)
                 for column, key in _section("label").items()}
VALUE_LABELS = {column: {code: tuple(i18n.t(key, lang) for lang in LANGS)
                         for code, key in _section(section).items()}
                for column, section in _VALUE_SECTIONS.items()}

_STATUS_NUMBER = re.compile(r"(\d+)pct")


def status_label(status: str, lang: str = "vi") -> str:
    """A status code in words (catalog `[status]`); the percentage is read from the code
    (at_least_60pct -> "đạt từ 60% trở lên")."""
    messages = i18n.catalog(_check_lang(lang))
    if f"status.{status}" in messages and isinstance(messages[f"status.{status}"], str):
        return messages[f"status.{status}"]
    number = _STATUS_NUMBER.search(str(status))
    if not number:
        return str(status)
    kind = "at_least" if "at_least" in str(status) else "at"
    return i18n.t(f"status.template.{kind}", lang, pct=i18n.percent(int(number[1]) / 100, lang))


# --- sentences ---------------------------------------------------------------------------------

def not_published_sentence(province: str, year: int, lang: str = "vi", what: str | None = None) -> str:
    """An explicit sentence for a figure no source gave. `what`: None (all DTI figures),
    'rank', 'score', or 'profile' (pillar and indicator ranks)."""
    _check_lang(lang)
    key = {None: "all", "rank": "rank", "score": "score", "profile": "profile"}[what]
    return _say(f"narrative.not_published_{key}", lang, province=province, year=_year(year))


def _unit_words(unit_system, lang: str) -> str:
    after = not _missing(unit_system) and int(unit_system) == UNITS_AFTER_MERGER
    return i18n.t("unit.units_34" if after else "unit.provinces_63", lang)


def _n_units(unit_system) -> int:
    return UNITS_BEFORE_MERGER if _missing(unit_system) else int(unit_system)


def _publisher(sources: pd.DataFrame | None, source_id, lang: str) -> str:
    """The publisher's name, with any English descriptor the project added in `lang`."""
    if sources is None or _missing(source_id) or not source_id:
        return ""
    match = sources.loc[sources["source_id"].eq(source_id), "publisher"]
    name = str(match.iloc[0]) if len(match) and str(match.iloc[0]) else str(source_id)
    return i18n.data_text(name, lang)


def _percentile_phrase(rank: Fig, unit_system, lang: str, cites: Citations) -> str:
    share = comparisons.percentile(int(rank.figure.value), _n_units(unit_system))
    if _missing(share):
        return ""
    return _say("narrative.percentile", lang, share=Html(cites.percentile(share, rank)))


def rank_phrase(row: pd.Series, lang: str = "vi", cites: Citations | None = None) -> str:
    """"thứ 13/63 tỉnh, thành phố (đứng trên 81% số đơn vị còn lại)" from a preferred row."""
    _check_lang(lang)
    cites = _plain(cites, lang)
    rank = cites.rank(row["rank"], **where_of(row))
    text = _say("narrative.rank", lang, ordinal=ordinal_of(rank, lang),
                n_units=n_units_html(_n_units(row["unit_system"])),
                units=_unit_words(row["unit_system"], lang))
    position = _percentile_phrase(rank, row["unit_system"], lang, cites)
    return _say("narrative.rank_with_percentile", lang, rank=text,
                position=position) if position else text


def _figure_sentence(unit: str, year: int, row: pd.Series, lang: str,
                     cites: Citations | None, edition: str | None = None) -> str:
    cites = _plain(cites, lang)
    edition = edition or _say("narrative.edition", lang, year=_year(year))
    parts = [_say("narrative.figure_lead", lang, edition=edition, unit=unit)]
    parts.append(_say("narrative.figure_rank", lang, rank=rank_phrase(row, lang, cites))
                 if not _missing(row["rank"]) else _say("narrative.figure_no_rank", lang))
    parts.append(_say("narrative.figure_score", lang,
                      score=cites.score(row["score"], **where_of(row)))
                 if not _missing(row["score"]) else _say("narrative.figure_no_score", lang))
    return _say("narrative.sentence_end", lang, text=Markdown("".join(parts)))


def successor(province: str, provinces: pd.DataFrame | None) -> str | None:
    """The post-2025 unit a province became part of, or None if the table does not know it."""
    if provinces is None:
        return None
    try:
        return comparisons.successor_unit(province, provinces)
    except UserError:
        return None


def _provinces_or_registry(provinces: pd.DataFrame | None) -> pd.DataFrame:
    # The merger is part of every brief; without a table given, the project's own is used.
    return data.load_provinces() if provinces is None else provinces


def _members(unit: str, provinces: pd.DataFrame | None) -> list[str]:
    if provinces is None or "unit_2025" not in provinces:
        return []
    names = provinces.loc[provinces["unit_2025"].eq(unit), "name"].astype(str)
    return sorted(names, key=i18n.vietnamese_sort_key)


def merged_sentence(pref: pd.DataFrame, province: str, year: int, provinces: pd.DataFrame,
                    lang: str = "vi", sources: pd.DataFrame | None = None,
                    cites: Citations | None = None) -> str | None:
    """For an edition published for the 34 post-merger units: the rank of the unit the province
    became part of, clearly labelled as that unit's figure. None if the edition has no such
    figure for it."""
    _check_lang(lang)
    unit = successor(province, provinces)
    if not unit:
        return None
    row = comparisons.published_figure(pref, unit, year, unit_system=UNITS_AFTER_MERGER)
    if row is None:
        return None
    members = _members(unit, provinces)
    shown_unit = (_say("narrative.merged_unit", lang, unit=unit,
                       members=Markdown(i18n.join([escape_markdown(m) for m in members], lang)))
                  if len(members) > 1 else escape_markdown(unit))
    edition = _say("narrative.merged_edition", lang, year=_year(year),
                   n_units=n_units_html(UNITS_AFTER_MERGER))
    figure = _figure_sentence(shown_unit, year, row, lang, cites, edition)
    if unit != province:
        lead = _say("narrative.merged_lead", lang, province=province, unit=unit)
        note = _say("narrative.merged_note_other", lang, unit=unit, province=province)
        return Markdown(f"{lead} {figure} {note}")
    note = _say("narrative.merged_note_same", lang, n_units=n_units_html(UNITS_AFTER_MERGER))
    return Markdown(f"{figure} {note}")


def overall_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                     sources: pd.DataFrame | None = None, cites: Citations | None = None) -> str:
    """The overall DTI rank and score of the province in the edition (among 63), or a
    "not published" sentence."""
    _check_lang(lang)
    row = comparisons.published_figure(pref, province, year)
    if row is None:
        return not_published_sentence(province, year, lang)
    return _figure_sentence(province, year, row, lang, cites)


def _previous_edition(pref: pd.DataFrame, year: int) -> int | None:
    years = sorted(int(y) for y in pref["year"].dropna().unique() if int(y) < int(year))
    return years[-1] if years else None


def move_phrases(pref: pd.DataFrame, province: str, years, lang: str = "vi",
                 cites: Citations | None = None, limit: int = 3) -> list[Html]:
    """The largest rank moves of the province's pillars and indicators into an edition of
    `years` (comparisons.largest_rank_moves), each as words: the measure, up or down by how
    many places (a difference derived from the two ranks), from which rank in which edition
    to which rank in which edition."""
    _check_lang(lang)
    cites = _plain(cites, lang)
    phrases = []
    for row in comparisons.largest_rank_moves(pref, province, years, limit).to_dict("records"):
        where = {"unit": province, "measure": row["measure"]}
        now = cites.rank(row["rank"], year=int(row["year"]), unit_system=row["unit_system"],
                         **where)
        before = cites.rank(row["previous_rank"], year=int(row["previous_year"]),
                            unit_system=row["previous_unit_system"], **where)
        step = cites.derived("difference", str(abs(int(row["change"]))), [now, before])
        phrases.append(say("narrative.move_up" if row["change"] > 0 else "narrative.move_down",
                           lang, count=step, measure=label(row["measure"], lang), rank=now,
                           previous_rank=before, year=_year(row["year"]),
                           previous_year=_year(row["previous_year"])))
    return phrases


def moves_sentence(pref: pd.DataFrame, province: str, years, lang: str = "vi",
                   cites: Citations | None = None) -> str | None:
    """The story first: the province's largest pillar and indicator moves (see
    `move_phrases`) in one sentence; None when nothing moved or nothing is comparable."""
    phrases = move_phrases(pref, province, years, lang, cites)
    if not phrases:
        return None
    return _say("narrative.moves", lang, province=province,
                items=Markdown(i18n.t("narrative.clause_separator", lang).join(phrases)))


def change_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                    cites: Citations | None = None, *, say_previous: bool = True) -> str | None:
    """The overall rank's change since the previous edition (positive = improved), or why it
    cannot be given. None when the edition's own rank is missing (already said elsewhere).
    `say_previous=False`: the previous rank is not repeated (the sentence before said it)."""
    _check_lang(lang)
    row = comparisons.published_figure(pref, province, year)
    if row is None or _missing(row["rank"]):
        return None
    previous = _previous_edition(pref, year)
    if previous is None:
        return _say("narrative.change_first", lang, year=_year(year))
    before = comparisons.published_figure(pref, province, previous)
    if before is None or _missing(before["rank"]):
        return _say("narrative.change_previous_missing", lang, previous=_year(previous),
                    province=province)
    changes = comparisons.rank_changes(pref, province)
    match = changes[changes["year"].eq(year) & changes["measure"].eq(OVERALL)
                    & changes["previous_year"].eq(previous)]
    change = (int(match["change"].iloc[0]) if len(match) and not _missing(match["change"].iloc[0])
              else int(before["rank"]) - int(row["rank"]))
    cites = _plain(cites, lang)
    was = cites.rank(before["rank"], **where_of(before))
    if change:
        now = cites.rank(row["rank"], **where_of(row))
        step = cites.derived("difference", str(abs(change)), [now, was])
        verb = _say("narrative.rose" if change > 0 else "narrative.fell", lang, count=step)
    else:
        verb = _say("narrative.kept", lang)
    if not say_previous:
        return _say("narrative.change_since", lang, previous=_year(previous),
                    province=province, verb=verb)
    return _say("narrative.change", lang, previous=_year(previous),
                was=ordinal_of(was, lang), province=province, verb=verb)


def last_published_sentence(pref: pd.DataFrame, province: str, year: int,
                            lang: str = "vi", cites: Citations | None = None) -> str | None:
    """The province's last published overall rank before `year`, with its percentile, so that a
    later rank among a different number of units can be set beside it."""
    _check_lang(lang)
    mask = (pref["unit"].eq(province) & pref["measure"].eq(OVERALL) & pref["rank"].notna()
            & pref["year"].lt(year)).fillna(False)
    rows = pref[mask].sort_values("year")
    if rows.empty:
        return None
    row = rows.iloc[-1]
    return _say("narrative.last_published", lang, province=province, year=_year(row["year"]),
                rank=rank_phrase(row, lang, cites))


def strengths_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                       n: int = 2, cites: Citations | None = None) -> str:
    """Strongest and weakest indicators (or pillars, where indicators are not published)."""
    _check_lang(lang)
    table = comparisons.strongest_and_weakest(pref, province, year, n=n)
    if table is None or table.empty:
        return not_published_sentence(province, year, lang, what="profile")
    # The eight indicators where they are published, else the three pillars.
    is_pillar = not table["group"].eq("indicator").any()
    table = table[table["group"].eq("pillar" if is_pillar else "indicator")]
    cites = _plain(cites, lang)
    system = UNITS_BEFORE_MERGER

    def named(measure, rank) -> str:
        figure = cites.rank(rank, year=year, unit=province, unit_system=system, measure=measure)
        if said_twice(figure, cites):  # a biggest move: its rank is in the glance and above
            return label(measure, lang)
        return _say("narrative.measure_rank", lang, measure=label(measure, lang),
                    rank=ordinal_of(figure, lang))

    def listing(position: str) -> str:
        part = table[table["position"].eq(position)]
        return i18n.join([named(m, r) for m, r in zip(part["measure"], part["rank"])], lang)

    text = _say("narrative.strengths", lang, year=_year(year), province=province,
                kind=i18n.t("narrative.kind_pillars" if is_pillar else "narrative.kind_indicators",
                            lang),
                strong=Markdown(listing("strongest")), weak=Markdown(listing("weakest")))
    if is_pillar and int(year) >= FIRST_YEAR_OF_EIGHT_INDICATORS:
        text = Markdown(f"{text} {i18n.t('narrative.no_indicator_ranks', lang)}")
    return text


def gap_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                 cites: Citations | None = None) -> str:
    """The overall score against the provincial average (and pillars, where both are published)."""
    _check_lang(lang)
    gaps = comparisons.gap_to_national(pref, province, year)
    rows = gaps[gaps["gap"].notna()] if gaps is not None and not gaps.empty else pd.DataFrame()
    if rows.empty:
        overall = gaps[gaps["measure"].eq(OVERALL)] if gaps is not None else gaps
        missing_score = overall is not None and len(overall) and _missing(overall["score"].iloc[0])
        return _say("narrative.gap_no_score" if missing_score else "narrative.gap_no_average",
                    lang, year=_year(year), province=province)
    cites = _plain(cites, lang)
    clauses = []
    for _, row in rows.iterrows():
        gap = float(row["gap"])
        side = "above" if gap > 0 else ("below" if gap < 0 else "equal")
        where = {"year": int(year), "unit_system": UNITS_BEFORE_MERGER, "measure": row["measure"]}
        score = cites.score(row["score"], unit=province, **where)
        average = cites.score(row["national_average"], unit=NATIONAL_AVERAGE_UNIT, **where)
        amount = ({"amount": cites.derived("difference", i18n.number(abs(gap), lang),
                                           [score, average], unit=province,
                                           measure=row["measure"])} if gap else {})
        clauses.append(_say(f"narrative.gap_{side}", lang, measure=label(row["measure"], lang),
                            score=score, average=average, **amount))
    return _say("narrative.gap", lang, year=_year(year), province=province,
                clauses=Markdown(i18n.t("narrative.clause_separator", lang).join(clauses)))


def said_before(figure: Fig, cites: Citations, times: int = 1) -> bool:
    """Whether the brief had already said this figure `times` times before the sentence that
    just made it (a brief says a figure at most twice in its glance and summary)."""
    return cites.markup and cites.times_made.get(figure.figure.key, 0) > times


def said_twice(figure: Fig, cites: Citations) -> bool:
    """Whether the brief has already said this figure twice (glance and summary, before the
    sentence that just made it): that sentence then names it without the number."""
    return said_before(figure, cites, times=2)


def _status_phrase(row, lang: str, cites: Citations) -> str:
    status = str(row["status"])
    count = status_count(row, "n_targets", cites)
    if status in ("completed", "initially_deployed"):
        total = status_count(row, "of_total", cites)
        key = f"narrative.status_{status}" + ("_said" if said_twice(total, cites)
                                              and status == "completed" else "")
        return _say(key, lang, count=count, total=total, resolution=RESOLUTION)
    if _STATUS_NUMBER.search(status):
        kind = "at_least" if "at_least" in status else "at"
        return _say(f"narrative.status_{kind}", lang, count=count,
                    pct=threshold_figure(status, row, cites))
    return _say("narrative.status_other", lang, count=count, status=status)


def status_sentence(target_status: pd.DataFrame, lang: str = "vi",
                    cites: Citations | None = None) -> str | None:
    """The reported implementation status of the Resolution's targets (e.g. at end 2022)."""
    _check_lang(lang)
    if target_status is None or target_status.empty:
        return None
    cites = _plain(cites, lang)
    latest = target_status[target_status["as_of"].eq(target_status["as_of"].max())]
    parts = [_status_phrase(row, lang, cites) for _, row in latest.iterrows()]
    by = reported_by(latest["source_id"].iloc[0], cites)
    return _say("narrative.status" if by else "narrative.status_unsourced", lang,
                when=i18n.date(latest["as_of"].iloc[0], lang), home=HOME_PROVINCE,
                parts=Markdown(i18n.t("narrative.clause_separator", lang).join(parts)), **by)


def reported_by(source_id, cites: Citations) -> dict[str, str]:
    """Who reported a statement and when (`publisher`, `reported`: the page's month or day),
    from the brief's source list, so that a statement is credited to the document that makes
    it and a report later than the brief's edition says so by its date; {} when the source or
    its date is unknown."""
    sources = cites.sources
    if source_id not in sources.index:
        return {}
    row = sources.loc[source_id]
    published = str(row.get("date_published", "") or "")
    if not published or not str(row.get("publisher", "") or "").strip():
        return {}
    return {"publisher": i18n.data_text(row["publisher"], cites.lang),
            "reported": i18n.date(published, cites.lang)}


def identified_count(targets: pd.DataFrame, cites: Citations) -> Fig:
    """How many targets the sources collected identify: a count derived from the targets'
    own figures (so it cites their sources)."""
    shown = targets.drop_duplicates("target_id")
    inputs = [target_figure(row, cites, text=None if not _missing(row["value"])
                            else target_wording(row, cites.lang))
              for _, row in shown.iterrows()]
    return cites.derived("count", i18n.integer(len(shown), cites.lang), inputs,
                         year=None, unit=HOME_PROVINCE, measure="ALL", status="firm")


def revised_count(revisions: pd.DataFrame, cites: Citations) -> Fig:
    """How many targets a set of proposed revisions changes: derived from the revisions."""
    inputs = [revision_figure(row, "to", cites) for _, row in revisions.iterrows()]
    return cites.derived("count", i18n.integer(revisions["target_id"].nunique(), cites.lang),
                         inputs, year=None, unit=HOME_PROVINCE, measure="ALL", status="firm")


def targets_identified_sentence(targets: pd.DataFrame, target_status: pd.DataFrame | None,
                                lang: str = "vi", cites: Citations | None = None) -> str:
    """How many of the Resolution's targets the sources identify."""
    _check_lang(lang)
    cites = _plain(cites, lang)
    found = identified_count(targets, cites)
    total = (status_count(target_status.iloc[0], "of_total", cites)
             if target_status is not None and not target_status.empty else None)
    of = (_say("narrative.targets_found_of", lang, found=found, total=total)
          if total and not said_twice(total, cites) else found)
    return _say("narrative.targets_found", lang, of=of, resolution=RESOLUTION)


def rank_target_sentence(pref: pd.DataFrame, targets: pd.DataFrame, year: int,
                         lang: str = "vi", province: str = HOME_PROVINCE,
                         cites: Citations | None = None) -> str:
    """The edition's overall rank against the Resolution's rank target(s)."""
    _check_lang(lang)
    table = comparisons.rank_against_target(pref, targets, province=province)
    rows = table[table["year"].eq(year) & table["rank"].notna()] if not table.empty else table
    if rows.empty:
        return _say("narrative.rank_target_missing", lang, year=_year(year),
                    resolution=RESOLUTION, province=province)
    cites = _plain(cites, lang)
    own = comparisons.published_figure(pref, province, year)
    rank = cites.rank(own["rank"], **where_of(own))
    clauses = []
    for _, row in rows.sort_values("target_horizon").iterrows():
        if _missing(row["target_rank"]):
            continue
        kind = "within" if bool(row["within_target"]) else "short"
        clauses.append(_say(f"narrative.rank_target_{kind}", lang,
                            horizon=_year(row["target_horizon"]),
                            top=target_rank_figure(targets, int(row["target_horizon"]), cites)))
    if not clauses:
        return _say("narrative.rank_target_none", lang, resolution=RESOLUTION)
    if said_twice(rank, cites):
        return _say("narrative.rank_target_said", lang, year=_year(year),
                    clauses=Markdown(i18n.join(clauses, lang)), resolution=RESOLUTION)
    return _say("narrative.rank_target", lang, year=_year(year), rank=ordinal_of(rank, lang),
                clauses=Markdown(i18n.join(clauses, lang)), resolution=RESOLUTION)


def rank_target_sentences(pref: pd.DataFrame, targets: pd.DataFrame, years, lang: str = "vi",
                          province: str = HOME_PROVINCE,
                          cites: Citations | None = None) -> list[str]:
    """The editions' overall ranks against the rank target: one sentence for all the ranked
    editions when they stand alike against every horizon (said once, not once per edition),
    else one per edition; an edition without a rank says so on its own."""
    _check_lang(lang)
    years = [int(y) for y in years]
    table = comparisons.rank_against_target(pref, targets, province=province)
    table = table[table["rank"].notna() & table["target_rank"].notna()] if not table.empty \
        else table
    outcome = {y: tuple(table[table["year"].eq(y)].sort_values("target_horizon")
                        [["target_horizon", "within_target"]].itertuples(index=False, name=None))
               for y in years}
    ranked = [y for y in years if outcome[y]]
    if len(ranked) < 2 or len({outcome[y] for y in ranked}) > 1:
        return [rank_target_sentence(pref, targets, y, lang, province, cites) for y in years]
    cites = _plain(cites, lang)
    items = []
    for year in ranked:
        own = comparisons.published_figure(pref, province, year)
        items.append(_say("narrative.rank_target_item", lang, year=_year(year),
                          rank=ordinal_of(cites.rank(own["rank"], **where_of(own)), lang)))
    clauses = [_say("narrative.rank_target_within" if within else "narrative.rank_target_short",
                    lang, horizon=_year(horizon), top=target_rank_figure(targets, int(horizon),
                                                                         cites))
               for horizon, within in outcome[ranked[0]]]
    together = _say("narrative.rank_target_many", lang, ranks=Markdown(i18n.join(items, lang)),
                    clauses=Markdown(i18n.join(clauses, lang)), resolution=RESOLUTION)
    unranked = [y for y in years if y not in ranked]
    if len(unranked) > 1:  # editions without a rank: said together too
        return [_say("narrative.rank_target_missing_many", lang, resolution=RESOLUTION,
                     province=province, editions=i18n.join([f"DTI {y}" for y in unranked], lang)),
                together]
    return [rank_target_sentence(pref, targets, y, lang, province, cites)
            for y in unranked] + [together]


def rank_target_dispute_sentence(targets: pd.DataFrame, lang: str = "vi",
                                 cites: Citations | None = None,
                                 restatements: pd.DataFrame | None = None) -> str | None:
    """Said once, after the comparisons with the rank target: what T01 is, that the sources
    disagree on it, both figures (the Resolution's top-N and the rank a later report gives,
    `restatements`: data.load_target_restatements(), by default the project's), who gives the
    other one and when, and which one the brief compares with."""
    _check_lang(lang)
    if not _rank_target_disputed(targets):
        return None
    cites = _plain(cites, lang)
    restatements = data.load_target_restatements() if restatements is None else restatements
    goals = targets[targets["comparator"].eq("top_n")]
    other = restatements.merge(goals[["target_id", "horizon"]], on=["target_id", "horizon"])
    if other.empty:
        return _say("narrative.rank_target_disputed", lang, resolution=RESOLUTION)
    row = other.iloc[0]
    by = reported_by(row["source_id"], cites)
    figure = cites.stated("target", i18n.integer(row["value"], lang), source_ids=row["source_id"],
                          year=row["horizon"], unit=HOME_PROVINCE, measure=row["target_id"],
                          status="disputed", quote=str(row["quote"]))
    top = target_rank_figure(targets, int(row["horizon"]), cites)
    # The Resolution's own level said twice already (glance, comparison): named, not repeated.
    key = "narrative.rank_target_disputed_" + ("said" if said_twice(top, cites) else "figures")
    return _say(key if by else key + "_unsourced", lang, resolution=RESOLUTION,
                target_id=str(row["target_id"]), horizon=_year(row["horizon"]), top=top,
                other=figure, **by)


def _rank_target_disputed(targets: pd.DataFrame) -> bool:
    if "note" not in targets or "comparator" not in targets:
        return False
    notes = targets.loc[targets["comparator"].eq("top_n"), "note"].astype(str)
    return bool(notes.str.contains("CONFLICT").any())


def target_sentences(pref: pd.DataFrame, targets: pd.DataFrame | None,
                     target_status: pd.DataFrame | None, year: int, lang: str = "vi",
                     province: str = HOME_PROVINCE, cites: Citations | None = None
                     ) -> list[str]:
    """Rank against the Resolution's rank target, and the reported status of its targets.
    Only for the province whose Resolution it is."""
    _check_lang(lang)
    if province != HOME_PROVINCE or targets is None:
        return []
    sentences = [rank_target_sentence(pref, targets, year, lang, province, cites)]
    dispute = rank_target_dispute_sentence(targets, lang, cites)
    if dispute:
        sentences.append(dispute)
    status = status_sentence(target_status, lang, cites)
    if status:
        sentences.append(status)
    return sentences


def key_sentences(pref: pd.DataFrame, sources: pd.DataFrame | None, targets: pd.DataFrame | None,
                  target_status: pd.DataFrame | None, province: str, year: int,
                  lang: str = "vi", provinces: pd.DataFrame | None = None,
                  cites: Citations | None = None) -> list[str]:
    """The key sentences of a brief on one province and one edition, in order: overall rank and
    score, change since the previous edition, the post-merger unit (DTI 2024), strongest and
    weakest indicators, gap to the provincial average, and (Hải Dương) the Resolution's targets.
    `provinces` (load_provinces()) gives the 2025 merger; default: the project's table."""
    _check_lang(lang)
    provinces = _provinces_or_registry(provinces)
    # The story first: what moved most, when anything did.
    moves = moves_sentence(pref, province, [year], lang, cites)
    sentences = [*([moves] if moves else []),
                 overall_sentence(pref, province, year, lang, sources, cites)]
    own = comparisons.published_figure(pref, province, year)
    merged = merged_sentence(pref, province, year, provinces, lang, sources, cites)
    if own is not None:
        change = change_sentence(pref, province, year, lang, cites)
        if change:
            sentences.append(change)
    if merged:
        sentences.append(merged)
        if own is None:
            last = last_published_sentence(pref, province, year, lang, cites)
            if last:
                sentences.append(last)
    if own is not None or not comparisons.strongest_and_weakest(pref, province, year).empty:
        sentences.append(strengths_sentence(pref, province, year, lang, cites=cites))
    if own is not None:
        sentences.append(gap_sentence(pref, province, year, lang, cites))
    sentences.extend(target_sentences(pref, targets, target_status, year, lang, province, cites))
    return sentences


def as_markdown(sentences: Iterable[str]) -> str:
    """Sentences as a Markdown bullet list (a None, a sentence with nothing to say, is left out)."""
    return "\n".join(f"- {s}" for s in sentences if s)


# --- display frames ----------------------------------------------------------------------------

_SCORE_COLUMNS = ("score", "national_average", "gap")
_PERCENT_COLUMNS = ("percentile",)
_RANK_COLUMNS = ("rank", "previous_rank", "target_rank", "n_sources", "unit_system", "year",
                 "previous_year", "target_horizon", "horizon", "change", "n_targets", "of_total")


def display_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """A copy for display: labels in the language, numbers formatted in its convention, and
    every missing figure written "chưa công bố" / "not published" (an empty cell, where
    `tables.from_display` shows "—"). Never used for computing."""
    _check_lang(lang)
    i = LANGS.index(lang)
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column == "measure":
            out[column] = [label(m, lang) for m in values]
        elif column == "status":
            out[column] = [status_label(v, lang) for v in values]
        elif column in VALUE_LABELS:
            mapping = VALUE_LABELS[column]
            out[column] = [mapping[v][i] if v in mapping else v for v in values]
        elif column in _SCORE_COLUMNS:
            out[column] = [format_number(v, lang) for v in values]
        elif column in _PERCENT_COLUMNS:
            out[column] = [format_percent(v, lang) for v in values]
        elif column in ("previous_year", "target_horizon", "horizon", "unit_system"):
            out[column] = ["—" if _missing(v) else f"{int(v)}" for v in values]
        elif column in _RANK_COLUMNS:
            out[column] = [NOT_PUBLISHED[lang] if _missing(v) else f"{int(v)}" for v in values]
        elif column in ("from_value", "to_value"):
            out[column] = [format_value(v, lang) for v in values]
        elif values.dtype == bool or column in ("published", "comparable", "within_target"):
            out[column] = [yes_no(v, lang) for v in values]
        else:
            out[column] = ["" if _missing(v) else v for v in values]
    out.columns = [COLUMN_LABELS[c][i] if c in COLUMN_LABELS else c for c in out.columns]
    return out.reset_index(drop=True)


def trend_sentences(pref: pd.DataFrame, province: str, years: Iterable[int], lang: str = "vi",
                    sources: pd.DataFrame | None = None,
                    provinces: pd.DataFrame | None = None,
                    cites: Citations | None = None) -> list[str]:
    """Edition by edition: the overall rank (or "not published") and its change; for an edition
    published for the 34 post-merger units, the unit the province became part of."""
    _check_lang(lang)
    provinces = _provinces_or_registry(provinces)
    years = list(years)
    moves = moves_sentence(pref, province, years, lang, cites)
    sentences = [moves] if moves else []
    said = None  # the edition whose rank the sentence before gave
    for year in years:
        own = comparisons.published_figure(pref, province, year)
        sentences.append(overall_sentence(pref, province, year, lang, sources, cites))
        previous = _previous_edition(pref, year)
        # Edition by edition the first has no earlier one (nothing to say), and the rank just
        # given is not said again in the change that follows it.
        if own is not None and previous is not None:
            change = change_sentence(pref, province, year, lang, cites,
                                     say_previous=said != previous)
            if change:
                sentences.append(change)
        said = year if own is not None and not _missing(own["rank"]) else None
        merged = merged_sentence(pref, province, year, provinces, lang, sources, cites)
        if merged:
            sentences.append(merged)
    return sentences


# --- target tables -----------------------------------------------------------------------------

class Wording(NamedTuple):
    """A target's wording as a brief shows it, and whose words it is."""

    text: str        # as shown (a project translation carries its mark)
    kind: str        # "source", "paraphrase", "draft", "label" or "translation"
    source_ids: str  # the page that gives these words (a draft's); "" = the target's sources
    date: str        # ISO date of a draft; "" otherwise


def _filled(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _draft_of(row, drafts: pd.DataFrame | None, column: str):
    """The draft wording (in `column`) of the same target and horizon (a draft row may cover
    "2025+2030"); None when the drafts have none."""
    if drafts is None or drafts.empty or column not in drafts:
        return None
    horizon = str(row.get("horizon", ""))
    same = drafts[drafts["target_id"].eq(row.get("target_id"))
                  & drafts["horizon"].astype(str).map(lambda h: horizon in h.split("+"))
                  & drafts[column].map(_filled)]
    return same.iloc[0] if len(same) else None


def target_wording_shown(row, lang: str = "vi", drafts: pd.DataFrame | None = None) -> Wording:
    """A target's wording (a targets.csv row) in `lang`, from the most authoritative words the
    data has in that language: the Resolution's own words as a source quotes them (or a
    newspaper's paraphrase, said to be one: `wording_<lang>`, which the data has in Vietnamese),
    then the draft submitted before adoption (`drafts`: data.load_target_drafts(), said to be
    the draft), then the data's own label; the project's marked translation only when none of
    these exists in `lang`."""
    _check_lang(lang)
    own = f"wording_{lang}"
    if _filled(row.get(own, "")):
        kind = row.get(f"{own}_kind", "") or "source"
        return Wording(row[own].strip(), kind, "", "")
    draft = _draft_of(row, drafts, own)
    if draft is not None:
        return Wording(draft[own].strip(), "draft", draft["source_id"], draft["date"])
    if _filled(row.get(f"label_{lang}", "")):
        return Wording(i18n.data_text(row[f"label_{lang}"], lang), "label", "", "")
    for other in (o for o in LANGS if o != lang):
        for column in (f"label_{other}", f"wording_{other}"):
            if _filled(row.get(column, "")):
                return Wording(i18n.data_text(row[column], lang), "translation", "", "")
    return Wording("", "", "", "")


def wording_note(wording: Wording, lang: str = "vi") -> str:
    """What a wording is, where it is not the adopted text or the source's plain words: a
    draft ("theo dự thảo trình Hội nghị, 23/3/2021") or a newspaper's paraphrase; "" else."""
    if wording.kind == "draft":
        return i18n.t("label.wording.draft", lang, date=i18n.date(wording.date, lang))
    if wording.kind == "paraphrase":
        return i18n.t("label.wording.paraphrase", lang)
    return ""


def target_wording(row, lang: str = "vi", drafts: pd.DataFrame | None = None) -> str:
    """A target's wording as shown (see `target_wording_shown`), without its note."""
    return target_wording_shown(row, lang, drafts).text


def _as_of(value, lang: str) -> str:
    """A reporting time: an ISO date in the language's format, else its words translated."""
    if _missing(value) or not str(value).strip():
        return ""
    shown = i18n.date(value, lang)
    return shown if shown != str(value) else i18n.data_text(value, lang)


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _texts(values, lang: str) -> list[str]:
    """Data texts in `lang`; a bare number ("1000") in the language's convention ("1.000")."""
    return ["" if _missing(v) or not str(v).strip()
            else i18n.value(float(v), lang) if _PLAIN_NUMBER.fullmatch(str(v).strip())
            else i18n.data_text(v, lang) for v in values]


# Rows of target_progress.csv that are not one target: all of them together, or context only.
TARGET_GROUPS = {"ALL": "table.target_all", "CTX": "table.target_context"}


def target_name(target_id, lang: str = "vi") -> str:
    """A target's id as shown ("T03"), or in words for the rows that are not one target."""
    key = TARGET_GROUPS.get(str(target_id))
    return i18n.t(key, _check_lang(lang)) if key else str(target_id)


def targets_table(targets: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The Resolution's targets as identified: id, horizon, wording, value, unit, source; every
    text in `lang` (a translation of a wording the sources give in the other language only is
    marked "(bản dịch)" / "(translation)")."""
    _check_lang(lang)
    frame = pd.DataFrame({"target_id": targets["target_id"], "horizon": targets["horizon"],
                          "label": [target_wording(row, lang) for _, row in targets.iterrows()],
                          "value_text": _texts(targets["value_text"], lang),
                          "unit": _texts(targets["unit"], lang),
                          "source_id": targets["source_id"]})
    return display_table(frame, lang)


def progress_table(progress: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Reported progress: target, when, value (a number in the language's convention where the
    source gave one, else its words in `lang`), unit, source."""
    _check_lang(lang)
    values = [i18n.value(v, lang) if not _missing(v)
              else ("" if _missing(t) else i18n.data_text(t, lang))
              for v, t in zip(progress["value"], progress["value_text"])]
    frame = pd.DataFrame({"target_id": [target_name(t, lang) for t in progress["target_id"]],
                          "as_of": [_as_of(v, lang) for v in progress["as_of"]],
                          "value_text": values, "unit": _texts(progress["unit"], lang),
                          "source_id": progress["source_id"]})
    return display_table(frame, lang)


def revisions_table(revisions: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Proposed revisions: target, horizon, original and proposed value, unit (in `lang`), date
    proposed (in the language's format), status, source."""
    _check_lang(lang)
    frame = pd.DataFrame({"target_id": revisions["target_id"], "horizon": revisions["horizon"],
                          "from_value": revisions["from_value"],
                          "to_value": revisions["to_value"],
                          "unit": _texts(revisions["unit"], lang),
                          "proposed_on": [_as_of(v, lang) for v in revisions["proposed_on"]],
                          "status": revisions["status"], "source_id": revisions["source_id"]})
    return display_table(frame, lang)
