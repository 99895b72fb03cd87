"""The at-a-glance box at the top of a brief: what is known first, each number cited, then one
sentence of what the sources collected do not give.

The facts are computed by pure functions (`profile_facts`, `trend_facts`, `target_facts`, and
their `*_missing` companions): frames in, `Fact`s out. Their words come from the catalog section
`[glance]`; numbers and dates from `analysis.i18n`. All text that comes from data is escaped
here, where the HTML is built.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pandas as pd

from analysis import comparisons, i18n, measures
from analysis.citations import (
    Citations,
    Fig,
    Html,
    ids_of,
    n_units_html,
    say,
    where_of,
)
from analysis.comparisons import published_figure
from analysis.i18n import label
from analysis.narrative import move_phrases, overall_change
from analysis.phrasing import said_before
from analysis.resolution_text import (
    identified_count,
    reported_by,
    revised_count,
    status_count,
    target_rank_figure,
)


@dataclass(frozen=True)
class Fact:
    """One line of the at-a-glance box: its HTML (figures as elements) and the figures it
    shows (their sources are its citations)."""
    html: str
    figures: tuple = ()

    @property
    def text(self) -> str:
        """The line as plain text (what a reader reads)."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.html))

    @property
    def source_ids(self) -> tuple[str, ...]:
        """The sources its figures cite (their union), in order of first mention."""
        return tuple(ids_of(self.figures))


def _fact(key: str, lang: str, count=None, **values) -> Fact:
    """The fact saying catalog message `key` with `values` filled (`say`); its figures are those
    among the values and the count."""
    figures = tuple(v for v in [count, *values.values()] if isinstance(v, Fig))
    return Fact(say(key, lang, count, **values), figures)


def glance_html(facts: list[Fact], missing: str | None, cites: Citations) -> str:
    """`<section class="glance">`: the facts with their [n] marks, then the missing sentence,
    then one line per mark of a tentative or disputed figure."""
    items = [f"<li>{cites.cite(fact.html)}</li>" for fact in facts]
    body = f"<ul>{''.join(items)}</ul>" if items else ""
    tail = f'<p class="missing">{html.escape(missing)}</p>' if missing else ""
    heading = html.escape(i18n.t("brief.glance_heading", cites.lang))
    return (f'<section class="glance"><h2>{heading}</h2>{body}{tail}'
            f"{cites.legend_html()}</section>")



def _overall_fact(row, lang, cites) -> Fact:
    """"DTI 2022: rank 13/63, score 0.6383" from a published row; the rank or the score alone (the
    other said not found) when one is missing."""
    values = {"year": int(row["year"]), "n_units": n_units_html(row["unit_system"])}
    has_rank, has_score = not i18n.is_missing(row["rank"]), not i18n.is_missing(row["score"])
    if has_rank:
        values["rank"] = cites.rank(row["rank"], **where_of(row))
    if has_score:
        values["score"] = cites.score(row["score"], **where_of(row))
    key = "glance.overall" if has_rank and has_score else (
        "glance.overall_rank_only" if has_rank else "glance.overall_score_only")
    return _fact(key, lang, **values)


def _moves_fact(pref, province, years, lang, cites) -> Fact | None:
    """The story first: the largest pillar and indicator rank moves into `years`."""
    phrases = move_phrases(pref, province, years, lang, cites)
    if not phrases:
        return None
    items = Html(i18n.t("narrative.clause_separator", lang).join(phrases))
    return Fact(say("glance.moves", lang, items=items),
                tuple(f for p in phrases for f in cites.figures_in(p)))


def _change_fact(pref, province, year, lang, cites) -> Fact | None:
    """The overall rank's move since the previous comparable rank (up or down so many places, or the
    same rank); None when there is no comparable previous rank."""
    change = overall_change(pref, province, year)
    if change is None or i18n.is_missing(change["change"]):
        return None
    previous = published_figure(pref, province, int(change["previous_year"]))
    current = published_figure(pref, province, year)
    before = cites.rank(previous["rank"], **where_of(previous))
    now = cites.rank(current["rank"], **where_of(current))
    step = int(change["change"])
    if step == 0:
        return _fact("glance.same", lang, previous_year=int(change["previous_year"]),
                     rank=before)
    count = cites.derived("difference", str(abs(step)), [now, before])
    return _fact("glance.up" if step > 0 else "glance.down", lang, count,
                 previous_year=int(change["previous_year"]), previous_rank=before)


