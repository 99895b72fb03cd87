"""Charts of the suite, one function per chart, in the manner of seaborn's axes-level functions.

What belongs here: drawing on one Axes. Each function takes data and `ax=None` (default: the
current Axes), draws only on that Axes and returns it. Nothing here saves, shows, or sets the
theme: `set_theme()` is called once by the notebook or script (`analysis.figures` saves PNGs).

Every chart
- carries a "Source: ..." / "Nguồn: ..." line built from the source registry (publisher and date
  of the sources whose figures it draws), never typed by hand;
- labels in Vietnamese or English (`lang='vi'|'en'`, labels from `analysis.measures.label`);
- shows a figure nobody published as "not published" / "chưa công bố" (hatched light grey),
  never as zero, never as a blank, never estimated.
"""

from __future__ import annotations

import itertools
import re
import textwrap

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Bbox

from analysis import i18n
from analysis.comparisons import (
    PROVINCE_SYSTEM,
    peer_table,
    province_year,
    rank_against_target,
)
from analysis.i18n import label
from analysis.measures import (
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    INDICATORS,
    OVERALL,
    PILLARS,
    UNITS_AFTER_MERGER,
)
from analysis.narrative import status_label, target_wording

MERGED_SYSTEM = UNITS_AFTER_MERGER
FONT = "DejaVu Sans"  # ships with matplotlib and has every Vietnamese diacritic
PROVINCE_COLOR = "#c0392b"
TARGET_COLOR = "#1f6f8b"
RANK_CMAP = "Blues"

# How figures are printed in a kernel: PNG without the "Software" key (the matplotlib version), so
# that a brief does not change with a patch release.
INLINE_PRINT_KWARGS = {"metadata": {"Software": None}}

# One look for "not published" on every chart: hatched light grey.
NOT_PUBLISHED_STYLE = {"facecolor": "#ececec", "edgecolor": "#9e9e9e", "hatch": "///",
                       "linewidth": 0.6}

WHITE_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}
# Behind a line's name: readable, yet the lines it lies on still show through.
LABEL_BOX = {**WHITE_BOX, "alpha": 0.65}
# A reported value the data itself calls an estimate ("2023 (estimate, ...)", "ước đạt 17,5%").
ESTIMATE_WORDS = re.compile(r"\bestimat|\bước (?:đạt|tính)")

def _t(key: str, lang: str) -> str:
    """A chart word from the catalog section `[chart]` (placeholders left for `.format`)."""
    return i18n.t(f"chart.{key}", lang)


def set_theme(**rc) -> None:
    """Theme of the suite, set once per session: seaborn's whitegrid with a font that has the
    Vietnamese diacritics, and settings that make saved figures byte-for-byte repeatable."""
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook", font=FONT, rc={
        "font.family": FONT,
        "svg.hashsalt": "dti-suite",  # fixed ids in SVG output
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        **rc,
    })
    # Figures shown inline in a kernel (plt.show): INLINE_PRINT_KWARGS, tight bounding box (a
    # layout engine costs as much as the second draw it would save, and fixed margins would
    # clip the legends and labels drawn outside the axes). Briefs use `figure_png`.
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and "inline" in str(mpl.get_backend()):
        from IPython.core.pylabtools import select_figure_formats
        from matplotlib_inline.config import InlineBackend

        inline = InlineBackend.instance()
        inline.print_figure_kwargs = {"bbox_inches": "tight", **INLINE_PRINT_KWARGS}
        select_figure_formats(shell, inline.figure_formats, **inline.print_figure_kwargs)


def figure_png(fig) -> bytes:
    """The PNG the inline backend would show for `fig` (tight bounding box, the figure's dpi),
    drawn once instead of twice: given "tight", matplotlib draws the whole figure to find the
    box and then again to print it; the box measured here without that first draw is the same
    (byte-identical PNGs for every chart of the briefs, checked by the tests)."""
    from IPython.core.pylabtools import print_figure

    box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(mpl.rcParams["savefig.pad_inches"])
    return print_figure(fig, "png", bbox_inches=box, **INLINE_PRINT_KWARGS)


# --- source line ------------------------------------------------------------------------------

def _source_ids(values) -> list[str]:
    ids = []
    for value in values:
        if isinstance(value, str):
            ids += [part for part in value.split(";") if part]
    return sorted(set(ids))


