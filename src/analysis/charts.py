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

import re
import textwrap

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.transforms import Bbox

from analysis.comparisons import (
    PROVINCE_SYSTEM,
    peer_table,
    province_year,
    rank_against_target,
)
from analysis.measures import (
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    INDICATORS,
    OVERALL,
    PILLARS,
    PROVINCE_MEASURES,
    label,
)

MERGED_SYSTEM = 34
FONT = "DejaVu Sans"  # ships with matplotlib and has every Vietnamese diacritic
PROVINCE_COLOR = "#c0392b"
TARGET_COLOR = "#1f6f8b"
RANK_CMAP = "Blues"

# One look for "not published" on every chart: hatched light grey.
NOT_PUBLISHED_STYLE = {"facecolor": "#ececec", "edgecolor": "#9e9e9e", "hatch": "///",
                       "linewidth": 0.6}
NOT_COMPARABLE_STYLE = {"facecolor": "white", "edgecolor": "#b0b0b0", "hatch": "..",
                        "linewidth": 0.6}

WHITE_BOX = {"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1.5}

TEXT = {
    "vi": {
        "source": "Nguồn",
        "no_source": "không có số liệu nào được công bố",
        "undated": "không rõ ngày",
        "not_published": "chưa công bố",
        "not_comparable": "không so sánh được (DTI 2020 có cấu trúc chỉ số khác)",
        "units_34": "{n} đơn vị",
        "ranked_among_34": "xếp hạng trong 34 đơn vị sau sáp nhập (không so sánh trực tiếp với hạng trong 63)",
        "ranked_among_63": "xếp hạng trong 63 tỉnh, thành phố",
        "successor": "{unit} ({n} đơn vị, gồm {members})",
        "darkest": "hạng 1 (màu đậm nhất)",
        "lightest": "hạng cuối (màu nhạt nhất)",
        "heatmap_title": "{province}: thứ hạng DTI theo năm",
        "trajectory_title": "Thứ hạng DTI tổng thể: {province} và các tỉnh so sánh",
        "rank_axis": "Thứ hạng (1 = cao nhất)",
        "edition": "Năm đánh giá (DTI)",
        "no_rank_at_all": "Chưa công bố thứ hạng nào: {units}",
        "profile_title": "{province} và các tỉnh so sánh, DTI {year}",
        "percentile_axis": "Phân vị (1 = hạng 1; 0 = hạng cuối); số trên chấm đỏ: thứ hạng của {province}",
        "rank_axis_63": "Thứ hạng trong 63 tỉnh (hạng 1 bên phải)",
        "missing_peers": "chưa công bố: {k}/{n} tỉnh",
        "no_data_units": "Không công bố số liệu nào trong các mục dưới đây: {units}",
        "revisions_title_percent": "Chỉ tiêu tỷ lệ: giá trị ban đầu và đề xuất điều chỉnh",
        "revisions_title_count": "Chỉ tiêu số lượng: giá trị ban đầu và đề xuất điều chỉnh",
        "original": "giá trị ban đầu",
        "revised": "đề xuất điều chỉnh",
        "same_value": "giữ nguyên giá trị, diễn đạt mới",
        "axis_percent": "Giá trị chỉ tiêu (%)",
        "axis_count": "Số doanh nghiệp",
        "log_scale": "thang logarit",
        "no_revisions": "không có đề xuất điều chỉnh nào",
        "proposed": "{by}, {on} ({status})",
        "progress_title": "{target_id}: {label}",
        "reported": "số liệu báo cáo",
        "target": "mục tiêu {horizon}: {value}",
        "target_legend": "mục tiêu",
        "no_progress": "chưa công bố số liệu",
        "rank_target_title": "{province}: thứ hạng DTI so với mục tiêu",
        "rank_target_line": "mục tiêu {horizon}: nhóm {value} dẫn đầu",
        "no_data": "không có số liệu",
        "year": "Năm",
    },
    "en": {
        "source": "Source",
        "no_source": "none of the figures shown is published",
        "undated": "undated",
        "not_published": "not published",
        "not_comparable": "not comparable (DTI 2020 used other indicators)",
        "units_34": "{n} units",
        "ranked_among_34": "ranked among the 34 post-merger units (not directly comparable with ranks among 63)",
        "ranked_among_63": "ranked among the 63 provinces",
        "successor": "{unit} ({n} units, incl. {members})",
        "darkest": "rank 1 (darkest)",
        "lightest": "last rank (lightest)",
        "heatmap_title": "{province}: DTI ranks by edition",
        "trajectory_title": "Overall DTI rank: {province} and its peers",
        "rank_axis": "Rank (1 = best)",
        "edition": "DTI edition (year measured)",
        "no_rank_at_all": "No rank published: {units}",
        "profile_title": "{province} and its peers, DTI {year}",
        "percentile_axis": "Percentile (1 = rank 1; 0 = last); number on the red dot: rank of {province}",
        "rank_axis_63": "Rank among 63 provinces (rank 1 on the right)",
        "missing_peers": "not published: {k}/{n} provinces",
        "no_data_units": "None of the figures below published for: {units}",
        "revisions_title_percent": "Percentage targets: original and proposed values",
        "revisions_title_count": "Count targets: original and proposed values",
        "original": "original value",
        "revised": "proposed revision",
        "same_value": "same value, new wording",
        "axis_percent": "Target value (%)",
        "axis_count": "Number of enterprises",
        "log_scale": "log scale",
        "no_revisions": "no proposed revision",
        "proposed": "{by}, {on} ({status})",
        "progress_title": "{target_id}: {label}",
        "reported": "reported",
        "target": "target {horizon}: {value}",
        "target_legend": "target",
        "no_progress": "no figure published",
        "rank_target_title": "{province}: DTI rank against the target",
        "rank_target_line": "target {horizon}: top {value}",
        "no_data": "no data",
        "year": "Year",
    },
}

# Names of bodies as the data spells them (English) -> Vietnamese, for Vietnamese charts only.
BODY_VI = {"Provincial Party Standing Committee": "Ban Thường vụ Tỉnh ủy"}
STATUS_TEXT = {"vi": {"proposed": "đề xuất", "adopted": "đã thông qua"},
               "en": {"proposed": "proposed", "adopted": "adopted"}}


def _t(key: str, lang: str) -> str:
    return TEXT[lang][key]


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
    # Figures shown inline in a kernel: PNG without the "Software" (matplotlib version) key, so
    # that a brief does not change with a patch release. The tight bounding box stays: measured
    # here, a layout engine (constrained or tight) costs as much as the second draw it saves,
    # and fixed margins would clip the legends and source lines drawn outside the axes.
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and "inline" in str(mpl.get_backend()):
        from IPython.core.pylabtools import select_figure_formats
        from matplotlib_inline.config import InlineBackend

        inline = InlineBackend.instance()
        inline.print_figure_kwargs = {"bbox_inches": "tight", "metadata": {"Software": None}}
        select_figure_formats(shell, inline.figure_formats, **inline.print_figure_kwargs)


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
            publisher = row["publisher"] if isinstance(row["publisher"], str) and row[
                "publisher"] else source_id
            date = row["date_published"]
            date = date if isinstance(date, str) and date else _t("undated", lang)
        else:
            publisher, date = source_id, _t("undated", lang)
        dates = dates_by_publisher.setdefault(publisher, [])
        if date not in dates:
            dates.append(date)
    entries = [f"{publisher} ({', '.join(sorted(dates))})"
               for publisher, dates in sorted(dates_by_publisher.items())]
    text = f"{_t('source', lang)}: " + "; ".join(entries)
    return textwrap.fill(text, width=width, break_long_words=False, break_on_hyphens=False)


def _add_source_line(ax, source_ids, sources, lang):
    """Write the source line under the x axis (below tick labels and axis label)."""
    text = source_line(source_ids, sources, lang)

    def under_xaxis(renderer):
        # Below everything under the plot: tick labels, axis label and a legend placed below.
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
                       fontsize=7.5, color="#555555", annotation_clip=False)
    note.set_gid("source-line")
    return note


