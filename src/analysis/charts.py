"""Charts of one province against its peers, one function per chart, in the manner of seaborn's
axes-level functions: the rank trajectories (02) and the indicator profile (01). The Resolution's
targets have theirs in `target_charts`; what every chart shares is in `chart_style`.

Each function takes data and `ax=None` (default: the current Axes), draws on that Axes (and, for
the post-merger rank, a panel of its own beside it) and returns it. Nothing here saves, shows,
or sets the theme: `set_theme()` is called once by the notebook or script.

Every chart
- carries a "Source: ..." / "Nguồn: ..." line built from the source registry (publisher and date
  of the sources whose figures it draws: `chart_style.chart_source_ids`), never typed by hand;
- labels in Vietnamese or English (`lang='vi'|'en'`, labels from `analysis.i18n.label`);
- shows a figure not found in the sources collected as such (hatched light grey), never as
  zero, never as a blank, never estimated.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from analysis import i18n
from analysis.chart_style import (  # noqa: F401  (set_theme, figure_png: the notebooks' API)
    FIGSIZES,
    LABEL_BOX,
    MERGED_SYSTEM,
    MIN_TEXT_PT,
    NOT_PUBLISHED_STYLE,
    PRINT_WIDTH_IN,
    PROVINCE_COLOR,
    WHITE_BOX,
    add_source_line,
    axes_or_current,
    data_line_points,
    draw_runs,
    drawn_from,
    figsize_of,
    figure_png,
    mark_unpublished_years,
    number_ticks,
    place_band_labels,
    rank_ticks,
    set_theme,
    text_box,
    with_gap_key,
    word,
    year_ticks,
)
from analysis.comparisons import (
    PROVINCE_SYSTEM,
    peer_table,
    province_year,
    successor_or_none,
    successor_unit,
)
from analysis.data import provinces_or_project
from analysis.i18n import label
from analysis.measures import FIRST_YEAR_OF_EIGHT_INDICATORS, INDICATORS, OVERALL, PILLARS

# --- rank trajectories ------------------------------------------------------------------------

def _ranks_by_unit(pref, years, measure=OVERALL) -> dict:
    """{(unit, unit system): {year: (rank, source id)}}: each unit's first ranked row of each of
    the years, in one pass over `pref` (a chart asks for a dozen units)."""
    keep = (pref["measure"].eq(measure) & pref["rank"].notna() & pref["year"].isin(years))
    positions = np.flatnonzero(keep.to_numpy(dtype=bool, na_value=False))
    # Plain values (a pandas Series yields its elements one by one, ten times slower).
    columns = [pref[c].array.take(positions).tolist()
               for c in ("unit", "unit_system", "year", "rank", "source_id")]
    ranks: dict = {}
    for unit, system, year, rank, source in zip(*columns):
        if not pd.isna(system):
            ranks.setdefault((unit, int(system)), {}).setdefault(int(year), (int(rank), source))
    return ranks


def _members_text(unit, provinces, lang):
    """The provinces that formed post-merger `unit`, sorted and joined by ", "; the unit's own name
    when the table names none (or there is no table)."""
    members = list(provinces.loc[provinces["unit_2025"] == unit, "name"]) if provinces is not None \
        else []
    return ", ".join(sorted(members)) if members else unit


def trajectory_source_ids(pref: pd.DataFrame, province: str, peers, years,
                          provinces: pd.DataFrame | None = None,
                          measure: str = OVERALL) -> list[str]:
    """The sources of every rank `rank_trajectories` draws (the lines and the post-merger
    unit's panel)."""
    years = [int(y) for y in years]
    ranks_of = _ranks_by_unit(pref, years, measure)
    units = [province, *[p for p in peers if p != province]]
    ids = [source for unit in units
           for _, source in ranks_of.get((unit, PROVINCE_SYSTEM), {}).values()]
    successor = successor_or_none(province, provinces_or_project(provinces))
    return ids + [source for _, source in ranks_of.get((successor, MERGED_SYSTEM), {}).values()]


def trajectory_rows(pref: pd.DataFrame, province: str, peers, years,
                    provinces: pd.DataFrame | None = None,
                    measure: str = OVERALL) -> pd.DataFrame:
    """The rows of `pref` behind the chart's ranks: the province's, its post-merger unit's and
    the peers' ranked rows of the measure in those editions (a brief's CSV lists them)."""
    successor = successor_unit(province, provinces_or_project(provinces))
    shown = pref[pref["unit"].isin([province, successor, *peers])
                 & pref["year"].isin(list(years))]
    return shown[shown["measure"].eq(measure) & shown["rank"].notna()]


@drawn_from(trajectory_source_ids, trajectory_rows)
def rank_trajectories(pref: pd.DataFrame, province: str, peers, years, sources: pd.DataFrame,
                      lang: str = "vi", ax=None, *, provinces: pd.DataFrame | None = None,
                      measure: str = OVERALL):
    """Overall DTI rank over editions, one line per unit, rank 1 on top, each line labelled at
    its end. Lines join consecutive editions only (no line across an unpublished edition).

    Ranks among 63 are filled circles on lines; the province's post-merger unit ranked among 34
    (2024) is a separate hollow diamond labelled with the unit and its members. `provinces`
    (load_provinces()) gives the merger; default: the project's table.
    """
    ax = axes_or_current(ax)
    years = [int(y) for y in years]
    units = [province, *[p for p in peers if p != province]]
    provinces = provinces_or_project(provinces)
    palette = _peer_palette()
    ranks_of = _ranks_by_unit(pref, years, measure)
    labels, silent = [], []
    for index, unit in enumerate(units):
        ranks = ranks_of.get((unit, PROVINCE_SYSTEM), {})
        if not ranks:
            silent.append(unit)
            continue
        is_focus = unit == province
        color = PROVINCE_COLOR if is_focus else palette[(index - 1) % len(palette)]
        draw_runs(ax, years, ranks, color=color, marker="o", linewidth=2.6 if is_focus else 1.2,
                   markersize=7 if is_focus else 4.5, alpha=1 if is_focus else 0.8,
                   zorder=4 if is_focus else 2, gid=f"trajectory:{unit}")
        last = max(ranks)
        labels.append((last, ranks[last][0], unit, color, is_focus))

    successor = successor_or_none(province, provinces)
    merged = ranks_of.get((successor, MERGED_SYSTEM), {})

    # Years without the province's own rank: hatched band (its successor's rank sits on it).
    own = ranks_of.get((province, PROVINCE_SYSTEM), {})
    unpublished = [y for y in years if y not in own]
    # The band says it short; the key under the chart says it whole.
    mark_unpublished_years(ax, unpublished, lang, half_width=0.18,
                            label=f"{province}: {word('not_found_short', lang)}")

    lowest = max([r for _, r, *_ in labels], default=PROVINCE_SYSTEM - 1)
    bottom = PROVINCE_SYSTEM + 1 if lowest > 40 else lowest + 6
    ax.set_ylim(bottom, 0)
    rank_ticks(ax, bottom)
    ax.set_xlim(min(years, default=0) - 0.35, max(years, default=1) + 0.35)
    ax.set_xticks(years)
    year_ticks(ax.xaxis)
    number_ticks(ax.yaxis, lang, integer=True)
    ax.set_ylabel(word("rank_axis", lang))
    ax.set_xlabel(word("edition", lang))
    note = textwrap.fill(word("no_rank_at_all", lang).format(units=", ".join(silent)), 90) \
        if silent else ""
    # The title sits above the note, one line's height per line of it. At y=1 explicitly:
    # matplotlib's automatic placement, which measures every axis twice per image, would only
    # lift it over an x axis on top, and this chart has none.
    ax.set_title(word("trajectory_title", lang).format(province=province), loc="left", y=1.0,
                 pad=6 + 12 * (note.count("\n") + 1) if note else 6)
    if note:
        # Above the plot, clear of the lines and the labels in the margin.
        ax.text(0.0, 1.01, note, transform=ax.transAxes, fontsize=8, color="#555555",
                va="bottom", style="italic", gid="no-rank-note")
    # The key lists only what the chart draws (a 2022 chart has no rank among 34).
    handles = []
    if labels:
        handles.append(Line2D([], [], color="#555555", marker="o",
                              label=word("ranked_among_63", lang)))
    if merged:
        handles.append(Line2D([], [], linestyle="none", **MERGED_MARKER, label=word(
            "ranked_among_34", lang).format(unit=successor, n=MERGED_SYSTEM,
                                            members=_members_text(successor, provinces, lang))))
    handles = with_gap_key(ax, handles, lang,
                            label=f"{province}: {word('not_published', lang)}")
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), 34))
    if handles:  # under the plot, so that it covers neither a line nor a label
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.13),
                  fontsize=MIN_TEXT_PT, frameon=False, ncol=min(len(handles), 2))
    _label_line_ends(ax, labels)
    place_band_labels(ax)
    if merged:
        _merged_rank_panel(ax, merged, successor, lang)
    add_source_line(ax, trajectory_source_ids(pref, province, peers, years, provinces, measure),
                    sources, lang)
    return ax


