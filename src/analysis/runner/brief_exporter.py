"""The one way to make a brief: an nbconvert exporter, `jupyter nbconvert --to dti_brief`.

Registered by entry point (`nbconvert.exporters`, name `dti_brief`, see pyproject.toml), so that
a papermill user gets from an executed notebook the same offline brief the batch runner
publishes; the runner (`render_brief`, at the end) uses this same class.

From an executed notebook it:
1. cleans it (`export.normalise`: no timings, addresses, random ids);
2. leaves out code, prompts, the parameter cells, code cells without output and cells tagged
   `notebook-only`;
3. renders `templates/brief.html.j2` (our own head: inline CSS, nothing fetched; charts with
   their own alt text) with every piece of notebook HTML through `html_contract.sanitize_html`;
4. takes title, kicker ("province · DTI year") and language from `resources["brief"]` when the
   runner gives them, else from the notebook's parameters (papermill's record of them, over the
   parameters cell's defaults), as the runner would for the same parameters.
"""

from __future__ import annotations

import ast
import functools
import re
import threading

from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets import default
from traitlets.config import Config

from analysis import html_contract
from analysis.paths import TEMPLATES_DIR
from analysis.runner import export
from analysis.runner.export import NOTEBOOK_ONLY

_PARAMETER_TAGS = {"parameters", "injected-parameters"}


def kicker(province: str | None, year) -> str:
    """The line above a brief's title: "Hải Dương · DTI 2022" (either part may be absent)."""
    parts = [province or "", f"DTI {year}" if year else ""]
    return " · ".join(p for p in parts if p)


def brief_title(topic_text: str, fallback: str, province: str | None, year) -> str:
    """The notebook's own title (its first heading), completed with the province and year
    when it does not name them; `fallback` when the notebook has no title."""
    topic_text = topic_text or fallback
    missing = [x for x in (province, str(year) if year else None) if x and x not in topic_text]
    return f"{topic_text} — {kicker(province, year)}" if missing else topic_text


def notebook_parameters(nb) -> dict:
    """The parameters a run used: the parameters cell's literal defaults, overridden by what
    papermill injected (its record in the metadata, else the injected cell's literals)."""
    values: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and _PARAMETER_TAGS & set(cell.metadata.get("tags", [])):
            values.update(_literal_assignments(cell.source))
    values.update(nb.metadata.get("papermill", {}).get("parameters") or {})
    return values


def _literal_assignments(source: str) -> dict:
    """{name: value} of the top-level assignments of `source` whose value is a literal ({} when it
    does not parse)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    found = {}
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 \
            else getattr(node, "target", None) if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and node.value is not None:
            try:
                found[target.id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return found


def _canonical_province(name) -> str | None:
    """The province's name as the data spells it (as given when it does not resolve; None for
    none)."""
    if not name:
        return None
    from analysis.data import resolve_province
    from analysis.errors import UserError

    try:
        return resolve_province(str(name))
    except (UserError, OSError):
        return str(name)  # the notebook failed on it anyway: shown as given


def brief_settings(nb, fallback_title: str = "") -> dict:
    """Title, kicker and language of the brief of `nb` (normalised), from its parameters."""
    params = notebook_parameters(nb)
    province, year = _canonical_province(params.get("province")), params.get("year")
    lang = str(params.get("lang") or "vi").strip().lower()
    title = brief_title(export.topic(nb), fallback_title, province, year)
    return {"title": title, "kicker": kicker(province, year), "lang": lang}


def brief_cells(nb):
    """`nb` with only what a brief shows: no parameter cells, no `notebook-only` cells, no code
    cell without output (its inputs are never shown), and not the stylesheet the notebook shows
    for its own outputs (`analysis.notebook_style`: the brief's head has the whole of it)."""
    from analysis.notebook_style import MARK

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not o.get("metadata", {}).get(MARK)]
    nb.cells = [c for c in nb.cells
                if NOTEBOOK_ONLY not in c.metadata.get("tags", [])
                and (c.cell_type != "code"
                     or (c.outputs and not _PARAMETER_TAGS & set(c.metadata.get("tags", []))))]
    return nb