def _average_fact(pref, row, year, lang, cites) -> Fact | None:
    """The province's overall score in `year` above (a tie counts as above) or below the provincial
    average; None without that score or the average."""
    average = pref[pref["unit"].eq(measures.NATIONAL_AVERAGE_UNIT) & pref["year"].eq(year)
                   & pref["measure"].eq(measures.NATIONAL_AVERAGE_OF[measures.OVERALL])
                   & pref["score"].notna()]
    if row is None or i18n.is_missing(row["score"]) or average.empty:
        return None
    mean = average.iloc[0]
    key = "glance.above_average" if row["score"] >= mean["score"] else "glance.below_average"
    return _fact(key, lang, score=cites.score(row["score"], **where_of(row)),
                 average=cites.score(mean["score"], **where_of(mean)))


def _target_fact(pref, targets, province, year, lang, cites) -> Fact | None:
    """The home province's rank in `year` against each of the Resolution's rank targets; None for
    another province, without targets, or without that rank."""
    if targets is None or province != measures.HOME_PROVINCE:
        return None
    table = comparisons.rank_against_target(pref, targets, province, years=[year])
    table = table[table["rank"].notna()]
    row = published_figure(pref, province, year)
    if table.empty or row is None:
        return None
    rank = cites.rank(row["rank"], **where_of(row))
    clauses = [say("glance.within_target" if bool(r["within_target"]) else
                   "glance.short_of_target", lang, horizon=int(r["target_horizon"]),
                   top=target_rank_figure(targets, int(r["target_horizon"]), cites))
               for _, r in table.sort_values("target_horizon").iterrows()]
    return _fact("glance.against_target", lang, resolution=measures.RESOLUTION, rank=rank,
                 clauses=Html(i18n.join(clauses, lang)))


def _strongest_fact(pref, province, year, lang, cites) -> Fact | None:
    """The province's best-ranked pillar or indicator among 63 in `year` (pillars only before the
    eight indicators); None when none is ranked or that rank was said already."""
    ranked = pref[pref["unit"].eq(province) & pref["year"].eq(year)
                  & pref["unit_system"].eq(measures.UNITS_BEFORE_MERGER).fillna(False)
                  & pref["measure"].isin([*measures.PILLARS, *measures.INDICATORS])
                  & pref["rank"].notna()]
    if year < measures.FIRST_YEAR_OF_EIGHT_INDICATORS:
        ranked = ranked[ranked["measure"].isin(measures.PILLARS)]
    if ranked.empty:
        return None
    best = ranked.sort_values(["rank", "measure"]).iloc[0]
    rank = cites.rank(best["rank"], **where_of(best))
    if said_before(rank, cites):
        return None  # one of the biggest moves: the glance and the summary say it already
    return _fact("glance.strongest", lang, measure=label(best["measure"], lang), rank=rank)


def profile_facts(pref: pd.DataFrame, province: str, year: int, lang: str, *,
                  successor: str | None = None, targets: pd.DataFrame | None = None,
                  cites: Citations | None = None) -> list[Fact]:
    """The 3–5 facts of a one-edition profile: rank and score, change since the previous
    edition, score against the provincial average, the strongest pillar or indicator, and (home
    province) the Resolution's rank target. Without the province's own figures: its post-merger
    unit's, labelled as such."""
    cites = cites or Citations.plain(lang)
    own = published_figure(pref, province, year)
    facts: list[Fact | None] = []
    if own is not None:
        # What changed most comes first; the strongest measure is the first to give way.
        facts += [_moves_fact(pref, province, [year], lang, cites),
                  _overall_fact(own, lang, cites), _change_fact(pref, province, year, lang, cites),
                  _target_fact(pref, targets, province, year, lang, cites),
                  _average_fact(pref, own, year, lang, cites),
                  _strongest_fact(pref, province, year, lang, cites)]
    elif successor:
        merged = published_figure(pref, successor, year, unit_system=measures.UNITS_AFTER_MERGER)
        if merged is not None:
            facts.append(_merged_fact(merged, province, lang, cites))
            facts.append(_strongest_fact(pref, successor, year, lang, cites))
    return [f for f in facts if f is not None][:5]


