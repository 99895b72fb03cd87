"""What a reader sees inside a brief besides tables and charts: the at-a-glance box, numbered
citations with the source list, the CSV download, and the sentence that replaces a chart or
table in which nothing is published.

One `Citations` object per brief (made in the notebook) numbers sources by first use and
collects the DTI rows of every figure the brief shows; the source list and the CSV are built
from it at the end, so that marks, list and download agree.

The facts of the at-a-glance box are computed by pure functions (`profile_facts`,
`trend_facts`, `target_facts`, and their `*_missing` companions): frames in, `Fact`s out.
Their words come from the catalog section `[glance]`; numbers and dates from `analysis.i18n`.
All text that comes from data is escaped here, where the HTML is built.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass

import pandas as pd

from analysis import comparisons, i18n, tables
from analysis.comparisons import published_figure
from analysis.measures import (
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    HOME_PROVINCE,
    INDICATORS,
    NATIONAL_AVERAGE_OF,
    NATIONAL_AVERAGE_UNIT,
    OVERALL,
    PILLARS,
    RESOLUTION,
    UNITS_AFTER_MERGER,
    UNITS_BEFORE_MERGER,
    label,
)
from analysis.names import slugify
from analysis.narrative import escape_markdown

CSV_COLUMNS = ["year", "unit", "unit_system", "measure", "score", "rank", "source_url",
               "publisher", "title"]
DTI_KEY = ["year", "unit_system", "unit", "measure", "source_id"]


def split_ids(values) -> list[str]:
    """Source ids from cells that hold one id, several joined by ";", or nothing."""
    if isinstance(values, str):
        values = [values]
    ids = []
    for value in values:
        if i18n.is_missing(value):
            continue
        for part in str(value).split(";"):
            part = part.strip()
            if part and part not in ids:
                ids.append(part)
    return ids


class Citations:
    """The citation registry of one brief.

    `marks(ids)` gives the [n] marks of some sources (numbering new ones in order of first
    use); `show(frame, year=)` records the figures of a frame the brief shows (their DTI rows
    go into the CSV) and returns one list of source ids per row; `sources_html()` is the
    numbered list, `download_html()` the CSV link. `pref` (preferred_dti()) lets a figure whose
    score and rank come from two sources cite both; `dti` (load_dti()) is what the CSV rows
    are taken from.
    """

    def __init__(self, sources: pd.DataFrame, lang: str, *, dti: pd.DataFrame | None = None,
                 pref: pd.DataFrame | None = None, csv_name: str = "brief"):
        self.lang = i18n.check_lang(lang)
        self.sources = sources.drop_duplicates("source_id").set_index("source_id")
        self.dti = dti
        self.pref = pref
        self.csv_name = slugify(csv_name) or "brief"
        self.numbers: dict[str, int] = {}
        self._shown: list[tuple] = []
        self._pref_index: tuple | None = None

    # --- numbering --------------------------------------------------------------------------

    def number(self, source_id: str) -> int:
        if source_id not in self.numbers:
            self.numbers[source_id] = len(self.numbers) + 1
        return self.numbers[source_id]

    def marks(self, source_ids) -> str:
        """`<sup class="cite"><a href="#src-n">[n]</a></sup>` for each source, in number order."""
        numbers = sorted({self.number(sid) for sid in split_ids(source_ids)})
        return "".join(f'<sup class="cite"><a href="#src-{n}">[{n}]</a></sup>' for n in numbers)

    # --- figures shown ----------------------------------------------------------------------

    def _figure_ids(self, row: dict, year) -> list[str]:
        """The sources of one shown figure: both the score's and the rank's where they differ,
        and those of the provincial average the row sets it against (`national_average`)."""
        ids = self._own_figure_ids(row, year)
        if not i18n.is_missing(row.get("national_average")) and "measure" in row:
            average = {"unit": NATIONAL_AVERAGE_UNIT, "measure": row["measure"],
                       "score": row["national_average"]}
            ids += [i for i in self._own_figure_ids(average, year) if i not in ids]
        return ids

    def _own_figure_ids(self, row: dict, year) -> list[str]:
        ids = split_ids([row.get("source_id"), row.get("source_ids")])
        if self.pref is None or year is None or "measure" not in row or "unit" not in row:
            return ids
        unit, measure = row["unit"], row["measure"]
        if unit == NATIONAL_AVERAGE_UNIT:
            measure = NATIONAL_AVERAGE_OF.get(measure, measure)
        match = self._pref_rows().get((int(year), unit, measure), [])
        if "unit_system" in row and not i18n.is_missing(row["unit_system"]):
            system = int(row["unit_system"])
            match = [m for m in match if m["unit_system"] == system]
        if not match:
            return ids
        found = match[0]
        picked = []
        if not i18n.is_missing(row.get("score")) or "score" not in row:
            picked.append(found["score_source_id"])
        if not i18n.is_missing(row.get("rank")) or "rank" not in row:
            picked.append(found["rank_source_id"])
        return split_ids(picked) or ids

    def _pref_rows(self) -> dict:
        """`pref` indexed once by (year, unit, measure): its rows in order, each as the
        unit_system (None if missing) and the score's and rank's source ids."""
        if self._pref_index is None or self._pref_index[0] is not self.pref:
            index: dict = {}
            pref = self.pref
            for year, unit, measure, system, score_sid, rank_sid in zip(
                    pref["year"], pref["unit"], pref["measure"], pref["unit_system"],
                    pref["score_source_id"], pref["rank_source_id"]):
                if i18n.is_missing(year):
                    continue
                index.setdefault((int(year), unit, measure), []).append({
                    "unit_system": None if i18n.is_missing(system) else int(system),
                    "score_source_id": score_sid, "rank_source_id": rank_sid})
            self._pref_index = (pref, index)
        return self._pref_index[1]

    def show(self, frame: pd.DataFrame, year: int | None = None) -> list[list[str]]:
        """Record the DTI figures of `frame` as shown; one list of source ids per row.

        A row is a DTI figure when it has `unit` and `measure` (and `year`, or `year` given);
        its load_dti() rows (one per source behind its score and rank) go into the CSV."""
        per_row = []
        for record in frame.to_dict("records"):
            row_year = record.get("year", year)
            ids = self._figure_ids(record, row_year)
            per_row.append(ids)
            published = any(not i18n.is_missing(record.get(c)) for c in ("score", "rank"))
            if published and "unit" in record and "measure" in record \
                    and not i18n.is_missing(row_year):
                self._record_shown(record, int(row_year))
                if not i18n.is_missing(record.get("national_average")):
                    self._record_shown({"unit": NATIONAL_AVERAGE_UNIT,
                                        "measure": record["measure"]}, int(row_year))
        return per_row

    def _record_shown(self, record: dict, year: int) -> None:
        """Note one DTI figure (unit, measure, year) as shown, for the CSV, once per source."""
        measure = record["measure"]
        if record["unit"] == NATIONAL_AVERAGE_UNIT:
            measure = NATIONAL_AVERAGE_OF.get(measure, measure)
        for sid in self._own_figure_ids(record, year):
            self._shown.append((year, record["unit"], measure, sid))

    def csv_frame(self) -> pd.DataFrame:
        """The load_dti() rows of every figure shown, with the source's URL, publisher, title."""
        dti = self.dti
        if dti is None:
            from analysis.data import load_dti
            dti = load_dti()
        if not self._shown:
            return pd.DataFrame(columns=CSV_COLUMNS)
        wanted = pd.DataFrame(self._shown, columns=["year", "unit", "measure", "source_id"])
        wanted = wanted.drop_duplicates().astype({"year": "Int64"})
        rows = dti.merge(wanted, on=["year", "unit", "measure", "source_id"], how="inner")
        registry = self.sources.reindex(rows["source_id"])
        rows = rows.assign(source_url=registry["url"].to_numpy(),
                           publisher=registry["publisher"].to_numpy(),
                           title=registry["title"].to_numpy())
        rows = rows.sort_values(DTI_KEY, kind="stable").drop_duplicates(DTI_KEY)
        return rows[CSV_COLUMNS].reset_index(drop=True)

    def csv_text(self) -> str:
        buffer = io.StringIO()
        self.csv_frame().to_csv(buffer, index=False, lineterminator="\n")
        return buffer.getvalue()

    def download_html(self) -> str:
        """The CSV as a `data:` link, so the brief stays one offline file."""
        payload = base64.b64encode(self.csv_text().encode("utf-8")).decode("ascii")
        name = html.escape(f"{self.csv_name}.csv", quote=True)
        return (f'<p><a class="download" download="{name}" '
                f'href="data:text/csv;charset=utf-8;base64,{payload}">'
                f'{html.escape(i18n.t("brief.download", self.lang))}</a> '
                f'<span class="note">{html.escape(i18n.t("brief.download_note", self.lang))}'
                "</span></p>")

    # --- the source list --------------------------------------------------------------------

    def _entry(self, source_id: str) -> str:
        if source_id not in self.sources.index:
            return html.escape(source_id)
        row = self.sources.loc[source_id]
        publisher = i18n.data_text(_text(row.get("publisher")), self.lang)
        title = i18n.data_text(_text(row.get("title")), self.lang) or _text(row.get("url"))
        url = _text(row.get("url"))
        # Only a date the source gave as a date; free-text notes on dates stay in the data.
        when = _text(row.get("date_published"))
        date = i18n.date(when, self.lang) if when else ""
        if url.startswith(("http://", "https://")):
            title_html = f'<a href="{html.escape(url, quote=True)}">{html.escape(title)}</a>'
        else:
            title_html = html.escape(title)
        parts = [p for p in (html.escape(publisher), title_html, html.escape(date)) if p]
        return ", ".join(parts)

    def sources_html(self) -> str:
        """`<ol class="sources">`: every source cited, in the order of its number."""
        items = [f'<li id="src-{n}">{self._entry(sid)}</li>'
                 for sid, n in sorted(self.numbers.items(), key=lambda item: item[1])]
        return f'<ol class="sources">{"".join(items)}</ol>'


