"""The words about Resolution 06-NQ/TU: its targets' wordings (the Resolution's own, a draft's, a
newspaper's paraphrase, or the project's marked translation, said for what each is), the status
the province reported, the rank target against the DTI ranks and where sources disagree on it,
and the figures of targets, revisions and counts with the sources that state them.

Pure functions over the tables of `analysis.data`; the words are the catalogs'.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pandas as pd

from analysis import comparisons, data, i18n
from analysis.citations import Citations, Fig, Html, where_of
from analysis.measures import HOME_PROVINCE, LANGS, RESOLUTION
from analysis.phrasing import (
    Markdown,
    edition_name,
    ordinal_of,
    plain,
    said_twice,
    say_md,
)


def target_rank_figure(targets: pd.DataFrame, horizon: int, cites) -> Fig:
    """The Resolution's rank target for a horizon (T01: top 20 by 2025), as a figure."""
    goal = targets[targets["comparator"].eq("top_n") & targets["horizon"].eq(horizon)].iloc[0]
    return target_figure(goal, cites)


def target_figure(goal, cites, text: str | None = None) -> Fig:
    """A target's value (or, with `text`, its wording as shown), cited to the sources its row
    names; disputed where the data notes a conflict."""
    status = "disputed" if "CONFLICT" in str(goal.get("note", "")) else "firm"
    shown = text if text is not None else i18n.value(goal["value"], cites.lang) \
        if not i18n.is_missing(goal["value"]) else str(goal["value_text"])
    return cites.stated("target", shown, source_ids=goal.get("source_ids") or goal["source_id"],
                        year=goal["horizon"], unit=HOME_PROVINCE, measure=goal["target_id"],
                        status=status, quote=str(goal.get("wording_vi", "") or ""))


def status_count(row, column: str, cites) -> Fig:
    """A count from the Resolution's status report (5 completed, of 14), as a figure."""
    return cites.stated("count", i18n.integer(row[column], cites.lang),
                        source_ids=row["source_id"], year=_year_of(row["as_of"]),
                        unit=HOME_PROVINCE, measure="ALL")


def _year_of(iso) -> int | None:
    """The year an ISO date starts with; None when it does not start with four digits."""
    text = str(iso)
    return int(text[:4]) if text[:4].isdigit() else None


def revision_figure(row, which: str, cites, text: str | None = None) -> Fig:
    """A proposed revision's value before (`which="from"`) or after ("to") (or, with `text`,
    its wording as shown), cited to the report that proposed it, with the source's own
    wording of the target where kept."""
    shown = text if text is not None else i18n.value(row[f"{which}_value"], cites.lang)
    return cites.stated(f"revision_{which}", shown,
                        source_ids=row["source_id"], year=row["horizon"], unit=HOME_PROVINCE,
                        measure=row["target_id"], quote=str(row.get(f"{which}_wording_vi", "")
                                                            or ""))


def has_threshold(status) -> bool:
    """Whether a status group's name holds a share ("at_least_60pct")."""
    return bool(_STATUS_NUMBER.search(str(status)))


def threshold_figure(status: str, row, cites) -> Html:
    """The share in a status group's name ("at least 60%") as a figure of the status report."""
    number = _STATUS_NUMBER.search(str(status))
    text = i18n.percent(int(number[1]) / 100, cites.lang)
    digits = text.rstrip("%\u00a0 ")
    figure = cites.stated("progress", digits, source_ids=row["source_id"],
                          year=_year_of(row["as_of"]), unit=HOME_PROVINCE, measure="ALL",
                          suffix=text[len(digits):])
    return figure


_STATUS_NUMBER = re.compile(r"(\d+)pct")


def status_label(status: str, lang: str = "vi") -> str:
    """A status code in words (catalog `[status]`); the percentage is read from the code
    (at_least_60pct -> "đạt từ 60% trở lên")."""
    messages = i18n.catalog(i18n.check_lang(lang))
    if f"status.{status}" in messages and isinstance(messages[f"status.{status}"], str):
        return messages[f"status.{status}"]
    number = _STATUS_NUMBER.search(str(status))
    if not number:
        return str(status)
    kind = "at_least" if "at_least" in str(status) else "at"
    return i18n.t(f"status.template.{kind}", lang, pct=i18n.percent(int(number[1]) / 100, lang))


