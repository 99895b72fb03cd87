"""Tests of analysis.charts: each chart returns its Axes, draws what it should, marks what was
not found in the sources collected, carries its source line, and works on empty frames. Every
figure is synthetic."""

from __future__ import annotations

import itertools
import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from data_helpers import SYNTHETIC_MERGER_PREF, synthetic_pref

from analysis import chart_style, charts, target_charts

SYNTHETIC_PREF = SYNTHETIC_MERGER_PREF  # Alpha merged into Gamma; Beta is its peer
EMPTY_PREF = SYNTHETIC_PREF.head(0)
YEARS = [2020, 2021, 2022, 2023, 2024]

SYNTHETIC_SOURCES = pd.DataFrame({
    "source_id": ["synth-a", "synth-b", "synth-c", "synth-t"],
    "publisher": ["Báo Tổng Hợp (synthetic)", "Synthetic Daily", "Synthetic Daily",
                  "Synthetic Gazette"],
    "date_published": ["2021-10-19", "2022-08-08", None, "2021-04-23"],
})

SYNTHETIC_PROVINCES = pd.DataFrame({
    "name": ["Alpha", "Beta", "Gamma"], "name_ascii": ["Alpha", "Beta", "Gamma"],
    "region_en": ["R", "R", "R"], "unit_2025": ["Gamma", "Beta", "Gamma"],
})

SYNTHETIC_TARGETS = pd.DataFrame({
    "target_id": ["T01", "T01", "T08", "T08", "T10", "T11"],
    "horizon": pd.array([2025, 2030, 2025, 2030, 2025, 2025], dtype="Int64"),
    "label_vi": ["nhóm dẫn đầu", "nhóm dẫn đầu", "kinh tế số trong GRDP", "", "", ""],
    "label_en": ["leading group", "leading group", "digital economy share", "digital economy",
                 "productivity growth", "digital enterprises"],
    "comparator": ["top_n", "top_n", "reach", "reach", "at_least", "more_than"],
    "value": pd.array([11.0, 5.0, 20.0, 30.0, 8.0, 700.0], dtype="Float64"),
    "unit": ["rank group", "rank group", "% of GRDP", "% of GRDP", "%/year", "enterprises"],
    "source_id": ["synth-t"] * 6,
})

SYNTHETIC_REVISIONS = pd.DataFrame({
    "target_id": ["T10", "T11", "T03"],
    "horizon": pd.array([2025, 2025, 2025], dtype="Int64"),
    "from_value": pd.array([8.0, 700.0, 100.0], dtype="Float64"),
    "to_value": pd.array([7.0, 200.0, 100.0], dtype="Float64"),
    "unit": ["%/year (at least)", "enterprises (more than)", "% of procedures"],
    "from_wording_vi": ["Năng suất tăng tối thiểu 8%", "Có trên 700 doanh nghiệp",
                        "100% thủ tục mức độ 4"],
    "to_wording_vi": ["Năng suất tăng tối thiểu 7%", "Có trên 200 doanh nghiệp",
                      "100% thủ tục toàn trình"],
    "proposed_by": ["Synthetic Committee"] * 3,
    "proposed_to": ["Synthetic Conference"] * 3,
    "proposed_on": ["2023-04-06"] * 3,
    "status": ["proposed"] * 3,
    "source_id": ["synth-t"] * 3,
})

SYNTHETIC_PROGRESS = pd.DataFrame({
    "target_id": ["T08", "ALL"],
    "as_of_year": pd.array([2023, 2022], dtype="Int64"),
    "value": pd.array([17.0, None], dtype="Float64"),
    "unit": ["% of GRDP", "targets"],
    "source_id": ["synth-b", "synth-b"],
})


@pytest.fixture(autouse=True)
def no_figure_left_open():
    yield
    plt.close("all")


@pytest.fixture
def ax():
    fig, axes = plt.subplots(figsize=(6, 4), dpi=60)  # small: rendering tests stay fast
    yield axes
    plt.close(fig)
    assert plt.get_fignums() == []


def all_text(ax) -> str:
    """Every string the Axes shows: texts, annotations, ticks, title, legend."""
    parts = [t.get_text() for t in ax.texts]
    parts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    parts += [ax.get_title(loc) for loc in ("left", "center", "right")]
    parts += [ax.get_xlabel(), ax.get_ylabel()]
    legend = ax.get_legend()
    if legend is not None:
        parts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(parts)


def source_text(ax) -> str:
    lines = [t.get_text() for t in ax.texts if t.get_gid() == "source-line"]
    assert len(lines) == 1, "exactly one source line"
    return lines[0]


def by_gid(artists, gid):
    return [a for a in artists if a.get_gid() == gid]


def only_axes(ax):
    assert ax.figure.axes == [ax], "the chart draws on the given Axes only"


# --- theme and source line ------------------------------------------------------------------

def test_set_theme_font_and_repeatable_output():
    with mpl.rc_context():
        chart_style.set_theme()
        assert mpl.rcParams["font.family"] == ["DejaVu Sans"]
        assert mpl.rcParams["svg.hashsalt"]


def test_source_line_publisher_and_date():
    text = chart_style.source_line(["synth-b", "synth-a", "synth-b"], SYNTHETIC_SOURCES, "en")
    assert text.startswith("Source: ")
    assert "Synthetic Daily (8 August 2022)" in text and "Báo Tổng Hợp (synthetic) (19 October 2021)" in text


def test_source_line_groups_dates_and_names_unknown_ids():
    text = chart_style.source_line(["synth-b", "synth-c", "not-in-registry"], SYNTHETIC_SOURCES, "vi")
    assert text.startswith("Nguồn: ")
    assert "Synthetic Daily (8/8/2022, không rõ ngày)" in text
    assert "not-in-registry" in text