_PRE = re.compile(r"(<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)


def _tidy_blank_lines(html: str) -> str:
    """Trailing spaces and runs of blank lines that the template leaves, removed everywhere but
    inside `<pre>` (printed output is shown exactly as printed)."""
    parts = _PRE.split(html)
    for i in range(0, len(parts), 2):  # even parts are outside <pre>…</pre>
        parts[i] = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", parts[i]))
    return "".join(parts)


# An output that is only a heading, and the output after it (nbconvert's markup).
_HEADING_ALONE = re.compile(
    r'<div class="jp-OutputArea-child">\s*<div class="[^"]*jp-OutputArea-output[^"]*"[^>]*>\s*'
    r'(<h([234])\b[^>]*>(?:(?!</h\2>).)*</h\2>)\s*</div>\s*</div>\s*'
    r'(<div class="jp-OutputArea-child">\s*<div class="[^"]*jp-OutputArea-output[^"]*"[^>]*>)',
    re.DOTALL)


def _keep_headings_with_next(html: str) -> str:
    """Each heading moved into the output that follows it, so that print never ends a page on
    a heading: Chromium keeps a heading with what follows it inside one output (break-after:
    avoid, break-inside of a chart), not across two outputs."""
    return _HEADING_ALONE.sub(lambda m: f"{m[3]}\n{m[1]}\n", html)


class DtiBriefExporter(HTMLExporter):
    """An executed notebook -> the brief's offline HTML (see the module docstring).

    It is HTMLExporter less the BeautifulSoup pass that ends HTMLExporter's own
    `from_notebook_node`: that pass gives an `alt` to images without one (the brief's template
    writes the chart's own) and a tabindex to the outputs of a `.jp-Notebook` (the brief has
    none), by parsing and writing out the whole page again: a third of a brief's export."""

    export_from_notebook = "DTI brief"

    def __init__(self, config=None, **kw):
        """The exporter with the brief's fixed settings (template, no code, sanitised HTML) over
        `config`."""
        fixed = {
            "template_file": str(TEMPLATES_DIR / "brief.html.j2"),
            "exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True,
            # Not "": nbconvert then writes <a … /> (ElementTree), which HTML reads as an open
            # <a> that swallows the rest of the cell. brief.css shows the ¶ only on hover.
            "anchor_link_text": "¶",
            # Off: chart outputs are embedded by the template anyway, and with it on, nbconvert
            # parses each inline HTML tag of a Markdown output on its own, closing `<span …>` at
            # once and dropping its `</span>`: a figure's element would lose its number.
            "embed_images": False,
            # the templates then pass notebook HTML through `clean_html` …
            "sanitize_html": True,
            # … and SVG outputs become <img src="data:image/svg+xml…">
            "skip_svg_encoding": False,
        }
        super().__init__(config=config, **{**kw, **fixed})
        self.register_filter("clean_html", html_contract.sanitize_html)  # … which is ours

    @default("default_preprocessors")
    def _no_preprocessors(self):
        """No preprocessors: none has work here."""
        # None of nbconvert's preprocessors has work here (the cells a brief leaves out are
        # dropped by `brief_cells`), and nbconvert validates the whole notebook after each of
        # its twelve, enabled or not: a third of the export's time.
        return []

    @property
    def default_config(self):
        """HTMLExporter's configuration with its CSS preprocessor off (the brief's CSS is
        inlined)."""
        config = Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}})
        config.merge(super().default_config)
        return config

    def from_notebook_node(self, nb, resources=None, **kw):
        """The brief's HTML for an executed notebook, and nbconvert's resources (see the class
        docstring)."""
        resources = dict(resources or {})
        nb = export.normalise(nb)  # a copy: the caller's notebook is not changed
        fallback = resources.get("metadata", {}).get("name", "")
        brief = dict(resources.get("brief") or brief_settings(nb, fallback))
        brief["css"] = html_contract.brief_css()
        resources["brief"] = brief
        resources["metadata"] = {**resources.get("metadata", {}), "name": brief["title"]}
        nb = brief_cells(nb)
        langinfo = nb.metadata.get("language_info", {})
        lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
        highlight_code = self.filters.get(
            "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
        resources = self._init_resources(resources)
        filter_data_type = WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources)
        self.register_filter("highlight_code", highlight_code)
        self.register_filter("filter_data_type", filter_data_type)
        html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _tidy_blank_lines(_keep_headings_with_next(html)).strip() + "\n", resources


# --- The runner's use of it ---------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _exporter():
    """The runner's one exporter (compiled once) and the lock that serialises its use: the class
    `jupyter nbconvert --to dti_brief` uses, so both give the same brief."""
    return DtiBriefExporter(), threading.Lock()


def render_brief(nb, *, title: str, kicker: str, lang: str) -> str:
    """The brief's HTML for an executed notebook (code cells without output, the parameter
    cells and cells tagged `notebook-only` are left out); the class above."""
    exporter, lock = _exporter()
    with lock:
        html, _ = exporter.from_notebook_node(
            nb, resources={"brief": {"title": title, "kicker": kicker, "lang": lang}})
    return html


def warm_up() -> None:
    """Import nbconvert and compile the template ahead of the first brief."""
    from nbformat.v4 import new_notebook

    render_brief(new_notebook(), title="", kicker="", lang="vi")