MERGED_MARKER = {"marker": "D", "markersize": 9, "markerfacecolor": "white",
                 "markeredgecolor": PROVINCE_COLOR, "markeredgewidth": 2}


def _merged_rank_panel(ax, merged: dict, unit: str, lang: str):
    """The post-merger unit's ranks among 34 on a narrow panel of their own (rank 1-34), right
    of the plot and of its line names: never on the 1-63 axis, where 3 would read as 3rd of 63."""
    renderer = ax.figure.canvas.get_renderer()
    right = max([text_box(t, renderer).x1 for t in ax.texts if t.get_gid() == "line-label"],
                default=ax.bbox.x1)
    gap = 14 * ax.figure.dpi / 72
    start = (max(right, ax.bbox.x1) + gap - ax.bbox.x0) / ax.bbox.width
    width = 0.45 * ax.figure.dpi / ax.bbox.width * len(merged) ** 0.5
    panel = ax.inset_axes([start, 0, width, 1])
    years = sorted(merged)
    for year in years:
        rank = merged[year][0]
        panel.plot([year], [rank], linestyle="none", zorder=5, gid="merged-rank", **MERGED_MARKER)
        panel.annotate(f"{rank}", xy=(year, rank), xytext=(0, 9), textcoords="offset points",
                       ha="center", va="bottom", fontsize=9.5, fontweight="bold",
                       color=PROVINCE_COLOR)
    panel.set_ylim(MERGED_SYSTEM + 1, 0)
    panel.set_yticks([1, 10, 20, 30, MERGED_SYSTEM])
    panel.yaxis.tick_right()
    panel.tick_params(labelsize=MIN_TEXT_PT + 1)
    panel.set_xlim(years[0] - 0.6, years[-1] + 0.6)
    panel.set_xticks(years)
    year_ticks(panel.xaxis)
    # Named under its year, as the main plot's axis is: above it would meet the main title.
    panel.set_xlabel(word("merged_panel_title", lang).format(unit=unit, n=MERGED_SYSTEM),
                     fontsize=MIN_TEXT_PT + 1)
    return panel