def test_source_line_nothing_published():
    assert "none of the figures" in chart_style.source_line([], SYNTHETIC_SOURCES, "en")
    assert chart_style.source_line(["", None], None, "vi") == (
        "Nguồn: không tìm thấy số liệu nào trong các nguồn đã thu thập")


def test_chart_without_ax_uses_current_axes():
    fig, current = plt.subplots()
    assert charts.rank_trajectories(SYNTHETIC_PREF, "Alpha", [], [2021],
                                    SYNTHETIC_SOURCES) is current
    plt.close(fig)
    assert plt.get_fignums() == []


# --- rank trajectories ----------------------------------------------------------------------

def test_rank_trajectories(ax):
    out = charts.rank_trajectories(SYNTHETIC_PREF, "Alpha", ["Beta", "Delta"], YEARS,
                                   SYNTHETIC_SOURCES, "vi", ax=ax, provinces=SYNTHETIC_PROVINCES)
    assert out is ax
    only_axes(ax)
    assert ax.yaxis_inverted()
    assert by_gid(ax.lines, "trajectory:Alpha") and by_gid(ax.lines, "trajectory:Beta")
    # The rank among 34 is not on the 1-63 axis: on a panel of its own, ranks 1-34.
    assert by_gid(ax.lines, "merged-rank") == []
    (panel,) = ax.child_axes
    merged = by_gid(panel.lines, "merged-rank")
    assert len(merged) == 1 and merged[0].get_marker() == "D"
    assert list(merged[0].get_ydata()) == [3]
    assert sorted(panel.get_ylim()) == [0, 35]
    assert "Gamma" in panel.get_xlabel() and "34" in panel.get_xlabel()
    key = " ".join(" ".join(t.get_text() for t in ax.get_legend().get_texts()).split())
    assert "Gamma, đơn vị sau sáp nhập (gồm Alpha, Gamma)" in key
    labels = [t.get_text().replace("\n", " ") for t in by_gid(ax.texts, "line-label")]
    assert sorted(labels) == ["Alpha", "Beta"]
    # Alpha has no rank of its own in 2022-2024: three hatched bands.
    assert len(by_gid(ax.patches, "not-published")) == 3
    assert "Delta" in by_gid(ax.texts, "no-rank-note")[0].get_text()
    assert "Synthetic Daily" in source_text(ax)


def test_rank_trajectories_no_line_across_a_gap(ax):
    pref = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2020,63,Alpha,dti,,10,synth-a