def _ax(ax):
    return ax if ax is not None else plt.gca()


def _not_published_handle(lang: str) -> Patch:
    return Patch(label=_t("not_published", lang), **NOT_PUBLISHED_STYLE)


def _mark_unpublished_years(ax, years, lang, half_width=0.22, label=None, text_y=0.5):
    """A hatched band over each year without a figure, captioned 'not published' at height
    text_y (axes fraction; chosen per chart to stay clear of lines and labels)."""
    for year in years:
        ax.axvspan(year - half_width, year + half_width, zorder=0, gid="not-published",
                   **NOT_PUBLISHED_STYLE)
        ax.text(year, text_y, label or _t("not_published", lang), transform=ax.get_xaxis_transform(),
                rotation=90, ha="center", va="center", fontsize=8, color="#555555",
                style="italic", zorder=1, bbox=WHITE_BOX)


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


# --- rank heatmap -----------------------------------------------------------------------------

def _cell_figures(pref, province, year, successor):
    """The province's figures for a year, or its successor's among 34 when the province has
    none that year (the caller labels that column as such)."""
    own = province_year(pref, province, year)
    if own["published"].any() or not successor:
        return own, PROVINCE_SYSTEM
    merged = province_year(pref, successor, year, unit_system=MERGED_SYSTEM)
    if merged["published"].any():
        return merged, MERGED_SYSTEM
    return own, PROVINCE_SYSTEM