def source_line(source_ids, sources: pd.DataFrame | None, lang: str = "vi",
                width: int = 130) -> str:
    """'Source: publisher (date); ...' for the given source ids, from the source registry.

    One entry per publisher, its dates listed; a source missing from the registry is named by
    its id, so nothing drawn is ever left without a source.
    """
    ids = _source_ids(source_ids if not isinstance(source_ids, str) else [source_ids])
    if not ids:
        return f"{_t('source', lang)}: {_t('no_source', lang)}"
    registry = (sources.set_index("source_id") if sources is not None and len(sources)
                else pd.DataFrame(columns=["publisher", "date_published"]))
    dates_by_publisher: dict[str, list[str]] = {}
    for source_id in ids:
        if source_id in registry.index:
            row = registry.loc[source_id]
            publisher = (i18n.data_text(row["publisher"], lang)
                         if isinstance(row["publisher"], str) and row["publisher"] else source_id)
            date = row["date_published"]
            date = date if isinstance(date, str) and date else ""
        else:
            publisher, date = source_id, _t("undated", lang)
        dates = dates_by_publisher.setdefault(publisher, [])
        if date not in dates:
            dates.append(date)
    # ISO dates sort in time order; each is then written as the language writes dates.
    entries = [f"{publisher} ({', '.join(_date_text(d, lang) for d in sorted(dates, key=lambda d: (not d, d)))})"
               for publisher, dates in sorted(dates_by_publisher.items())]
    text = f"{_t('source', lang)}: " + "; ".join(entries)
    return textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)


def _date_text(iso: str, lang: str) -> str:
    return i18n.date(iso, lang) if iso else _t("undated", lang)


# The briefs print a chart at most this wide (A4 less the page margins, in inches); captions
# are sized so that they print at least CAPTION_PRINT_PT points even when the image is shrunk.
PRINT_WIDTH_IN = 7.0
CAPTION_PRINT_PT = 7.5
# The smallest text a chart writes: 7 pt or more once printed, at the sizes of FIGSIZES.
MIN_TEXT_PT = 8

# Each chart's figure size in the briefs (inches): narrow enough that the tight image, shrunk to
# PRINT_WIDTH_IN on A4, keeps every text at 7 pt or more (tests/test_chart_print.py).
FIGSIZES = {
    "indicator_profile": (6.2, 5.5),
    "rank_trajectories": (6.4, 5.4),
    "target_revisions": (6.2, 4.5),
    "target_progress": (7, 4),
    "rank_against_target_chart": (6.6, 4.5),
}


def figsize_of(draw) -> tuple[float, float]:
    """The figure size a brief draws chart function `draw` at."""
    return FIGSIZES.get(getattr(draw, "__name__", ""), (7, 4.5))


def _caption_size(ax, widen: float = 1.2) -> float:
    """Font size of a caption that prints at >= CAPTION_PRINT_PT once the image (the figure
    widened by what lies outside the axes: `widen` times its width) is shrunk to the printed
    width."""
    width = ax.figure.get_figwidth() * widen
    return round(max(8.5, CAPTION_PRINT_PT * width / PRINT_WIDTH_IN), 1)


def _caption_width(ax, fontsize: float) -> int:
    """Characters per line for a caption of that size spanning the figure's width."""
    return max(40, int(ax.figure.get_figwidth() * 72 * 0.92 / (fontsize * 0.56)))


def _add_caption(ax, text, gid, widen: float = 1.2):
    """A caption under the x axis (below tick labels, axis label and a legend placed below),
    wrapped to the figure's width, readable once printed (`widen`: see `_caption_size`)."""
    size = _caption_size(ax, widen)
    text = "\n".join(textwrap.fill(part, width=_caption_width(ax, size), break_long_words=False,
                                    break_on_hyphens=False) for part in text.split("\n"))

    def under_xaxis(renderer):
        boxes = [ax.bbox]
        axis_box = ax.xaxis.get_tightbbox(renderer)
        if axis_box is not None:
            boxes.append(axis_box)
        legend = ax.get_legend()
        if legend is not None:
            legend_box = legend.get_window_extent(renderer)
            if legend_box.y1 <= ax.bbox.y0:
                boxes.append(legend_box)
        return Bbox.union(boxes)

    note = ax.annotate(text, xy=(0, 0), xycoords=("axes fraction", under_xaxis),
                       xytext=(0, -6), textcoords="offset points", ha="left", va="top",
                       fontsize=size, color="#444444", annotation_clip=False)
    note.set_gid(gid)
    return note