2022,63,Alpha,dti,,8,synth-a
""")
    charts.rank_trajectories(pref, "Alpha", [], [2020, 2021, 2022], SYNTHETIC_SOURCES, "en",
                             ax=ax, provinces=SYNTHETIC_PROVINCES)
    lines = by_gid(ax.lines, "trajectory:Alpha")
    assert [list(line.get_xdata()) for line in lines] == [[2020], [2022]]


def test_rank_trajectories_empty(ax):
    charts.rank_trajectories(EMPTY_PREF, "Alpha", ["Beta"], YEARS, SYNTHETIC_SOURCES, "en",
                             ax=ax, provinces=SYNTHETIC_PROVINCES)
    assert ax.yaxis_inverted()
    assert "none of the figures" in source_text(ax)
    assert "Alpha, Beta" in by_gid(ax.texts, "no-rank-note")[0].get_text()


# --- indicator profile ----------------------------------------------------------------------

def test_indicator_profile_percentile(ax):
    out = charts.indicator_profile(SYNTHETIC_PREF, "Alpha", ["Beta"], 2021, SYNTHETIC_SOURCES,
                                   "vi", ax=ax)
    assert out is ax
    only_axes(ax)
    # Only the indicators someone published are drawn (issue 7): awareness, institutions.
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Nhận thức số", "Thể chế số"]
    assert len(by_gid(ax.collections, "dot:Alpha")) == 2
    assert len(by_gid(ax.collections, "dot:Beta")) == 1
    assert len(by_gid(ax.patches, "not-published")) == 0  # Alpha has both drawn rows
    assert sorted(t.get_text() for t in by_gid(ax.texts, "province-rank")) == ["3", "40"]
    assert ax.get_xlim() == pytest.approx((-0.03, 1.03))
    assert "Synthetic Daily" in source_text(ax)


def test_indicator_profile_falls_back_to_pillars_and_rank_axis(ax):
    charts.indicator_profile(SYNTHETIC_PREF, "Alpha", ["Beta"], 2020, SYNTHETIC_SOURCES, "en",
                             value="rank", ax=ax)
    assert ax.get_yticklabels()[0].get_text() == "Digital government pillar"
    assert ax.xaxis_inverted()  # rank 1 on the right


def test_indicator_profile_rejects_unknown_value(ax):
    with pytest.raises(ValueError):
        charts.indicator_profile(SYNTHETIC_PREF, "Alpha", [], 2021, SYNTHETIC_SOURCES,
                                 value="score", ax=ax)


def test_indicator_profile_empty(ax):
    charts.indicator_profile(EMPTY_PREF, "Alpha", ["Beta"], 2023, SYNTHETIC_SOURCES, "en", ax=ax)
    assert len(by_gid(ax.patches, "not-published")) == 8
    assert "none of the figures" in source_text(ax)


# --- target revisions -------------------------------------------------------------------------

def test_target_revisions_percent_and_count(ax):
    out = target_charts.target_revisions(SYNTHETIC_REVISIONS, SYNTHETIC_TARGETS, "percent", "en",
                                  SYNTHETIC_SOURCES, ax=ax)
    assert out is ax
    only_axes(ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 2 and labels[0].startswith("T03") and labels[1].startswith("T10")
    assert len(by_gid(ax.lines, "original")) == 2 and len(by_gid(ax.lines, "revised")) == 2
    proposals = [t.get_text() for t in by_gid(ax.texts, "proposal")]
    assert all("Synthetic Committee, 6 April 2023 (proposed)" in p for p in proposals)
    assert "same value, new wording" in proposals[0]
    # An English chart quotes no Vietnamese wording (no translation in the data: the English
    # label of the target is shown; the revision's own wording stays as the data gives it).
    assert "toàn trình" in proposals[0]
    assert ax.get_xscale() == "log"  # 7 and 100 on one axis
    assert "Synthetic Gazette (23 April 2021)" in source_text(ax)

    fig, count_ax = plt.subplots()
    target_charts.target_revisions(SYNTHETIC_REVISIONS, SYNTHETIC_TARGETS, "count", "vi",
                            SYNTHETIC_SOURCES, ax=count_ax)
    assert count_ax.get_yticklabels()[0].get_text().startswith("T11 (2025)")
    assert "Số doanh nghiệp" in count_ax.get_xlabel()
    assert "Ban" not in all_text(count_ax)  # the body's name is the data's, not invented
    plt.close(fig)


def test_target_revisions_labels_show_the_full_wording_wrapped(ax):
    long_wording = ("Phấn đấu đến năm 2025, 100% số thủ tục hành chính đủ điều kiện được cung "
                    "cấp dịch vụ công trực tuyến mức độ 4 tổng hợp")
    revisions = SYNTHETIC_REVISIONS.assign(
        from_wording_vi=["Năng suất tăng tối thiểu 8%", "Có trên 700 doanh nghiệp",
                         long_wording])
    target_charts.target_revisions(revisions, SYNTHETIC_TARGETS, "percent", "vi", SYNTHETIC_SOURCES,
                            ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    joined = [" ".join(label.split()) for label in labels]
    assert f"T03 (2025): {long_wording}" in joined  # whole, nothing replaced by "…"
    assert "T10 (2025): Năng suất tăng tối thiểu 8%" in joined
    assert not any("…" in label for label in labels)
    assert labels[0].count("\n") >= 2  # wrapped over lines
    assert max(len(line) for label in labels for line in label.split("\n")) <= 46


def test_target_revisions_empty(ax):
    target_charts.target_revisions(SYNTHETIC_REVISIONS.head(0), SYNTHETIC_TARGETS, "count", "en",
                            SYNTHETIC_SOURCES, ax=ax)
    assert "no data" in all_text(ax)
    assert "none of the figures" in source_text(ax)
    with pytest.raises(ValueError):
        target_charts.target_revisions(SYNTHETIC_REVISIONS, SYNTHETIC_TARGETS, "ratio", ax=ax)


# --- target progress --------------------------------------------------------------------------

def test_target_progress(ax):
    out = target_charts.target_progress(SYNTHETIC_PROGRESS, SYNTHETIC_TARGETS, "T08", "vi",
                                 SYNTHETIC_SOURCES, ax=ax)
    assert out is ax
    only_axes(ax)
    reported = by_gid(ax.lines, "reported")
    assert len(reported) == 1 and list(reported[0].get_ydata()) == [17.0]
    assert len(by_gid(ax.lines, "target")) == 2
    # 2021, 2022, 2024 have no reported figure.
    assert len(by_gid(ax.patches, "not-published")) == 3
    text = all_text(ax)
    assert "chỉ tiêu 2025: 20%" in text and "chỉ tiêu 2030: 30%" in text
    assert "không tìm thấy trong các nguồn đã thu thập" in " ".join(text.split())
    assert "chưa công bố" not in text
    assert ax.get_ylim()[0] == 0  # a share starts at zero
    assert "Synthetic Gazette" in source_text(ax) and "Synthetic Daily" in source_text(ax)


ESTIMATED_PROGRESS = SYNTHETIC_PROGRESS.assign(
    as_of=["2023 (estimate, reported 2024-08)", "2022-12-31"],
    note=["synthetic: a provincial estimate", "synthetic"])


@pytest.mark.parametrize("lang, word, legend, not_word", [
    ("vi", "17% (ước tính)", "số liệu ước tính", "số liệu báo cáo"),
    ("en", "17% (estimate)", "estimate", "reported")])
def test_target_progress_labels_an_estimate_as_an_estimate(ax, lang, word, legend, not_word):
    target_charts.target_progress(ESTIMATED_PROGRESS, SYNTHETIC_TARGETS, "T08", lang,
                           SYNTHETIC_SOURCES, ax=ax)
    assert not by_gid(ax.lines, "reported")
    estimate = by_gid(ax.lines, "estimate")
    assert len(estimate) == 1 and list(estimate[0].get_ydata()) == [17.0]
    assert estimate[0].get_markerfacecolor() != estimate[0].get_markeredgecolor()  # hollow
    assert [t.get_text() for t in by_gid(ax.texts, "estimate-value")] == [word]
    entries = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(e.startswith(legend) for e in entries) and not_word not in entries


def test_target_progress_estimate_said_in_vietnamese_note_only(ax):
    progress = SYNTHETIC_PROGRESS.assign(as_of=["2023", "2022"],
                                         note=["'... ước đạt 17%' (synthetic)", ""])
    target_charts.target_progress(progress, SYNTHETIC_TARGETS, "T08", "en", SYNTHETIC_SOURCES, ax=ax)
    assert by_gid(ax.lines, "estimate") and not by_gid(ax.lines, "reported")


@pytest.mark.parametrize("lang, size", [("vi", (8, 4)), ("en", (6, 4))])
def test_target_labels_clear_of_the_not_published_bands(lang, size):
    fig, ax = plt.subplots(figsize=size, dpi=100)
    target_charts.target_progress(ESTIMATED_PROGRESS, SYNTHETIC_TARGETS, "T08", lang,
                           SYNTHETIC_SOURCES, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    goals = by_gid(ax.texts, "target-label")
    bands = by_gid(ax.patches, "not-published")
    assert len(goals) == 2 and len(bands) == 3
    for goal in goals:
        box = goal.get_window_extent(renderer)
        for band in bands:
            assert not _overlaps(box, band.get_window_extent(renderer)), goal.get_text()
        # Still at its own target value, just above the dashed line.
        line_y = ax.transData.transform((0, goal.xy[1]))[1]
        assert line_y < box.y0 <= line_y + 12 * fig.dpi / 72
    plt.close(fig)


def test_target_progress_title_falls_back_to_english_label(ax):
    targets = SYNTHETIC_TARGETS.assign(label_vi=[None] * len(SYNTHETIC_TARGETS))
    target_charts.target_progress(SYNTHETIC_PROGRESS, targets, "T08", "vi", SYNTHETIC_SOURCES, ax=ax)
    assert ax.get_title(loc="left") == "T08: digital economy share"


def test_target_progress_unknown_target(ax):
    target_charts.target_progress(SYNTHETIC_PROGRESS, SYNTHETIC_TARGETS, "T99", "en",
                           SYNTHETIC_SOURCES, ax=ax)
    assert "no data" in all_text(ax)
    assert "none of the figures" in source_text(ax)


# --- rank against target --------------------------------------------------------------------

def test_rank_against_target_chart(ax):
    out = target_charts.rank_against_target_chart(SYNTHETIC_PREF, SYNTHETIC_TARGETS, "Alpha",
                                           SYNTHETIC_SOURCES, "en", ax=ax, years=YEARS)
    assert out is ax
    only_axes(ax)
    assert ax.yaxis_inverted()
    assert len(by_gid(ax.lines, "target-line")) == 2
    assert len(by_gid(ax.patches, "not-published")) == 3  # 2022, 2023, 2024
    text = all_text(ax)
    assert "2025 target: top 11" in text and "2030 target: top 5" in text  # from the data
    assert "not found in the sources collected" in " ".join(text.split())
    assert "not published" not in text
    assert "Synthetic Gazette" in source_text(ax)


def test_rank_against_target_chart_empty(ax):
    target_charts.rank_against_target_chart(EMPTY_PREF, SYNTHETIC_TARGETS, "Alpha", SYNTHETIC_SOURCES,
                                     "vi", ax=ax)
    assert ax.yaxis_inverted()
    assert "không có số liệu" in all_text(ax)


# --- drawing and saving -----------------------------------------------------------------------

CHART_CALLS = {
    "rank_trajectories": lambda pref, ax: charts.rank_trajectories(
        pref, "Alpha", ["Beta"], YEARS, SYNTHETIC_SOURCES, "vi", ax=ax,
        provinces=SYNTHETIC_PROVINCES),
    "indicator_profile": lambda pref, ax: charts.indicator_profile(
        pref, "Alpha", ["Beta"], 2021, SYNTHETIC_SOURCES, "vi", ax=ax),
    "rank_against_target_chart": lambda pref, ax: target_charts.rank_against_target_chart(
        pref, SYNTHETIC_TARGETS, "Alpha", SYNTHETIC_SOURCES, "vi", ax=ax, years=YEARS),
}


@pytest.mark.parametrize("name", sorted(CHART_CALLS))
@pytest.mark.parametrize("pref", [SYNTHETIC_PREF, EMPTY_PREF], ids=["synthetic", "empty"])
def test_charts_render_with_source_line_below_the_axis(name, pref, ax):
    CHART_CALLS[name](pref, ax)
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    line = by_gid(ax.texts, "source-line")[0]
    tick_boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
    lowest_tick = min([b.y0 for b in tick_boxes], default=ax.bbox.y0)
    assert line.get_window_extent(renderer).y1 <= lowest_tick


ALL_CHART_CALLS = {
    **CHART_CALLS,
    "target_revisions": lambda pref, ax: target_charts.target_revisions(
        SYNTHETIC_REVISIONS, SYNTHETIC_TARGETS, "percent", "vi", SYNTHETIC_SOURCES, ax=ax),
    "target_progress": lambda pref, ax: target_charts.target_progress(
        SYNTHETIC_PROGRESS, SYNTHETIC_TARGETS, "T08", "en", SYNTHETIC_SOURCES, ax=ax),
}


@pytest.mark.parametrize("name", sorted(ALL_CHART_CALLS))
@pytest.mark.parametrize("hide_source", [False, True])
def test_figure_png_is_the_tight_png_drawn_once(name, hide_source):
    """Briefs print each chart with `figure_png` (one draw): the bytes must be those of the
    inline backend's tight bounding box (two draws), whatever the chart."""
    from IPython.core.pylabtools import print_figure

    pngs = []
    for printer in (chart_style.figure_png, lambda fig: print_figure(
            fig, "png", bbox_inches="tight", **chart_style.INLINE_PRINT_KWARGS)):
        fig, ax = plt.subplots(figsize=(9, 5))
        ALL_CHART_CALLS[name](SYNTHETIC_PREF, ax)
        if hide_source:
            chart_style.hide_source_line(ax)
        pngs.append(printer(fig))
        plt.close(fig)
    assert pngs[0] == pngs[1]
    assert pngs[0].startswith(b"\x89PNG") and b"matplotlib" not in pngs[0].lower()


