"""Reader tables: frames rendered as HTML for a brief, without pandas Styler.

`render(frame, lang, table_id=…)` gives `<table class="brief-table" id="tbl-…">` with headers
from the catalog (`[table.column]`), numbers in the language's convention (`analysis.i18n`),
"—" for a figure nobody published plus ONE legend line under the table (`<p class="legend">`),
no row numbers and nothing cut short. Rows and figure columns in which nothing is published are
not drawn; a table left with nothing is replaced by one `<p class="gap">` sentence. A
`source_id`/`source_ids` column becomes a column of [n] citation marks when a
`brief.Citations` is given (and the figures shown are recorded for the CSV download).

Every cell is escaped: text from the data stays text.
"""

from __future__ import annotations

import html
import re

import pandas as pd

from analysis import i18n, narrative
from analysis.measures import label

SOURCE_COLUMNS = ("source_id", "source_ids")
SCORE_COLUMNS = ("score", "national_average", "gap")
PERCENT_COLUMNS = ("percentile",)
INTEGER_COLUMNS = ("rank", "previous_rank", "target_rank", "n_sources", "unit_system", "year",
                   "previous_year", "target_horizon", "horizon", "change", "n_targets",
                   "of_total")
VALUE_COLUMNS = ("from_value", "to_value")
BOOLEAN_COLUMNS = ("published", "comparable", "within_target")
DATE_COLUMNS = ("proposed_on", "as_of", "date")
# Columns that hold figures: a row or column with none of them published is not drawn.
FIGURE_COLUMNS = ("score", "rank", "percentile", "national_average", "gap", "previous_rank",
                  "change")


def cite_head(lang: str) -> str:
    """The header of a table's column of [n] source marks."""
    return f'<th scope="col" class="cite-col">{html.escape(header("source", lang))}</th>'


def header(column, lang: str) -> str:
    key = f"table.column.{column}"
    return i18n.t(key, lang) if key in i18n.catalog(lang) else str(column)


def cell_text(column, value, lang: str) -> str:
    """One cell as plain text in the brief's language; a missing value is "—"."""
    if i18n.is_missing(value) or (isinstance(value, str) and not value.strip()):
        return i18n.MISSING
    if column == "measure":
        return label(value, lang)
    if column == "target_id":
        return narrative.target_name(value, lang)
    if column == "role":
        key = f"table.role.{value}"
        return i18n.t(key, lang) if key in i18n.catalog(lang) else str(value)
    if column == "status":
        return narrative.status_label(value, lang)
    if column in SCORE_COLUMNS:
        return i18n.number(value, lang)
    if column in PERCENT_COLUMNS:
        return i18n.percent(value, lang)
    if column == "change":
        return f"{int(value):+d}" if int(value) else "0"
    if column in INTEGER_COLUMNS:
        return str(int(value))
    if column in VALUE_COLUMNS:
        return i18n.value(value, lang)
    if column in BOOLEAN_COLUMNS or isinstance(value, bool):
        return i18n.t("table.yes" if bool(value) else "table.no", lang)
    if column in DATE_COLUMNS:
        return i18n.date(value, lang)
    if column == "unit" or column == "label":
        return i18n.data_text(str(value), lang)
    return str(value)


def drop_unpublished(frame: pd.DataFrame) -> pd.DataFrame:
    """Without the figure columns nobody published and the rows with no figure at all."""
    figures = [c for c in frame.columns if c in FIGURE_COLUMNS]
    if not figures:
        return frame
    empty_columns = [c for c in figures if frame[c].isna().all()]
    kept = [c for c in figures if c not in empty_columns]
    out = frame.drop(columns=empty_columns)
    if kept:
        out = out[out[kept].notna().any(axis=1)]
    else:
        out = out.iloc[0:0]
    return out


def table_id(text: str) -> str:
    return "tbl-" + (re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "table")


