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

from analysis import citations, i18n, resolution_text
from analysis.citations import n_units_html, say
from analysis.i18n import label
from analysis.measures import HOME_PROVINCE, NATIONAL_AVERAGE_UNIT, UNITS_BEFORE_MERGER

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
    """A column's header from the catalog (`[table.column]`), else the column's own name."""
    key = f"table.column.{column}"
    return i18n.t(key, lang) if key in i18n.catalog(lang) else str(column)


def cell_text(column, value, lang: str) -> str:
    """One cell as plain text in the brief's language; a missing value is "—"."""
    if i18n.is_missing(value) or (isinstance(value, str) and not value.strip()):
        return i18n.MISSING
    if column == "measure":
        return label(value, lang)
    if column == "target_id":
        return resolution_text.target_name(value, lang)
    if column == "role":
        key = f"table.role.{value}"
        return i18n.t(key, lang) if key in i18n.catalog(lang) else str(value)
    if column == "status":
        return resolution_text.status_label(value, lang)
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
    if column in ("unit", "label", "from_wording", "to_wording"):
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


def published_records(frame: pd.DataFrame, drop_empty: bool = True) -> tuple[list, list[dict]]:
    """The columns and rows (as `to_dict("records")`) of `drop_unpublished(frame)` (of `frame`
    itself when not `drop_empty`), worked out on the records: the table is rendered from them,
    and a frame dropped and filtered first costs more than the rendering."""
    records = frame.to_dict("records")
    columns = list(frame.columns)
    figures = [c for c in columns if c in FIGURE_COLUMNS] if drop_empty else []
    if figures:
        empty = {c for c in figures if all(pd.isna(r[c]) for r in records)}
        kept = [c for c in figures if c not in empty]
        columns = [c for c in columns if c not in empty]
        records = [{c: r[c] for c in columns} for r in records
                   if any(not pd.isna(r[c]) for c in kept)]
    return columns, records if columns else []


def table_id(text: str) -> str:
    """"tbl-" then `text` as a slug of lowercase letters, digits and hyphens (else "tbl-table")."""
    return "tbl-" + (re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "table")


def render(frame: pd.DataFrame, lang: str, *, table_id: str, cites=None, year=None,
           gap: str | None = None, drop_empty: bool = True, require=(), hide=()) -> str:
    """`frame` as a reader table. `gap` is the sentence shown when nothing in it is published
    (default: a generic one). `year`: the edition of the figures, when the frame has no
    `year` column. `require`: columns without which a row means nothing (e.g. the province's
    score in a score-against-average table). `hide`: columns that say what a row's figures
    are (unit, unit system) without being shown. With `cites`, every figure is an element
    that the brief's CSV lists, and each row cites its figures' sources."""
    i18n.check_lang(lang)
    for column in require:
        frame = frame[frame[column].notna()]
    shown_columns, shown = published_records(frame, drop_empty)
    if not shown:
        return _gap(gap, lang)
    columns = [c for c in shown_columns if c not in SOURCE_COLUMNS and c not in hide]
    numeric = (*SCORE_COLUMNS, *PERCENT_COLUMNS, *INTEGER_COLUMNS, *VALUE_COLUMNS)
    inline = "conflict" in columns  # each value of a conflict cites its own source in place
    body_rows, any_missing = [], False
    for record in shown:
        figures = _row_figures(record, year, cites, lang) if cites is not None else {}
        cells = []
        for column in columns:
            text = cell_text(column, record[column], lang)
            any_missing |= text == i18n.MISSING
            css = ' class="num"' if column in numeric else ""
            body = figures.get(column, html.escape(text))
            if column == "unit_system" and text != i18n.MISSING:
                body = n_units_html(int(record[column]))
            if column == "conflict" and cites is not None:
                body = conflict_html(text, cites, lang, record, year)
            cells.append(f"<td{css}>{body}</td>")
        body_rows.append("".join(cells))
    cited = cites is not None and not inline and any(cites.figures_in(r) for r in body_rows)
    head = "".join(f'<th scope="col">{html.escape(header(c, lang))}</th>' for c in columns)
    rows = []
    for row in body_rows:
        marks = f'<td class="cite-col">{cites.marks_of(cites.figures_in(row))}</td>' \
            if cited else ""
        rows.append(f"<tr>{row}{marks}</tr>")
    out = _table(table_id, head + (cite_head(lang) if cited else ""), rows, any_missing, lang)
    return out + (cites.legend_html() if cites is not None else "")