def test_save_png_is_repeatable_and_carries_no_software_tag(tmp_path):
    from analysis.figures import save_png

    fig, axes = plt.subplots(figsize=(3, 2))
    axes.plot([2021, 2022], [3, 2])
    axes.set_title("Hải Dương (synthetic)")
    first = save_png(fig, tmp_path / "a.png").read_bytes()
    second = save_png(fig, tmp_path / "b.png").read_bytes()
    plt.close(fig)
    assert first == second
    assert b"matplotlib" not in first.lower()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]  # no temp left


def test_the_theme_font_has_every_vietnamese_letter():
    import unicodedata

    from matplotlib import font_manager, ft2font

    path = font_manager.findfont(font_manager.FontProperties(family=chart_style.FONT),
                                 fallback_to_default=False)
    covered = set(ft2font.FT2Font(path).get_charmap())
    tones = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
    letters = {unicodedata.normalize("NFC", vowel + tone)
               for vowel in "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY" for tone in tones} | {"đ", "Đ"}
    missing = sorted(c for c in letters if ord(c) not in covered)
    assert missing == [], f"{path} lacks {missing}"


# --- end labels never overlap (issue 7, item 9) -------------------------------------------------

CROWDED_PREF = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2022,63,Alpha,dti,,12,synth-a
2022,63,Beta,dti,,3,synth-a
2024,63,Beta,dti,,2,synth-b
2024,63,Delta,dti,,4,synth-b
2024,63,Epsilon,dti,,3,synth-b
2023,63,Zeta,dti,,5,synth-b
2024,63,Zeta,dti,,3,synth-b
2024,34,Gamma,dti,0.70,3,synth-c
""")
CROWDED_PROVINCES = pd.DataFrame({
    "name": ["Alpha", "Beta", "Delta", "Epsilon", "Zeta", "Gamma"],
    "unit_2025": ["Gamma", "Beta", "Delta", "Epsilon", "Zeta", "Gamma"]})


def _overlaps(a, b, tolerance=0.5) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


@pytest.mark.parametrize("lang, size", [("vi", (9, 6)), ("en", (6, 4))])
def test_trajectory_end_labels_never_overlap(lang, size):
    fig, ax = plt.subplots(figsize=size, dpi=100)
    charts.rank_trajectories(CROWDED_PREF, "Alpha", ["Beta", "Delta", "Epsilon", "Zeta"],
                             [2022, 2023, 2024], SYNTHETIC_SOURCES, lang, ax=ax,
                             provinces=CROWDED_PROVINCES)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = by_gid(ax.texts, "line-label")
    assert len(labels) == 5  # Alpha, Beta, Delta, Epsilon, Zeta (Gamma, merged: its own panel)
    # The text of each label (its leader line may cross other labels; the words may not).
    boxes = [mpl.text.Text.get_window_extent(label, renderer) for label in labels]
    for i, first in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not _overlaps(first, boxes[j]), (labels[i].get_text(), labels[j].get_text())
    inside = ax.get_window_extent(renderer)
    assert all(inside.y0 - 1 <= b.y0 and b.y1 <= inside.y1 + 1 for b in boxes)


def test_spread_down_keeps_order_room_and_bounds():
    # Display units, y upwards: wanted centres 5, 5 and 4.8 in a column from 6 (top) to 0.
    placed = charts._spread_down([5.0, 5.0, 4.8], [2.0, 1.0, 1.0], top=6.0, bottom=0.0, pad=0)
    assert placed[0] > placed[1] > placed[2]
    assert placed[0] - placed[1] >= 1.5 and placed[1] - placed[2] >= 1.0
    assert placed[0] + 1.0 <= 6.0 and placed[2] - 0.5 >= 0.0
    # Too many for the room: they run below the bottom rather than overlap.
    crowded = charts._spread_down([1.0] * 5, [1.0] * 5, top=3.0, bottom=0.0, pad=0)
    assert sorted(crowded, reverse=True) == crowded
    assert all(a - b >= 1.0 for a, b in itertools.pairwise(crowded))
    assert crowded[0] + 0.5 <= 3.0


def test_has_indicator_profile_and_trajectory_say_whether_anything_would_be_drawn():
    assert charts.has_indicator_profile(SYNTHETIC_PREF, "Alpha", ["Beta"], 2021)
    assert not charts.has_indicator_profile(SYNTHETIC_PREF, "Alpha", ["Beta"], 2023)
    assert charts.has_rank_trajectory(SYNTHETIC_PREF, "Alpha", [], YEARS)
    assert not charts.has_rank_trajectory(EMPTY_PREF, "Alpha", ["Beta"], YEARS,
                                          SYNTHETIC_PROVINCES)


def test_no_language_branches_left_in_charts():
    from pathlib import Path

    source = Path(charts.__file__).read_text(encoding="utf-8")
    assert 'lang == "vi"' not in source and "lang == 'vi'" not in source


def test_indicator_profile_hatches_the_province_in_a_row_only_a_peer_published(ax):
    pref = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2021,63,Alpha,awareness,,3,synth-b
2021,63,Beta,institutions,,7,synth-b
""")
    charts.indicator_profile(pref, "Alpha", ["Beta"], 2021, SYNTHETIC_SOURCES, "en", ax=ax)
    assert len(ax.get_yticklabels()) == 2
    assert len(by_gid(ax.patches, "not-published")) == 1
    assert "Alpha: not found" in " ".join(all_text(ax).split())
    assert "not found in the sources collected" in " ".join(all_text(ax).split())  # the key


