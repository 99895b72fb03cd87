"""Every chart of the default briefs, drawn from the bundled data as the notebooks draw it, read as
a reader reads a printed page: every text at least 7 pt once the image is shrunk to the width of
an A4 page, no text over another text or over a data line, a key that lists only what the chart
draws, and no post-merger rank (among 34) on a 1-63 rank axis."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

from analysis import chart_style, charts, data, target_charts
from analysis.params import check_params

PROVINCE = "Hải Dương"
EDITIONS = [2020, 2021, 2022, 2023, 2024]
LANGS = ["vi", "en"]
MIN_PRINTED_PT = 7.0


def _drawings(year: int, lang: str):
    """(name, chart function, args, kwargs) of each chart the three briefs of `year` draw, with
    the notebooks' arguments."""
    pref, sources, provinces = data.preferred_dti(), data.load_sources(), data.load_provinces()
    targets, progress = data.load_targets(), data.load_target_progress()
    revisions = data.load_target_revisions()
    peers = check_params(year=year, province=PROVINCE, peers=[], lang=lang).peers
    years = [edition for edition in data.editions() if edition <= year]
    if charts.has_indicator_profile(pref, PROVINCE, peers, year):
        yield ("01 profile", charts.indicator_profile, (pref, PROVINCE, peers, year, sources),
               {"lang": lang})
    if charts.has_rank_trajectory(pref, PROVINCE, peers, years, provinces):
        yield ("02 trajectories", charts.rank_trajectories,
               (pref, PROVINCE, peers, years, sources), {"lang": lang, "provinces": provinces})
    for kind in ("percent", "count"):
        yield (f"03 revisions {kind}", target_charts.target_revisions, (revisions, targets),
               {"kind": kind, "lang": lang, "sources": sources})
    reported = progress[progress["as_of_year"].le(year) & progress["value"].notna()]
    charted = set(targets.loc[targets["comparator"].ne("top_n"), "target_id"])
    for target_id in sorted(set(reported["target_id"]) & charted):
        yield (f"03 progress {target_id}", target_charts.target_progress, (progress, targets, target_id),
               {"lang": lang, "sources": sources, "years": years})
    yield ("03 rank against target", target_charts.rank_against_target_chart,
           (pref, targets, PROVINCE, sources, lang), {"years": years})


CHARTS = [pytest.param(year, lang, name, draw, args, kwargs, id=f"{year}-{lang}-{name}")
          for year, lang in itertools.product(EDITIONS, LANGS)
          for name, draw, args, kwargs in _drawings(year, lang)]


@pytest.fixture(scope="module", autouse=True)
def theme():
    chart_style.set_theme()
    yield
    mpl.rcdefaults()


def _draw(draw, args, kwargs):
    """The chart as a brief embeds it: the figure size the brief uses, its source line left out
    (the brief cites the sources under the image)."""
    fig, ax = plt.subplots(figsize=chart_style.figsize_of(draw))
    draw(*args, ax=ax, **kwargs)
    chart_style.hide_source_line(ax)
    fig.canvas.draw()
    return fig, ax


def _texts(fig) -> list[Text]:
    """Every text a reader sees in the figure (tick labels, titles, notes, keys)."""
    renderer = fig.canvas.get_renderer()
    seen = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        if text.axes is not None and not text.axes.get_visible():
            continue
        box = Text.get_window_extent(text, renderer)
        if box.width < 1 or box.height < 1:
            continue
        seen.append(text)
    return seen


def _box(text, renderer):
    return Text.get_window_extent(text, renderer)


def _overlap(a, b, tolerance=0.5) -> bool:
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tolerance
            and min(a.y1, b.y1) - max(a.y0, b.y0) > tolerance)


def _printed_scale(fig) -> float:
    """How much the brief's image is shrunk on an A4 page: the tight image at most the text
    width of the page."""
    width_in = fig.get_tightbbox(fig.canvas.get_renderer()).width
    return min(1.0, chart_style.PRINT_WIDTH_IN / width_in)


