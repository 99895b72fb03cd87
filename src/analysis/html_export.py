"""Executed notebook -> brief: deterministic notebook clean-up and offline, code-free HTML.

- `normalise(nb)`: what makes two executions byte-identical — no timing metadata (papermill keeps
  only the parameters),
  execution counts 1..n, a fixed id for the injected-parameters cell, object addresses
  (`at 0x7f…`), the kernel's pid in cell file names and pandas Styler random ids replaced, no JavaScript or widget outputs, and
  `<script` in HTML outputs shown as text.
- `render_brief(nb, …)`: nbconvert with `templates/brief.html.j2` (input and prompts
  excluded, our own head: inline CSS, `<meta charset="utf-8">`, nothing fetched).
- `external_resources(html)`: every resource the page would load from the network; the runner
  refuses to publish a brief for which this is not empty. Links (`<a href>`) are not resources.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
from html import unescape
from pathlib import Path

TEMPLATES = Path(__file__).with_name("templates")
INJECTED_ID = "injected-parameters"

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
# Warnings name the cell's code file: /tmp/ipykernel_<pid>/<hash of the code>.py
_CELL_FILE = re.compile(r"[^\s\"'<>]*ipykernel_\d+[/\\](\d+\.py)")
_STYLER_ID = re.compile(r"T_[0-9a-f]{5}(?=[_\"' ])")
_SCRIPT = re.compile(r"<(/?)script", re.IGNORECASE)
_DROP_MIMES = ("application/javascript", "application/vnd.jupyter.widget-view+json",
               "application/vnd.jupyter.widget-state+json", "text/vnd.mermaid")
_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.MULTILINE)
_RESOURCE = re.compile(
    r"""<(?:script|link|img|iframe|frame|embed|object|source|audio|video|track|input)\b[^>]*?"""
    r"""\b(?:src|href|data|srcset|poster|background)\s*=\s*["']?\s*((?:https?:)?//[^"'\s>]+)"""
    r"""|@import\s+(?:url\()?\s*["']?((?:https?:)?//[^"')\s]+)"""
    r"""|url\(\s*["']?((?:https?:)?//[^"')\s]+)""",
    re.IGNORECASE,
)


def _scrub_text(text: str) -> str:
    return _CELL_FILE.sub(r"<cell>/\1", _ADDRESS.sub(" at 0x…>", text))


def _normalise_output(output: dict) -> None:
    if "data" in output:
        for mime in _DROP_MIMES:
            output["data"].pop(mime, None)
        if "text/plain" in output["data"]:
            output["data"]["text/plain"] = _scrub_text(_join(output["data"]["text/plain"]))
        if "text/html" in output["data"]:
            html = _join(output["data"]["text/html"])
            html = _SCRIPT.sub(r"&lt;\1script", html)
            output["data"]["text/html"] = _STYLER_ID.sub("T_brief", html)
    if output.get("output_type") == "stream":
        output["text"] = _scrub_text(_join(output["text"]))
    if output.get("output_type") == "error":
        output["traceback"] = [_scrub_text(line) for line in output.get("traceback", [])]


def _join(value) -> str:
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
        outputs = []
        for output in cell.outputs:
            _normalise_output(output)
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
            return unescape(plain).strip()
    return ""


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.CSSHTMLHeaderPreprocessor.enabled = False
    exporter = HTMLExporter(
        config=config,
        template_file=str(TEMPLATES / "brief.html.j2"),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        anchor_link_text="",
        embed_images=True,
    )
    return exporter, threading.Lock()


@functools.lru_cache(maxsize=1)
def _css() -> str:
    return (TEMPLATES / "brief.css").read_text(encoding="utf-8").strip()


def render_brief(nb, *, title: str, kicker: str, lang: str) -> str:
    """The brief's HTML for an executed, normalised notebook (code cells without output and the
    parameter cells are left out)."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells
                if c.cell_type != "code" or (c.outputs and not {"parameters", "injected-parameters"}
                                             & set(c.metadata.get("tags", [])))]
    exporter, lock = _exporter()
    resources = {"brief": {"title": title, "kicker": kicker, "lang": lang, "css": _css()},
                 "metadata": {"name": title}}
    with lock:
        html, _ = exporter.from_notebook_node(nb, resources=resources)
    html = re.sub(r"[ \t]+\n", "\n", html)
    return re.sub(r"\n{3,}", "\n\n", html).strip() + "\n"


def warm_up() -> None:
    """Import nbconvert and compile the template ahead of the first brief."""
    from nbformat.v4 import new_notebook

    render_brief(new_notebook(), title="", kicker="", lang="vi")


def external_resources(html: str) -> list[str]:
    """URLs the page would fetch (script/link/img/… sources, CSS imports and url())."""
    return sorted({next(g for g in m.groups() if g) for m in _RESOURCE.finditer(html)})