SOURCED_CALLS = {
    "trajectories": (charts.rank_trajectories, (SYNTHETIC_PREF, "Alpha", ["Beta"], YEARS,
                                                 SYNTHETIC_SOURCES, "en"),
                     {"provinces": SYNTHETIC_PROVINCES}, ["synth-a", "synth-b", "synth-c"]),
    "profile": (charts.indicator_profile, (SYNTHETIC_PREF, "Alpha", ["Beta"], 2021,
                                           SYNTHETIC_SOURCES, "en"), {}, None),
    "revisions": (target_charts.target_revisions, (SYNTHETIC_REVISIONS, SYNTHETIC_TARGETS),
                  {"kind": "count", "lang": "en", "sources": SYNTHETIC_SOURCES}, ["synth-t"]),
    "progress": (target_charts.target_progress, (SYNTHETIC_PROGRESS, SYNTHETIC_TARGETS, "T08"),
                 {"lang": "en", "sources": SYNTHETIC_SOURCES}, ["synth-b", "synth-t"]),
    "rank target": (target_charts.rank_against_target_chart,
                    (SYNTHETIC_PREF, SYNTHETIC_TARGETS, "Alpha", SYNTHETIC_SOURCES, "en"),
                    {"years": YEARS}, None),
}


@pytest.mark.parametrize("name", sorted(SOURCED_CALLS))
def test_a_charts_sources_are_computed_from_its_arguments_as_its_source_line_says(name, ax):
    draw, args, kwargs, expected = SOURCED_CALLS[name]
    ids = chart_style.chart_source_ids(draw, *args, **kwargs)  # before and without drawing
    assert ids and (expected is None or ids == expected)
    draw(*args, ax=ax, **kwargs)
    written = chart_style.source_line(ids, SYNTHETIC_SOURCES, "en", width=10_000)
    assert " ".join(source_text(ax).split()) == written  # the drawn line, unwrapped