def _text(value) -> str:
    return "" if i18n.is_missing(value) else str(value).strip()


def csv_name(notebook: str, year: int, province: str | None = None) -> str:
    """"dti-2022-hai-duong-01_year_profile" for the CSV file of a brief."""
    parts = ["dti", str(year), *([province] if province else []), notebook]
    return slugify("-".join(parts))


# --- small HTML pieces ----------------------------------------------------------------------------

gap = tables.gap


def sources_section(cites: Citations) -> str:
    return (f'<h2 id="sources">{html.escape(i18n.t("brief.sources_heading", cites.lang))}</h2>'
            + cites.sources_html() + cites.download_html())


# --- at a glance ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fact:
    """One line of the at-a-glance box: its text (plain, escaped when rendered), its sources,
    and the DTI figures it states (rows for the CSV, with `year`)."""
    text: str
    source_ids: tuple[str, ...] = ()
    figures: tuple[dict, ...] = ()


def glance_html(facts: list[Fact], missing: str | None, cites: Citations) -> str:
    """`<section class="glance">`: the facts with their [n] marks, then the missing sentence."""
    items = []
    for fact in facts:
        if fact.figures:
            cites.show(pd.DataFrame(list(fact.figures)))
        items.append(f"<li>{html.escape(fact.text)}{cites.marks(list(fact.source_ids))}</li>")
    body = f"<ul>{''.join(items)}</ul>" if items else ""
    tail = f'<p class="missing">{html.escape(missing)}</p>' if missing else ""
    heading = html.escape(i18n.t("brief.glance_heading", cites.lang))
    return f'<section class="glance"><h2>{heading}</h2>{body}{tail}</section>'