def _peer_palette():
    """Ten distinct colours for peers; red is kept for the province."""
    colors = list(plt.get_cmap("tab10").colors)
    del colors[3]
    return colors + ["#393b79"]


def _nearest_free(want: float, half: float, top: float, bottom: float, pad: float,
                  blocked) -> float | None:
    """The centre nearest `want` for a label of half-height `half` between `bottom` and `top`
    that keeps `pad` clear of every blocked (low, high) interval; None if there is none."""
    free = [(bottom + half, top - half)]
    for low, high in sorted(blocked):
        cut_low, cut_high = low - half - pad, high + half + pad
        free = [piece for a, b in free
                for piece in ((a, min(b, cut_low)), (max(a, cut_high), b)) if piece[0] <= piece[1]]
    candidates = [min(max(want, a), b) for a, b in free]
    return min(candidates, key=lambda y: abs(y - want)) if candidates else None


def _spread_down(centers: list[float], heights: list[float], top: float, bottom: float,
                 pad: float, blocked: list | None = None) -> list[float]:
    """Centres (display units, y growing upwards) for labels of the given heights, in the
    order of their wanted centres, none overlapping: stacked from the top down where they
    collide, then lifted together if they run below `bottom` (never above `top`). When there
    is no room they run below the axes rather than overlap. `blocked[i]`: (low, high) heights
    label i must stay clear of (the lines that run across it), where room allows."""
    blocked = blocked or [[] for _ in centers]
    order = sorted(range(len(centers)), key=lambda i: (-centers[i], i))
    placed = [0.0] * len(centers)
    edge = None
    for i in order:
        ceiling = top if edge is None else edge - pad
        y = min(centers[i], ceiling - heights[i] / 2)
        if blocked[i]:
            free = _nearest_free(centers[i], heights[i] / 2, ceiling, bottom, pad, blocked[i])
            y = y if free is None else free
        placed[i] = y
        edge = y - heights[i] / 2
    if order and edge < bottom and not any(blocked):
        highest = placed[order[0]] + heights[order[0]] / 2
        lift = min(bottom - edge, top - highest)
        placed = [y + max(lift, 0) for y in placed]
    return placed


