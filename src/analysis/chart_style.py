"""The charts' shared look and mechanics: theme, sizes, colours, the source line, ticks, the
"not found" hatching and where texts may go.

What belongs here: what every chart module (`charts`, `target_charts`) draws the same way, so
that a chart looks like the others and a rule (7 pt on A4, a key that lists only what is drawn,
no caption over a line) is kept in one place. Each chart function's sources are computed by a
pure function beside it (`drawn_from`), never read back from the figure.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import re
import textwrap

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox

from analysis import i18n
from analysis.comparisons import PROVINCE_SYSTEM
from analysis.measures import UNITS_AFTER_MERGER

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

def word(key: str, lang: str) -> str:
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
    (byte-identical PNGs for every chart of the briefs, checked by the tests). Each text is
    measured once for both (`_metrics_shared_across_renderers`)."""
    from IPython.core.pylabtools import print_figure

    with _metrics_shared_across_renderers():
        box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(
            mpl.rcParams["savefig.pad_inches"])
        return print_figure(fig, "png", bbox_inches=box, **INLINE_PRINT_KWARGS)


@contextlib.contextmanager
def _metrics_shared_across_renderers():
    """Within the block, a text's size measured by one renderer is reused by another renderer of
    the same kind and dpi. matplotlib keeps its measurements per renderer, and printing to the
    tight box makes a new renderer (the image's size changed), so every text (FreeType lays out
    and hints each glyph, about 0.5 ms a name) would be measured a second time with the same
    result: an Agg renderer's measurement depends on the text, font and dpi only, never on the
    size of the image. Single-threaded use only (a kernel draws one figure at a time)."""
    import matplotlib.text as mtext

    measure = getattr(mtext, "_get_text_metrics_with_cache", None)
    if measure is None:  # another matplotlib: measure as it does
        yield
        return
    known = {}

    def shared(renderer, text, fontprop, ismath, dpi):
        """`measure`'s result, once per kind of renderer, text, font, math mode and dpi."""
        # A copy: FontProperties is mutable and hashed on its state (matplotlib does the same).
        key = (type(renderer), getattr(renderer, "dpi", None), text, fontprop.copy(), ismath,
               dpi)
        if key not in known:
            known[key] = measure(renderer, text, fontprop, ismath, dpi)
        return known[key]

    mtext._get_text_metrics_with_cache = shared
    try:
        yield
    finally:
        mtext._get_text_metrics_with_cache = measure


# --- source line ------------------------------------------------------------------------------

def split_source_ids(values) -> list[str]:
    """The source ids in text cells holding one id or several joined by ";" (other cells skipped),
    each once, sorted."""
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
    ids = split_source_ids(source_ids if not isinstance(source_ids, str) else [source_ids])
    if not ids:
        return f"{word('source', lang)}: {word('no_source', lang)}"
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
            publisher, date = source_id, word("undated", lang)
        dates = dates_by_publisher.setdefault(publisher, [])
        if date not in dates:
            dates.append(date)
    # ISO dates sort in time order; each is then written as the language writes dates.
    entries = [f"{publisher} ({', '.join(_date_text(d, lang) for d in sorted(dates, key=lambda d: (not d, d)))})"
               for publisher, dates in sorted(dates_by_publisher.items())]
    text = f"{word('source', lang)}: " + "; ".join(entries)
    return textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)


def _date_text(iso: str, lang: str) -> str:
    """An ISO date as the language writes dates; the catalog's "undated" for an empty one."""
    return i18n.date(iso, lang) if iso else word("undated", lang)


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
        """The display box the caption goes under: the axes, the x axis with its labels, and a
        legend placed below the axes."""
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


def add_source_line(ax, source_ids, sources, lang, widen: float = 1.2):
    """Write the source line under the x axis (below tick labels and axis label)."""
    return _add_caption(ax, source_line(source_ids, sources, lang, width=10_000), "source-line",
                        widen)


def number_ticks(axis, lang, integer=False):
    """Tick labels written as the chart's language writes numbers (0,2 in Vietnamese)."""
    axis.set_major_formatter(mpl.ticker.FuncFormatter(
        lambda v, _: i18n.value(round(v) if integer else v, lang)))


def year_ticks(axis):
    """Years are names of editions, written without a thousands separator."""
    axis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: str(round(v))))


def axes_or_current(ax):
    """`ax`, or the current axes when it is None."""
    return ax if ax is not None else plt.gca()


def _not_published_handle(lang: str) -> Patch:
    """The key's entry for the hatched "not published" look."""
    return Patch(label=word("not_published", lang), **NOT_PUBLISHED_STYLE)


def _draws_a_gap(ax) -> bool:
    """Whether the chart hatches anything as 'not found' (then, and only then, its key says so)."""
    return any(patch.get_gid() == "not-published" for patch in ax.patches)


def with_gap_key(ax, handles, lang, label=None) -> list:
    """The key's handles, with the hatching's entry when the chart draws a hatched band."""
    if not _draws_a_gap(ax):
        return list(handles)
    handle = _not_published_handle(lang)
    if label:
        handle.set_label(label)
    return [*handles, handle]