def _add_source_line(ax, source_ids, sources, lang, widen: float = 1.2):
    """Write the source line under the x axis (below tick labels and axis label)."""
    note = _add_caption(ax, source_line(source_ids, sources, lang, width=10_000), "source-line",
                        widen)
    # The ids behind the line, for a brief that cites the chart's sources by number.
    note.source_ids = _source_ids(source_ids if not isinstance(source_ids, str) else [source_ids])
    return note


def _number_ticks(axis, lang, integer=False):
    """Tick labels written as the chart's language writes numbers (0,2 in Vietnamese)."""
    axis.set_major_formatter(mpl.ticker.FuncFormatter(
        lambda v, _: i18n.value(round(v) if integer else v, lang)))


def _year_ticks(axis):
    """Years are names of editions, written without a thousands separator."""
    axis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: str(round(v))))


def _ax(ax):
    return ax if ax is not None else plt.gca()


def _not_published_handle(lang: str) -> Patch:
    return Patch(label=_t("not_published", lang), **NOT_PUBLISHED_STYLE)


def _draws_a_gap(ax) -> bool:
    """Whether the chart hatches anything as 'not found' (then, and only then, its key says so)."""
    return any(patch.get_gid() == "not-published" for patch in ax.patches)


def _with_gap_key(ax, handles, lang, label=None) -> list:
    """The key's handles, with the hatching's entry when the chart draws a hatched band."""
    if not _draws_a_gap(ax):
        return list(handles)
    handle = _not_published_handle(lang)
    if label:
        handle.set_label(label)
    return [*handles, handle]


def _mark_unpublished_years(ax, years, lang, half_width=0.22, label=None):
    """A hatched band over each year without a figure, captioned short ("not found"; the key
    says it whole). `_place_band_labels` then moves each caption clear of lines and texts."""
    for year in years:
        ax.axvspan(year - half_width, year + half_width, zorder=0, gid="not-published",
                   **NOT_PUBLISHED_STYLE)
        ax.text(year, 0.5, label or _t("not_found_short", lang),
                transform=ax.get_xaxis_transform(), rotation=90, ha="center", va="center",
                fontsize=MIN_TEXT_PT, color="#555555", style="italic", zorder=1, bbox=WHITE_BOX,
                gid="band-label")


def _points_along(line, step_px: float = 2.0):
    """Display points along a drawn line, every `step_px` pixels (to test what lies on it)."""
    xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
    points = [xy[:1]]
    for a, b in itertools.pairwise(xy):
        n = max(int(np.hypot(*(b - a)) / step_px), 1)
        points.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
    return np.concatenate(points)


def _data_line_points(ax) -> list:
    """Points along each line that carries data (not grid lines, not markers alone)."""
    return [_points_along(line) for line in ax.get_lines()
            if line.get_visible() and line.get_linestyle() not in ("None", "none", "")]


def _is_clear(box, boxes, line_points) -> bool:
    """Whether a display box overlaps none of `boxes` and no point of the lines."""
    if any(_overlap(box, other) for other in boxes):
        return False
    return not any(((p[:, 0] > box.x0) & (p[:, 0] < box.x1) & (p[:, 1] > box.y0)
                    & (p[:, 1] < box.y1)).any() for p in line_points)


def _overlap(a, b, tolerance: float = 0.5) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


def _text_box(text, renderer):
    """A text's own extent (an annotation's arrow left out), where it is drawn now: an
    annotation's offset is placed only at draw time, so it is placed here first."""
    if isinstance(text, mpl.text.Annotation):
        text.update_positions(renderer)
    return mpl.text.Text.get_window_extent(text, renderer)


BAND_LABEL_HEIGHTS = (0.5, 0.62, 0.38, 0.74, 0.26, 0.86, 0.14)


def _place_band_labels(ax) -> None:
    """Each band's caption at the first height (middle first) where it lies on no data line and
    no other text, inside the axes. Call once the limits and the other texts are set."""
    captions = [t for t in ax.texts if t.get_gid() == "band-label"]
    if not captions:
        return
    renderer = ax.figure.canvas.get_renderer()
    boxes = [_text_box(t, renderer) for t in ax.texts
             if t.get_gid() != "band-label" and t.get_visible() and t.get_text().strip()]
    lines = _data_line_points(ax)
    inside = ax.get_window_extent(renderer)
    for caption in captions:
        for height in BAND_LABEL_HEIGHTS:
            caption.set_y(height)
            box = _text_box(caption, renderer)
            if box.y0 >= inside.y0 and box.y1 <= inside.y1 and _is_clear(box, boxes, lines):
                break
        else:
            caption.set_y(0.5)
        boxes.append(_text_box(caption, renderer))