def _status_phrase(row, lang: str, cites: Citations) -> str:
    """One status group of the report in words ("completed 5 of the 14 targets", "3 had reached at
    least 60%"), its counts and share as figures."""
    status = str(row["status"])
    count = status_count(row, "n_targets", cites)
    if status in ("completed", "initially_deployed"):
        total = status_count(row, "of_total", cites)
        key = f"narrative.status_{status}" + ("_said" if said_twice(total, cites)
                                              and status == "completed" else "")
        return say_md(key, lang, count=count, total=total, resolution=RESOLUTION)
    if _STATUS_NUMBER.search(status):
        kind = "at_least" if "at_least" in status else "at"
        return say_md(f"narrative.status_{kind}", lang, count=count,
                    pct=threshold_figure(status, row, cites))
    return say_md("narrative.status_other", lang, count=count, status=status)


def status_sentence(target_status: pd.DataFrame, lang: str = "vi",
                    cites: Citations | None = None) -> str | None:
    """The reported implementation status of the Resolution's targets (e.g. at end 2022)."""
    i18n.check_lang(lang)
    if target_status is None or target_status.empty:
        return None
    cites = plain(cites, lang)
    latest = target_status[target_status["as_of"].eq(target_status["as_of"].max())]
    parts = [_status_phrase(row, lang, cites) for _, row in latest.iterrows()]
    by = reported_by(latest["source_id"].iloc[0], cites)
    return say_md("narrative.status" if by else "narrative.status_unsourced", lang,
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
    inputs = [target_figure(row, cites, text=None if not i18n.is_missing(row["value"])
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
    i18n.check_lang(lang)
    cites = plain(cites, lang)
    found = identified_count(targets, cites)
    total = (status_count(target_status.iloc[0], "of_total", cites)
             if target_status is not None and not target_status.empty else None)
    of = (say_md("narrative.targets_found_of", lang, found=found, total=total)
          if total and not said_twice(total, cites) else found)
    return say_md("narrative.targets_found", lang, of=of, resolution=RESOLUTION)


def rank_target_sentence(pref: pd.DataFrame, targets: pd.DataFrame, year: int,
                         lang: str = "vi", province: str = HOME_PROVINCE,
                         cites: Citations | None = None) -> str:
    """The edition's overall rank against the Resolution's rank target(s)."""
    i18n.check_lang(lang)
    table = comparisons.rank_against_target(pref, targets, province=province)
    rows = table[table["year"].eq(year) & table["rank"].notna()] if not table.empty else table
    if rows.empty:
        return say_md("narrative.rank_target_missing", lang, year=edition_name(year),
                    resolution=RESOLUTION, province=province)
    cites = plain(cites, lang)
    own = comparisons.published_figure(pref, province, year)
    rank = cites.rank(own["rank"], **where_of(own))
    clauses = []
    for _, row in rows.sort_values("target_horizon").iterrows():
        if i18n.is_missing(row["target_rank"]):
            continue
        kind = "within" if bool(row["within_target"]) else "short"
        clauses.append(say_md(f"narrative.rank_target_{kind}", lang,
                            horizon=edition_name(row["target_horizon"]),
                            top=target_rank_figure(targets, int(row["target_horizon"]), cites)))
    if not clauses:
        return say_md("narrative.rank_target_none", lang, resolution=RESOLUTION)
    if said_twice(rank, cites):
        return say_md("narrative.rank_target_said", lang, year=edition_name(year),
                    clauses=Markdown(i18n.join(clauses, lang)), resolution=RESOLUTION)
    return say_md("narrative.rank_target", lang, year=edition_name(year), rank=ordinal_of(rank, lang),
                clauses=Markdown(i18n.join(clauses, lang)), resolution=RESOLUTION)


def rank_target_sentences(pref: pd.DataFrame, targets: pd.DataFrame, years, lang: str = "vi",
                          province: str = HOME_PROVINCE,
                          cites: Citations | None = None) -> list[str]:
    """The editions' overall ranks against the rank target: one sentence for all the ranked
    editions when they stand alike against every horizon (said once, not once per edition),
    else one per edition; an edition without a rank says so on its own."""
    i18n.check_lang(lang)
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
    cites = plain(cites, lang)
    items = []
    for year in ranked:
        own = comparisons.published_figure(pref, province, year)
        items.append(say_md("narrative.rank_target_item", lang, year=edition_name(year),
                          rank=ordinal_of(cites.rank(own["rank"], **where_of(own)), lang)))
    clauses = [say_md("narrative.rank_target_within" if within else "narrative.rank_target_short",
                    lang, horizon=edition_name(horizon), top=target_rank_figure(targets, int(horizon),
                                                                         cites))
               for horizon, within in outcome[ranked[0]]]
    together = say_md("narrative.rank_target_many", lang, ranks=Markdown(i18n.join(items, lang)),
                    clauses=Markdown(i18n.join(clauses, lang)), resolution=RESOLUTION)
    unranked = [y for y in years if y not in ranked]
    if len(unranked) > 1:  # editions without a rank: said together too
        return [say_md("narrative.rank_target_missing_many", lang, resolution=RESOLUTION,
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
    i18n.check_lang(lang)
    if not _rank_target_disputed(targets):
        return None
    cites = plain(cites, lang)
    restatements = data.load_target_restatements() if restatements is None else restatements
    goals = targets[targets["comparator"].eq("top_n")]
    other = restatements.merge(goals[["target_id", "horizon"]], on=["target_id", "horizon"])
    if other.empty:
        return say_md("narrative.rank_target_disputed", lang, resolution=RESOLUTION)
    row = other.iloc[0]
    by = reported_by(row["source_id"], cites)
    figure = cites.stated("target", i18n.integer(row["value"], lang), source_ids=row["source_id"],
                          year=row["horizon"], unit=HOME_PROVINCE, measure=row["target_id"],
                          status="disputed", quote=str(row["quote"]))
    top = target_rank_figure(targets, int(row["horizon"]), cites)
    # The Resolution's own level said twice already (glance, comparison): named, not repeated.
    key = "narrative.rank_target_disputed_" + ("said" if said_twice(top, cites) else "figures")
    return say_md(key if by else key + "_unsourced", lang, resolution=RESOLUTION,
                target_id=str(row["target_id"]), horizon=edition_name(row["horizon"]), top=top,
                other=figure, **by)


def _rank_target_disputed(targets: pd.DataFrame) -> bool:
    """Whether the data notes a conflict between sources on a rank target (top N)."""
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
    i18n.check_lang(lang)
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


class Wording(NamedTuple):
    """A target's wording as a brief shows it, and whose words it is."""

    text: str        # as shown (a project translation carries its mark)
    kind: str        # "source", "paraphrase", "draft", "label" or "translation"
    source_ids: str  # the page that gives these words (a draft's); "" = the target's sources
    date: str        # ISO date of a draft; "" otherwise


def _filled(value) -> bool:
    """Whether `value` is text with more than whitespace in it."""
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
    i18n.check_lang(lang)
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


def as_of_text(value, lang: str) -> str:
    """A reporting time: an ISO date in the language's format, else its words translated."""
    if i18n.is_missing(value) or not str(value).strip():
        return ""
    shown = i18n.date(value, lang)
    return shown if shown != str(value) else i18n.data_text(value, lang)


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def data_texts(values, lang: str) -> list[str]:
    """Data texts in `lang`; a bare number ("1000") in the language's convention ("1.000")."""
    return ["" if i18n.is_missing(v) or not str(v).strip()
            else i18n.value(float(v), lang) if _PLAIN_NUMBER.fullmatch(str(v).strip())
            else i18n.data_text(v, lang) for v in values]


# Rows of target_progress.csv that are not one target: all of them together, or context only.


TARGET_GROUPS = {"ALL": "table.target_all", "CTX": "table.target_context"}


def target_name(target_id, lang: str = "vi") -> str:
    """A target's id as shown ("T03"), or in words for the rows that are not one target."""
    key = TARGET_GROUPS.get(str(target_id))
    return i18n.t(key, i18n.check_lang(lang)) if key else str(target_id)