def test_a_charts_drawn_rows_are_the_rows_behind_its_ranks():
    rows = chart_style.chart_rows(charts.rank_trajectories, SYNTHETIC_PREF, "Alpha", ["Beta"],
                                  YEARS, SYNTHETIC_SOURCES, "en", provinces=SYNTHETIC_PROVINCES)
    assert set(rows["unit"]) == {"Alpha", "Beta", "Gamma"} and rows["rank"].notna().all()
    assert set(rows["source_id"]) == {"synth-a", "synth-b", "synth-c"}
    rows = chart_style.chart_rows(target_charts.rank_against_target_chart, SYNTHETIC_PREF,
                                  SYNTHETIC_TARGETS, "Alpha", SYNTHETIC_SOURCES, "en",
                                  years=[2020, 2021])
    assert set(rows["year"]) <= {2020, 2021} and set(rows["unit_system"]) == {63}
    assert chart_style.chart_rows(target_charts.target_progress, SYNTHETIC_PROGRESS,
                                  SYNTHETIC_TARGETS, "T08") is None


# --- reader review: captions, ticks, labels, post-merger cells, gaps ---------------------------

def test_source_line_publisher_in_the_charts_language():
    sources = pd.DataFrame({"source_id": ["hf"], "date_published": ["2024-05-01"],
                            "publisher": ["Hugging Face (third-party user compilation)"]})
    vi = chart_style.source_line(["hf"], sources, "vi")
    assert "bản tổng hợp của người dùng bên thứ ba" in vi and "third-party" not in vi
    assert "third-party user compilation" in chart_style.source_line(["hf"], sources, "en")


LONG_PUBLISHERS = pd.DataFrame({
    "source_id": ["synth-a", "synth-b", "synth-c"],
    "publisher": [f"Synthetic Publisher {i} of a very long registered name with an English "
                  "descriptor" for i in range(3)],
    "date_published": ["2022-08-08"] * 3})
CAPTIONED = {  # the sizes the notebooks draw them at
    "trajectories": ((9, 6), lambda ax: charts.rank_trajectories(
        SYNTHETIC_PREF, "Alpha", ["Beta"], YEARS, LONG_PUBLISHERS, "vi", ax=ax,
        provinces=SYNTHETIC_PROVINCES)),
    "trajectories_small": ((7, 4.2), lambda ax: charts.rank_trajectories(
        SYNTHETIC_PREF, "Alpha", ["Beta"], YEARS, LONG_PUBLISHERS, "vi", ax=ax,
        provinces=SYNTHETIC_PROVINCES)),
    "revisions": ((10, 4.5), lambda ax: target_charts.target_revisions(
        SYNTHETIC_REVISIONS, SYNTHETIC_TARGETS, "percent", "vi", LONG_PUBLISHERS, ax=ax)),
}


@pytest.mark.parametrize("name", sorted(CAPTIONED))
def test_caption_prints_readable_and_wrapped(name):
    size, draw = CAPTIONED[name]
    fig, ax = plt.subplots(figsize=size, dpi=100)
    draw(ax)
    line = by_gid(ax.texts, "source-line")[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # The brief embeds the tight image; print shrinks it to the page's text width.
    printed_width_in = fig.get_tightbbox(renderer).width
    scale = min(1.0, chart_style.PRINT_WIDTH_IN / printed_width_in)
    assert line.get_fontsize() * scale >= 7.5
    assert line.get_window_extent(renderer).x1 <= fig.bbox.x1 + 1  # wrapped within the figure
    if name == "trajectories":
        assert "\n" in line.get_text()  # three long names: wrapped, not one endless line
    plt.close(fig)


def _numeric_tick_texts(ax):
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()
            if any(c.isdigit() for c in t.get_text())]


@pytest.mark.parametrize("name", sorted(CHART_CALLS))
def test_vietnamese_ticks_write_numbers_the_vietnamese_way(name, ax):
    CHART_CALLS[name](SYNTHETIC_PREF, ax)
    ticks = _numeric_tick_texts(ax)
    assert ticks, "the chart has numeric ticks"
    assert not any("." in t for t in ticks), ticks  # no decimal point, no "2.024" for a year


def test_percentile_ticks_use_the_languages_decimal_sign():
    for lang, sign in (("vi", ","), ("en", ".")):
        fig, ax = plt.subplots()
        charts.indicator_profile(SYNTHETIC_PREF, "Alpha", ["Beta"], 2021, SYNTHETIC_SOURCES,
                                 lang, ax=ax)
        ticks = _numeric_tick_texts(ax)
        assert f"0{sign}2" in ticks and "1" in ticks, ticks
        plt.close(fig)
    fig, ax = plt.subplots()
    target_charts.target_progress(SYNTHETIC_PROGRESS.assign(value=pd.array([17.5, None],
                                                                    dtype="Float64")),
                           SYNTHETIC_TARGETS, "T08", "vi", SYNTHETIC_SOURCES, ax=ax)
    ax.set_ylim(0, 1.5)
    assert "0,2" in _numeric_tick_texts(ax) and "2.025" not in _numeric_tick_texts(ax)
    plt.close(fig)


