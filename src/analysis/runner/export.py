"""Executed notebook -> brief: deterministic notebook clean-up and offline, code-free, safe HTML.

- `normalise(nb)`: what makes two executions byte-identical — no timing metadata (papermill keeps
  only the parameters), execution counts 1..n, a fixed id for the injected-parameters cell,
  object addresses (`at 0x7f…`), the kernel's pid in cell file names, no JavaScript or widget
  outputs, and each pandas Styler table's random id replaced by a stable one of its own
  (`T_c<cell>_<n>`: code cell number, n-th Styler of that cell), so no table's CSS reaches
  another. The executed notebook keeps its outputs as they were otherwise: it is the record.
- `topic(nb)`: the notebook's title as it printed it, for the brief's title.
- `external_resources(html)`: every resource the page would load (from the network or from
  disk: anything that is not a `data:` URL); the runner refuses to publish a brief for which this
  is not empty. Links (`<a href>`) are not resources.

The brief itself is rendered by `runner.brief_exporter` (its `render_brief(nb, …)`, also
`jupyter nbconvert --to dti_brief`) from `templates/brief.html.j2`, with every piece of notebook
HTML through the one sanitiser of `analysis.html_contract`.
"""

from __future__ import annotations

import copy
import re
from html import unescape
from html.parser import HTMLParser

INJECTED_ID = "injected-parameters"
# A cell for people working in JupyterLab, not for readers of the brief (e.g. the notebook's static
# bilingual heading: the brief prints its own title, in its one language).
NOTEBOOK_ONLY = "notebook-only"

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
# Warnings name the cell's code file: /tmp/ipykernel_<pid>/<hash of the code>.py. The path
# starts after a delimiter (the lookbehind): the same matches as without it, but a long run of
# non-space text is scanned once, not once per character (150 KB printed on one line took 43 s).
_CELL_FILE = re.compile(r"(?<![^\s\"'<>])[^\s\"'<>]*ipykernel_\d+[/\\](\d+\.py)")
# pandas Styler's default uuid: "T_" + 5 random hex digits, then "_row…", "_col…" or a quote.
_STYLER_ID = re.compile(r"\bT_([0-9a-f]{5})(?=[_\"' ])")
_DROP_MIMES = ("application/javascript", "application/vnd.jupyter.widget-view+json",
               "application/vnd.jupyter.widget-state+json", "text/vnd.mermaid")
_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.MULTILINE)


# --- Normalising the executed notebook -----------------------------------------------------------


def _scrub_text(text: str) -> str:
    """`text` without what differs between runs: object addresses and kernel cell file paths."""
    return _CELL_FILE.sub(r"<cell>/\1", _ADDRESS.sub(" at 0x…>", text))


def _stable_styler_ids(html: str, cell_number: int, ids: dict[str, str]) -> str:
    """Styler's random `T_xxxxx` -> `T_c<cell>_<n>`, n counting this cell's Styler tables."""
    def replace(match):
        """The stable id of the Styler id matched; the cell's next number on its first sight."""
        return ids.setdefault(match[1], f"T_c{cell_number}_{len(ids) + 1}")
    return _STYLER_ID.sub(replace, html)


def _normalise_output(output: dict, cell_number: int, styler_ids: dict[str, str]) -> None:
    """One output made run-independent, in place: JavaScript, widget and Mermaid data dropped, text
    scrubbed (`_scrub_text`), Styler ids made stable."""
    if "data" in output:
        for mime in _DROP_MIMES:
            output["data"].pop(mime, None)
        if "text/plain" in output["data"]:
            output["data"]["text/plain"] = _scrub_text(_join(output["data"]["text/plain"]))
        if "text/html" in output["data"]:
            output["data"]["text/html"] = _stable_styler_ids(
                _join(output["data"]["text/html"]), cell_number, styler_ids)
    if output.get("output_type") == "stream":
        output["text"] = _scrub_text(_join(output["text"]))
    if output.get("output_type") == "error":
        output["traceback"] = [_scrub_text(line) for line in output.get("traceback", [])]


def _continues_stream(outputs: list, output: dict) -> bool:
    """Whether `output` is a stream continuing the last output kept (same name: stdout, stderr)."""
    return (output.get("output_type") == "stream" and bool(outputs)
            and outputs[-1].get("output_type") == "stream"
            and outputs[-1].get("name") == output.get("name"))


def _join(value) -> str:
    """A notebook text field as one string (a list of pieces joined)."""
    return "".join(value) if isinstance(value, list) else value


def normalise(nb):
    """A copy of `nb` that carries nothing run-specific (see module docstring)."""
    nb = copy.deepcopy(nb)
    parameters = nb.metadata.get("papermill", {}).get("parameters")
    nb.metadata.pop("papermill", None)
    if parameters is not None:
        nb.metadata["papermill"] = {"parameters": parameters}
    nb.metadata.pop("widgets", None)
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.metadata.get("tags") == []:
            del cell.metadata["tags"]
        if "injected-parameters" in cell.metadata.get("tags", []) and "id" in cell:
            cell["id"] = INJECTED_ID
        if cell.cell_type != "code":
            continue
        ran = cell.get("execution_count") is not None or cell.outputs
        cell.execution_count = (count := count + 1) if ran else None
        outputs, styler_ids = [], {}
        for output in cell.outputs:
            _normalise_output(output, count, styler_ids)
            if _continues_stream(outputs, output):
                # The kernel flushes stdout on a timer, so one print may arrive in pieces; how
                # many depends on load. Joined, the brief is the same however it arrived.
                outputs[-1]["text"] += output["text"]
                continue
            if output.get("output_type") == "execute_result":
                output["execution_count"] = cell.execution_count
            if output.get("output_type") in ("display_data", "execute_result") \
                    and not output.get("data"):
                continue
            outputs.append(output)
        cell.outputs = outputs
    return nb