def mark_unpublished_years(ax, years, lang, half_width=0.22, label=None):
    """A hatched band over each year without a figure, captioned short ("not found"; the key
    says it whole). `_place_band_labels` then moves each caption clear of lines and texts."""
    for year in years:
        ax.axvspan(year - half_width, year + half_width, zorder=0, gid="not-published",
                   **NOT_PUBLISHED_STYLE)
        ax.text(year, 0.5, label or word("not_found_short", lang),
                transform=ax.get_xaxis_transform(), rotation=90, ha="center", va="center",
                fontsize=MIN_TEXT_PT, color="#555555", style="italic", zorder=1, bbox=WHITE_BOX,
                gid="band-label")


def points_along(line, step_px: float = 2.0):
    """Display points along a drawn line, every `step_px` pixels (to test what lies on it)."""
    xy = line.get_transform().transform(np.column_stack(line.get_data()).astype(float))
    points = [xy[:1]]
    for a, b in itertools.pairwise(xy):
        n = max(int(np.hypot(*(b - a)) / step_px), 1)
        points.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
    return np.concatenate(points)


def data_line_points(ax) -> list:
    """Points along each line that carries data (not grid lines, not markers alone)."""
    return [points_along(line) for line in ax.get_lines()
            if line.get_visible() and line.get_linestyle() not in ("None", "none", "")]


def _is_clear(box, boxes, line_points) -> bool:
    """Whether a display box overlaps none of `boxes` and no point of the lines."""
    if any(overlap(box, other) for other in boxes):
        return False
    return not any(((p[:, 0] > box.x0) & (p[:, 0] < box.x1) & (p[:, 1] > box.y0)
                    & (p[:, 1] < box.y1)).any() for p in line_points)


def overlap(a, b, tolerance: float = 0.5) -> bool:
    """Whether two display boxes overlap by more than `tolerance` pixels along both axes."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


def text_box(text, renderer):
    """A text's own extent (an annotation's arrow left out), where it is drawn now: an
    annotation's offset is placed only at draw time, so it is placed here first."""
    if isinstance(text, mpl.text.Annotation):
        text.update_positions(renderer)
    return mpl.text.Text.get_window_extent(text, renderer)


BAND_LABEL_HEIGHTS = (0.5, 0.62, 0.38, 0.74, 0.26, 0.86, 0.14)


def place_band_labels(ax) -> None:
    """Each band's caption at the first height (middle first) where it lies on no data line and
    no other text, inside the axes. Call once the limits and the other texts are set."""
    captions = [t for t in ax.texts if t.get_gid() == "band-label"]
    if not captions:
        return
    renderer = ax.figure.canvas.get_renderer()
    boxes = [text_box(t, renderer) for t in ax.texts
             if t.get_gid() != "band-label" and t.get_visible() and t.get_text().strip()]
    lines = data_line_points(ax)
    inside = ax.get_window_extent(renderer)
    for caption in captions:
        for height in BAND_LABEL_HEIGHTS:
            caption.set_y(height)
            box = text_box(caption, renderer)
            if box.y0 >= inside.y0 and box.y1 <= inside.y1 and _is_clear(box, boxes, lines):
                break
        else:
            caption.set_y(0.5)
        boxes.append(text_box(caption, renderer))


def rank_ticks(ax, bottom):
    """Rank 1 first, then round numbers; no tick at 0, which is no rank."""
    step = 5 if bottom <= 30 else 10
    ticks = [1] + list(range(step, int(bottom), step))
    if bottom >= PROVINCE_SYSTEM:
        ticks = [t for t in ticks if t <= PROVINCE_SYSTEM - 5] + [PROVINCE_SYSTEM]
    ax.set_yticks(ticks)


def empty_message(ax, lang):
    """The catalog's "no data" written in the middle of the axes."""
    ax.text(0.5, 0.5, word("no_data", lang), transform=ax.transAxes, ha="center", va="center",
            color="#777777", fontsize=11)


def hide_source_line(ax) -> None:
    """Leave the chart's source line out of the image (a brief cites the sources under it)."""
    for text in ax.texts:
        if text.get_gid() == "source-line":
            text.set_visible(False)


# --- what a chart draws, computed apart from the drawing --------------------------------------

def drawn_from(source_ids, rows=None):
    """Attach to a chart function the pure functions that say, from the same arguments, which
    sources it cites (`source_ids`) and which DTI rows it draws (`rows`, for a brief's CSV)."""
    def attach(draw):
        """`draw` itself, carrying the two functions as `draw.source_ids` and `draw.drawn_rows`."""
        draw.source_ids, draw.drawn_rows = source_ids, rows
        return draw
    return attach


def _call_like(function, draw, args, kwargs):
    """`function` called with the arguments `draw` would get, those it takes by name."""
    bound = inspect.signature(draw).bind_partial(*args, **kwargs)
    wanted = inspect.signature(function).parameters
    return function(**{k: v for k, v in bound.arguments.items() if k in wanted})


def chart_source_ids(draw, *args, **kwargs) -> list[str]:
    """The source ids the chart `draw` cites when called with these arguments."""
    return split_source_ids(_call_like(draw.source_ids, draw, args, kwargs))


def chart_rows(draw, *args, **kwargs) -> pd.DataFrame | None:
    """The DTI rows the chart `draw` draws with these arguments (None: it draws no DTI row)."""
    rows = getattr(draw, "drawn_rows", None)
    return None if rows is None else _call_like(rows, draw, args, kwargs)


def draw_runs(ax, years, ranks, **style):
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