def rank_heatmap(pref: pd.DataFrame, province: str, years, sources: pd.DataFrame,
                 lang: str = "vi", ax=None, *, successor: str | None = None):
    """Ranks of the province: rows = overall, 3 pillars, 8 indicators; columns = editions.

    Colour follows the percentile (rank 1 darkest, so ranks among 34 and 63 share the scale);
    each cell is annotated with the rank. An unpublished figure is a hatched grey cell; DTI 2020
    indicator cells are marked not comparable. `successor` (e.g. 'Hải Phòng'): for an edition
    in which the province has no figure but its post-merger unit is ranked among 34 (2024),
    show that unit's ranks in a column labelled as such.
    """
    ax = _ax(ax)
    years = [int(y) for y in years]
    cmap = mpl.colormaps[RANK_CMAP]
    drawn_sources, systems = [], {}
    for col, year in enumerate(years):
        figures, system = _cell_figures(pref, province, year, successor)
        systems[year] = system
        for row, fig in enumerate(figures.itertuples(index=False)):
            not_comparable = fig.measure in INDICATORS and year < FIRST_YEAR_OF_EIGHT_INDICATORS
            has_rank = not pd.isna(fig.rank)
            if not_comparable:
                ax.add_patch(Rectangle((col, row), 1, 1, gid="not-comparable",
                                       **NOT_COMPARABLE_STYLE))
            elif has_rank:
                shade = cmap(0.15 + 0.8 * float(fig.percentile))
                ax.add_patch(Rectangle((col, row), 1, 1, facecolor=shade, edgecolor="white",
                                       linewidth=1.5, gid="rank"))
                dark = float(fig.percentile) > 0.55
                ax.text(col + 0.5, row + 0.5, f"{int(fig.rank)}", ha="center", va="center",
                        fontsize=11, fontweight="bold", color="white" if dark else "#1a1a1a",
                        gid="rank-label")
                drawn_sources.append(fig.source_id)
            else:
                ax.add_patch(Rectangle((col, row), 1, 1, gid="not-published",
                                       **NOT_PUBLISHED_STYLE))
                ax.text(col + 0.5, row + 0.5, _t("not_published", lang), ha="center",
                        va="center", fontsize=7, color="#555555", style="italic",
                        bbox={**WHITE_BOX, "facecolor": NOT_PUBLISHED_STYLE["facecolor"]})
        if system == MERGED_SYSTEM:
            ax.add_patch(Rectangle((col, 0), 1, len(PROVINCE_MEASURES), fill=False,
                                   edgecolor="#333333", linewidth=1.6, linestyle="--",
                                   gid="merged-column"))

    # Rows: overall | pillars | indicators, separated by lines.
    for boundary in (1, 1 + len(PILLARS)):
        ax.axhline(boundary, color="#333333", linewidth=1.2)
    ax.set_xlim(0, max(len(years), 1))
    ax.set_ylim(len(PROVINCE_MEASURES), 0)
    ax.set_yticks([i + 0.5 for i in range(len(PROVINCE_MEASURES))])
    ax.set_yticklabels([label(m, lang) for m in PROVINCE_MEASURES])
    ax.set_xticks([i + 0.5 for i in range(len(years))])
    ax.set_xticklabels([_edition_label(y, systems[y], successor, lang) for y in years])
    ax.tick_params(length=0)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_title(_t("heatmap_title", lang).format(province=province), loc="left")

    handles = [Patch(facecolor=cmap(0.95), label=_t("darkest", lang)),
               Patch(facecolor=cmap(0.15), label=_t("lightest", lang)),
               _not_published_handle(lang)]
    if any(y < FIRST_YEAR_OF_EIGHT_INDICATORS for y in years):
        handles.append(Patch(label=_t("not_comparable", lang), **NOT_COMPARABLE_STYLE))
    if MERGED_SYSTEM in systems.values():
        handles.append(Patch(fill=False, edgecolor="#333333", linestyle="--",
                             label=_t("ranked_among_34", lang)))
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), 42))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), frameon=False,
              fontsize=8.5, labelspacing=0.9)
    _add_source_line(ax, drawn_sources, sources, lang)
    return ax