def topic(nb) -> str:
    """The notebook's title after parameter injection: metadata `title`, else the first level-1
    heading of a markdown output (the notebooks print one naming province and year), else the
    first level-1 heading of a markdown cell."""
    if nb.metadata.get("title"):
        return str(nb.metadata["title"])
    texts = [_join(output.get("data", {}).get("text/markdown", ""))
             for cell in nb.cells for output in cell.get("outputs", [])]
    texts += [c.source for c in nb.cells if c.cell_type == "markdown"]
    for text in texts:
        match = _HEADING.search(text)
        if match:
            plain = re.sub(r"[*_`]|\[([^\]]*)\]\([^)]*\)", r"\1", match.group(1))
            return unescape(re.sub(r"<[^>]*>", "", plain)).strip()
    return ""


# --- What a page would load ----------------------------------------------------------------------

# Attributes whose URL the browser fetches when the page opens (on any element, SVG included).
# `href` is a fetch on <link>, <base> and SVG's <image>/<use>/<feImage>; on <a>/<area> it is a link.
_FETCHED = frozenset({"src", "data", "poster", "background", "manifest", "codebase",
                      "xlink:href", "href"})
_LINK_TAGS = frozenset({"a", "area"})
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.DOTALL)
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)"""
    r"""|@import\s+(?:"([^"]*)"|'([^']*)')"""
    r"""|image-set\(\s*(?:"([^"]*)"|'([^']*)')""",
    re.IGNORECASE,
)
_SCRIPT_URL = re.compile(r"""(?:https?:)?//[^\s"'`<>)]+""", re.IGNORECASE)
_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\"\s;]+)", re.IGNORECASE)


def _css_urls(css: str) -> list[str]:
    """Every URL a stylesheet or `style` attribute loads (`url()`, `@import`, `image-set()`),
    comments left out and escapes decoded."""
    def unescape_css(match):
        """The character a CSS escape stands for (a hexadecimal code point, or the character)."""
        return chr(int(match[1], 16)) if match[1] else match[2]
    css = _CSS_ESCAPE.sub(unescape_css, _CSS_COMMENT.sub("", css))
    return [next(g for g in m.groups() if g is not None) for m in _CSS_URL.finditer(css)]


def _srcset_urls(srcset: str) -> list[str]:
    """The URLs of a `srcset` attribute's candidates, without their descriptors."""
    # A candidate is a URL (no spaces; a data URL may hold commas) then optional descriptors.
    return [m[1].rstrip(",") for m in re.finditer(r"\s*([^\s,][^\s]*)(?:\s+[^,]*)?,?", srcset)]


class _ResourceFinder(HTMLParser):
    """An HTML parser that collects the URLs a page would fetch (see `external_resources`)."""
    def __init__(self):
        """A parser with no URL found yet, inside no `<style>` or `<script>`."""
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in = None  # "style" or "script" while inside one

    def handle_starttag(self, tag, attrs):
        """The URLs a start tag fetches (see `external_resources`), an inline `<script>` noted as
        such; entering a `<style>` or `<script>` noted."""
        for name, value in attrs:
            value = value or ""
            if name in _FETCHED and not (name == "href" and tag in _LINK_TAGS):
                self.urls.append(value)
            elif name in ("srcset", "imagesrcset"):
                self.urls += _srcset_urls(value)
            elif name == "style":
                self.urls += _css_urls(value)
        attributes = {k: v or "" for k, v in attrs}
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.urls += _REFRESH_URL.findall(attributes.get("content", ""))
        if tag == "script" and "src" not in attributes:
            self.urls.append("<script> (inline)")
        if tag in ("style", "script"):
            self._in = tag

    def handle_endtag(self, tag):
        """Outside a `<style>` or `<script>` again once it ends."""
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        """URLs in the text of a `<style>` (CSS) or a `<script>` (http(s), protocol-relative)."""
        if self._in == "style":
            self.urls += _css_urls(data)
        elif self._in == "script":
            self.urls += _SCRIPT_URL.findall(data)


def _is_local(url: str) -> bool:
    """Whether a URL loads nothing: empty, a `#fragment` or a `data:` URL."""
    url = url.strip()
    return not url or url.startswith("#") or url[:5].lower() == "data:"


def external_resources(html: str) -> list[str]:
    """What the page would fetch when opened: URLs of script/link/img/iframe/object/source/…
    elements (srcset candidates too), of SVG `<image>`/`<use>`, of CSS `url()`, `@import` and
    `image-set()` in `<style>` and `style=""`, of a meta refresh, and URLs inside scripts (an
    inline script is reported as such). `data:` URLs and `#fragment` references are not fetched;
    relative URLs are (from the server or the disk next to the file), so they are reported."""
    finder = _ResourceFinder()
    finder.feed(html)
    finder.close()
    return sorted({url.strip() for url in finder.urls if not _is_local(url)})
