"""The words of a brief, generated from the data, in Vietnamese (`lang='vi'`) or English ('en').

Sentences about one province's DTI figures (profile and trends); those about Resolution
06-NQ/TU are `resolution_text`'s, and how a sentence is put together is `phrasing`'s.

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

import re
from collections.abc import Iterable

import pandas as pd

from analysis import comparisons, data, i18n
from analysis.citations import Citations, Fig, Html, n_units_html, say, where_of
from analysis.i18n import label
from analysis.measures import (
    FIRST_EDITION,
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    HOME_PROVINCE,
    INDICATORS,
    NATIONAL_AVERAGE_UNIT,
    OVERALL,
    RESOLUTION,
    UNITS_AFTER_MERGER,
    UNITS_BEFORE_MERGER,
)
from analysis.phrasing import (
    Markdown,
    cited_list,  # noqa: F401  (the notebooks' API)
    edition_name,
    escape_markdown,
    ordinal_of,
    plain,
    said_twice,
    say_md,
)
from analysis.resolution_text import target_sentences


def heading(key: str, lang: str = "vi", level: int = 2) -> str:
    """A Markdown section heading in the chosen language (catalog `[heading]`)."""
    return f"{'#' * level} {i18n.t(f'heading.{key}', i18n.check_lang(lang))}"


_TITLES = ("year_profile", "trends", "target_revisions")


def title(notebook: str, province: str = HOME_PROVINCE, year: int | None = None,
          lang: str = "vi") -> str:
    """The brief's title as Markdown (level-1 heading), with the parameter values in it."""
    i18n.check_lang(lang)
    name = re.sub(r"^\d+_|\.ipynb$", "", str(notebook).rsplit("/", 1)[-1])
    if name not in _TITLES:
        raise ValueError(f"unknown notebook {notebook!r}")
    if name in ("trends", "target_revisions") and year == FIRST_EDITION:
        name = f"{name}_first_edition"  # one edition: no span of years to speak of
    text = say_md(f"title.{name}", lang, province=province, home=HOME_PROVINCE,
                resolution=RESOLUTION, first=edition_name(FIRST_EDITION),
                year="" if year is None else edition_name(year))
    return f"# {text}"


def precedence_rule(lang: str = "vi") -> str:
    """The rule that picks one figure where sources disagree (analysis.ingest.sources.PRECEDENCE_RULE)."""
    return i18n.t("method.precedence", i18n.check_lang(lang))


def method_note(lang: str = "vi") -> str:
    """What the DTI measures, its structure over editions, the 2025 merger and percentiles."""
    i18n.check_lang(lang)
    return say_md("method.note", lang,
                indicators=i18n.join([label(m, lang) for m in INDICATORS], lang),
                first=edition_name(FIRST_EDITION), first_eight=edition_name(FIRST_YEAR_OF_EIGHT_INDICATORS),
                home=HOME_PROVINCE)


def not_published_sentence(province: str, year: int, lang: str = "vi", what: str | None = None) -> str:
    """An explicit sentence for a figure no source gave. `what`: None (all DTI figures),
    'rank', 'score', or 'profile' (pillar and indicator ranks)."""
    i18n.check_lang(lang)
    key = {None: "all", "rank": "rank", "score": "score", "profile": "profile"}[what]
    return say_md(f"narrative.not_published_{key}", lang, province=province, year=edition_name(year))


def _unit_words(unit_system, lang: str) -> str:
    """What the units of a ranking are called: the post-merger units for a rank among 34, else the
    provinces and cities."""
    after = not i18n.is_missing(unit_system) and int(unit_system) == UNITS_AFTER_MERGER
    return i18n.t("unit.units_34" if after else "unit.provinces_63", lang)


def _n_units(unit_system) -> int:
    """How many units a rank is among: the unit system, 63 when it is missing."""
    return UNITS_BEFORE_MERGER if i18n.is_missing(unit_system) else int(unit_system)


def _percentile_phrase(rank: Fig, unit_system, lang: str, cites: Citations) -> str:
    """"ahead of 81% of the other units" for a rank, its share a figure derived from the rank; ""
    when there is no share."""
    share = comparisons.percentile(int(rank.figure.value), _n_units(unit_system))
    if i18n.is_missing(share):
        return ""
    return say_md("narrative.percentile", lang, share=Html(cites.percentile(share, rank)))