def _edition_label(year, system, successor, lang):
    if system == MERGED_SYSTEM:
        units = _t("units_34", lang).format(n=MERGED_SYSTEM)
        return f"{year}\n{successor}\n({units})"
    return str(year)


# --- rank trajectories ------------------------------------------------------------------------

def _ranks_by_year(pref, unit, years, system, measure=OVERALL):
    rows = pref[(pref["unit"] == unit) & (pref["measure"] == measure)
                & (pref["unit_system"] == system) & pref["year"].isin(years) & pref["rank"].notna()]
    rows = rows.drop_duplicates("year")
    return {int(y): (int(r), s) for y, r, s in zip(rows["year"], rows["rank"], rows["source_id"])}


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


def _spread(positions: list[float], min_gap: float) -> list[float]:
    """Move label positions apart (keeping their order) so none is closer than min_gap."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [0.0] * len(positions)
    previous = None
    for i in order:
        y = positions[i] if previous is None else max(positions[i], previous + min_gap)
        placed[i] = previous = y
    return placed


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
    drawn_sources, labels, silent = [], [], []
    for index, unit in enumerate(units):
        ranks = _ranks_by_year(pref, unit, years, PROVINCE_SYSTEM, measure)
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
    merged = _ranks_by_year(pref, successor, years, MERGED_SYSTEM, measure) if successor else {}
    for year, (rank, source_id) in merged.items():
        ax.plot([year], [rank], linestyle="none", marker="D", markersize=9,
                markerfacecolor="white", markeredgecolor=PROVINCE_COLOR, markeredgewidth=2,
                zorder=5, gid="merged-rank")
        name = _t("successor", lang).format(unit=successor, n=MERGED_SYSTEM,
                                            members=_members_text(successor, provinces, lang))
        labels.append((year, rank, textwrap.fill(f"{name}: {rank}", 28), PROVINCE_COLOR, True))
        drawn_sources.append(source_id)

    # Years without the province's own rank: hatched band (its successor's rank sits on it).
    own = _ranks_by_year(pref, province, years, PROVINCE_SYSTEM, measure)
    _mark_unpublished_years(ax, [y for y in years if y not in own], lang, half_width=0.18,
                            label=f"{province}: {_t('not_published', lang)}")

    lowest = max([r for _, r, *_ in labels], default=PROVINCE_SYSTEM)
    bottom = PROVINCE_SYSTEM + 1 if lowest > 40 else lowest + 6
    _label_line_ends(ax, labels, span=bottom)
    ax.set_ylim(bottom, 0)
    _rank_ticks(ax, bottom)
    ax.set_xlim(min(years, default=0) - 0.35, max(years, default=1) + 1.9)
    ax.set_xticks(years)
    ax.set_ylabel(_t("rank_axis", lang))
    ax.set_xlabel(_t("edition", lang))
    ax.set_title(_t("trajectory_title", lang).format(province=province), loc="left")
    if silent:
        ax.text(0.01, 0.02, textwrap.fill(_t("no_rank_at_all", lang).format(
            units=", ".join(silent)), 70), transform=ax.transAxes, fontsize=8, color="#555555",
            va="bottom", style="italic", gid="no-rank-note")
    handles = [Line2D([], [], color="#555555", marker="o", label=_t("ranked_among_63", lang)),
               Line2D([], [], linestyle="none", marker="D", markerfacecolor="white",
                      markeredgecolor=PROVINCE_COLOR, markeredgewidth=2,
                      label=_t("ranked_among_34", lang)),
               Patch(label=f"{province}: {_t('not_published', lang)}", **NOT_PUBLISHED_STYLE)]
    for handle in handles:
        handle.set_label(textwrap.fill(handle.get_label(), 40))
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=True, framealpha=0.95)
    _add_source_line(ax, drawn_sources, sources, lang)
    return ax


def _peer_palette():
    """Ten distinct colours for peers; red is kept for the province."""
    colors = list(plt.get_cmap("tab10").colors)
    del colors[3]
    return colors + ["#393b79"]


def _successor_or_none(province, provinces):
    match = provinces.loc[provinces["name"] == province, "unit_2025"] if provinces is not None \
        else pd.Series(dtype=str)
    return str(match.iloc[0]) if len(match) else None


def _label_line_ends(ax, labels, span):
    """Unit names at each line's last point, spread apart so none overlaps another."""
    by_year: dict[int, list] = {}
    for item in labels:
        by_year.setdefault(item[0], []).append(item)
    min_gap = span * 0.038
    for items in by_year.values():
        placed = _spread([r for _, r, *_ in items], min_gap)
        for (x, rank, text, color, bold), y in zip(items, placed):
            ax.annotate(text, xy=(x, rank), xytext=(x + 0.12, y), textcoords="data",
                        va="center", ha="left", fontsize=8.5 if not bold else 9.5,
                        fontweight="bold" if bold else "normal", color=color,
                        arrowprops={"arrowstyle": "-", "color": color, "linewidth": 0.5,
                                    "alpha": 0.6, "shrinkA": 0, "shrinkB": 3},
                        gid="line-label")


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
    palette = _peer_palette()
    low, high = (0.0, 1.0) if value == "percentile" else (1, PROVINCE_SYSTEM)
    drawn_sources, shown_units = [], set()
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
            ax.text((low + high) / 2, row, f"{province}: {_t('not_published', lang)}",
                    ha="center", va="center", fontsize=8, style="italic", color="#555555",
                    zorder=2, bbox={**WHITE_BOX, "facecolor": NOT_PUBLISHED_STYLE["facecolor"]})
        if len(missing):
            ax.annotate(_t("missing_peers", lang).format(k=len(missing), n=n_units),
                        xy=(1.01, row), xycoords=("axes fraction", "data"), va="center",
                        fontsize=7.5, color="#666666", gid="missing-count")
    ax.set_yticks(range(len(measures)))
    ax.set_yticklabels([label(m, lang) for m in measures])
    ax.set_ylim(len(measures) - 0.5, -0.5)
    if value == "percentile":
        ax.set_xlim(-0.03, 1.03)
        ax.set_xlabel(_t("percentile_axis", lang).format(province=province))
    else:
        ax.set_xlim(PROVINCE_SYSTEM + 1, 0)
        ax.set_xlabel(_t("rank_axis_63", lang))
    silent = [u for u in [province, *peers] if u not in shown_units]
    note_lines = 0
    if silent:
        note = textwrap.fill(_t("no_data_units", lang).format(units=", ".join(silent)), 100)
        note_lines = note.count("\n") + 1
        ax.text(0.0, 1.015, note, transform=ax.transAxes, fontsize=7.5, color="#555555",
                style="italic", va="bottom", gid="no-data-note")
    ax.set_title(_t("profile_title", lang).format(province=province, year=year), loc="left",
                 pad=6 + 11 * note_lines)
    handles, _ = ax.get_legend_handles_labels()
    handles.append(_not_published_handle(lang))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False,
              fontsize=8, ncol=4)
    _add_source_line(ax, drawn_sources, sources, lang)
    return ax