def _heights_crossed(line_points, x0: float, x1: float) -> list[tuple[float, float]]:
    """(low, high) display heights each line takes between x0 and x1 (lines that run across
    the place of a label: the edition's lines that go on to the next edition)."""
    spans = []
    for points in line_points:
        ys = points[(points[:, 0] >= x0) & (points[:, 0] <= x1), 1]
        if len(ys):
            spans.append((float(ys.min()), float(ys.max())))
    return spans


LABEL_GAP_PT = 9.0  # from a line's last point to its name: clear of the largest marker


def _label_line_ends(ax, labels):
    """Each unit's name right next to its line's last published point, at that point's rank,
    nudged up or down only as much as needed so that no name overlaps another. A nudged name
    gets a short solid leader that leaves the point itself (at its rank): never a line running
    across the editions that follow, which a reader would take for data. Names of the points of
    one edition keep the order of their ranks, so their leaders never cross; the leaders of two
    editions stay each next to its own edition. Call after the axis limits are set (the names
    are measured to be spread)."""
    if not labels:
        return

    def name(x, rank, text, color, bold, shift=0.0):
        """The unit's name as an annotation beside its point (x, rank), moved `shift` points up or
        down, with a leader to the point when moved."""
        leader = {"arrowstyle": "-", "color": color, "linewidth": 0.7, "alpha": 0.8,
                  "shrinkA": 0, "shrinkB": 0, "relpos": (0, 0.5), "patchA": None} if shift else None
        return ax.annotate(
            text, xy=(x, rank), xycoords="data", xytext=(LABEL_GAP_PT, shift),
            textcoords="offset points", va="center", ha="left",
            fontsize=8.5 if not bold else 9.5, fontweight="bold" if bold else "normal",
            color=color, annotation_clip=False, zorder=6, bbox=LABEL_BOX, arrowprops=leader,
            gid="line-label")

    renderer = ax.figure.canvas.get_renderer()
    heights, spans = [], []
    for entry in labels:
        probe = name(*entry)
        extent = text_box(probe, renderer)
        heights.append(extent.height)
        spans.append((extent.x0, extent.x1))
        probe.remove()
    wanted = [ax.transData.transform((x, rank))[1] for x, rank, *_ in labels]
    box = ax.bbox
    pad = 1.5 * ax.figure.dpi / 72
    lines = data_line_points(ax)
    shifts = [0.0] * len(labels)
    for column in sorted({x for x, *_ in labels}):
        members = [i for i, (x, *_) in enumerate(labels) if x == column]
        placed = _spread_down([wanted[i] for i in members], [heights[i] for i in members],
                              box.y1, box.y0, pad,
                              [_heights_crossed(lines, *spans[i]) for i in members])
        for i, y in zip(members, placed):
            shift = (y - wanted[i]) * 72 / ax.figure.dpi
            shifts[i] = shift if abs(shift) > 0.5 else 0.0
    for entry, shift in zip(labels, shifts):
        name(*entry, shift=shift)