def rank_phrase(row: pd.Series, lang: str = "vi", cites: Citations | None = None) -> str:
    """"thứ 13/63 tỉnh, thành phố (đứng trên 81% số đơn vị còn lại)" from a preferred row."""
    i18n.check_lang(lang)
    cites = plain(cites, lang)
    rank = cites.rank(row["rank"], **where_of(row))
    text = say_md("narrative.rank", lang, ordinal=ordinal_of(rank, lang),
                n_units=n_units_html(_n_units(row["unit_system"])),
                units=_unit_words(row["unit_system"], lang))
    position = _percentile_phrase(rank, row["unit_system"], lang, cites)
    return say_md("narrative.rank_with_percentile", lang, rank=text,
                position=position) if position else text


def _figure_sentence(unit: str, year: int, row: pd.Series, lang: str,
                     cites: Citations | None, edition: str | None = None) -> str:
    """One sentence of the unit's rank and score in an edition from a preferred row, saying which of
    the two the sources collected do not give."""
    cites = plain(cites, lang)
    edition = edition or say_md("narrative.edition", lang, year=edition_name(year))
    parts = [say_md("narrative.figure_lead", lang, edition=edition, unit=unit)]
    parts.append(say_md("narrative.figure_rank", lang, rank=rank_phrase(row, lang, cites))
                 if not i18n.is_missing(row["rank"]) else say_md("narrative.figure_no_rank", lang))
    parts.append(say_md("narrative.figure_score", lang,
                      score=cites.score(row["score"], **where_of(row)))
                 if not i18n.is_missing(row["score"]) else say_md("narrative.figure_no_score", lang))
    return say_md("narrative.sentence_end", lang, text=Markdown("".join(parts)))


def _members(unit: str, provinces: pd.DataFrame | None) -> list[str]:
    """The provinces that formed post-merger `unit`, in Vietnamese alphabetical order; [] without a
    table that says."""
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
    i18n.check_lang(lang)
    unit = comparisons.successor_or_none(province, provinces)
    if not unit:
        return None
    row = comparisons.published_figure(pref, unit, year, unit_system=UNITS_AFTER_MERGER)
    if row is None:
        return None
    members = _members(unit, provinces)
    shown_unit = (say_md("narrative.merged_unit", lang, unit=unit,
                       members=Markdown(i18n.join([escape_markdown(m) for m in members], lang)))
                  if len(members) > 1 else escape_markdown(unit))
    edition = say_md("narrative.merged_edition", lang, year=edition_name(year),
                   n_units=n_units_html(UNITS_AFTER_MERGER))
    figure = _figure_sentence(shown_unit, year, row, lang, cites, edition)
    if unit != province:
        lead = say_md("narrative.merged_lead", lang, province=province, unit=unit)
        note = say_md("narrative.merged_note_other", lang, unit=unit, province=province)
        return Markdown(f"{lead} {figure} {note}")
    note = say_md("narrative.merged_note_same", lang, n_units=n_units_html(UNITS_AFTER_MERGER))
    return Markdown(f"{figure} {note}")


def overall_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                     sources: pd.DataFrame | None = None, cites: Citations | None = None) -> str:
    """The overall DTI rank and score of the province in the edition (among 63), or a
    "not published" sentence."""
    i18n.check_lang(lang)
    row = comparisons.published_figure(pref, province, year)
    if row is None:
        return not_published_sentence(province, year, lang)
    return _figure_sentence(province, year, row, lang, cites)


def _previous_edition(pref: pd.DataFrame, year: int) -> int | None:
    """The latest edition in `pref` before `year`; None when there is none."""
    years = sorted(int(y) for y in pref["year"].dropna().unique() if int(y) < int(year))
    return years[-1] if years else None


def move_phrases(pref: pd.DataFrame, province: str, years, lang: str = "vi",
                 cites: Citations | None = None, limit: int = 3) -> list[Html]:
    """The largest rank moves of the province's pillars and indicators into an edition of
    `years` (comparisons.largest_rank_moves), each as words: the measure, up or down by how
    many places (a difference derived from the two ranks), from which rank in which edition
    to which rank in which edition."""
    i18n.check_lang(lang)
    cites = plain(cites, lang)
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
                           previous_rank=before, year=edition_name(row["year"]),
                           previous_year=edition_name(row["previous_year"])))
    return phrases