def _rank_ticks(ax, bottom):
    """Rank 1 first, then round numbers; no tick at 0, which is no rank."""
    step = 5 if bottom <= 30 else 10
    ticks = [1] + list(range(step, int(bottom), step))
    if bottom >= PROVINCE_SYSTEM:
        ticks = [t for t in ticks if t <= PROVINCE_SYSTEM - 5] + [PROVINCE_SYSTEM]
    ax.set_yticks(ticks)


def _empty_message(ax, lang):
    ax.text(0.5, 0.5, _t("no_data", lang), transform=ax.transAxes, ha="center", va="center",
            color="#777777", fontsize=11)


# --- rank trajectories ------------------------------------------------------------------------

def _ranks_by_unit(pref, years, measure=OVERALL) -> dict:
    """{(unit, unit system): {year: (rank, source id)}}: each unit's first ranked row of each of
    the years, in one pass over `pref` (a chart asks for a dozen units)."""
    keep = (pref["measure"].eq(measure) & pref["rank"].notna() & pref["year"].isin(years))
    rows = pref[keep.to_numpy(dtype=bool, na_value=False)]
    ranks: dict = {}
    for unit, system, year, rank, source in zip(rows["unit"], rows["unit_system"], rows["year"],
                                                rows["rank"], rows["source_id"]):
        if not pd.isna(system):
            ranks.setdefault((unit, int(system)), {}).setdefault(int(year), (int(rank), source))
    return ranks


def _draw_runs(ax, years, ranks, **style):
    """Connect only consecutive editions: a gap (an edition without a rank) stays a gap."""
    run = []
    for year in [*years, None]:
        if year is not None and year in ranks:
            run.append(year)
            continue
        if run:
            ax.plot(run, [ranks[y][0] for y in run], **style)
            style = {**style, "label": None}
        run = []


def _members_text(unit, provinces, lang):
    members = list(provinces.loc[provinces["unit_2025"] == unit, "name"]) if provinces is not None \
        else []
    return ", ".join(sorted(members)) if members else unit


def rank_trajectories(pref: pd.DataFrame, province: str, peers, years, sources: pd.DataFrame,
                      lang: str = "vi", ax=None, *, provinces: pd.DataFrame | None = None,
                      measure: str = OVERALL):
    """Overall DTI rank over editions, one line per unit, rank 1 on top, each line labelled at
    its end. Lines join consecutive editions only (no line across an unpublished edition).

    Ranks among 63 are filled circles on lines; the province's post-merger unit ranked among 34
    (2024) is a separate hollow diamond labelled with the unit and its members. `provinces`
    (load_provinces()) gives the merger; default: the project's table.
    """
    ax = _ax(ax)
    years = [int(y) for y in years]
    units = [province, *[p for p in peers if p != province]]
    if provinces is None:
        from analysis.data import load_provinces

        provinces = load_provinces()
    palette = _peer_palette()
    ranks_of = _ranks_by_unit(pref, years, measure)
    drawn_sources, labels, silent = [], [], []
    for index, unit in enumerate(units):
        ranks = ranks_of.get((unit, PROVINCE_SYSTEM), {})
        if not ranks:
            silent.append(unit)
            continue
        is_focus = unit == province
        color = PROVINCE_COLOR if is_focus else palette[(index - 1) % len(palette)]
        _draw_runs(ax, years, ranks, color=color, marker="o", linewidth=2.6 if is_focus else 1.2,
                   markersize=7 if is_focus else 4.5, alpha=1 if is_focus else 0.8,
                   zorder=4 if is_focus else 2, gid=f"trajectory:{unit}")
        last = max(ranks)
        labels.append((last, ranks[last][0], unit, color, is_focus))
        drawn_sources += [s for _, s in ranks.values()]

    successor = _successor_or_none(province, provinces)
    merged = ranks_of.get((successor, MERGED_SYSTEM), {})
    drawn_sources += [source_id for _, source_id in merged.values()]

    # Years without the province's own rank: hatched band (its successor's rank sits on it).
    own = ranks_of.get((province, PROVINCE_SYSTEM), {})
    unpublished = [y for y in years if y not in own]
    # The band says it short; the key under the chart says it whole.
    _mark_unpublished_years(ax, unpublished, lang, half_width=0.18,
                            label=f"{province}: {_t('not_found_short', lang)}")

    lowest = max([r for _, r, *_ in labels], default=PROVINCE_SYSTEM - 1)
    bottom = PROVINCE_SYSTEM + 1 if lowest > 40 else lowest + 6
    ax.set_ylim(bottom, 0)
    _rank_ticks(ax, bottom)
    ax.set_xlim(min(years, default=0) - 0.35, max(years, default=1) + 0.35)
    ax.set_xticks(years)
    _year_ticks(ax.xaxis)
    _number_ticks(ax.yaxis, lang, integer=True)
    ax.set_ylabel(_t("rank_axis", lang))
    ax.set_xlabel(_t("edition", lang))
    note = textwrap.fill(_t("no_rank_at_all", lang).format(units=", ".join(silent)), 90) \
        if silent else ""
    # The title sits above the note, one line's height per line of it.
    ax.set_title(_t("trajectory_title", lang).format(province=province), loc="left",
                 pad=6 + 12 * (note.count("\n") + 1) if note else 6)
    if note:
        # Above the plot, clear of the lines and the labels in the margin.
        ax.text(0.0, 1.01, note, transform=ax.transAxes, fontsize=8, color="#555555",
                va="bottom", style="italic", gid="no-rank-note")
    # The key lists only what the chart draws (a 2022 chart has no rank among 34).
    handles = []
    if labels:
        handles.append(Line2D([], [], color="#555555", marker="o",
                              label=_t("ranked_among_63", lang)))
    if merged:
        handles.append(Line2D([], [], linestyle="none", **MERGED_MARKER, label=_t(
            "ranked_among_34", lang).format(unit=successor, n=MERGED_SYSTEM,
                                            members=_members_text(successor, provinces, lang))))
    handles = _with_gap_key(ax, handles, lang,
                            label=f"{province}: {_t('not_published', lang)}")
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), 34))
    if handles:  # under the plot, so that it covers neither a line nor a label
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.13),
                  fontsize=MIN_TEXT_PT, frameon=False, ncol=min(len(handles), 2))
    _label_line_ends(ax, labels)
    _place_band_labels(ax)
    if merged:
        _merged_rank_panel(ax, merged, successor, lang)
    _add_source_line(ax, drawn_sources, sources, lang)
    return ax


