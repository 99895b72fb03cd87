"""The end of a brief, where a reader follows a number to its page: the numbered source list, the
brief's CSV as a download, and the "Sources of the chart" line under each chart.

Which sources a figure cites and the numbers they get are decided in `citations`; this module
only writes them out.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import re

from analysis import i18n
from analysis.citations import CSV_COLUMNS, Citations, cell_text

PRINTED_URL_CHARS = 90


def sources_section(cites: Citations) -> str:
    """The "Sources" heading, numbered source list and CSV download link of a brief, as HTML."""
    return (f'<h2 id="sources">{html.escape(i18n.t("brief.sources_heading", cites.lang))}</h2>'
            + sources_html(cites) + download_html(cites))


def sources_html(cites: Citations) -> str:
    """`<ol class="sources">`: every source cited, in the order of its number."""
    items = [f'<li id="src-{n}">{_entry(cites, sid)}</li>'
             for sid, n in sorted(cites.numbers.items(), key=lambda item: item[1])]
    return f'<ol class="sources">{"".join(items)}</ol>'


def chart_sources_html(source_ids, cites: Citations) -> str:
    """"Sources of the chart: [1][4]" under a chart, linking to the numbered list."""
    label_text = html.escape(i18n.t("brief.chart_sources", cites.lang))
    return f'<p class="chart-source">{label_text} {cites.marks(source_ids)}</p>'


def csv_text(cites: Citations) -> str:
    """The brief's CSV: UTF-8 with a BOM (Excel reads Vietnamese right), RFC 4180 quoting, CRLF."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    # Each value as text, from the records: a frame built only to be written costs more than
    # the writing (its years and unit systems are whole numbers or "", never floats).
    writer.writerows([str(record[c]) for c in CSV_COLUMNS] for record in cites.csv_records())
    return buffer.getvalue()


def download_html(cites: Citations) -> str:
    """The CSV as a `data:` link, so the brief stays one offline file."""
    payload = base64.b64encode(csv_text(cites).encode("utf-8")).decode("ascii")
    name = html.escape(f"{cites.csv_name}.csv", quote=True)
    return (f'<p><a class="download" download="{name}" '
            f'href="data:text/csv;charset=utf-8;base64,{payload}">'
            f'{html.escape(i18n.t("brief.download", cites.lang))}</a> '
            f'<span class="note">{html.escape(i18n.t("brief.download_note", cites.lang))}'
            "</span></p>")


def _entry(cites: Citations, source_id: str) -> str:
    """One item of the source list as HTML: publisher, title (else the address; linked, with a
    printable address, for a web page) and date; the id alone for an unknown source."""
    if source_id not in cites.sources.index:
        return html.escape(source_id)
    row = cites.sources.loc[source_id]
    publisher = i18n.data_text(cell_text(row.get("publisher")), cites.lang)
    title = i18n.data_text(cell_text(row.get("title")), cites.lang) or cell_text(row.get("url"))
    url = cell_text(row.get("url"))
    # Only a date the source gave as a date; free-text notes on dates stay in the data.
    when = cell_text(row.get("date_published"))
    date = i18n.date(when, cites.lang) if when else ""
    if url.startswith(("http://", "https://")):
        printed = html.escape(printed_url(url), quote=True)
        title_html = (f'<a href="{html.escape(url, quote=True)}" data-print="{printed}">'
                      f"{html.escape(title)}</a>")
    else:
        title_html = html.escape(title)
    parts = [p for p in (html.escape(publisher), title_html, html.escape(date)) if p]
    return ", ".join(parts)


def printed_url(url: str) -> str:
    """A page's address as printed under the source list: whole when it fits one line, else its
    host and the end of its path around "…" (the link keeps the whole address). Runs of
    replacement characters (an address garbled before it was collected) count as one "…"."""
    from urllib.parse import unquote

    shown = re.sub(r"\ufffd+", "…", unquote(url, errors="replace"))
    if len(shown) <= PRINTED_URL_CHARS:
        return shown
    scheme, _, rest = shown.partition("://")
    host, _, path = rest.partition("/")
    room = PRINTED_URL_CHARS - len(scheme) - len(host) - 5
    return f"{scheme}://{host}/…{path[-room:]}" if room > 10 else shown[:PRINTED_URL_CHARS] + "…"