def _row_figures(record: dict, year, cites, lang: str) -> dict[str, str]:
    """The row's figures as elements, by column (columns without a figure are left out)."""
    get = record.get
    where = {"year": get("year", year), "unit": get("unit", ""),
             "unit_system": get("unit_system", UNITS_BEFORE_MERGER),
             "measure": get("measure", "")}
    if i18n.is_missing(where["year"]):
        where["year"] = year
    dti_ready = not i18n.is_missing(where["year"]) and where["unit"] and where["measure"]
    out: dict[str, str] = {}
    present = {c for c, v in record.items() if not i18n.is_missing(v)}
    if dti_ready and "score" in present:
        out["score"] = cites.score(record["score"], **where)
    if dti_ready and "rank" in present:
        out["rank"] = cites.rank(record["rank"], **where)
        if "percentile" in present:
            out["percentile"] = cites.percentile(record["percentile"], out["rank"])
    if dti_ready and "national_average" in present:
        out["national_average"] = cites.score(record["national_average"],
                                              **{**where, "unit": NATIONAL_AVERAGE_UNIT})
        if "gap" in present and "score" in out:
            out["gap"] = cites.derived("difference", i18n.number(record["gap"], lang),
                                       [out["score"], out["national_average"]])
    if dti_ready and "previous_rank" in present and "previous_year" in present:
        out["previous_rank"] = cites.rank(record["previous_rank"], **{
            **where, "year": record["previous_year"],
            "unit_system": where["unit_system"] if i18n.is_missing(
                get("previous_unit_system")) else get("previous_unit_system")})
        if "change" in present and "rank" in out:
            out["change"] = cites.derived("difference", cell_text("change", record["change"],
                                                                  lang),
                                          [out["rank"], out["previous_rank"]])
    if "target_rank" in present and cites.targets is not None:
        out["target_rank"] = resolution_text.target_rank_figure(cites.targets,
                                                          int(record["target_horizon"]), cites)
    if "target_id" in present and "horizon" in present and "source_id" in present:
        for which in ("from", "to"):
            if f"{which}_value" in present:
                out[f"{which}_value"] = resolution_text.revision_figure(record, which, cites)
            if f"{which}_wording" in present:
                out[f"{which}_wording"] = resolution_text.revision_figure(
                    record, which, cites, text=i18n.data_text(record[f"{which}_wording"], lang))
    if "n_targets" in present and "source_id" in present:
        for column in ("n_targets", "of_total"):
            if column in present:
                out[column] = resolution_text.status_count(record, column, cites)
        if resolution_text.has_threshold(record["status"]):
            out["status"] = _status_with_threshold(record, cites, lang)
    return out


def _status_with_threshold(record: dict, cites, lang: str) -> str:
    """A status with a share ("at least 60%") as HTML, the share a figure of the status report."""
    kind = "at_least" if "at_least" in str(record["status"]) else "at"
    return say(f"status.template.{kind}", lang,
                         pct=resolution_text.threshold_figure(record["status"], record, cites))


