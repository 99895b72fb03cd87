"""What a reader sees in a brief around its tables and charts: the navigation line, captions,
the sentence that replaces a chart or table in which nothing is published, and the charts
themselves as the notebooks show them (with their sources cited by number under them).

The at-a-glance box is `analysis.glance`; the source list and the CSV download,
`analysis.source_list`; which sources a figure cites, `analysis.citations`.
"""

from __future__ import annotations

import html

from analysis import i18n, source_list, tables
from analysis.citations import (
    CSV_COLUMNS,
    Citations,
    Html,
    n_units_html,
)
from analysis.measures import (
    LANGS,
)
from analysis.names import slugify
from analysis.phrasing import escape_markdown

__all__ = ["CSV_COLUMNS", "Citations", "show_chart"]


def csv_name(notebook: str, year: int, province: str | None = None) -> str:
    """"dti-2022-hai-duong-01_year_profile" for the CSV file of a brief."""
    parts = ["dti", str(year), *([province] if province else []), notebook]
    return slugify("-".join(parts))


# --- small HTML pieces ----------------------------------------------------------------------------

# Where the batch runner puts briefs: <out>/<year>/<province-slug | all>/<notebook>.<lang>.html,
# and the index at <out>/index.html (analysis.runner.plan.Run.folder and .stem; a test keeps the
# two in step). Links between briefs are relative, so a folder of briefs can be moved or mailed.
ALL_PROVINCES_FOLDER = "all"


def brief_path(notebook: str, year: int, province: str | None, lang: str) -> str:
    """The brief's path under the runner's output folder ("2021/hai-duong/02_trends.vi.html";
    a notebook without a province parameter: "2021/all/…")."""
    folder = slugify(province) if province else ALL_PROVINCES_FOLDER
    return f"{int(year)}/{folder}/{notebook}.{i18n.check_lang(lang)}.html"


def nav_html(notebook: str, year: int, province: str | None, lang: str) -> str:
    """A line of links at the top of a brief: back to the index of every brief, and to the same
    brief in the other language (hrefs relative to the brief's own place)."""
    lang = i18n.check_lang(lang)
    other = next(o for o in LANGS if o != lang)
    twin = brief_path(notebook, year, province, other).rsplit("/", 1)[-1]
    index = html.escape(i18n.t("brief.nav_index", lang))
    twin_words = html.escape(i18n.t("brief.nav_twin", lang))
    return (f'<p class="brief-nav"><a href="../../index.html">{index}</a> · '
            f'<a href="{html.escape(twin)}">{twin_words}</a></p>')

gap = tables.gap


# --- charts and gap sentences in a notebook -------------------------------------------------------

def what(key: str, lang: str, **values) -> str:
    """The name of what a table or chart would show (catalog `[brief]`, key `what_<key>`)."""
    return i18n.t(f"brief.what_{key}", lang, **values)


def caption(key: str, lang: str, **values) -> str:
    """A sentence that says what a table shows (catalog `[brief]`), as escaped Markdown."""
    safe = {k: v if isinstance(v, Html) else escape_markdown(v) if isinstance(v, str) else v
            for k, v in values.items()}
    if "n_units" in safe:
        safe["n_units"] = n_units_html(safe["n_units"])
    return i18n.t(f"brief.{key}", lang, **safe)


def gap_sentence(key: str, lang: str, **values) -> str:
    """"<what>: not published in the sources collected." for a table with nothing in it."""
    return i18n.t("table.gap", lang, what=what(key, lang, **values))


def changes_gap(years, province: str, lang: str) -> str:
    """The rank-change table's empty line: the first edition has no earlier one to compare
    with (nothing was missed), else its changes were not found in the sources collected."""
    years = [int(y) for y in years]
    if len(years) == 1:
        return i18n.t("narrative.change_first", lang, year=years[0])
    return gap_sentence("changes", lang, province=province)


def chart_gap(key: str, lang: str, **values) -> str:
    """"No chart: <what> not published in the sources collected." for a chart left undrawn."""
    return i18n.t("brief.no_chart", lang, what=what(key, lang, **values))


def show_chart(draw, *args, figsize=None, when: bool = True, gap_text: str | None = None,
               cites: Citations | None = None, **kwargs) -> None:
    """In a notebook: draw a chart on a new figure and show it, or, when `when` is False (nothing
    published to draw), show the one gap sentence instead. With `cites`, the chart's sources
    are cited by number under it and the DTI rows it draws go into the brief's CSV (both
    computed from the chart's arguments: `chart_style.chart_source_ids`, `chart_rows`).
    `figsize`: default, the chart's own (`chart_style.FIGSIZES`), sized to print on A4."""
    from IPython.display import HTML, Image, display

    if not when:
        if gap_text:
            display(HTML(gap(gap_text)))
        return
    import matplotlib.pyplot as plt

    from analysis.chart_style import (
        chart_rows,
        chart_source_ids,
        figsize_of,
        figure_png,
        hide_source_line,
    )

    fig, ax = plt.subplots(figsize=figsize or figsize_of(draw))
    try:
        draw(*args, ax=ax, **kwargs)
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
        rows = chart_rows(draw, *args, **kwargs)
        if rows is not None:
            cites.record_dti_rows(rows)
        ids = chart_source_ids(draw, *args, **kwargs)
        if ids:
            display(HTML(source_list.chart_sources_html(ids, cites)))