@pytest.mark.parametrize("year, lang, name, draw, args, kwargs", CHARTS)
def test_every_text_prints_at_least_7_pt(year, lang, name, draw, args, kwargs):
    fig, _ = _draw(draw, args, kwargs)
    scale = _printed_scale(fig)
    small = sorted({(round(t.get_fontsize() * scale, 1), t.get_text()[:40]) for t in _texts(fig)
                    if t.get_fontsize() * scale < MIN_PRINTED_PT})
    plt.close(fig)
    assert small == [], f"printed below {MIN_PRINTED_PT} pt (scale {scale:.2f}): {small}"


@pytest.mark.parametrize("year, lang, name, draw, args, kwargs", CHARTS)
def test_no_text_overlaps_another(year, lang, name, draw, args, kwargs):
    fig, _ = _draw(draw, args, kwargs)
    renderer = fig.canvas.get_renderer()
    texts = _texts(fig)
    boxes = [_box(t, renderer) for t in texts]
    clashes = [(texts[i].get_text()[:30], texts[j].get_text()[:30])
               for i, j in itertools.combinations(range(len(texts)), 2)
               if _overlap(boxes[i], boxes[j])]
    plt.close(fig)
    assert clashes == []


def _data_lines(ax) -> list[Line2D]:
    """The lines that carry data (trajectories, target lines), not grid lines or key samples."""
    axes = [ax, *ax.child_axes]
    return [line for a in axes for line in a.get_lines()
            if line.get_visible() and line.get_linestyle() not in ("None", "none", "")]


@pytest.mark.parametrize("year, lang, name, draw, args, kwargs", CHARTS)
def test_no_text_lies_on_a_data_line(year, lang, name, draw, args, kwargs):
    fig, ax = _draw(draw, args, kwargs)
    renderer = fig.canvas.get_renderer()
    crossed = []
    for line in _data_lines(ax):
        points = chart_style.points_along(line)  # sampled every 2 px
        for text in _texts(fig):
            box = _box(text, renderer).expanded(1.0, 1.0)
            inside = ((points[:, 0] > box.x0 + 1) & (points[:, 0] < box.x1 - 1)
                      & (points[:, 1] > box.y0 + 1) & (points[:, 1] < box.y1 - 1))
            if inside.any():
                crossed.append((text.get_text()[:30], line.get_gid() or line.get_label()))
    plt.close(fig)
    assert crossed == []


@pytest.mark.parametrize("year, lang, name, draw, args, kwargs", CHARTS)
def test_the_key_lists_only_what_is_drawn(year, lang, name, draw, args, kwargs):
    fig, _ax = _draw(draw, args, kwargs)
    legends = [a for a in fig.findobj(Legend)]
    hatched_key = any(isinstance(h, Patch) and h.get_hatch()
                      for legend in legends for h in legend.legend_handles)
    hatched_drawn = any(a.get_gid() == "not-published" for a in fig.findobj()
                        if not isinstance(a, Legend) and a.get_visible())
    merged_key = any(isinstance(h, Line2D) and h.get_marker() == "D"
                     for legend in legends for h in legend.legend_handles)
    merged_drawn = any(a.get_gid() == "merged-rank" for a in fig.findobj())
    plt.close(fig)
    assert hatched_key == hatched_drawn
    assert merged_key == merged_drawn


@pytest.mark.parametrize("year, lang, name, draw, args, kwargs", CHARTS)
def test_a_rank_among_34_never_sits_on_a_1_to_63_axis(year, lang, name, draw, args, kwargs):
    fig, _ax = _draw(draw, args, kwargs)
    merged = [a for a in fig.findobj() if a.get_gid() == "merged-rank"]
    axes_of_merged = {a.axes for a in merged}
    plt.close(fig)
    for axes in axes_of_merged:
        _low, high = sorted(axes.get_ylim())
        assert high <= chart_style.MERGED_SYSTEM + 1, f"rank among 34 on an axis to {high}"
        assert "34" in axes.get_ylabel() + axes.get_xlabel() + axes.get_title(loc="left")