# --- indicator profile ------------------------------------------------------------------------

def _profile_measures(pref, province, year):
    """The eight indicators if the province has any that year (and they compare: from 2021);
    else the pillars if it has any; else the indicators, all marked not published."""
    own = province_year(pref, province, year).set_index("measure")
    indicators_ok = year >= FIRST_YEAR_OF_EIGHT_INDICATORS
    if indicators_ok and own.loc[list(INDICATORS), "published"].any():
        return list(INDICATORS)
    if own.loc[list(PILLARS), "published"].any() or not indicators_ok:
        return list(PILLARS)
    return list(INDICATORS)


def _profile_table(pref, province, peers, year, value) -> tuple[list[str], pd.DataFrame]:
    """The profile's measures and the province's and peers' cells of them. A row in which no
    unit has a figure is not drawn (unless no row has one: then the chart shows, row by row,
    that nothing was published)."""
    measures = _profile_measures(pref, province, int(year))
    table = peer_table(pref, province, peers, int(year), measures)
    table = table[table["role"].isin(["province", "peer"])]
    drawn = [m for m in measures if table.loc[table["measure"] == m, value].notna().any()]
    measures = drawn or measures
    return measures, table[table["measure"].isin(measures)]


def profile_source_ids(pref: pd.DataFrame, province: str, peers, year: int,
                       value: str = "percentile") -> list[str]:
    """The sources of every dot `indicator_profile` draws."""
    peers = [p for p in peers if p != province]
    _, table = _profile_table(pref, province, peers, year, value)
    return list(table.loc[table[value].notna(), "source_id"])


@drawn_from(profile_source_ids)
def indicator_profile(pref: pd.DataFrame, province: str, peers, year: int,
                      sources: pd.DataFrame, lang: str = "vi", value: str = "percentile",
                      ax=None):
    """Dot plot: the eight indicators (or the pillars when the province's indicators are not
    published that year) for the province (large red dot) and each peer (small dots).

    value='percentile' (0-1, 1 = rank 1) or 'rank' (among 63, rank 1 on the right). Each row
    says how many of the units are not published; the province's missing rows are hatched.
    """
    if value not in ("percentile", "rank"):
        raise ValueError("value must be 'percentile' or 'rank'")
    ax = axes_or_current(ax)
    peers = [p for p in peers if p != province]
    measures, table = _profile_table(pref, province, peers, year, value)
    palette = _peer_palette()
    low, high = (0.0, 1.0) if value == "percentile" else (1, PROVINCE_SYSTEM)
    shown_units, missing_counts = set(), {}
    n_units = 1 + len(peers)
    for row, measure in enumerate(measures):
        cells = table[table["measure"] == measure]
        missing = cells[cells[value].isna()]
        for k, cell in enumerate(cells.itertuples(index=False)):
            if pd.isna(getattr(cell, value)):
                continue
            is_focus = cell.role == "province"
            # Peers spread slightly around the row so equal values stay visible.
            offset = 0 if is_focus else (k - n_units / 2) * (0.3 / max(n_units, 1))
            unit_index = ([province, *peers]).index(cell.unit)
            color = PROVINCE_COLOR if is_focus else palette[(unit_index - 1) % len(palette)]
            ax.scatter([float(getattr(cell, value))], [row + offset], s=110 if is_focus else 36,
                       color=color, edgecolor="white", linewidth=0.8, zorder=4 if is_focus else 3,
                       label=cell.unit if cell.unit not in shown_units else None,
                       gid=f"dot:{cell.unit}")
            shown_units.add(cell.unit)
            if is_focus and not pd.isna(cell.rank):
                ax.annotate(f"{int(cell.rank)}", xy=(float(getattr(cell, value)), row),
                            xytext=(0, 8), textcoords="offset points", ha="center",
                            va="bottom", fontsize=8.5, fontweight="bold", color=PROVINCE_COLOR,
                            gid="province-rank")
        if province in set(missing["unit"]):
            ax.add_patch(Rectangle((low, row - 0.3), (high - low), 0.6, zorder=1,
                                   gid="not-published", **NOT_PUBLISHED_STYLE))
            ax.text((low + high) / 2, row, f"{province}: {word('not_found_short', lang)}",
                    ha="center", va="center", fontsize=MIN_TEXT_PT, style="italic",
                    color="#555555", zorder=2,
                    bbox={**WHITE_BOX, "facecolor": NOT_PUBLISHED_STYLE["facecolor"]})
        missing_counts[row] = int(missing["unit"].isin(peers).sum())
    _peers_missing_column(ax, missing_counts, len(peers), lang)
    ax.set_yticks(range(len(measures)))
    ax.set_yticklabels([label(m, lang) for m in measures])
    ax.set_ylim(len(measures) - 0.5, -0.5)
    if value == "percentile":
        ax.set_xlim(-0.03, 1.03)
        axis_label = word("percentile_axis", lang)
        if province in shown_units:  # the red dot is promised only where one is drawn
            axis_label += "\n" + word("percentile_axis_dot", lang).format(province=province)
        ax.set_xlabel(axis_label)
    else:
        ax.set_xlim(PROVINCE_SYSTEM + 1, 0)
        ax.set_xlabel(word("rank_axis_63", lang))
    number_ticks(ax.xaxis, lang, integer=value == "rank")
    silent = [u for u in peers if u not in shown_units]
    note_lines = 0
    if silent:
        note = textwrap.fill(word("no_data_units", lang).format(
            k=len(silent), n=len(peers), units=i18n.join(silent, lang)), 80)
        note_lines = note.count("\n") + 1
        ax.text(0.0, 1.015, note, transform=ax.transAxes, fontsize=MIN_TEXT_PT,
                color="#555555", style="italic", va="bottom", gid="no-data-note")
    ax.set_title(word("profile_title", lang).format(province=province, year=year), loc="left",
                 pad=6 + 11.5 * note_lines)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=with_gap_key(ax, handles, lang), loc="upper center",
              bbox_to_anchor=(0.5, -0.2), frameon=False, fontsize=MIN_TEXT_PT, ncol=3)
    add_source_line(ax, profile_source_ids(pref, province, peers, year, value), sources, lang)
    return ax


