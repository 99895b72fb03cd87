"""The brief's HTML contract: what HTML a brief may hold, the one sanitiser that holds it to
that, and the stylesheet that styles it.

Both ends of a brief use it: the notebooks style their own outputs with the classes named here
(`notebook_style`, for JupyterLab) and the runner's export passes every piece of notebook HTML
through `sanitize_html` and inlines `brief_css()` in the page (`runner.export`,
`runner.brief_exporter`). It sits in the top layer, beside the notebooks' modules, so that the
notebooks never reach into the runner for it.

Why nh3 and not nbconvert's own `HTMLExporter.sanitize_html`: nbconvert's `clean_html` is bleach
(deprecated upstream since 2023) with bleach's default allow-list, which removes headings,
images, `sup`, `section` and table heads, and cannot express "`href` may be `#…`, `http(s):` or
`data:text/csv`, `img src` only a PNG/SVG data URL". nh3 (Rust's ammonia, an HTML5 parser, not
regexes) takes exactly that allow-list, and it is pinned in the project. The exporter plugs it
into nbconvert's own `clean_html` slot, so it runs at every point where nbconvert would sanitise.
"""

from __future__ import annotations

import functools
import re

import nh3

from analysis.paths import TEMPLATES_DIR

# --- The sanitiser --------------------------------------------------------------------------------
# The shared HTML contract (glance box, reader tables, legend and gap lines, numbered citations,
# source list, CSV download, charts as data-URL images) plus the plain elements Markdown renders
# to. Anything not named here is dropped: scripts, styles, frames, forms, objects, event
# handlers, and every URL but those `_allowed_url` accepts.

SANITIZE_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
    "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section",
    "small", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul", "var",
})
# Removed with everything inside them (the rest of the unknown tags lose the tag, keep the text).
SANITIZE_DROP_WITH_CONTENT = frozenset({
    "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object", "embed",
    "applet", "svg", "math", "select", "textarea", "title",
})
_ANCHORED = {"id"}  # targets of internal links: headings, tables, source-list items, …
SANITIZE_ATTRIBUTES = {
    "*": {"lang", "title"},
    **{f"h{n}": _ANCHORED for n in range(1, 7)},
    "section": _ANCHORED, "figure": _ANCHORED, "sup": _ANCHORED, "li": _ANCHORED,
    "table": _ANCHORED,
    "a": {"href", "download", "data-print"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"colspan", "rowspan", "scope", "style"},
    "td": {"colspan", "rowspan", "style"},
    "tr": {"style"},
    "col": {"span"}, "colgroup": {"span"},
    "details": {"open"},
    # A figure's element: its row in the brief's CSV, and focusable so its evidence shows.
    "span": {"data-csv", "tabindex"},
}
# The shades of a grid's cells (analysis.grids), on cells and on the swatches of its key.
_GRID_SHADES = {*(f"heat-{n}" for n in range(1, 6)), "merged", "not-comparable", "cov-full",
                "cov-rank", "cov-score"}
SANITIZE_CLASSES = {
    "section": {"glance"},
    "table": {"brief-table", "dataframe", "grid", "short"},
    "p": {"legend", "gap", "missing", "chart-source", "brief-nav"},
    "span": {"note", "swatch", "fig", "tentative", "disputed", "flag", "n-units", *_GRID_SHADES},
    "td": {"num", "cite-col", *_GRID_SHADES},
    "th": {"num", "cite-col", "merged"},
    "sup": {"cite"},
    "ol": {"sources"},
    "a": {"download", "anchor-link"},
}
_IMAGE_URL = ("data:image/png;base64,", "data:image/svg+xml;base64,")
_LINK_URL = ("#", "http://", "https://", "data:text/csv;", "data:text/csv,")
# Links between briefs and to the index (analysis.brief.nav_html): a relative path of slug
# characters ending in .html, so no scheme, query or host can ride on it.
_BRIEF_LINK = re.compile(r"(\.\./)*[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*\.html")
_FILE_NAME = re.compile(r"[^/\\<>:\"|?*\x00-\x1f]{1,120}")


def _allowed_url(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: which URL (and file name) values stay; None drops the attribute."""
    if attribute == "src":
        return value if tag == "img" and value.strip().lower().startswith(_IMAGE_URL) else None
    if attribute == "href":
        return value if (value.strip().lower().startswith(_LINK_URL)
                         or _BRIEF_LINK.fullmatch(value)) else None
    if attribute == "download":
        return value if _FILE_NAME.fullmatch(value) else None
    return value


def sanitize_html(html) -> str:
    """`html` (a fragment from a notebook) with only the allow-listed elements, attributes,
    classes and URLs left."""
    html = html.decode() if isinstance(html, bytes) else str(html)
    return nh3.clean(
        html,
        tags=set(SANITIZE_TAGS),
        clean_content_tags=set(SANITIZE_DROP_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in SANITIZE_ATTRIBUTES.items()},
        attribute_filter=_allowed_url,
        allowed_classes={tag: set(names) for tag, names in SANITIZE_CLASSES.items()},
        filter_style_properties={"text-align"},
        url_schemes={"http", "https", "data"},
        strip_comments=True,
        link_rel=None,  # keeps links as written; no target="_blank" is allowed anyway
    )


# --- The stylesheet ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def brief_css() -> str:
    """The brief's stylesheet (templates/brief.css)."""
    return (TEMPLATES_DIR / "brief.css").read_text(encoding="utf-8").strip()