def _ids(row, *columns) -> tuple[str, ...]:
    picked = []
    for column in columns:
        picked += split_ids([row[column]]) if column in row.index else []
    return tuple(dict.fromkeys(picked))


def _figure(row) -> dict:
    return {"year": int(row["year"]), "unit": row["unit"], "measure": row["measure"],
            "unit_system": row["unit_system"], "score": row["score"], "rank": row["rank"],
            "source_id": row["source_id"]}


def _overall_fact(row, lang) -> Fact:
    n_units = int(row["unit_system"])
    values = {"year": int(row["year"]), "n_units": n_units}
    has_rank, has_score = not i18n.is_missing(row["rank"]), not i18n.is_missing(row["score"])
    if has_rank:
        values["rank"] = int(row["rank"])
    if has_score:
        values["score"] = i18n.number(row["score"], lang)
    key = "glance.overall" if has_rank and has_score else (
        "glance.overall_rank_only" if has_rank else "glance.overall_score_only")
    ids = _ids(row, *(["score_source_id"] if has_score else []),
               *(["rank_source_id"] if has_rank else []))
    return Fact(i18n.t(key, lang, **values), ids, (_figure(row),))


def _change_fact(pref, province, year, lang) -> Fact | None:
    changes = comparisons.rank_changes(pref, province)
    rows = changes[changes["year"].eq(year) & changes["measure"].eq(OVERALL)
                   & changes["comparable"].fillna(False).astype(bool)]
    if rows.empty or i18n.is_missing(rows["change"].iloc[0]):
        return None
    change = rows.iloc[0]
    previous = published_figure(pref, province, int(change["previous_year"]))
    values = {"previous_year": int(change["previous_year"]),
              "previous_rank": int(change["previous_rank"])}
    step = int(change["change"])
    if step == 0:
        text = i18n.t("glance.same", lang, **values)
    else:
        key = "glance.up" if step > 0 else "glance.down"
        text = i18n.t(key, lang, count=abs(step), **values)
    ids = _ids(previous, "rank_source_id") if previous is not None else ()
    figures = (_figure(previous),) if previous is not None else ()
    return Fact(text, ids, figures)


