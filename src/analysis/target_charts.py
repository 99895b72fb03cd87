"""Charts of Resolution 06-NQ/TU's targets (notebook 03): revisions proposed, progress reported
and the province's DTI rank against the rank target. Same conventions as `charts` (one Axes in,
the Axes out; a source line from the registry; what was not found hatched, never zero); the
shared look is `chart_style`'s.
"""

from __future__ import annotations

import textwrap

import matplotlib as mpl
import pandas as pd
from matplotlib.lines import Line2D

from analysis import i18n
from analysis.chart_style import (
    ESTIMATE_WORDS,
    MIN_TEXT_PT,
    PROVINCE_COLOR,
    TARGET_COLOR,
    add_source_line,
    axes_or_current,
    draw_runs,
    drawn_from,
    empty_message,
    mark_unpublished_years,
    number_ticks,
    place_band_labels,
    rank_ticks,
    with_gap_key,
    word,
    year_ticks,
)
from analysis.comparisons import PROVINCE_SYSTEM, rank_against_target
from analysis.measures import OVERALL
from analysis.resolution_text import status_label, target_wording

# --- target revisions -------------------------------------------------------------------------

def _is_count_unit(unit: str) -> bool:
    """Whether a target's unit counts enterprises (its English or Vietnamese wording says so)."""
    return "enterprise" in unit or "doanh nghiệp" in unit


def _target_label(target_id, horizon, targets, revision, lang, width=36):
    """Label of a target: its full wording in the chart's language (the source's own, else the
    project's marked translation, from targets.csv; else the revision's original wording),
    wrapped over lines, never shortened."""
    rows = targets[(targets["target_id"] == target_id) & (targets["horizon"] == horizon)]
    own = rows[f"label_{lang}"].iloc[0] if len(rows) else ""
    own_wording = revision.get(f"from_wording_{lang}", "")
    # The source's own words in this language first; a translation only when there are none.
    text = next((i18n.data_text(w, lang) for w in (own, own_wording)
                 if isinstance(w, str) and w.strip()), "")
    if not text and len(rows):
        text = target_wording(rows.iloc[0], lang)
    if not text:
        text = _revision_wording(revision, "from", lang)
    return textwrap.fill(f"{target_id} ({horizon}): {text}", width=width,
                         break_long_words=False, break_on_hyphens=False)


def _revision_wording(revision, which: str, lang: str) -> str:
    """A revision's original ('from') or proposed ('to') wording in `lang`: the source's own
    wording in that language, else the project's marked translation of the Vietnamese."""
    for column in (f"{which}_wording_{lang}", f"{which}_wording_vi"):
        text = revision.get(column, "")
        if isinstance(text, str) and text.strip():
            return i18n.data_text(text, lang)
    return ""


def _format_value(value, unit, lang="en"):
    """A target's value as `lang` writes numbers, "%" after it when its unit is a percentage."""
    number = i18n.value(float(value), lang)
    return f"{number}%" if isinstance(unit, str) and unit.startswith("%") else number