def _peers_missing_column(ax, counts: dict, n_peers: int, lang: str) -> None:
    """Right of the plot, one column: per row, how many of the peers have no figure ("9/10"),
    under one heading that says what the column counts (the rows with none say nothing)."""
    if not n_peers or not any(counts.values()):
        return
    for row, k in counts.items():
        if k:
            ax.annotate(f"{k}/{n_peers}", xy=(1.02, row), xycoords=("axes fraction", "data"),
                        va="center", ha="left", fontsize=MIN_TEXT_PT, color="#666666",
                        gid="missing-count")
    ax.annotate(word("missing_peers_head", lang), xy=(1.02, 1.0), xycoords="axes fraction",
                va="bottom", ha="left", fontsize=MIN_TEXT_PT, color="#666666",
                gid="missing-count-head")


def has_indicator_profile(pref: pd.DataFrame, province: str, peers, year: int,
                          value: str = "percentile") -> bool:
    """Whether `indicator_profile` has something to show: the province's own figure in at least
    one of the chart's measures (peers' dots alone would profile nobody: the brief says the
    province's figures are not published instead)."""
    peers = [p for p in peers if p != province]
    measures = _profile_measures(pref, province, int(year))
    table = peer_table(pref, province, peers, int(year), measures)
    return bool(table.loc[table["role"].eq("province"), value].notna().any())


def has_rank_trajectory(pref: pd.DataFrame, province: str, peers, years,
                        provinces: pd.DataFrame | None = None, measure: str = OVERALL) -> bool:
    """Whether `rank_trajectories` would draw at least one rank."""
    years = [int(y) for y in years]
    units = [province, *[p for p in peers if p != province]]
    ranks_of = _ranks_by_unit(pref, years, measure)
    if any((u, PROVINCE_SYSTEM) in ranks_of for u in units):
        return True
    successor = successor_or_none(province, provinces) if provinces is not None else None
    return bool(successor and (successor, MERGED_SYSTEM) in ranks_of)