MANY_CLOSE = synthetic_pref("year,unit_system,unit,measure,score,rank,source_id\n" + "".join(
    f"{year},63,{unit},dti,,{rank + (year - 2022)},synth-b\n"
    for rank, unit in enumerate(["Alpha", "Beta", "Delta", "Epsilon", "Zeta", "Eta", "Theta",
                                 "Iota", "Kappa", "Lambda"], start=2)
    for year in (2022, 2023)) + "2024,34,Gamma,dti,0.70,3,synth-c\n2024,63,Beta,dti,,3,synth-b\n"
    "2024,63,Delta,dti,,3,synth-b\n")  # Beta and Delta tie at 3: their names must be nudged
MANY_PROVINCES = pd.DataFrame({"name": ["Alpha", "Gamma"], "unit_2025": ["Gamma", "Gamma"]})


@pytest.mark.parametrize("lang, size", [("vi", (9, 6)), ("en", (6, 4))])
def test_every_trajectory_text_is_clear_of_the_others_and_of_the_lines(lang, size):
    peers = ["Beta", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda",
             "Omega"]  # Omega has no rank: the note naming it is a text too
    fig, ax = plt.subplots(figsize=size, dpi=100)
    charts.rank_trajectories(MANY_CLOSE, "Alpha", peers, [2022, 2023, 2024], SYNTHETIC_SOURCES,
                             lang, ax=ax, provinces=MANY_PROVINCES)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in ax.texts if t.get_text().strip()]
    texts += [t for t in ax.get_legend().get_texts()] + [ax.title, ax._left_title]
    texts = [t for t in texts if t.get_text().strip()]
    boxes = [mpl.text.Text.get_window_extent(t, renderer) for t in texts]
    for i, first in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            assert not _overlaps(first, boxes[j]), (texts[i].get_text(), texts[j].get_text())
    labels = by_gid(ax.texts, "line-label")
    assert len(labels) == 10  # ten ranked units (the merged unit Gamma: its own panel)
    # Each name right of its own point, never on it nor left of it.
    for label in labels:
        point_x = ax.transData.transform(label.xy)[0]
        assert mpl.text.Text.get_window_extent(label, renderer).x0 > point_x + 4, \
            label.get_text()
    plt.close(fig)


def _last_points(pref, units, system=63):
    """(year, rank) of each unit's last published rank: what its name must be attached to."""
    rows = pref[pref["unit"].isin(units) & pref["measure"].eq("dti")
                & pref["unit_system"].eq(system) & pref["rank"].notna()]
    last = rows.sort_values("year").groupby("unit").tail(1)
    return {u: (int(y), int(r)) for u, y, r in zip(last["unit"], last["year"], last["rank"])}


def _leader_start(label, renderer):
    """Display (x, y) of the data end of a label's leader, or None when it has none."""
    if label.arrow_patch is None:
        return None
    path = label.arrow_patch.get_path()
    vertices = label.arrow_patch.get_transform().transform(path.vertices)
    point = label.axes.transData.transform(label.xy)
    return min(vertices, key=lambda v: abs(v[0] - point[0]) + abs(v[1] - point[1]))


@pytest.mark.parametrize("lang, size", [("vi", (9, 6)), ("en", (6, 4))])
@pytest.mark.parametrize("pref, peers, provinces", [
    (MANY_CLOSE, ["Beta", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa",
                  "Lambda"], MANY_PROVINCES),
    (CROWDED_PREF, ["Beta", "Delta", "Epsilon", "Zeta"], CROWDED_PROVINCES)])
def test_trajectory_names_leave_the_data_at_the_last_published_rank(lang, size, pref, peers,
                                                                    provinces):
    fig, ax = plt.subplots(figsize=size, dpi=100)
    charts.rank_trajectories(pref, "Alpha", peers, [2022, 2023, 2024], SYNTHETIC_SOURCES, lang,
                             ax=ax, provinces=provinces)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    expected = _last_points(pref, ["Alpha", *peers])
    labels = by_gid(ax.texts, "line-label")
    assert len(labels) == len(expected)
    nudged = 0
    columns = {}
    for label in labels:
        unit = label.get_text().split()[0]
        # Attached to the line's last published point: that edition, that rank.
        assert tuple(label.xy) == expected[unit], (unit, label.xy)
        point_x, point_y = ax.transData.transform(label.xy)
        box = mpl.text.Text.get_window_extent(label, renderer)
        # Right next to the point, not across the plot.
        assert point_x < box.x0 <= point_x + 12 * fig.dpi / 72 + 1, unit
        start = _leader_start(label, renderer)
        if start is None:
            # No leader: the name sits at the point's own rank.
            assert abs((box.y0 + box.y1) / 2 - point_y) <= 1.0, unit
        else:
            nudged += 1
            # The leader leaves the data exactly at the point, at its rank...
            assert abs(start[0] - point_x) <= 1.0 and abs(start[1] - point_y) <= 1.0, unit
            # ...and stays short: it ends at the name, beside the point.
            extent = label.arrow_patch.get_window_extent(renderer)
            assert extent.x1 <= box.x0 + 2, unit
        columns.setdefault(label.xy[0], []).append((label.xy[1], (box.y0 + box.y1) / 2))
    assert nudged, "the synthetic lines are close enough that some names must be nudged"
    # Names of one edition keep the order of their ranks (rank 1 on top): leaders never cross.
    for column in columns.values():
        by_rank = [y for _, y in sorted(column, key=lambda c: c[0])]
        assert by_rank == sorted(by_rank, reverse=True)
    plt.close(fig)