MERGED_MARKER = {"marker": "D", "markersize": 9, "markerfacecolor": "white",
                 "markeredgecolor": PROVINCE_COLOR, "markeredgewidth": 2}


def _merged_rank_panel(ax, merged: dict, unit: str, lang: str):
    """The post-merger unit's ranks among 34 on a narrow panel of their own (rank 1-34), right
    of the plot and of its line names: never on the 1-63 axis, where 3 would read as 3rd of 63."""
    renderer = ax.figure.canvas.get_renderer()
    right = max([_text_box(t, renderer).x1 for t in ax.texts if t.get_gid() == "line-label"],
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
    _year_ticks(panel.xaxis)
    # Named under its year, as the main plot's axis is: above it would meet the main title.
    panel.set_xlabel(_t("merged_panel_title", lang).format(unit=unit, n=MERGED_SYSTEM),
                     fontsize=MIN_TEXT_PT + 1)
    return panel


def _peer_palette():
    """Ten distinct colours for peers; red is kept for the province."""
    colors = list(plt.get_cmap("tab10").colors)
    del colors[3]
    return colors + ["#393b79"]


def _successor_or_none(province, provinces):
    match = provinces.loc[provinces["name"] == province, "unit_2025"] if provinces is not None \
        else pd.Series(dtype=str)
    return str(match.iloc[0]) if len(match) else None


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
        extent = _text_box(probe, renderer)
        heights.append(extent.height)
        spans.append((extent.x0, extent.x1))
        probe.remove()
    wanted = [ax.transData.transform((x, rank))[1] for x, rank, *_ in labels]
    box = ax.bbox
    pad = 1.5 * ax.figure.dpi / 72
    lines = _data_line_points(ax)
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
    ax = _ax(ax)
    peers = [p for p in peers if p != province]
    measures = _profile_measures(pref, province, int(year))
    table = peer_table(pref, province, peers, int(year), measures)
    table = table[table["role"].isin(["province", "peer"])]
    # A row in which no unit has a figure is not drawn (unless no row has one: then the
    # chart shows, row by row, that nothing was published).
    drawn = [m for m in measures if table.loc[table["measure"] == m, value].notna().any()]
    measures = drawn or measures
    table = table[table["measure"].isin(measures)]
    palette = _peer_palette()
    low, high = (0.0, 1.0) if value == "percentile" else (1, PROVINCE_SYSTEM)
    drawn_sources, shown_units, missing_counts = [], set(), {}
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
            drawn_sources.append(cell.source_id)
            if is_focus and not pd.isna(cell.rank):
                ax.annotate(f"{int(cell.rank)}", xy=(float(getattr(cell, value)), row),
                            xytext=(0, 8), textcoords="offset points", ha="center",
                            va="bottom", fontsize=8.5, fontweight="bold", color=PROVINCE_COLOR,
                            gid="province-rank")
        if province in set(missing["unit"]):
            ax.add_patch(Rectangle((low, row - 0.3), (high - low), 0.6, zorder=1,
                                   gid="not-published", **NOT_PUBLISHED_STYLE))
            ax.text((low + high) / 2, row, f"{province}: {_t('not_found_short', lang)}",
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
        axis_label = _t("percentile_axis", lang)
        if province in shown_units:  # the red dot is promised only where one is drawn
            axis_label += "\n" + _t("percentile_axis_dot", lang).format(province=province)
        ax.set_xlabel(axis_label)
    else:
        ax.set_xlim(PROVINCE_SYSTEM + 1, 0)
        ax.set_xlabel(_t("rank_axis_63", lang))
    _number_ticks(ax.xaxis, lang, integer=value == "rank")
    silent = [u for u in peers if u not in shown_units]
    note_lines = 0
    if silent:
        note = textwrap.fill(_t("no_data_units", lang).format(
            k=len(silent), n=len(peers), units=i18n.join(silent, lang)), 80)
        note_lines = note.count("\n") + 1
        ax.text(0.0, 1.015, note, transform=ax.transAxes, fontsize=MIN_TEXT_PT,
                color="#555555", style="italic", va="bottom", gid="no-data-note")
    ax.set_title(_t("profile_title", lang).format(province=province, year=year), loc="left",
                 pad=6 + 11.5 * note_lines)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=_with_gap_key(ax, handles, lang), loc="upper center",
              bbox_to_anchor=(0.5, -0.2), frameon=False, fontsize=MIN_TEXT_PT, ncol=3)
    _add_source_line(ax, drawn_sources, sources, lang)
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
    ax.annotate(_t("missing_peers_head", lang), xy=(1.02, 1.0), xycoords="axes fraction",
                va="bottom", ha="left", fontsize=MIN_TEXT_PT, color="#666666",
                gid="missing-count-head")


# --- target revisions -------------------------------------------------------------------------

def _is_count_unit(unit: str) -> bool:
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
    number = i18n.value(float(value), lang)
    return f"{number}%" if isinstance(unit, str) and unit.startswith("%") else number


def target_revisions(revisions: pd.DataFrame, targets: pd.DataFrame, kind: str = "percent",
                     lang: str = "vi", sources: pd.DataFrame | None = None, ax=None):
    """Dumbbell per (target, horizon): original value (hollow) -> proposed value (filled),
    annotated with who proposed it, when, and its status (from the data).

    kind='percent' draws targets measured in %; kind='count' those counted in enterprises —
    call it twice on two Axes, as the scales differ.
    """
    if kind not in ("percent", "count"):
        raise ValueError("kind must be 'percent' or 'count'")
    ax = _ax(ax)
    units = revisions["unit"].fillna("").astype(str) if len(revisions) else pd.Series(dtype=str)
    chosen = revisions[units.map(_is_count_unit) == (kind == "count")] if len(revisions) \
        else revisions
    chosen = chosen.sort_values(["target_id", "horizon"]).reset_index(drop=True)
    ax.set_title(_t(f"revisions_title_{kind}", lang), loc="left")
    if chosen.empty:
        _empty_message(ax, lang)
        ax.set_yticks([])
        _add_source_line(ax, [], sources, lang)
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
        note = _t("proposed", lang).format(by=i18n.body(rev["proposed_by"], lang),
                                           on=i18n.date(rev["proposed_on"], lang), status=status)
        new_wording = _revision_wording(rev, "to", lang)
        if end == start and new_wording and _revision_wording(rev, "from", lang) != new_wording:
            note = textwrap.fill(f"{_t('same_value', lang)}: «{new_wording}»", 80,
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
    axis_label = _t(f"axis_{kind}", lang)
    if log_axis:
        axis_label += f" ({_t('log_scale', lang)})"
    ax.set_xlabel(axis_label)
    ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], marker="o", linestyle="none", markerfacecolor="white",
                      markeredgecolor=TARGET_COLOR, markeredgewidth=2, label=_t("original", lang)),
               Line2D([], [], marker="o", linestyle="none", color=TARGET_COLOR,
                      label=_t("revised", lang))]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2,
              fontsize=MIN_TEXT_PT, frameon=False)
    _add_source_line(ax, chosen["source_id"], sources, lang)
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