# --- target revisions -------------------------------------------------------------------------

def _is_count_unit(unit: str) -> bool:
    return "enterprise" in unit or "doanh nghiệp" in unit


def _target_label(target_id, horizon, targets, revision, lang, width=38):
    """Label of a target from targets.csv; in Vietnamese, when only the full wording is known,
    the wording with its number replaced by '…' (the chart shows the numbers)."""
    rows = targets[(targets["target_id"] == target_id) & (targets["horizon"] == horizon)]
    text = ""
    if len(rows):
        text = rows["label_vi" if lang == "vi" else "label_en"].iloc[0]
        text = text if isinstance(text, str) else ""
    if not text and lang == "vi":
        wording = revision.get("from_wording_vi", "")
        text = _without_value(wording, revision.get("from_value")) if isinstance(
            wording, str) else ""
    if not text and len(rows):
        text = rows["label_en"].iloc[0] if isinstance(rows["label_en"].iloc[0], str) else ""
    return textwrap.fill(f"{target_id} ({horizon}): {text}", width=width)


def _without_value(wording: str, value) -> str:
    """The wording with the target's own number (e.g. '700', '1.000', '8%') replaced by '…'."""
    if pd.isna(value):
        return wording
    spellings = {f"{float(value):g}", f"{float(value):,.0f}".replace(",", ".")}
    pattern = "|".join(re.escape(v) for v in sorted(spellings, key=len, reverse=True))
    return re.sub(rf"(?<![\d.,])({pattern})(?![\d,])(?:\s*%)?", "…", wording)