def _revisions_of_kind(revisions: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The revisions of targets measured in % ('percent') or counted in enterprises ('count'),
    by target and horizon."""
    if not len(revisions):
        return revisions
    units = revisions["unit"].fillna("").astype(str)
    chosen = revisions[units.map(_is_count_unit) == (kind == "count")]
    return chosen.sort_values(["target_id", "horizon"]).reset_index(drop=True)


def revision_source_ids(revisions: pd.DataFrame, kind: str = "percent") -> list[str]:
    """The sources of the revisions `target_revisions` draws."""
    return list(_revisions_of_kind(revisions, kind)["source_id"]) if len(revisions) else []


@drawn_from(revision_source_ids)
def target_revisions(revisions: pd.DataFrame, targets: pd.DataFrame, kind: str = "percent",
                     lang: str = "vi", sources: pd.DataFrame | None = None, ax=None):
    """Dumbbell per (target, horizon): original value (hollow) -> proposed value (filled),
    annotated with who proposed it, when, and its status (from the data).

    kind='percent' draws targets measured in %; kind='count' those counted in enterprises —
    call it twice on two Axes, as the scales differ.
    """
    if kind not in ("percent", "count"):
        raise ValueError("kind must be 'percent' or 'count'")
    ax = axes_or_current(ax)
    chosen = _revisions_of_kind(revisions, kind)
    ax.set_title(word(f"revisions_title_{kind}", lang), loc="left")
    if chosen.empty:
        empty_message(ax, lang)
        ax.set_yticks([])
        add_source_line(ax, [], sources, lang)
        return ax
    for row, rev in chosen.iterrows():
        start, end = float(rev["from_value"]), float(rev["to_value"])
        ax.annotate("", xy=(end, row), xytext=(start, row),
                    arrowprops={"arrowstyle": "-|>", "color": "#888888", "linewidth": 1.5,
                                "shrinkA": 7, "shrinkB": 7})
        ax.plot([start], [row], marker="o", markersize=10, markerfacecolor="white",
                markeredgecolor=TARGET_COLOR, markeredgewidth=2, linestyle="none", zorder=3,
                gid="original")
        ax.plot([end], [row], marker="o", markersize=10, color=TARGET_COLOR, linestyle="none",
                zorder=4, gid="revised")
        # Each value written on its outer side, so close values never print over each other.
        if end == start:
            ax.annotate(_format_value(start, rev["unit"], lang), xy=(start, row), xytext=(0, 9),
                        textcoords="offset points", ha="center", fontsize=9,
                        color=TARGET_COLOR)
        else:
            lower_is_end = end < start
            for value, bold, is_lower in ((start, False, not lower_is_end),
                                          (end, True, lower_is_end)):
                ax.annotate(_format_value(value, rev["unit"], lang), xy=(value, row),
                            xytext=(-9 if is_lower else 9, 0), textcoords="offset points",
                            ha="right" if is_lower else "left", va="center", fontsize=9.5,
                            fontweight="bold" if bold else "normal", color=TARGET_COLOR)
        status = status_label(rev["status"], lang)
        note = word("proposed", lang).format(by=i18n.body(rev["proposed_by"], lang),
                                           on=i18n.date(rev["proposed_on"], lang), status=status)
        new_wording = _revision_wording(rev, "to", lang)
        if end == start and new_wording and _revision_wording(rev, "from", lang) != new_wording:
            note = textwrap.fill(f"{word('same_value', lang)}: “{new_wording}”", 80,
                                 break_long_words=False) + f"\n{note}"
        ax.annotate(note, xy=(0, row), xycoords=("axes fraction", "data"), xytext=(4, -12),
                    textcoords="offset points", ha="left", va="top", fontsize=MIN_TEXT_PT,
                    color="#555555", style="italic", gid="proposal")
    ax.set_yticks(range(len(chosen)))
    ax.set_yticklabels([_target_label(r["target_id"], r["horizon"], targets, r, lang)
                        for _, r in chosen.iterrows()], fontsize=8.5)
    ax.set_ylim(len(chosen) - 0.4, -0.6)
    values = pd.concat([chosen["from_value"], chosen["to_value"]]).astype(float)
    if values.min() > 0 and values.max() / values.min() > 5:
        # Values an order of magnitude apart (8% a year next to 100% of procedures): a log
        # axis keeps a cut from 8 to 7 visible; the values are written next to the dots.
        ax.set_xscale("log")
        ax.set_xlim(values.min() / 1.8, values.max() * 1.8)
        ax.xaxis.set_major_locator(mpl.ticker.FixedLocator(
            [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
             if values.min() / 1.8 <= t <= values.max() * 1.8]))
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: i18n.value(v, lang)))
        ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
        log_axis = True
    else:
        log_axis = False
        pad = (values.max() - values.min()) * 0.2 or values.max() * 0.1 or 1
        ax.set_xlim(max(0, values.min() - pad), values.max() + pad)
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: i18n.value(v, lang)))
    axis_label = word(f"axis_{kind}", lang)
    if log_axis:
        axis_label += f" ({word('log_scale', lang)})"
    ax.set_xlabel(axis_label)
    ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], marker="o", linestyle="none", markerfacecolor="white",
                      markeredgecolor=TARGET_COLOR, markeredgewidth=2, label=word("original", lang)),
               Line2D([], [], marker="o", linestyle="none", color=TARGET_COLOR,
                      label=word("revised", lang))]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
              fontsize=MIN_TEXT_PT, frameon=False)
    add_source_line(ax, revision_source_ids(revisions, kind), sources, lang)
    return ax


# --- target progress --------------------------------------------------------------------------

def _is_estimate(row) -> bool:
    """Whether the data marks a reported value as an estimate (in its `as_of` or its note)."""
    words = " ".join(str(row.get(column, "")) for column in ("as_of", "note")).lower()
    return bool(ESTIMATE_WORDS.search(words))


def _clear_of_bands(ax, texts, bands):
    """Move each text right, just past any 'not published' band (data x ranges) it would
    overlap. Call after the axis limits are set."""
    if not texts or not bands:
        return
    renderer = ax.figure.canvas.get_renderer()
    pad = 3.0 * ax.figure.dpi / 72
    for text in texts:
        for left, right in sorted(bands):
            extent = text.get_window_extent(renderer)
            x0 = ax.transData.transform((left, 0))[0]
            x1 = ax.transData.transform((right, 0))[0]
            if extent.x0 < x1 + pad and extent.x1 > x0 - pad:
                dx, dy = text.xyann
                text.xyann = (dx + (x1 + pad - extent.x0) * 72 / ax.figure.dpi, dy)


def _goals_and_reports(progress, targets, target_id):
    """One target's values (by horizon) and its reported values (by year)."""
    goals = targets[(targets["target_id"] == target_id) & targets["value"].notna()] \
        .sort_values("horizon")
    reports = progress[(progress["target_id"] == target_id) & progress["value"].notna()] \
        .sort_values("as_of_year")
    return goals, reports


def progress_source_ids(progress: pd.DataFrame, targets: pd.DataFrame,
                        target_id: str) -> list[str]:
    """The sources of the reported values and targets `target_progress` draws."""
    goals, reports = _goals_and_reports(progress, targets, target_id)
    return list(reports["source_id"]) + list(goals["source_id"])


@drawn_from(progress_source_ids)
def target_progress(progress: pd.DataFrame, targets: pd.DataFrame, target_id: str,
                    lang: str = "vi", sources: pd.DataFrame | None = None, ax=None, *,
                    years=range(2021, 2025)):
    """Reported values of one target (dots, labelled) against its target values (dashed lines,
    labelled with the horizon). A value the data itself calls an estimate (its `as_of` or note
    says so) is a hollow dot labelled as an estimate. Years in `years` without a reported value
    are hatched 'not published'; no target label lies on such a band. Nothing joins a reported
    value to a target: that would be a projection.
    """
    ax = axes_or_current(ax)
    goals, reports = _goals_and_reports(progress, targets, target_id)
    unit = goals["unit"].iloc[0] if len(goals) else (reports["unit"].iloc[0] if len(reports)
                                                         else "")
    text_label = ""
    if len(goals):
        column = f"label_{lang}"
        # Empty text cells may load as NaN: fall back to the English label, then to nothing.
        candidates = [goals[column].iloc[0], goals["label_en"].iloc[0]]
        text_label = next((c for c in candidates if isinstance(c, str) and c), "")
    ax.set_title(textwrap.fill(word("progress_title", lang).format(target_id=target_id,
                                                                 label=text_label), 70),
                 loc="left")
    is_rank = len(goals) and (goals["comparator"] == "top_n").all()
    years = [int(y) for y in years]
    reported_years = {int(y) for y in reports["as_of_year"].dropna()}
    unpublished = [y for y in years if y not in reported_years]
    band = 0.22
    mark_unpublished_years(ax, unpublished, lang, half_width=band)
    estimated = reports.apply(_is_estimate, axis=1).astype(bool) if len(reports) \
        else pd.Series(dtype=bool)
    value_texts = []
    for kind, rows, face in (("reported", reports[~estimated], PROVINCE_COLOR),
                             ("estimate", reports[estimated], "white")):
        if not len(rows):
            continue
        ax.plot(rows["as_of_year"].astype(int), rows["value"].astype(float), marker="o",
                markersize=9, linestyle="none", color=PROVINCE_COLOR, markerfacecolor=face,
                markeredgewidth=2, zorder=4, label=word(kind, lang), gid=kind)
        for year, value in zip(rows["as_of_year"], rows["value"]):
            text = _format_value(float(value), unit, lang)
            if kind == "estimate":
                text = word("estimate_value", lang).format(value=text)
            value_texts.append(ax.annotate(
                text, xy=(int(year), float(value)), xytext=(8, 0), textcoords="offset points",
                va="center", fontsize=10, fontweight="bold", color=PROVINCE_COLOR,
                gid=f"{kind}-value"))
    goal_texts = []
    for index, goal in enumerate(goals.itertuples(index=False)):
        ax.axhline(float(goal.value), color=TARGET_COLOR, linestyle="--", linewidth=1.2,
                   zorder=2, label=word("target_legend", lang) if index == 0 else None)
        ax.plot([int(goal.horizon)], [float(goal.value)], marker="*", markersize=13,
                color=TARGET_COLOR, linestyle="none", zorder=3, gid="target")
        goal_texts.append(ax.annotate(
            word("target", lang).format(horizon=int(goal.horizon),
                                      value=_format_value(float(goal.value), unit, lang)),
            xy=(int(goal.horizon), float(goal.value)), xytext=(0, 8),
            textcoords="offset points", ha="center", fontsize=9, color=TARGET_COLOR,
            annotation_clip=False, gid="target-label"))
    all_years = years + [int(h) for h in goals["horizon"]] + sorted(reported_years)
    if all_years:
        ax.set_xlim(min(all_years) - 0.7, max(all_years) + 0.9)
        ax.set_xticks(sorted(set(all_years)))
        year_ticks(ax.xaxis)
    number_ticks(ax.yaxis, lang)
    values = [float(v) for v in list(reports["value"]) + list(goals["value"])]
    if is_rank:
        ax.set_ylim(max(values, default=20) + 6, 0)
    else:
        ax.set_ylim(0, max(values, default=1) * 1.25)
    if not len(reports) and not len(goals):
        empty_message(ax, lang)
    _clear_of_bands(ax, goal_texts + value_texts, [(y - band, y + band) for y in unpublished])
    place_band_labels(ax)
    ax.set_ylabel(i18n.data_text(unit, lang) if isinstance(unit, str) else "")
    ax.set_xlabel(word("year", lang))
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=with_gap_key(ax, handles, lang), loc="lower right", fontsize=MIN_TEXT_PT,
              frameon=True, framealpha=0.95)
    add_source_line(ax, progress_source_ids(progress, targets, target_id), sources, lang)
    return ax


