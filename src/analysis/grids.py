"""Reader grids: one province's measures × DTI editions, as HTML tables with shaded cells.

`rank_grid` shows the province's ranks (a rank among the 34 post-merger units, in a column of
its own), `coverage_grid` what was published about it. They are tables, not pictures: a reader
can select, copy and read out every number, they print sharply, and a brief renders them in
milliseconds where a chart took a quarter of a second. Shading is by CSS class (the sanitiser
lets no inline colour through); the numbers are always written, so the shading only helps the
eye, and one key line under the grid says what it means.
"""

from __future__ import annotations

import html

import pandas as pd

from analysis import i18n, tables
from analysis.citations import n_units_html
from analysis.comparisons import PROVINCE_SYSTEM, province_year_records
from analysis.i18n import label
from analysis.measures import (
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    INDICATORS,
    PILLARS,
    PROVINCE_MEASURES,
    UNITS_AFTER_MERGER,
)

HEAT_CLASSES = 5  # heat-1 (bottom fifth of the units) … heat-5 (top fifth)
COVERAGE_CLASSES = {"published": "cov-full", "rank only": "cov-rank", "score only": "cov-score"}


def _t(key: str, lang: str, **values) -> str:
    """A grid word from the catalog section `[grid]`, its placeholders filled."""
    return i18n.t(f"grid.{key}", lang, **values)


def heat_class(percentile) -> str:
    """The shade of a rank by its percentile (share of units ranked below), so that a rank
    among 63 and one among 34 share one scale."""
    return f"heat-{min(HEAT_CLASSES, 1 + int(float(percentile) * HEAT_CLASSES))}"


def _cell_figures(pref, province, year, successor):
    """The province's figures for a year by measure (`province_year_records`), or its
    successor's among 34 when the province has none that year (the column says so)."""
    own = {r["measure"]: r for r in province_year_records(pref, province, year)}
    if _has_rank(own) or not successor:
        return own, PROVINCE_SYSTEM
    merged = {r["measure"]: r for r in province_year_records(
        pref, successor, year, unit_system=UNITS_AFTER_MERGER)}
    if _has_rank(merged):
        return merged, UNITS_AFTER_MERGER
    return own, PROVINCE_SYSTEM


def _has_rank(figures: dict) -> bool:
    """Whether any of the figures (records by measure) is a published rank."""
    return any(not i18n.is_missing(r["rank"]) for r in figures.values())


def _is_not_comparable(measure: str, year: int) -> bool:
    """Whether the cell is an indicator in an edition before the eight indicators (DTI 2020's, which
    compare with no later edition)."""
    return measure in INDICATORS and year < FIRST_YEAR_OF_EIGHT_INDICATORS


def _any_not_comparable(measures, years) -> bool:
    """Whether any cell of these measures and editions is not comparable (`_is_not_comparable`)."""
    return any(_is_not_comparable(m, y) for m in measures for y in years)


def _not_comparable_cell(measures, measure, year, lang) -> str:
    """DTI 2020's indicators, said once: one cell over all the indicator rows of that column."""
    shown = [m for m in measures if m in INDICATORS]
    if measure != shown[0]:
        return ""
    return (f'<td class="not-comparable" rowspan="{len(shown)}">'
            f'{html.escape(_t("not_comparable", lang))}</td>')


def _left_out(measures, editions, lang) -> list[str]:
    """What a grid leaves out, in words: whole groups by name, else each measure."""
    items = [f"DTI {year}" for year in editions]
    if set(PILLARS) <= set(measures):
        items.append(_t("pillars", lang))
        measures = [m for m in measures if m not in PILLARS]
    if set(INDICATORS) <= set(measures):
        items.append(_t("indicators", lang))
        measures = [m for m in measures if m not in INDICATORS]
    return items + [label(m, lang) for m in measures]