def _number(value: float, lang: str) -> str:
    """A number as the language writes it: 1.000 and 17,5 in Vietnamese; 1,000 and 17.5 in
    English. At most two decimals, none when whole."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    if lang == "vi":
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


def _format_value(value, unit, lang="en"):
    number = _number(float(value), lang)
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
    status_text = STATUS_TEXT[lang]
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
        by = rev["proposed_by"]
        by = BODY_VI.get(by, by) if lang == "vi" else by
        note = _t("proposed", lang).format(by=by, on=rev["proposed_on"],
                                           status=status_text.get(rev["status"], rev["status"]))
        new_wording = rev.get("to_wording_vi")
        if end == start and isinstance(new_wording, str) and new_wording and \
                rev.get("from_wording_vi") != new_wording:
            quoted = _without_value(new_wording, end)
            note = textwrap.fill(f"{_t('same_value', lang)}: «{quoted}»", 105) + f"\n{note}"
        ax.annotate(note, xy=(0, row), xycoords=("axes fraction", "data"), xytext=(4, -12),
                    textcoords="offset points", ha="left", va="top", fontsize=7.5,
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
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: _number(v, lang)))
        ax.xaxis.set_minor_locator(mpl.ticker.NullLocator())
        log_axis = True
    else:
        log_axis = False
        pad = (values.max() - values.min()) * 0.2 or values.max() * 0.1 or 1
        ax.set_xlim(max(0, values.min() - pad), values.max() + pad)
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: _number(v, lang)))
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
              fontsize=8, frameon=False)
    _add_source_line(ax, chosen["source_id"], sources, lang)
    return ax


# --- target progress --------------------------------------------------------------------------

def target_progress(progress: pd.DataFrame, targets: pd.DataFrame, target_id: str,
                    lang: str = "vi", sources: pd.DataFrame | None = None, ax=None, *,
                    years=range(2021, 2025)):
    """Reported values of one target (dots, labelled) against its target values (dashed lines,
    labelled with the horizon). Years in `years` without a reported value are hatched
    'not published'. Nothing joins a reported value to a target: that would be a projection.
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
        column = "label_vi" if lang == "vi" else "label_en"
        # Empty text cells may load as NaN: fall back to the English label, then to nothing.
        candidates = [goals[column].iloc[0], goals["label_en"].iloc[0]]
        text_label = next((c for c in candidates if isinstance(c, str) and c), "")
    ax.set_title(textwrap.fill(_t("progress_title", lang).format(target_id=target_id,
                                                                 label=text_label), 70),
                 loc="left")
    is_rank = len(goals) and (goals["comparator"] == "top_n").all()
    years = [int(y) for y in years]
    reported_years = {int(y) for y in reports["as_of_year"].dropna()}
    _mark_unpublished_years(ax, [y for y in years if y not in reported_years], lang,
                            text_y=0.2)
    if len(reports):
        ax.plot(reports["as_of_year"].astype(int), reports["value"].astype(float), marker="o",
                markersize=9, linestyle="none", color=PROVINCE_COLOR, zorder=4,
                label=_t("reported", lang), gid="reported")
        for year, value in zip(reports["as_of_year"], reports["value"]):
            ax.annotate(_format_value(float(value), unit, lang), xy=(int(year), float(value)),
                        xytext=(8, 0), textcoords="offset points", va="center",
                        fontsize=10, fontweight="bold", color=PROVINCE_COLOR)
    for index, goal in enumerate(goals.itertuples(index=False)):
        ax.axhline(float(goal.value), color=TARGET_COLOR, linestyle="--", linewidth=1.2,
                   zorder=2, label=_t("target_legend", lang) if index == 0 else None)
        ax.plot([int(goal.horizon)], [float(goal.value)], marker="*", markersize=13,
                color=TARGET_COLOR, linestyle="none", zorder=3, gid="target")
        ax.annotate(_t("target", lang).format(horizon=int(goal.horizon),
                                              value=_format_value(float(goal.value), unit, lang)),
                    xy=(int(goal.horizon), float(goal.value)), xytext=(0, 8),
                    textcoords="offset points", ha="center", fontsize=9, color=TARGET_COLOR)
    all_years = years + [int(h) for h in goals["horizon"]] + sorted(reported_years)
    if all_years:
        ax.set_xlim(min(all_years) - 0.7, max(all_years) + 0.9)
        ax.set_xticks(sorted(set(all_years)))
    values = [float(v) for v in list(reports["value"]) + list(goals["value"])]
    if is_rank:
        ax.set_ylim(max(values, default=20) + 6, 0)
    else:
        ax.set_ylim(0, max(values, default=1) * 1.25)
    if not len(reports) and not len(goals):
        _empty_message(ax, lang)
    ax.set_ylabel(unit)
    ax.set_xlabel(_t("year", lang))
    handles, _ = ax.get_legend_handles_labels()
    handles.append(_not_published_handle(lang))
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=True, framealpha=0.95)
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
    _mark_unpublished_years(ax, [y for y in all_years if y not in ranks], lang, text_y=0.85)
    goals = table.drop_duplicates("target_horizon")[["target_horizon", "target_rank"]]
    for horizon, value in zip(goals["target_horizon"], goals["target_rank"]):
        ax.axhline(int(value), color=TARGET_COLOR, linestyle="--", linewidth=1.2, zorder=2,
                   gid="target-line")
        ax.annotate(_t("rank_target_line", lang).format(horizon=int(horizon), value=int(value)),
                    xy=(1.0, int(value)), xycoords=("axes fraction", "data"), xytext=(-4, 3),
                    textcoords="offset points", ha="right", va="bottom", fontsize=8.5,
                    color=TARGET_COLOR, bbox=WHITE_BOX, zorder=5)
    deepest = max([r for r, _ in ranks.values()] + [int(v) for v in goals["target_rank"]],
                  default=20)
    ax.set_ylim(deepest + 6, 0)
    _rank_ticks(ax, deepest + 6)
    if all_years:
        ax.set_xlim(min(all_years) - 0.6, max(all_years) + 0.6)
        ax.set_xticks(all_years)
    else:
        _empty_message(ax, lang)
    ax.set_ylabel(_t("rank_axis", lang))
    ax.set_xlabel(_t("edition", lang))
    ax.set_title(_t("rank_target_title", lang).format(province=province), loc="left")
    handles, _ = ax.get_legend_handles_labels()
    handles.append(_not_published_handle(lang))
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=True)
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