def _average_fact(pref, row, year, lang) -> Fact | None:
    average = pref[pref["unit"].eq(NATIONAL_AVERAGE_UNIT) & pref["year"].eq(year)
                   & pref["measure"].eq(NATIONAL_AVERAGE_OF[OVERALL]) & pref["score"].notna()]
    if row is None or i18n.is_missing(row["score"]) or average.empty:
        return None
    mean = average.iloc[0]
    key = "glance.above_average" if row["score"] >= mean["score"] else "glance.below_average"
    text = i18n.t(key, lang, score=i18n.number(row["score"], lang),
                  average=i18n.number(mean["score"], lang))
    return Fact(text, _ids(row, "score_source_id") + _ids(mean, "score_source_id"),
                (_figure(mean),))


def _target_fact(pref, targets, province, year, lang) -> Fact | None:
    if targets is None or province != HOME_PROVINCE:
        return None
    table = comparisons.rank_against_target(pref, targets, province, years=[year])
    table = table[table["rank"].notna()]
    if table.empty:
        return None
    clauses = [i18n.t("glance.within_target" if bool(r["within_target"]) else
                      "glance.short_of_target", lang, horizon=int(r["target_horizon"]),
                      top=int(r["target_rank"]))
               for _, r in table.sort_values("target_horizon").iterrows()]
    goal_ids = split_ids(targets.loc[targets["comparator"].eq("top_n"), "source_id"])
    row = published_figure(pref, province, year)
    ids = (_ids(row, "rank_source_id") if row is not None else ()) + tuple(goal_ids)
    return Fact(i18n.t("glance.against_target", lang, resolution=RESOLUTION,
                       clauses=i18n.join(clauses, lang)), tuple(dict.fromkeys(ids)))