def target_progress(progress: pd.DataFrame, targets: pd.DataFrame, target_id: str,
                    lang: str = "vi", sources: pd.DataFrame | None = None, ax=None, *,
                    years=range(2021, 2025)):
    """Reported values of one target (dots, labelled) against its target values (dashed lines,
    labelled with the horizon). A value the data itself calls an estimate (its `as_of` or note
    says so) is a hollow dot labelled as an estimate. Years in `years` without a reported value
    are hatched 'not published'; no target label lies on such a band. Nothing joins a reported
    value to a target: that would be a projection.
    """
    ax = _ax(ax)
    goals = targets[(targets["target_id"] == target_id) & targets["value"].notna()] \
        .sort_values("horizon")
    reports = progress[(progress["target_id"] == target_id) & progress["value"].notna()] \
        .sort_values("as_of_year")
    unit = goals["unit"].iloc[0] if len(goals) else (reports["unit"].iloc[0] if len(reports)
                                                         else "")
    text_label = ""
    if len(goals):
        column = f"label_{lang}"
        # Empty text cells may load as NaN: fall back to the English label, then to nothing.
        candidates = [goals[column].iloc[0], goals["label_en"].iloc[0]]
        text_label = next((c for c in candidates if isinstance(c, str) and c), "")
    ax.set_title(textwrap.fill(_t("progress_title", lang).format(target_id=target_id,
                                                                 label=text_label), 70),
                 loc="left")
    is_rank = len(goals) and (goals["comparator"] == "top_n").all()
    years = [int(y) for y in years]
    reported_years = {int(y) for y in reports["as_of_year"].dropna()}
    unpublished = [y for y in years if y not in reported_years]
    band = 0.22
    _mark_unpublished_years(ax, unpublished, lang, half_width=band)
    estimated = reports.apply(_is_estimate, axis=1).astype(bool) if len(reports) \
        else pd.Series(dtype=bool)
    value_texts = []
    for kind, rows, face in (("reported", reports[~estimated], PROVINCE_COLOR),
                             ("estimate", reports[estimated], "white")):
        if not len(rows):
            continue
        ax.plot(rows["as_of_year"].astype(int), rows["value"].astype(float), marker="o",
                markersize=9, linestyle="none", color=PROVINCE_COLOR, markerfacecolor=face,
                markeredgewidth=2, zorder=4, label=_t(kind, lang), gid=kind)
        for year, value in zip(rows["as_of_year"], rows["value"]):
            text = _format_value(float(value), unit, lang)
            if kind == "estimate":
                text = _t("estimate_value", lang).format(value=text)
            value_texts.append(ax.annotate(
                text, xy=(int(year), float(value)), xytext=(8, 0), textcoords="offset points",
                va="center", fontsize=10, fontweight="bold", color=PROVINCE_COLOR,
                gid=f"{kind}-value"))
    goal_texts = []
    for index, goal in enumerate(goals.itertuples(index=False)):
        ax.axhline(float(goal.value), color=TARGET_COLOR, linestyle="--", linewidth=1.2,
                   zorder=2, label=_t("target_legend", lang) if index == 0 else None)
        ax.plot([int(goal.horizon)], [float(goal.value)], marker="*", markersize=13,
                color=TARGET_COLOR, linestyle="none", zorder=3, gid="target")
        goal_texts.append(ax.annotate(
            _t("target", lang).format(horizon=int(goal.horizon),
                                      value=_format_value(float(goal.value), unit, lang)),
            xy=(int(goal.horizon), float(goal.value)), xytext=(0, 8),
            textcoords="offset points", ha="center", fontsize=9, color=TARGET_COLOR,
            annotation_clip=False, gid="target-label"))
    all_years = years + [int(h) for h in goals["horizon"]] + sorted(reported_years)
    if all_years:
        ax.set_xlim(min(all_years) - 0.7, max(all_years) + 0.9)
        ax.set_xticks(sorted(set(all_years)))
        _year_ticks(ax.xaxis)
    _number_ticks(ax.yaxis, lang)
    values = [float(v) for v in list(reports["value"]) + list(goals["value"])]
    if is_rank:
        ax.set_ylim(max(values, default=20) + 6, 0)
    else:
        ax.set_ylim(0, max(values, default=1) * 1.25)
    if not len(reports) and not len(goals):
        _empty_message(ax, lang)
    _clear_of_bands(ax, goal_texts + value_texts, [(y - band, y + band) for y in unpublished])
    _place_band_labels(ax)
    ax.set_ylabel(i18n.data_text(unit, lang) if isinstance(unit, str) else "")
    ax.set_xlabel(_t("year", lang))
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=_with_gap_key(ax, handles, lang), loc="lower right", fontsize=MIN_TEXT_PT,
              frameon=True, framealpha=0.95)
    _add_source_line(ax, list(reports["source_id"]) + list(goals["source_id"]), sources, lang)
    return ax