# --- rank against the DTI target ------------------------------------------------------------------

def rank_target_source_ids(pref: pd.DataFrame, targets: pd.DataFrame, province: str,
                           years=None) -> list[str]:
    """The sources of the ranks and the rank targets `rank_against_target_chart` draws."""
    table = rank_against_target(pref, targets, province, years=years)
    editions = [int(y) for y in table.drop_duplicates("year")["year"]]
    goal_sources = targets.loc[(targets["comparator"] == "top_n"), "source_id"]
    return province_year_sources(pref, province, editions) + list(goal_sources)


def rank_target_rows(pref: pd.DataFrame, province: str, years=None) -> pd.DataFrame:
    """The province's overall rows among 63 in those editions (a brief's CSV lists them)."""
    rows = pref[pref["unit"].eq(province) & pref["measure"].eq(OVERALL)
                & pref["unit_system"].eq(PROVINCE_SYSTEM).fillna(False)]
    return rows if years is None else rows[rows["year"].isin(list(years))]


@drawn_from(rank_target_source_ids, rank_target_rows)
def rank_against_target_chart(pref: pd.DataFrame, targets: pd.DataFrame, province: str,
                              sources: pd.DataFrame, lang: str = "vi", ax=None, *, years=None):
    """The province's overall DTI rank per edition against the top-N target lines (T01), rank 1
    on top; editions without the province's rank are hatched 'not published'."""
    ax = axes_or_current(ax)
    table = rank_against_target(pref, targets, province, years=years)
    per_year = table.drop_duplicates("year")[["year", "rank"]]
    ranks = {int(y): (int(r), "") for y, r in zip(per_year["year"], per_year["rank"])
             if not pd.isna(r)}
    all_years = [int(y) for y in per_year["year"]]
    draw_runs(ax, all_years, ranks, color=PROVINCE_COLOR, marker="o", linewidth=2.4,
               markersize=8, zorder=4, label=province)
    for year, (rank, _) in ranks.items():
        ax.annotate(f"{rank}", xy=(year, rank), xytext=(0, 9), textcoords="offset points",
                    ha="center", fontsize=10, fontweight="bold", color=PROVINCE_COLOR)
    mark_unpublished_years(ax, [y for y in all_years if y not in ranks], lang)
    goals = table.drop_duplicates("target_horizon")[["target_horizon", "target_rank"]]
    for horizon, value in zip(goals["target_horizon"], goals["target_rank"]):
        ax.axhline(int(value), color=TARGET_COLOR, linestyle="--", linewidth=1.2, zorder=2,
                   gid="target-line")
        # In the right margin, beside its line: clear of the ranks and of the bands.
        ax.annotate(textwrap.fill(word("rank_target_line", lang).format(
                        horizon=int(horizon), value=int(value)), 22),
                    xy=(1.0, int(value)), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=8.5,
                    color=TARGET_COLOR, zorder=5, annotation_clip=False, gid="target-label")
    deepest = max([r for r, _ in ranks.values()] + [int(v) for v in goals["target_rank"]],
                  default=20)
    ax.set_ylim(deepest + 6, 0)
    rank_ticks(ax, deepest + 6)
    number_ticks(ax.yaxis, lang, integer=True)
    if all_years:
        ax.set_xlim(min(all_years) - 0.6, max(all_years) + 0.6)
        ax.set_xticks(all_years)
        year_ticks(ax.xaxis)
    else:
        empty_message(ax, lang)
    ax.set_ylabel(word("rank_axis", lang))
    ax.set_xlabel(word("edition", lang))
    ax.set_title(word("rank_target_title", lang).format(province=province), loc="left")
    place_band_labels(ax)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=with_gap_key(ax, handles, lang), loc="lower left", fontsize=MIN_TEXT_PT,
              frameon=True)
    add_source_line(ax, rank_target_source_ids(pref, targets, province, years), sources, lang)
    return ax


def province_year_sources(pref: pd.DataFrame, province: str, years, measure: str = OVERALL):
    """Source ids of the province's published figures of one measure in the given years."""
    rows = pref[(pref["unit"] == province) & (pref["measure"] == measure)
                & (pref["unit_system"] == PROVINCE_SYSTEM) & pref["year"].isin(list(years))
                & pref["rank"].notna()]
    return list(rows["source_id"])