def render(frame: pd.DataFrame, lang: str, *, table_id: str, cites=None, year=None,
           gap: str | None = None, drop_empty: bool = True, require=()) -> str:
    """`frame` as a reader table. `gap` is the sentence shown when nothing in it is published
    (default: a generic one). `year`: the edition of the figures, when the frame has no
    `year` column (for the citations and the CSV). `require`: columns without which a row
    means nothing (e.g. the province's score in a score-against-average table)."""
    i18n.check_lang(lang)
    for column in require:
        frame = frame[frame[column].notna()]
    shown = drop_unpublished(frame) if drop_empty else frame
    if shown.empty:
        return _gap(gap, lang)
    sources = [c for c in shown.columns if c in SOURCE_COLUMNS]
    ids_per_row = None
    if sources and cites is not None:
        ids_per_row = cites.show(shown, year=year)
    columns = [c for c in shown.columns if c not in SOURCE_COLUMNS]
    head = "".join(f'<th scope="col">{html.escape(header(c, lang))}</th>' for c in columns)
    if ids_per_row is not None:
        head += cite_head(lang)
    rows, any_missing = [], False
    for i, record in enumerate(shown[columns].to_dict("records")):
        cells = []
        for column in columns:
            text = cell_text(column, record[column], lang)
            any_missing |= text == i18n.MISSING
            css = ' class="num"' if column in (*SCORE_COLUMNS, *PERCENT_COLUMNS,
                                               *INTEGER_COLUMNS) else ""
            body = html.escape(text)
            if column == "conflict" and cites is not None:
                body = conflict_html(text, cites, lang)
            cells.append(f"<td{css}>{body}</td>")
        if ids_per_row is not None:
            cells.append(f'<td class="cite-col">{cites.marks(ids_per_row[i])}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return _table(table_id, head, rows, any_missing, lang)


def _table(table_id: str, head: str, rows: list[str], any_missing: bool, lang: str) -> str:
    """The table element, then the one legend line when a cell reads "—"."""
    out = (f'<table class="brief-table" id="{html.escape(_id(table_id), quote=True)}">'
           f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return out + (legend(lang) if any_missing else "")


def _id(text: str) -> str:
    return text if str(text).startswith("tbl-") else table_id(text)


def legend(lang: str) -> str:
    return f'<p class="legend">{html.escape(i18n.t("table.legend", lang))}</p>'


def gap(text: str) -> str:
    """The one sentence that replaces a table or chart in which nothing is published."""
    return f'<p class="gap">{html.escape(text)}</p>'


def _gap(text: str | None, lang: str) -> str:
    return gap(text or i18n.t("table.gap_default", lang))


def wide(frame: pd.DataFrame, index: str, columns: str, values: str, lang: str, *,
         table_id: str, cites=None, year=None, gap: str | None = None) -> str:
    """A tidy frame spread for reading (e.g. measure × unit ranks). Rows and columns with
    nothing published are not drawn; one sentence under the table names the units left out."""
    i18n.check_lang(lang)
    published = frame[frame[values].notna()]
    if published.empty:
        return _gap(gap, lang)
    keys = [k for k in dict.fromkeys(frame[index]) if k in set(published[index])]
    cols = [c for c in dict.fromkeys(frame[columns]) if c in set(published[columns])]
    left_out = [c for c in dict.fromkeys(frame[columns]) if c not in cols]
    ids_per_row = cites.show(published, year=year) if cites is not None else None
    ids_by_key: dict = {}
    if ids_per_row is not None:
        for key, ids in zip(published[index], ids_per_row):
            ids_by_key.setdefault(key, []).extend(ids)
    cell = {(k, c): v for k, c, v in zip(published[index], published[columns],
                                         published[values])}
    head = f'<th scope="col">{html.escape(header(index, lang))}</th>' + "".join(
        f'<th scope="col">{html.escape(cell_text(columns, c, lang))}</th>' for c in cols)
    if ids_per_row is not None:
        head += cite_head(lang)
    rows, any_missing = [], False
    for key in keys:
        cells = [f"<td>{html.escape(cell_text(index, key, lang))}</td>"]
        for c in cols:
            text = cell_text(values, cell.get((key, c)), lang)
            any_missing |= text == i18n.MISSING
            cells.append(f'<td class="num">{html.escape(text)}</td>')
        if ids_per_row is not None:
            cells.append(f'<td class="cite-col">{cites.marks(ids_by_key.get(key, []))}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    out = _table(table_id, head, rows, any_missing, lang)
    if left_out:
        units = i18n.join([cell_text(columns, c, lang) for c in left_out], lang)
        out += f'<p class="gap">{html.escape(i18n.t("table.gap_units", lang, units=units))}</p>'
    return out


_CONFLICT_PART = re.compile(r"\s*\(([A-Za-z0-9][A-Za-z0-9.\-]*)\)")


def conflict_html(text: str, cites, lang: str) -> str:
    """"rank: 6 (source-a); 5 (source-b)" with the source ids as [n] marks and the words
    "rank"/"score" in the brief's language; everything else escaped."""
    words = {"rank": header("rank", lang), "score": header("score", lang)}
    out = []
    for part in str(text).split(";"):
        part = part.strip()
        head, sep, rest = part.partition(":")
        if sep and head.strip() in words:
            part = f"{words[head.strip()].lower()}:{rest}"
        pieces, last = [], 0
        for match in _CONFLICT_PART.finditer(part):
            source_id = match[1]
            if source_id not in cites.sources.index:
                continue
            pieces.append(html.escape(part[last:match.start()]))
            pieces.append(cites.marks([source_id]))
            last = match.end()
        pieces.append(html.escape(part[last:]))
        out.append("".join(pieces))
    return "; ".join(out)


def _is_id_column(values, known) -> bool:
    cells = [str(v) for v in values if not i18n.is_missing(v) and str(v).strip()]
    return bool(cells) and all(
        all(part.strip() in known for part in cell.split(";") if part.strip()) for cell in cells)


def from_display(frame: pd.DataFrame, lang: str, *, table_id: str, source_ids=None,
                 cites=None) -> str:
    """A frame already in words (headers and cells in the brief's language, e.g. narrative's
    `targets_table`) as a reader table: columns of raw source ids are replaced by one column of
    [n] marks built from `source_ids` (one cell of ids per row), empty cells read "—"."""
    i18n.check_lang(lang)
    known = set(cites.sources.index) if cites is not None else set()
    kept = [c for c in frame.columns if not _is_id_column(frame[c], known)]
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in kept)
    with_cites = cites is not None and source_ids is not None
    if with_cites:
        head += cite_head(lang)
    ids = list(source_ids) if with_cites else []
    rows, any_missing = [], False
    for i, record in enumerate(frame[kept].itertuples(index=False)):
        cells = []
        for value in record:
            text = i18n.MISSING if i18n.is_missing(value) or not str(value).strip() else str(value)
            any_missing |= text == i18n.MISSING
            cells.append(f"<td>{html.escape(text)}</td>")
        if with_cites:
            cells.append(f'<td class="cite-col">{cites.marks(ids[i])}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return _table(table_id, head, rows, any_missing, lang)