def _strongest_fact(pref, province, year, lang) -> Fact | None:
    ranked = pref[pref["unit"].eq(province) & pref["year"].eq(year)
                  & pref["unit_system"].eq(UNITS_BEFORE_MERGER).fillna(False)
                  & pref["measure"].isin([*PILLARS, *INDICATORS]) & pref["rank"].notna()]
    if year < FIRST_YEAR_OF_EIGHT_INDICATORS:
        ranked = ranked[ranked["measure"].isin(PILLARS)]
    if ranked.empty:
        return None
    best = ranked.sort_values(["rank", "measure"]).iloc[0]
    return Fact(i18n.t("glance.strongest", lang, measure=label(best["measure"], lang),
                       rank=int(best["rank"])), _ids(best, "rank_source_id"), (_figure(best),))


def profile_facts(pref: pd.DataFrame, province: str, year: int, lang: str, *,
                  successor: str | None = None, targets: pd.DataFrame | None = None
                  ) -> list[Fact]:
    """The 3–5 facts of a one-edition profile: rank and score, change since the previous
    edition, score against the provincial average, the strongest pillar or indicator, and (home
    province) the Resolution's rank target. Without the province's own figures: its post-merger
    unit's, labelled as such."""
    own = published_figure(pref, province, year)
    facts: list[Fact | None] = []
    if own is not None:
        facts += [_overall_fact(own, lang), _change_fact(pref, province, year, lang),
                  _average_fact(pref, own, year, lang),
                  _strongest_fact(pref, province, year, lang),
                  _target_fact(pref, targets, province, year, lang)]
    elif successor:
        merged = published_figure(pref, successor, year, unit_system=UNITS_AFTER_MERGER)
        if merged is not None:
            facts.append(_merged_fact(merged, province, lang))
            facts.append(_strongest_fact(pref, successor, year, lang))
    return [f for f in facts if f is not None][:5]


def _merged_fact(row, province, lang) -> Fact:
    has_score = not i18n.is_missing(row["score"])
    values = {"year": int(row["year"]), "unit": row["unit"], "province": province,
              "rank": int(row["rank"]), "n_units": int(row["unit_system"])}
    if has_score:
        values["score"] = i18n.number(row["score"], lang)
    key = "glance.merged_score" if has_score else "glance.merged"
    return Fact(i18n.t(key, lang, **values), _ids(row, "score_source_id", "rank_source_id"),
                (_figure(row),))


def profile_missing(pref: pd.DataFrame, province: str, year: int, peers, lang: str) -> str | None:
    """One sentence: what is not published for this province, edition and peer set."""
    items = []
    own = comparisons.province_year(pref, province, year).set_index("measure")
    overall = own.loc[OVERALL]
    has_rank, has_score = not i18n.is_missing(overall["rank"]), not i18n.is_missing(
        overall["score"])
    values = {"year": year, "province": province}
    if not has_rank and not has_score:
        items.append(i18n.t("glance.missing_overall", lang, **values))
    elif not has_rank or not has_score:
        items.append(i18n.t("glance.missing_score" if has_rank else "glance.missing_rank", lang,
                            **values))
    if own.loc[list(PILLARS), "rank"].isna().all():
        items.append(i18n.t("glance.missing_pillars", lang))
    if year >= FIRST_YEAR_OF_EIGHT_INDICATORS:
        absent = int(own.loc[list(INDICATORS), "rank"].isna().sum())
        if absent == len(INDICATORS):
            items.append(i18n.t("glance.missing_indicators", lang))
        elif absent:
            items.append(i18n.t("glance.missing_some_indicators", lang, count=absent))
    peers = [p for p in peers if p != province]
    silent = [p for p in peers if published_figure(pref, p, year) is None]
    if silent:
        items.append(i18n.t("glance.missing_peers", lang, count=len(silent), total=len(peers),
                            units=i18n.join(silent, lang)))
    return i18n.t("glance.missing", lang, items=i18n.join(items, lang)) if items else None