def _merged_fact(row, province, lang, cites) -> Fact:
    """The post-merger unit's rank (and score, when published) from its row, said as the unit that
    includes `province`."""
    values = {"year": int(row["year"]), "unit": row["unit"], "province": province,
              "rank": cites.rank(row["rank"], **where_of(row)), "n_units": n_units_html(row["unit_system"])}
    if not i18n.is_missing(row["score"]):
        values["score"] = cites.score(row["score"], **where_of(row))
    return _fact("glance.merged_score" if "score" in values else "glance.merged", lang, **values)


def profile_missing(pref: pd.DataFrame, province: str, year: int, peers, lang: str) -> str | None:
    """One sentence: what the sources collected do not give for this province, edition and
    peer set."""
    items = []
    own = comparisons.province_year(pref, province, year).set_index("measure")
    overall = own.loc[measures.OVERALL]
    has_rank, has_score = not i18n.is_missing(overall["rank"]), not i18n.is_missing(
        overall["score"])
    values = {"year": year, "province": province}
    if not has_rank and not has_score:
        items.append(i18n.t("glance.missing_overall", lang, **values))
    elif not has_rank or not has_score:
        items.append(i18n.t("glance.missing_score" if has_rank else "glance.missing_rank", lang,
                            **values))
    if own.loc[list(measures.PILLARS), "rank"].isna().all():
        items.append(i18n.t("glance.missing_pillars", lang))
    if year >= measures.FIRST_YEAR_OF_EIGHT_INDICATORS:
        absent = [m for m in measures.INDICATORS if i18n.is_missing(own.loc[m, "rank"])]
        if len(absent) == len(measures.INDICATORS):
            items.append(i18n.t("glance.missing_indicators", lang))
        elif absent:
            items.append(i18n.t("glance.missing_some_indicators", lang,
                                measures=i18n.join([label(m, lang) for m in absent], lang)))
    peers = [p for p in peers if p != province]
    silent = [p for p in peers if published_figure(pref, p, year) is None]
    if silent:
        items.append(i18n.t("glance.missing_peers", lang, units=i18n.join(silent, lang)))
    return i18n.t("glance.missing", lang, items=i18n.join(items, lang)) if items else None


def trend_facts(pref: pd.DataFrame, province: str, years, lang: str, *,
                successor: str | None = None, cites: Citations | None = None) -> list[Fact]:
    """Facts of the trends brief: the latest published rank, best and lowest ranks over the
    editions, and the post-merger unit's rank where the edition has one."""
    cites = cites or Citations.plain(lang)
    years = [int(y) for y in years]
    rows = [r for r in (published_figure(pref, province, y) for y in years)
            if r is not None and not i18n.is_missing(r["rank"])]
    facts = [f for f in [_moves_fact(pref, province, years, lang, cites)] if f is not None]
    if rows:
        last = rows[-1]
        facts.append(_fact("glance.latest_rank", lang, province=province,
                           rank=cites.rank(last["rank"], **where_of(last)),
                           n_units=n_units_html(last["unit_system"]), year=int(last["year"])))
        change = _change_fact(pref, province, int(last["year"]), lang, cites)
        if change:
            facts.append(change)
        best = min(rows, key=lambda r: (int(r["rank"]), int(r["year"])))
        worst = max(rows, key=lambda r: (int(r["rank"]), -int(r["year"])))
        # Said only when it adds something: not when the latest edition is the best or the
        # lowest, nor the one before it (the items above give their ranks), nor when every
        # edition ranked the same.
        if int(best["rank"]) != int(worst["rank"]) and int(last["year"]) not in (
                int(best["year"]), int(worst["year"])):
            high = cites.rank(best["rank"], **where_of(best))
            low = cites.rank(worst["rank"], **where_of(worst))
            if not (said_before(high, cites) or said_before(low, cites)):
                facts.append(_fact("glance.best_rank", lang, rank=high, year=int(best["year"]),
                                   worst=low, worst_year=int(worst["year"])))
    if successor:
        for year in years:
            merged = published_figure(pref, successor, year,
                                      unit_system=measures.UNITS_AFTER_MERGER)
            if merged is not None and not i18n.is_missing(merged["rank"]):
                facts.append(_merged_fact(merged, province, lang, cites))
    return facts[:5]


