"""`outputs/index.html`: the list of briefs, for people.

- In the language(s) of the run: the languages of the entries, words from the catalogs' `[index]`
  section. With both languages the page is ONE list with bilingual headings ("vi / en"), because
  the Vietnamese and English versions of a brief sit side by side in one row: two separate parts
  would list every brief twice and split the pairs a reader compares.
- A headline strip first: the home province's DTI rank per edition (the preferred published
  figure, each with a link to its source); a rank nobody published is "—", explained once; where
  the province exists only inside a post-merger unit (2024), that unit's rank among 34 is shown
  and labelled as such (not comparable with ranks among 63).
- Then one collapsible `<details>` section per edition, newest first (no script, nothing fetched):
  the home province, then briefs over all provinces, then the other provinces in Vietnamese
  alphabetical order; one row per notebook (and `variant`, the slug of extra parameters, shown
  when not empty), one column per language; a failed run is marked, with its notebook and, if
  there is one, the earlier brief that stays published.

No durations or dates: the same entries (and data) give the same bytes. Every text that comes from
the entries or the data is escaped.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path

from analysis.atomic import write_text_atomic
from analysis.i18n import MISSING, integer, t, vietnamese_sort_key
from analysis.measures import HOME_PROVINCE, LANGS, OVERALL, UNITS_AFTER_MERGER, UNITS_BEFORE_MERGER

# The sections stay open while the page is short; with more rows only the newest edition is.
OPEN_ALL_UP_TO_ROWS = 60

INDEX_CSS = """
:root{color-scheme:light}
body{margin:0;background:#f6f6f3;color:#1d1d1b;font:16px/1.5 "Noto Sans","Segoe UI",Arial,"DejaVu Sans",sans-serif}
main{max-width:1100px;margin:0 auto;padding:1.6rem 2rem 3rem;background:#fff}
h1{font-size:1.7rem;line-height:1.25;margin:.2rem 0 1rem}
h2{font-size:1.15rem;margin:0 0 .5rem}
a{color:#0b5cad}
.alt{color:#5b6770;font-weight:400}
.headline{margin:0 0 1.4rem;padding:.9rem 1.2rem;background:#f3f6f8;border-left:4px solid #0b5cad}
.headline ol{display:flex;flex-wrap:wrap;gap:.6rem 1.6rem;margin:.2rem 0;padding:0;list-style:none}
.headline li{min-width:7.5rem}
.headline .year{display:block;color:#5b6770;font-size:.82rem}
.headline .rank{font-size:1.35rem;font-weight:700;font-variant-numeric:tabular-nums}
.headline .merged{display:block;font-size:.85rem;max-width:22rem}
.headline .src{font-size:.78rem;margin-left:.3rem}
.note{color:#5b6770;font-size:.82rem;margin:.4rem 0 0}
nav.editions{margin:0 0 1rem;font-size:.95rem}
nav.editions a{margin-right:.8rem}
details{margin:0 0 .8rem;border:1px solid #e2e2de;border-radius:3px}
summary{cursor:pointer;padding:.5rem .8rem;background:#fafaf8;font-weight:600}
summary .count{color:#5b6770;font-weight:400;margin-left:.6rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:.3rem .7rem;border-bottom:1px solid #e2e2de;text-align:left;vertical-align:top;overflow-wrap:break-word}
thead th{border-bottom:2px solid #999;background:#fff}
tbody th{font-weight:600;white-space:nowrap}
tbody.home th{color:#0b5cad}
.variant{display:inline-block;margin-left:.4rem;padding:0 .35rem;border:1px solid #c9d3da;border-radius:3px;font-size:.8rem;color:#44515a}
td.failed{background:#fbeeec}
.failed .mark{color:#8a1f11;font-weight:700}
.failed small{display:block;color:#6b3a33}
.dataset{margin:0 0 1.2rem}
.dataset ul{margin:.2rem 0;padding-left:1.2rem}
@page{size:A4;margin:15mm 14mm}
@media print{body{background:#fff}main{max-width:none;padding:0}details{border:0}
summary{background:none}tr{break-inside:avoid}thead{display:table-header-group}
details::details-content{content-visibility:visible}}
""".strip()


def _e(text) -> str:
    """`text` escaped for HTML text or an attribute value (quotes too)."""
    return html.escape(str(text), quote=True)


class _Words:
    """The page's words in its language(s): one language plain, two as "vi / en"."""

    def __init__(self, langs: list[str]):
        """The words of a page in `langs`, the first language first."""
        self.langs = langs

    def html(self, key: str, **values) -> str:
        """The message in the first language, escaped, then in each other language after a "/",
        in a span of class `alt`."""
        first = _e(t(key, self.langs[0], **values))
        rest = "".join(f' <span class="alt" lang="{lang}">/ {_e(t(key, lang, **values))}</span>'
                       for lang in self.langs[1:])
        return first + rest

    def plain(self, key: str, **values) -> str:
        """The message in each language, joined by " / ", as plain (unescaped) text."""
        return " / ".join(t(key, lang, **values) for lang in self.langs)


def run_langs(entries: list[dict]) -> list[str]:
    """The languages of the run, in the catalogs' order (Vietnamese first); "vi" if none."""
    present = {entry.get("lang") or LANGS[0] for entry in entries}
    return [lang for lang in LANGS if lang in present] or [LANGS[0]]


def province_order(name: str | None) -> tuple:
    """The home province first, then briefs over all provinces (no province), then the others in
    Vietnamese alphabetical order."""
    if name == HOME_PROVINCE:
        return (0, ())
    if not name:
        return (1, ())
    return (2, vietnamese_sort_key(name))


def _edition_order(year) -> tuple:
    """Sort key of an edition: newest first, entries without an edition last."""
    return (1, 0) if year in (None, "") else (0, -int(year))


def group_entries(entries: list[dict]) -> dict:
    """{year: {province: {(notebook, variant): {lang: entry}}}}, each level in display order."""
    langs = run_langs(entries)
    tree: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for entry in entries:
        row = (entry.get("notebook") or "", entry.get("variant") or "")
        tree[entry.get("year")][entry.get("province")][row][entry.get("lang") or langs[0]] = entry
    return {
        year: {province: dict(sorted(tree[year][province].items()))
               for province in sorted(tree[year], key=province_order)}
        for year in sorted(tree, key=_edition_order)
    }


# --- headline strip ------------------------------------------------------------------------------


def _source_urls(data_dir) -> dict[str, str]:
    """Each source's URL by source id, for the sources that have a web address (http or https)."""
    from analysis.data import load_sources

    sources = load_sources(data_dir)
    return {sid: url for sid, url in zip(sources["source_id"], sources["url"])
            if str(url).lower().startswith(("https://", "http://"))}


def _merged_unit(data_dir) -> str | None:
    """The post-merger unit the home province became part of; None when the table names none."""
    from analysis.data import load_provinces

    provinces = load_provinces(data_dir)
    match = provinces.loc[provinces["name"] == HOME_PROVINCE, "unit_2025"]
    return str(match.iloc[0]) if len(match) and str(match.iloc[0]) else None


def headline_ranks(data_dir=None) -> list[dict]:
    """Per DTI edition: the home province's rank among 63 (None when not published) and, where
    published, its post-merger unit's rank among 34; each with its source's URL."""
    from analysis.data import preferred_dti

    dti = preferred_dti(data_dir)
    years = sorted({int(y) for y in dti["year"]})
    dti = dti[(dti["measure"] == OVERALL) & dti["rank"].notna()]
    urls, merged = _source_urls(data_dir), _merged_unit(data_dir)
    strip = []
    for year in years:
        home = dti[(dti["year"] == year) & (dti["unit_system"] == UNITS_BEFORE_MERGER) & (dti["unit"] == HOME_PROVINCE)]
        item = {"year": year, "rank": None, "n_units": 63, "url": None, "merged": None}
        if len(home):
            item["rank"] = int(home["rank"].iloc[0])
            item["url"] = urls.get(home["rank_source_id"].iloc[0])
        unit = dti[(dti["year"] == year) & (dti["unit_system"] == UNITS_AFTER_MERGER) & (dti["unit"] == merged)]
        if merged and len(unit):
            item["merged"] = {"unit": merged, "rank": int(unit["rank"].iloc[0]), "n_units": 34,
                              "url": urls.get(unit["rank_source_id"].iloc[0])}
        strip.append(item)
    return strip


def _source_link(url: str | None, words: _Words) -> str:
    """A "source" link to `url`, to put after a rank; "" without a URL."""
    return f' <a class="src" href="{_e(url)}">{words.html("index.source")}</a>' if url else ""


def _headline_html(strip: list[dict], words: _Words) -> str:
    """The headline strip: the home province's rank per edition (and its post-merger unit's), each
    linked to its source, with notes on "—" and ranks among 34."""
    lang = words.langs[0]
    items = []
    for item in strip:
        if item["rank"] is None:
            rank = f'<span class="rank">{MISSING}</span>'
        else:
            rank = (f'<span class="rank">{_e(integer(item["rank"], lang))}/{item["n_units"]}</span>'
                    + _source_link(item["url"], words))
        merged = ""
        if item["merged"]:
            m = item["merged"]
            figure = f'{_e(integer(m["rank"], lang))}/{m["n_units"]}'
            merged = (f'<span class="merged">{_e(m["unit"])}: <b>{figure}</b> '
                      f'({words.html("index.merged_label")}){_source_link(m["url"], words)}</span>')
        items.append(f'<li><span class="year">DTI {item["year"]}</span>{rank}{merged}</li>')
    notes = []
    if any(item["rank"] is None for item in strip):
        notes.append(f'{MISSING} : {words.html("common.not_published")}')
    if any(item["merged"] for item in strip):
        notes.append(words.html("index.merged_note"))
    note = "".join(f'<p class="note">{n}</p>' for n in notes)
    return (f'<section class="headline" aria-label="{_e(words.plain("index.headline", province=HOME_PROVINCE))}">'
            f'<h2>{words.html("index.headline", province=HOME_PROVINCE)}</h2>'
            f'<ol>{"".join(items)}</ol>{note}</section>')


# --- the list of briefs --------------------------------------------------------------------------


def _notebook_name(notebook: str, words: _Words) -> str:
    """The notebook's name from the catalog (`[index.notebook]`), else its file name, as HTML."""
    key = f"index.notebook.{notebook}"
    try:
        return words.html(key)
    except KeyError:  # a notebook the catalog does not name yet: its file name
        return _e(notebook)


def _brief_cell(entry: dict | None, lang: str, words: _Words) -> str:
    """One language's cell of a row: the brief's link when it ran; else a failure mark, links to an
    earlier brief and the failed notebook, and the error; empty without an entry."""
    if entry is None:
        return f'<td lang="{lang}"></td>'
    link = entry.get("html") or entry.get("previous_html")
    if entry.get("status") == "ok" and entry.get("html"):
        title = entry.get("title") or entry["html"]
        return f'<td lang="{lang}"><a href="{_e(link)}">{_e(title)}</a></td>'
    parts = [f'<span class="mark">✗ {words.html("index.failed")}</span>']
    if entry.get("previous_html"):
        parts.append(f'<a href="{_e(entry["previous_html"])}">{words.html("index.previous_brief")}</a>')
    if entry.get("ipynb"):
        parts.append(f'<a href="{_e(entry["ipynb"])}">{words.html("index.failed_notebook")}</a>')
    error = f'<small>{_e(entry["error"])}</small>' if entry.get("error") else ""
    return f'<td class="failed" lang="{lang}">{" · ".join(parts)}{error}</td>'


def _province_rows(province: str | None, rows: dict, langs: list[str], words: _Words) -> str:
    """A province's `<tbody>`: one row per notebook (and variant) under the province's name, one
    cell per language."""
    name = _e(province) if province else words.html("index.all_provinces")
    out = []
    for i, ((notebook, variant), by_lang) in enumerate(rows.items()):
        head = f'<th scope="rowgroup" rowspan="{len(rows)}">{name}</th>' if i == 0 else ""
        badge = f'<span class="variant">{_e(variant)}</span>' if variant else ""
        cells = "".join(_brief_cell(by_lang.get(lang), lang, words) for lang in langs)
        out.append(f"<tr>{head}<td>{_notebook_name(notebook, words)}{badge}</td>{cells}</tr>")
    css = ' class="home"' if province == HOME_PROVINCE else ""
    return f"<tbody{css}>\n" + "\n".join(out) + "\n</tbody>"


def _edition_html(year, provinces: dict, langs: list[str], words: _Words, is_open: bool) -> str:
    """An edition's `<details id="ed-<year>">`: the count of its briefs (and failures) and their
    table; open when `is_open`."""
    briefs = [e for rows in provinces.values() for by_lang in rows.values() for e in by_lang.values()]
    failed = sum(e.get("status") != "ok" for e in briefs)
    label = f"DTI {year}" if year not in (None, "") else words.html("index.no_edition")
    count = words.html("index.count_briefs", count=len(briefs))
    if failed:
        count += " · " + words.html("index.count_failed", count=failed)
    lang_heads = "".join(f'<th scope="col" lang="{lang}">{_e(t("index.language_name", lang))}</th>'
                         for lang in langs)
    head = (f'<thead><tr><th scope="col">{words.html("index.province")}</th>'
            f'<th scope="col">{words.html("index.notebook_column")}</th>{lang_heads}</tr></thead>')
    body = "\n".join(_province_rows(p, rows, langs, words) for p, rows in provinces.items())
    anchor = f"ed-{year}" if year not in (None, "") else "ed-none"
    return (f'<details id="{anchor}"{" open" if is_open else ""}>\n'
            f'<summary>{label}<span class="count">{count}</span></summary>\n'
            f"<table>\n{head}\n{body}\n</table>\n</details>")


def _dataset_html(words: _Words) -> str:
    """Links to the whole dataset that every batch writes beside the briefs (runner.dataset)."""
    from analysis.runner.dataset import DATA_SUBDIR, DESCRIPTOR, WORKBOOK

    return (f'<section class="dataset">\n<h2>{words.html("index.dataset")}</h2>\n<ul>\n'
            f'<li><a href="{DATA_SUBDIR}/{DESCRIPTOR}">{words.html("index.dataset_csv")}</a></li>\n'
            f'<li><a href="{DATA_SUBDIR}/{WORKBOOK}">{words.html("index.dataset_xlsx")}</a></li>\n'
            f'</ul>\n<p class="note">{words.html("index.dataset_note")}</p>\n</section>')


def render_index(entries: list[dict], data_dir=None) -> str:
    """The index page for `entries` (the manifest's runs) as HTML text."""
    langs = run_langs(entries)
    words = _Words(langs)
    tree = group_entries(entries)
    n_rows = sum(len(rows) for provinces in tree.values() for rows in provinces.values())
    sections = [_edition_html(year, provinces, langs, words,
                              is_open=(i == 0 or n_rows <= OPEN_ALL_UP_TO_ROWS))
                for i, (year, provinces) in enumerate(tree.items())]
    nav = " ".join(f'<a href="#ed-{year}">{year}</a>' for year in tree if year not in (None, ""))
    body = "\n".join(sections) if sections else f'<p>{words.html("index.empty")}</p>'
    return f"""<!DOCTYPE html>
<html lang="{langs[0]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(words.plain("index.title"))}</title>
<style>
{INDEX_CSS}
</style>
</head>
<body>
<main>
<h1>{words.html("index.title")}</h1>
{_headline_html(headline_ranks(data_dir), words)}
{_dataset_html(words)}
<nav class="editions" aria-label="{_e(words.plain("index.editions"))}">{words.html("index.editions")}: {nav}</nav>
{body}
</main>
</body>
</html>
"""


def write_index(out: Path, entries: list[dict], data_dir=None) -> None:
    """Write `<out>/index.html` (atomically) for `entries`; figures of the headline strip come
    from `data_dir` (default: the project's data, or $DTI_DATA_DIR)."""
    write_text_atomic(render_index(entries, data_dir), Path(out) / "index.html")