def trend_facts(pref: pd.DataFrame, province: str, years, lang: str, *,
                successor: str | None = None) -> list[Fact]:
    """Facts of the trends brief: the latest published rank, best and lowest ranks over the
    editions, and the post-merger unit's rank where the edition has one."""
    years = [int(y) for y in years]
    rows = [r for r in (published_figure(pref, province, y) for y in years)
            if r is not None and not i18n.is_missing(r["rank"])]
    facts = []
    if rows:
        last = rows[-1]
        facts.append(Fact(i18n.t("glance.latest_rank", lang, province=province,
                                 rank=int(last["rank"]), n_units=int(last["unit_system"]),
                                 year=int(last["year"])),
                          _ids(last, "rank_source_id"), (_figure(last),)))
        change = _change_fact(pref, province, int(last["year"]), lang)
        if change:
            facts.append(change)
        if len(rows) > 1:
            best = min(rows, key=lambda r: (int(r["rank"]), int(r["year"])))
            worst = max(rows, key=lambda r: (int(r["rank"]), -int(r["year"])))
            facts.append(Fact(i18n.t("glance.best_rank", lang, rank=int(best["rank"]),
                                     year=int(best["year"]), worst=int(worst["rank"]),
                                     worst_year=int(worst["year"])),
                              tuple(dict.fromkeys(_ids(best, "rank_source_id")
                                                  + _ids(worst, "rank_source_id"))),
                              (_figure(best), _figure(worst))))
    if successor:
        for year in years:
            merged = published_figure(pref, successor, year, unit_system=UNITS_AFTER_MERGER)
            if merged is not None and not i18n.is_missing(merged["rank"]):
                facts.append(_merged_fact(merged, province, lang))
    return facts[:5]


def trend_missing(pref: pd.DataFrame, province: str, years, lang: str) -> str | None:
    absent = [int(y) for y in years if (r := published_figure(pref, province, int(y))) is None
              or i18n.is_missing(r["rank"])]
    if not absent:
        return None
    item = i18n.t("glance.missing_editions", lang, province=province,
                  years=i18n.join([str(y) for y in absent], lang))
    return i18n.t("glance.missing", lang, items=item)


def target_facts(pref: pd.DataFrame, targets: pd.DataFrame, target_status: pd.DataFrame,
                 revisions: pd.DataFrame, years, lang: str) -> list[Fact]:
    """Facts of the Resolution brief: targets identified, targets completed by the last status
    report, revisions proposed, and the latest rank against the rank target."""
    facts = []
    total = int(target_status["of_total"].iloc[0]) if len(target_status) else None
    if total:
        facts.append(Fact(i18n.t("glance.targets_identified", lang,
                                 count=targets["target_id"].nunique(), total=total,
                                 resolution=RESOLUTION),
                          tuple(split_ids(targets["source_id"])[:3])))
        done = target_status[target_status["status"].eq("completed")]
        if len(done):
            facts.append(Fact(i18n.t("glance.status_completed", lang,
                                     date=i18n.date(done["as_of"].iloc[0], lang),
                                     count=int(done["n_targets"].iloc[0]), total=total),
                              tuple(split_ids(done["source_id"]))))
    if len(revisions):
        first = revisions.sort_values("proposed_on").iloc[0]
        same_day = revisions[revisions["proposed_on"].eq(first["proposed_on"])]
        facts.append(Fact(i18n.t("glance.revisions", lang,
                                 date=i18n.date(first["proposed_on"], lang),
                                 count=same_day["target_id"].nunique()),
                          tuple(split_ids(same_day["source_id"]))))
    ranked = [y for y in years if published_figure(pref, HOME_PROVINCE, int(y)) is not None]
    if ranked:
        last = int(max(ranked))
        row = published_figure(pref, HOME_PROVINCE, last)
        facts.append(_overall_fact(row, lang))
        target = _target_fact(pref, targets, HOME_PROVINCE, last, lang)
        if target:
            facts.append(target)
    return facts[:5]