def _measure_head(lang: str) -> str:
    """The header cell of the grid's first column, the measure."""
    return f'<th scope="col">{html.escape(tables.header("measure", lang))}</th>'


def _grid(head: str, rows: list[str], table_id: str) -> str:
    """The grid's `<table>` with its header row and body rows, its classes (`short` when short) and
    the id `tbl-<table_id>`."""
    return (f'<table class="{tables.table_class(rows, "grid")}" '
            f'id="{html.escape(tables.table_id(table_id))}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _key(lang: str, *parts: tuple[str, str]) -> str:
    """The key line under a grid: a swatch of each shade used, with what it means."""
    body = " · ".join(f'<span class="swatch {css}"></span> {html.escape(text)}'
                      for css, text in parts)
    return f'<p class="legend">{body}</p>'


# --- ranks --------------------------------------------------------------------------------------

def rank_grid(pref: pd.DataFrame, province: str, years, lang: str, *, successor=None,
              cites=None, gap: str | None = None) -> str:
    """The province's ranks: rows = overall, 3 pillars, 8 indicators; columns = editions.

    An edition in which the province has no rank of its own but its post-merger unit
    (`successor`, e.g. 'Hải Phòng') is ranked among 34 shows that unit's ranks, written
    "3/34", in a column labelled with the unit. Editions and measures with no rank at all are
    not drawn; one sentence names them. `cites`: a [n] column per row, and the ranks go into
    the brief's CSV. `gap`: the sentence when no rank is published at all."""
    i18n.check_lang(lang)
    columns = []
    for year in [int(y) for y in years]:
        figures, system = _cell_figures(pref, province, year, successor)
        columns.append((year, system, figures))
    shown = [c for c in columns if _has_rank(c[2])]
    if not shown:
        return tables.gap(gap or i18n.t("table.gap_default", lang))
    ranked = {m for _, _, f in shown for m, r in f.items() if not i18n.is_missing(r["rank"])}
    measures = [m for m in PROVINCE_MEASURES if m in ranked]
    head = _measure_head(lang) + "".join(
        _edition_head(year, system, f, lang) for year, system, f in shown)
    if cites is not None:
        head += tables.cite_head(lang)
    rows, any_missing = [], False
    for measure in measures:
        cells = [f'<th scope="row">{html.escape(label(measure, lang))}</th>']
        for year, system, figures in shown:
            if _is_not_comparable(measure, year):
                cells.append(_not_comparable_cell(measures, measure, year, lang))
                continue
            figure = figures[measure]
            any_missing |= pd.isna(figure["rank"])
            cells.append(_rank_cell(figure, system, year, cites))
        row = "".join(cells)
        if cites is not None:
            row += f'<td class="cite-col">{cites.marks_of(cites.figures_in(row))}</td>'
        rows.append(f"<tr>{row}</tr>")
    out = _grid(head, rows, "rank-grid")
    key = _rank_key(shown, successor, province, lang)
    if _any_not_comparable(measures, [year for year, _, _ in shown]):
        key.append(("not-comparable", _t("not_comparable_key", lang)))
    out += _key(lang, *key)
    if any_missing:
        out += tables.legend(lang)
    if cites is not None:
        out += cites.legend_html()
    # The eight indicators exist from DTI 2021: before it, they were not missed, there were none.
    has_indicators = any(year >= FIRST_YEAR_OF_EIGHT_INDICATORS for year, _, _ in columns)
    absent = [m for m in PROVINCE_MEASURES if m not in ranked
              and (has_indicators or m not in INDICATORS)]
    left_out = _left_out(absent,
                         [year for year, _, f in columns if not _has_rank(f)], lang)
    if left_out:
        out += tables.gap(_t("no_rank", lang, items=i18n.join(left_out, lang)))
    return out


def _edition_head(year, system, figures, lang) -> str:
    """An edition's column header: the year, and for the post-merger unit's column, the unit and its
    number of units too."""
    if system != UNITS_AFTER_MERGER:
        return f'<th scope="col" class="num">{year}</th>'
    unit = i18n.data_text(str(next(iter(figures.values()))["unit"]), lang)
    return (f'<th scope="col" class="num merged">{year}<br/>'
            f'{html.escape(_t("merged_column", lang, unit=unit, n=system))}</th>')


def _rank_cell(figure, system, year, cites) -> str:
    """One rank's cell: "—" when unpublished, a rank among 63 shaded by its percentile, the
    post-merger unit's as "3/34"; a cited figure with `cites`."""
    if pd.isna(figure["rank"]):
        return f'<td class="num">{i18n.MISSING}</td>'
    rank = str(int(figure["rank"]))
    if cites is not None:
        rank = cites.rank(figure["rank"], year=year, unit=figure["unit"], unit_system=system,
                          measure=figure["measure"])
    if system == UNITS_AFTER_MERGER:
        return f'<td class="num merged">{rank}/{n_units_html(system)}</td>'
    return f'<td class="num {heat_class(figure["percentile"])}">{rank}</td>'


def _rank_key(shown, successor, province, lang) -> list[tuple[str, str]]:
    """The rank grid's key entries: the top and bottom fifth's shades, and the post-merger unit's
    column when one is shown."""
    parts = [(f"heat-{HEAT_CLASSES}", _t("top_fifth", lang)), ("heat-1", _t("bottom_fifth", lang))]
    if any(system == UNITS_AFTER_MERGER for _, system, _ in shown):
        unit = i18n.data_text(str(successor), lang)
        parts.append(("merged", _t("merged_key", lang, unit=unit, province=province,
                                   n=UNITS_AFTER_MERGER)))
    return parts


# --- coverage -----------------------------------------------------------------------------------

def coverage_grid(cover: pd.DataFrame, lang: str, *, cites=None) -> str:
    """What was published about the province, measure × edition: score and rank / rank only /
    score only / "—", DTI 2020's indicators marked not comparable once. `cover` is
    `comparisons.coverage(load_dti(), province)`. `cites`: a [n] column per row, the sources
    that published anything of that measure."""
    i18n.check_lang(lang)
    present = set(cover["measure"])
    measures = [m for m in PROVINCE_MEASURES if m in present]
    years = sorted({int(y) for y in cover["year"]})
    status = {(m, int(y)): s for m, y, s in zip(cover["measure"], cover["year"], cover["status"])}
    ids_of: dict = {}  # the source ids of each measure's rows, in the rows' order
    for measure, ids in zip(cover["measure"], cover["source_ids"]):
        ids_of.setdefault(measure, []).append(ids)
    head = _measure_head(lang) + "".join(
        f'<th scope="col" class="num">{year}</th>' for year in years)
    if cites is not None:
        head += tables.cite_head(lang)
    rows, seen = [], set()
    for measure in measures:
        cells = [f'<th scope="row">{html.escape(label(measure, lang))}</th>']
        for year in years:
            if _is_not_comparable(measure, year):
                cells.append(_not_comparable_cell(measures, measure, year, lang))
                continue
            state = status.get((measure, year), "not published")
            seen.add(state)
            css = COVERAGE_CLASSES.get(state)
            text = _t(f"status_{state.replace(' ', '_')}", lang) if css else i18n.MISSING
            cells.append(f'<td class="num {css}">{html.escape(text)}</td>' if css
                         else f'<td class="num">{text}</td>')
        if cites is not None:
            cells.append(f'<td class="cite-col">{cites.marks(ids_of.get(measure, []))}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    out = _grid(head, rows, "coverage")
    if _any_not_comparable(measures, years):
        out += _key(lang, ("not-comparable", _t("not_comparable_key", lang)))
    if "not published" in seen:
        out += tables.legend(lang)
    return out + f'<p class="legend">{html.escape(_t("coverage_caption", lang))}</p>'