def test_indicator_profile_is_not_drawn_without_the_province_and_promises_no_dot(ax):
    only_peer = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2022,63,Beta,awareness,,7,synth-b
""")
    assert not charts.has_indicator_profile(only_peer, "Alpha", ["Beta"], 2022)
    charts.indicator_profile(only_peer, "Alpha", ["Beta"], 2022, SYNTHETIC_SOURCES, "en", ax=ax)
    assert "red dot" not in ax.get_xlabel()
    assert not by_gid(ax.texts, "province-rank")
    fig, drawn = plt.subplots()
    charts.indicator_profile(SYNTHETIC_PREF, "Alpha", ["Beta"], 2021, SYNTHETIC_SOURCES, "en",
                             ax=drawn)
    assert "red dot: rank of Alpha" in drawn.get_xlabel() and by_gid(drawn.texts,
                                                                     "province-rank")
    plt.close(fig)


def test_a_brief_shows_the_chart_without_its_source_line_and_cites_it_by_number(monkeypatch):
    """In a brief the chart's sources are the [n] line under it; inside the image they would
    be said twice. The ids stay with the chart, and a chart drawn on its own keeps its line."""
    from IPython import display as ipy_display

    from analysis import brief

    shown, displayed = [], []

    def fake_png(fig):
        shown.append([t.get_visible() for t in by_gid(fig.axes[0].texts, "source-line")])
        return b"png"

    monkeypatch.setattr(chart_style, "figure_png", fake_png)
    monkeypatch.setattr(ipy_display, "display", lambda *objs, **kw: displayed.extend(objs))
    sources = SYNTHETIC_SOURCES.assign(url="https://example.org", title="T")
    cites = brief.Citations(sources, "en")
    brief.show_chart(charts.rank_trajectories, SYNTHETIC_PREF, "Alpha", ["Beta"], YEARS, sources,
                     lang="en", provinces=SYNTHETIC_PROVINCES, cites=cites)
    assert shown == [[False]]
    images = [o for o in displayed if isinstance(o, ipy_display.Image)]
    assert [(i.data, i.metadata) for i in images] == [(b"png", {"alt": "Overall DTI rank: Alpha and its peers"})]
    line = re.sub(r"<[^>]+>", "", displayed[-1].data)
    assert line == "Chart sources: [1][2][3]"
    brief.show_chart(charts.rank_trajectories, SYNTHETIC_PREF, "Alpha", ["Beta"], YEARS, sources,
                     lang="en", provinces=SYNTHETIC_PROVINCES)
    assert shown[-1] == [True]
    assert plt.get_fignums() == []


@pytest.mark.parametrize("years, expected", [
    ([2020, 2021], ["ranked among the 63 provinces"]),
    ([2021, 2022], ["ranked among the 63 provinces", "Alpha: not found in the sources collected"]),
    (YEARS, ["ranked among the 63 provinces", "Gamma, post-merger unit",
             "Alpha: not found in the sources collected"]),
])
def test_trajectory_key_lists_only_what_the_chart_draws(ax, years, expected):
    charts.rank_trajectories(SYNTHETIC_PREF, "Alpha", ["Beta"], years, SYNTHETIC_SOURCES, "en",
                             ax=ax, provinces=SYNTHETIC_PROVINCES)
    entries = [" ".join(t.get_text().split()) for t in ax.get_legend().get_texts()]
    assert [e.split(" (")[0] for e in entries] == expected


def test_trajectory_without_any_rank_keys_only_the_hatching(ax):
    charts.rank_trajectories(EMPTY_PREF, "Alpha", ["Beta"], YEARS, SYNTHETIC_SOURCES, "en",
                             ax=ax, provinces=SYNTHETIC_PROVINCES)
    assert [" ".join(t.get_text().split()) for t in ax.get_legend().get_texts()] == [
        "Alpha: not found in the sources collected"]


@pytest.mark.parametrize("pref, peers, provinces", [
    (MANY_CLOSE, ["Beta", "Delta", "Omega"], MANY_PROVINCES),  # a note above, a merged panel
    (CROWDED_PREF, ["Beta", "Delta", "Epsilon", "Zeta"], CROWDED_PROVINCES)])
def test_trajectory_title_where_matplotlib_would_place_it(pref, peers, provinces):
    """The title is set at y=1 (no automatic placement, which measures every axis twice): the
    image is the one automatic placement gives."""
    pngs = []
    for automatic in (False, True):
        fig, ax = plt.subplots(figsize=chart_style.figsize_of(charts.rank_trajectories))
        charts.rank_trajectories(pref, "Alpha", peers, [2022, 2023, 2024], SYNTHETIC_SOURCES,
                                 "vi", ax=ax, provinces=provinces)
        if automatic:
            ax._autotitlepos = None
        pngs.append(chart_style.figure_png(fig))
        plt.close(fig)
    assert pngs[0] == pngs[1]


def test_figure_png_measures_each_text_once_for_the_box_and_the_print(monkeypatch):
    """The tight box and the print (a new renderer: the image is smaller) share measurements;
    matplotlib's own measuring is back in place afterwards."""
    import matplotlib.text as mtext
    from matplotlib.backends.backend_agg import RendererAgg

    measured = []
    original = RendererAgg.get_text_width_height_descent

    def counting(self, s, prop, ismath):
        measured.append(s)
        return original(self, s, prop, ismath)

    monkeypatch.setattr(RendererAgg, "get_text_width_height_descent", counting)
    before = mtext._get_text_metrics_with_cache
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_title("Hải Dương (synthetic)")
    ax.set_xlabel("Kỳ DTI")
    png = chart_style.figure_png(fig)
    plt.close(fig)
    assert png.startswith(b"\x89PNG")
    assert measured.count("Hải Dương (synthetic)") == 1 and measured.count("Kỳ DTI") == 1
    assert mtext._get_text_metrics_with_cache is before