def target_missing(pref: pd.DataFrame, targets: pd.DataFrame, target_status: pd.DataFrame,
                   years, lang: str) -> str | None:
    items = []
    if len(target_status):
        total = int(target_status["of_total"].iloc[0])
        unknown = total - targets["target_id"].nunique()
        if unknown > 0:
            items.append(i18n.t("glance.missing_targets", lang, count=unknown, total=total))
    absent = [int(y) for y in years if published_figure(pref, HOME_PROVINCE, int(y)) is None]
    if absent:
        items.append(i18n.t("glance.missing_editions", lang, province=HOME_PROVINCE,
                            years=i18n.join([str(y) for y in absent], lang)))
    return i18n.t("glance.missing", lang, items=i18n.join(items, lang)) if items else None


# --- charts and gap sentences in a notebook -------------------------------------------------------

def what(key: str, lang: str, **values) -> str:
    """The name of what a table or chart would show (catalog `[brief]`, key `what_<key>`)."""
    return i18n.t(f"brief.what_{key}", lang, **values)


def caption(key: str, lang: str, **values) -> str:
    """A sentence that says what a table shows (catalog `[brief]`), as escaped Markdown."""
    return escape_markdown(i18n.t(f"brief.{key}", lang, **values))


def gap_sentence(key: str, lang: str, **values) -> str:
    """"<what>: not published in the sources collected." for a table with nothing in it."""
    return i18n.t("table.gap", lang, what=what(key, lang, **values))


def chart_gap(key: str, lang: str, **values) -> str:
    """"No chart: <what> not published in the sources collected." for a chart left undrawn."""
    return i18n.t("brief.no_chart", lang, what=what(key, lang, **values))


def show_chart(draw, *args, figsize=(9, 5), when: bool = True, gap_text: str | None = None,
               cites: Citations | None = None, figures: pd.DataFrame | None = None,
               **kwargs) -> None:
    """In a notebook: draw a chart on a new figure and show it, or, when `when` is False (nothing
    published to draw), show the one gap sentence instead. With `cites`, the chart's sources
    are also cited by number under it, and `figures` (preferred_dti() rows the chart draws)
    go into the brief's CSV."""
    from IPython.display import HTML, Image, display

    if not when:
        if gap_text:
            display(HTML(gap(gap_text)))
        return
    import matplotlib.pyplot as plt

    from analysis.charts import chart_source_ids, figure_png, hide_source_line

    fig, ax = plt.subplots(figsize=figsize)
    try:
        draw(*args, ax=ax, **kwargs)
        ids = chart_source_ids(ax)
        if cites is not None:
            # The brief cites the chart's sources by number right under it, linked to the
            # source list: the same sources written out inside the image would say it twice
            # (and cost a third of the chart's drawing). A chart saved on its own (`make
            # figures`) keeps them.
            hide_source_line(ax)
        # The chart's title is its text alternative (screen readers, a page saved without images).
        alt = " ".join((ax.get_title(loc="left") or ax.get_title()).split())
        display(Image(data=figure_png(fig), format="png", metadata={"alt": alt} if alt else None))
    finally:
        plt.close(fig)
    if cites is not None:
        if figures is not None:
            cites.show(figures)
        if ids:
            display(HTML(chart_sources_html(ids, cites)))


def chart_sources_html(source_ids, cites: Citations) -> str:
    """"Sources of the chart: [1][4]" under a chart, linking to the numbered list."""
    label_text = html.escape(i18n.t("brief.chart_sources", cites.lang))
    return f'<p class="chart-source">{label_text} {cites.marks(source_ids)}</p>'