# --- rank against the DTI target ------------------------------------------------------------------

def rank_against_target_chart(pref: pd.DataFrame, targets: pd.DataFrame, province: str,
                              sources: pd.DataFrame, lang: str = "vi", ax=None, *, years=None):
    """The province's overall DTI rank per edition against the top-N target lines (T01), rank 1
    on top; editions without the province's rank are hatched 'not published'."""
    ax = _ax(ax)
    table = rank_against_target(pref, targets, province, years=years)
    per_year = table.drop_duplicates("year")[["year", "rank"]]
    ranks = {int(y): (int(r), "") for y, r in zip(per_year["year"], per_year["rank"])
             if not pd.isna(r)}
    all_years = [int(y) for y in per_year["year"]]
    _draw_runs(ax, all_years, ranks, color=PROVINCE_COLOR, marker="o", linewidth=2.4,
               markersize=8, zorder=4, label=province)
    for year, (rank, _) in ranks.items():
        ax.annotate(f"{rank}", xy=(year, rank), xytext=(0, 9), textcoords="offset points",
                    ha="center", fontsize=10, fontweight="bold", color=PROVINCE_COLOR)
    _mark_unpublished_years(ax, [y for y in all_years if y not in ranks], lang)
    goals = table.drop_duplicates("target_horizon")[["target_horizon", "target_rank"]]
    for horizon, value in zip(goals["target_horizon"], goals["target_rank"]):
        ax.axhline(int(value), color=TARGET_COLOR, linestyle="--", linewidth=1.2, zorder=2,
                   gid="target-line")
        # In the right margin, beside its line: clear of the ranks and of the bands.
        ax.annotate(textwrap.fill(_t("rank_target_line", lang).format(
                        horizon=int(horizon), value=int(value)), 22),
                    xy=(1.0, int(value)), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=8.5,
                    color=TARGET_COLOR, zorder=5, annotation_clip=False, gid="target-label")
    deepest = max([r for r, _ in ranks.values()] + [int(v) for v in goals["target_rank"]],
                  default=20)
    ax.set_ylim(deepest + 6, 0)
    _rank_ticks(ax, deepest + 6)
    _number_ticks(ax.yaxis, lang, integer=True)
    if all_years:
        ax.set_xlim(min(all_years) - 0.6, max(all_years) + 0.6)
        ax.set_xticks(all_years)
        _year_ticks(ax.xaxis)
    else:
        _empty_message(ax, lang)
    ax.set_ylabel(_t("rank_axis", lang))
    ax.set_xlabel(_t("edition", lang))
    ax.set_title(_t("rank_target_title", lang).format(province=province), loc="left")
    _place_band_labels(ax)
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=_with_gap_key(ax, handles, lang), loc="lower left", fontsize=MIN_TEXT_PT,
              frameon=True)
    figures = province_year_sources(pref, province, all_years)
    goal_sources = targets.loc[(targets["comparator"] == "top_n"), "source_id"]
    _add_source_line(ax, figures + list(goal_sources), sources, lang)
    return ax


def province_year_sources(pref: pd.DataFrame, province: str, years, measure: str = OVERALL):
    """Source ids of the province's published figures of one measure in the given years."""
    rows = pref[(pref["unit"] == province) & (pref["measure"] == measure)
                & (pref["unit_system"] == PROVINCE_SYSTEM) & pref["year"].isin(list(years))
                & pref["rank"].notna()]
    return list(rows["source_id"])


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
    successor = _successor_or_none(province, provinces) if provinces is not None else None
    return bool(successor and (successor, MERGED_SYSTEM) in ranks_of)


def chart_source_ids(ax) -> list[str]:
    """The source ids written in the chart's source line ([] if it has none)."""
    return [sid for text in ax.texts if text.get_gid() == "source-line"
            for sid in getattr(text, "source_ids", [])]


def hide_source_line(ax) -> None:
    """Leave the chart's source line out of the image (its ids stay: `chart_source_ids`)."""
    for text in ax.texts:
        if text.get_gid() == "source-line":
            text.set_visible(False)