def moves_sentence(pref: pd.DataFrame, province: str, years, lang: str = "vi",
                   cites: Citations | None = None) -> str | None:
    """The story first: the province's largest pillar and indicator moves (see
    `move_phrases`) in one sentence; None when nothing moved or nothing is comparable."""
    phrases = move_phrases(pref, province, years, lang, cites)
    if not phrases:
        return None
    return say_md("narrative.moves", lang, province=province,
                items=Markdown(i18n.t("narrative.clause_separator", lang).join(phrases)))


def overall_change(pref: pd.DataFrame, province: str, year: int, previous=None) -> dict | None:
    """The first `comparisons.rank_changes` row of the province's overall rank in `year` (from
    edition `previous`; when None, a comparable one) as {"previous_year", "change"}; None when
    there is none. Read off the rows, as a brief asks edition by edition (a filtered frame each
    time cost more than the changes themselves)."""
    changes = comparisons.rank_changes(pref, province)
    columns = ("year", "measure", "previous_year", "change", "comparable")
    for edition, measure, before, change, comparable in zip(*(changes[c].tolist()
                                                              for c in columns)):
        if i18n.is_missing(edition) or i18n.is_missing(measure) or edition != year \
                or measure != OVERALL:
            continue
        if (comparable if previous is None
                else not i18n.is_missing(before) and before == previous):
            return {"previous_year": before, "change": change}
    return None


def change_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                    cites: Citations | None = None, *, say_previous: bool = True) -> str | None:
    """The overall rank's change since the previous edition (positive = improved), or why it
    cannot be given. None when the edition's own rank is missing (already said elsewhere).
    `say_previous=False`: the previous rank is not repeated (the sentence before said it)."""
    i18n.check_lang(lang)
    row = comparisons.published_figure(pref, province, year)
    if row is None or i18n.is_missing(row["rank"]):
        return None
    previous = _previous_edition(pref, year)
    if previous is None:
        return say_md("narrative.change_first", lang, year=edition_name(year))
    before = comparisons.published_figure(pref, province, previous)
    if before is None or i18n.is_missing(before["rank"]):
        return say_md("narrative.change_previous_missing", lang, previous=edition_name(previous),
                    province=province)
    match = overall_change(pref, province, year, previous)
    change = (int(match["change"]) if match and not i18n.is_missing(match["change"])
              else int(before["rank"]) - int(row["rank"]))
    cites = plain(cites, lang)
    was = cites.rank(before["rank"], **where_of(before))
    if change:
        now = cites.rank(row["rank"], **where_of(row))
        step = cites.derived("difference", str(abs(change)), [now, was])
        verb = say_md("narrative.rose" if change > 0 else "narrative.fell", lang, count=step)
    else:
        verb = say_md("narrative.kept", lang)
    if not say_previous:
        return say_md("narrative.change_since", lang, previous=edition_name(previous),
                    province=province, verb=verb)
    return say_md("narrative.change", lang, previous=edition_name(previous),
                was=ordinal_of(was, lang), province=province, verb=verb)


def last_published_sentence(pref: pd.DataFrame, province: str, year: int,
                            lang: str = "vi", cites: Citations | None = None) -> str | None:
    """The province's last published overall rank before `year`, with its percentile, so that a
    later rank among a different number of units can be set beside it."""
    i18n.check_lang(lang)
    mask = (pref["unit"].eq(province) & pref["measure"].eq(OVERALL) & pref["rank"].notna()
            & pref["year"].lt(year)).fillna(False)
    rows = pref[mask].sort_values("year")
    if rows.empty:
        return None
    row = rows.iloc[-1]
    return say_md("narrative.last_published", lang, province=province, year=edition_name(row["year"]),
                rank=rank_phrase(row, lang, cites))