def _table(table_id: str, head: str, rows: list[str], any_missing: bool, lang: str) -> str:
    """The table element, then the one legend line when a cell reads "—"."""
    out = (f'<table class="{table_class(rows)}" id="{html.escape(_id(table_id), quote=True)}">'
           f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return out + (legend(lang) if any_missing else "")


# A table this short is printed whole, on one page (a longer one may break between rows).
SHORT_TABLE_ROWS = 15


def table_class(rows: list[str], *extra: str) -> str:
    """The table's classes: `short` when it has at most SHORT_TABLE_ROWS rows."""
    return " ".join(["brief-table", *extra, *(["short"] if len(rows) <= SHORT_TABLE_ROWS
                                              else [])])


def _id(text: str) -> str:
    """`text` when it is already a table id ("tbl-…"), else `table_id(text)`."""
    return text if str(text).startswith("tbl-") else table_id(text)


def legend(lang: str) -> str:
    """The one legend line under a table that says what "—" means."""
    return f'<p class="legend">{html.escape(i18n.t("table.legend", lang))}</p>'


def gap(text: str) -> str:
    """The one sentence that replaces a table or chart in which nothing is published."""
    return f'<p class="gap">{html.escape(text)}</p>'


def _gap(text: str | None, lang: str) -> str:
    """`gap(text)`, with the catalog's generic sentence when `text` is None or empty."""
    return gap(text or i18n.t("table.gap_default", lang))


def wide(frame: pd.DataFrame, index: str, columns: str, values: str, lang: str, *,
         table_id: str, cites=None, year=None, gap: str | None = None) -> str:
    """A tidy frame of ranks spread for reading (e.g. measure × unit). Rows and columns with
    nothing published are not drawn; one sentence under the table names the units left out.
    With `cites`, each rank is an element and each row cites its ranks' sources."""
    i18n.check_lang(lang)
    published = frame[frame[values].notna()]
    if published.empty:
        return _gap(gap, lang)
    keys = [k for k in dict.fromkeys(frame[index]) if k in set(published[index])]
    cols = [c for c in dict.fromkeys(frame[columns]) if c in set(published[columns])]
    left_out = [c for c in dict.fromkeys(frame[columns]) if c not in cols]
    cell = {(r[index], r[columns]): r for r in published.to_dict("records")}
    head = f'<th scope="col">{html.escape(header(index, lang))}</th>' + "".join(
        f'<th scope="col">{html.escape(cell_text(columns, c, lang))}</th>' for c in cols)
    if cites is not None:
        head += cite_head(lang)
    rows, any_missing = [], False
    for key in keys:
        cells = [f"<td>{html.escape(cell_text(index, key, lang))}</td>"]
        for c in cols:
            record = cell.get((key, c))
            if record is None:
                any_missing = True
                cells.append(f'<td class="num">{i18n.MISSING}</td>')
                continue
            text = html.escape(cell_text(values, record[values], lang))
            if cites is not None:
                text = cites.rank(record[values], year=record.get("year", year),
                                  unit=record["unit"], measure=record["measure"],
                                  unit_system=record.get("unit_system", UNITS_BEFORE_MERGER))
            cells.append(f'<td class="num">{text}</td>')
        row = "".join(cells)
        if cites is not None:
            row += f'<td class="cite-col">{cites.marks_of(cites.figures_in(row))}</td>'
        rows.append(f"<tr>{row}</tr>")
    out = _table(table_id, head, rows, any_missing, lang)
    if cites is not None:
        out += cites.legend_html()
    if left_out:
        units = i18n.join([cell_text(columns, c, lang) for c in left_out], lang)
        out += f'<p class="gap">{html.escape(i18n.t("table.gap_units", lang, units=units))}</p>'
    return out


_CONFLICT_VALUE = re.compile(r"^\s*(?:(rank|score)\s*:\s*)?([0-9.]+)\s*\(([A-Za-z0-9][A-Za-z0-9.\-]*)\)\s*$")


def conflict_html(text: str, cites, lang: str, record: dict | None = None, year=None) -> str:
    """"rank: 6 (source-a); 5 (source-b)": each value an element citing the sources that give
    it, the words "rank"/"score" in the brief's language; everything else escaped."""
    words = {"rank": header("rank", lang).lower(), "score": header("score", lang).lower()}
    record = record or {}
    where = {"year": record.get("year", year), "unit": record.get("unit", ""),
             "measure": record.get("measure", ""),
             "unit_system": record.get("unit_system", UNITS_BEFORE_MERGER)}
    out, kind = [], "rank"
    for group in str(text).split("|"):
        parts, seen = [], set()
        for part in group.split(";"):
            match = _CONFLICT_VALUE.match(part)
            if not match or i18n.is_missing(where["year"]):
                parts.append(html.escape(part.strip()))
                continue
            kind = match[1] or kind
            if (kind, float(match[2])) in seen:
                continue  # a value given by several sources: shown once, citing them all
            seen.add((kind, float(match[2])))
            value = float(match[2]) if kind == "score" else int(float(match[2]))
            figure = cites.score(value, **where) if kind == "score" else cites.rank(value, **where)
            lead = f"{words[kind]}: " if match[1] else ""
            parts.append(f"{lead}{figure}{cites.marks_of([figure])}")
        out.append("; ".join(parts))
    return " | ".join(out)


def targets(frame: pd.DataFrame, lang: str, *, cites, table_id: str = "targets",
            drafts: pd.DataFrame | None = None) -> str:
    """The Resolution's targets as identified: id, horizon, wording, value, unit. The wording
    is the source's own in the brief's language where the data has it (a draft's, from
    `drafts`, said to be the draft and cited to it; a paraphrase said to be one), else the
    project's marked translation; wording and value are figures, each row cites its figures."""
    i18n.check_lang(lang)
    heads = ["target_id", "horizon", "label", "value_text", "unit"]
    head = "".join(f'<th scope="col">{html.escape(header(c, lang))}</th>' for c in heads)
    rows, any_missing = [], False
    for _, goal in frame.iterrows():
        value = resolution_text.data_texts([goal["value_text"]], lang)[0]
        cells = [html.escape(str(goal["target_id"])), str(int(goal["horizon"])),
                 wording_html(goal, lang, cites, drafts),
                 resolution_text.target_figure(goal, cites, text=value) if value else i18n.MISSING,
                 unit_html(goal["unit"], lang) or i18n.MISSING]
        any_missing |= i18n.MISSING in cells
        row = "".join(f"<td>{c}</td>" for c in cells)
        rows.append(f'<tr>{row}<td class="cite-col">{cites.marks_of(cites.figures_in(row))}'
                    "</td></tr>")
    out = _table(table_id, head + cite_head(lang), rows, any_missing, lang)
    return out + cites.legend_html()


REVISION_COLUMNS = ["target_id", "horizon", "from_wording", "from_value", "to_wording",
                    "to_value", "unit", "proposed_on", "status", "source_id"]


def revisions(frame: pd.DataFrame, lang: str, *, cites, gap: str | None = None) -> str:
    """The proposed revisions, each with the target's wording before and after beside its
    values (a change of words, such as level-4 → fully online services, shows even where the
    value stays): the source's Vietnamese, or the project's marked translation of it; every
    value and wording a figure cited to the report that proposed it."""
    shown = frame.assign(from_wording=frame["from_wording_vi"], to_wording=frame["to_wording_vi"])
    return render(shown[REVISION_COLUMNS], lang, table_id="revisions", cites=cites, gap=gap)


def wording_html(goal, lang: str, cites, drafts: pd.DataFrame | None = None) -> str:
    """A target's wording as a figure (cited to the page whose words it is), followed by what
    it is when it is a draft or a paraphrase; "—" when the data has none."""
    wording = resolution_text.target_wording_shown(goal, lang, drafts)
    if not wording.text:
        return i18n.MISSING
    if wording.kind == "draft":
        figure = cites.stated("target", wording.text, source_ids=wording.source_ids,
                              year=goal["horizon"], unit=HOME_PROVINCE,
                              measure=goal["target_id"], quote=wording.text)
    else:
        figure = resolution_text.target_figure(goal, cites, text=wording.text)
    note = resolution_text.wording_note(wording, lang)
    return f'{figure} <span class="wording-note">{html.escape(note)}</span>' if note else figure


def progress(frame: pd.DataFrame, lang: str, *, cites, table_id: str = "progress") -> str:
    """Reported progress: target, when, what was reported (a figure of kind progress: the
    number, or the report's words), unit; each row cites its report."""
    i18n.check_lang(lang)
    heads = ["target_id", "as_of", "value_text", "unit"]
    head = "".join(f'<th scope="col">{html.escape(header(c, lang))}</th>' for c in heads)
    rows = []
    for _, report in frame.iterrows():
        shown = (i18n.value(report["value"], lang) if not i18n.is_missing(report["value"])
                 else i18n.data_text(report["value_text"], lang))
        figure = cites.stated("progress", shown, source_ids=report["source_ids"]
                              or report["source_id"], year=report["as_of_year"],
                              unit=HOME_PROVINCE, measure=report["target_id"],
                              quote=citations.quote_of(report.get("note", "")))
        cells = [html.escape(resolution_text.target_name(report["target_id"], lang)),
                 html.escape(resolution_text.as_of_text(report["as_of"], lang)), figure,
                 unit_html(report["unit"], lang)]
        row = "".join(f"<td>{c}</td>" for c in cells)
        rows.append(f'<tr>{row}<td class="cite-col">{cites.marks_of(cites.figures_in(row))}'
                    "</td></tr>")
    return _table(table_id, head + cite_head(lang), rows, False, lang) + cites.legend_html()


def unit_html(text, lang: str) -> str:
    """A target's unit in words. Units that are a ranking ("rank of 63 (DTI value 0.3504)") or
    a count of the Resolution's targets are said by the catalog, so that no figure hides in
    a unit's words."""
    text = "" if i18n.is_missing(text) else str(text)
    if text.startswith("rank"):
        return say("table.unit_rank", lang, n=n_units_html(UNITS_BEFORE_MERGER))
    if text.startswith("number of the"):
        return html.escape(i18n.t("table.unit_targets", lang))
    return html.escape(resolution_text.data_texts([text], lang)[0])