def trend_missing(pref: pd.DataFrame, province: str, years, lang: str) -> str | None:
    """One sentence naming the editions of `years` without an overall rank of the province in the
    sources collected; None when every edition has one."""
    absent = [int(y) for y in years if (r := published_figure(pref, province, int(y))) is None
              or i18n.is_missing(r["rank"])]
    if not absent:
        return None
    item = i18n.t("glance.missing_editions", lang, province=province,
                  years=i18n.join([f"DTI {y}" for y in absent], lang))
    return i18n.t("glance.missing", lang, items=item)


def target_facts(pref: pd.DataFrame, targets: pd.DataFrame, target_status: pd.DataFrame,
                 revisions: pd.DataFrame, years, lang: str, *,
                 cites: Citations | None = None) -> list[Fact]:
    """Facts of the Resolution brief: targets identified, targets completed by the last status
    report, revisions proposed, and the latest rank against the rank target."""
    cites = cites or Citations.plain(lang)
    facts = []
    if len(target_status):
        first = target_status.iloc[0]
        total = status_count(first, "of_total", cites)
        facts.append(_fact("glance.targets_identified", lang,
                           count=identified_count(targets, cites), total=total,
                           resolution=measures.RESOLUTION))
        done = target_status[target_status["status"].eq("completed")]
        if len(done):
            by = reported_by(done["source_id"].iloc[0], cites)
            facts.append(_fact("glance.status_completed" if by
                               else "glance.status_completed_unsourced", lang,
                               date=i18n.date(done["as_of"].iloc[0], lang),
                               count=status_count(done.iloc[0], "n_targets", cites),
                               total=status_count(done.iloc[0], "of_total", cites), **by))
    if len(revisions):
        first = revisions.sort_values("proposed_on").iloc[0]
        same_day = revisions[revisions["proposed_on"].eq(first["proposed_on"])]
        facts.append(_revisions_fact(first, revised_count(same_day, cites), years, lang, cites))
    home = measures.HOME_PROVINCE
    ranked = [y for y in years if published_figure(pref, home, int(y)) is not None]
    if ranked:
        last = int(max(ranked))
        facts.append(_overall_fact(published_figure(pref, home, last), lang, cites))
        target = _target_fact(pref, targets, home, last, lang, cites)
        if target:
            facts.append(target)
    return facts[:5]


def _revisions_fact(first: pd.Series, count, years, lang: str, cites: Citations) -> Fact:
    """"As reported by <paper> (<month>): on <date> <body> proposed revising <n> targets", said
    to come after the brief's edition when it does (a 2020 brief reports a 2023 proposal)."""
    edition = int(max(years)) if len(years) else None
    proposed_year = int(str(first["proposed_on"])[:4])
    later = (i18n.t("glance.after_edition", lang, year=edition)
             if edition is not None and proposed_year > edition else "")
    by = reported_by(first["source_id"], cites)
    return _fact("glance.revisions" if by else "glance.revisions_unsourced", lang,
                 date=i18n.date(first["proposed_on"], lang), count=count,
                 body=i18n.body(first["proposed_by"], lang), later=later, **by)


def target_missing(pref: pd.DataFrame, targets: pd.DataFrame, target_status: pd.DataFrame,
                   years, lang: str) -> str | None:
    """One sentence: what the sources collected do not give for the Resolution brief (other targets'
    wording, editions without the home province's figures); None if nothing."""
    items = []
    if len(target_status):
        total = int(target_status["of_total"].iloc[0])
        if total > targets["target_id"].nunique():
            items.append(i18n.t("glance.missing_targets", lang))
    home = measures.HOME_PROVINCE
    absent = [int(y) for y in years if published_figure(pref, home, int(y)) is None]
    if absent:
        items.append(i18n.t("glance.missing_editions", lang, province=measures.HOME_PROVINCE,
                            years=i18n.join([f"DTI {y}" for y in absent], lang)))
    return i18n.t("glance.missing", lang, items=i18n.join(items, lang)) if items else None