def strengths_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                       n: int = 2, cites: Citations | None = None) -> str:
    """Strongest and weakest indicators (or pillars, where indicators are not published)."""
    i18n.check_lang(lang)
    table = comparisons.strongest_and_weakest(pref, province, year, n=n)
    if table is None or table.empty:
        return not_published_sentence(province, year, lang, what="profile")
    # The eight indicators where they are published, else the three pillars.
    is_pillar = not table["group"].eq("indicator").any()
    table = table[table["group"].eq("pillar" if is_pillar else "indicator")]
    cites = plain(cites, lang)
    system = UNITS_BEFORE_MERGER

    def named(measure, rank) -> str:
        """The measure's name with its ordinal rank; the name alone when the brief has said that
        rank twice already."""
        figure = cites.rank(rank, year=year, unit=province, unit_system=system, measure=measure)
        if said_twice(figure, cites):  # a biggest move: its rank is in the glance and above
            return label(measure, lang)
        return say_md("narrative.measure_rank", lang, measure=label(measure, lang),
                    rank=ordinal_of(figure, lang))

    def listing(position: str) -> str:
        """The measures at one position ("strongest" or "weakest"), each named, joined as a list."""
        part = table[table["position"].eq(position)]
        return i18n.join([named(m, r) for m, r in zip(part["measure"], part["rank"])], lang)

    text = say_md("narrative.strengths", lang, year=edition_name(year), province=province,
                kind=i18n.t("narrative.kind_pillars" if is_pillar else "narrative.kind_indicators",
                            lang, count=int(table["position"].eq("strongest").sum())),
                strong=Markdown(listing("strongest")), weak=Markdown(listing("weakest")))
    if is_pillar and int(year) >= FIRST_YEAR_OF_EIGHT_INDICATORS:
        text = Markdown(f"{text} {i18n.t('narrative.no_indicator_ranks', lang)}")
    return text


def gap_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                 cites: Citations | None = None) -> str:
    """The overall score against the provincial average (and pillars, where both are published)."""
    i18n.check_lang(lang)
    gaps = comparisons.gap_to_national(pref, province, year)
    rows = gaps[gaps["gap"].notna()] if gaps is not None and not gaps.empty else pd.DataFrame()
    if rows.empty:
        overall = gaps[gaps["measure"].eq(OVERALL)] if gaps is not None else gaps
        missing_score = overall is not None and len(overall) and i18n.is_missing(overall["score"].iloc[0])
        return say_md("narrative.gap_no_score" if missing_score else "narrative.gap_no_average",
                    lang, year=edition_name(year), province=province)
    cites = plain(cites, lang)
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
        clauses.append(say_md(f"narrative.gap_{side}", lang, measure=label(row["measure"], lang),
                            score=score, average=average, **amount))
    return say_md("narrative.gap", lang, year=edition_name(year), province=province,
                clauses=Markdown(i18n.t("narrative.clause_separator", lang).join(clauses)))


def key_sentences(pref: pd.DataFrame, sources: pd.DataFrame | None, targets: pd.DataFrame | None,
                  target_status: pd.DataFrame | None, province: str, year: int,
                  lang: str = "vi", provinces: pd.DataFrame | None = None,
                  cites: Citations | None = None) -> list[str]:
    """The key sentences of a brief on one province and one edition, in order: overall rank and
    score, change since the previous edition, the post-merger unit (DTI 2024), strongest and
    weakest indicators, gap to the provincial average, and (Hải Dương) the Resolution's targets.
    `provinces` (load_provinces()) gives the 2025 merger; default: the project's table."""
    i18n.check_lang(lang)
    provinces = data.provinces_or_project(provinces)
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


def trend_sentences(pref: pd.DataFrame, province: str, years: Iterable[int], lang: str = "vi",
                    sources: pd.DataFrame | None = None,
                    provinces: pd.DataFrame | None = None,
                    cites: Citations | None = None) -> list[str]:
    """Edition by edition: the overall rank (or "not published") and its change; for an edition
    published for the 34 post-merger units, the unit the province became part of."""
    i18n.check_lang(lang)
    provinces = data.provinces_or_project(provinces)
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
        said = year if own is not None and not i18n.is_missing(own["rank"]) else None
        merged = merged_sentence(pref, province, year, provinces, lang, sources, cites)
        if merged:
            sentences.append(merged)
    return sentences
