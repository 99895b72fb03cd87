"""The brief's look inside JupyterLab, VS Code or a plain nbconvert page: the notebooks style
their own outputs.

A notebook output gets no page stylesheet in JupyterLab, so the glance box, the grids' shading,
legends, citations and source list would show unstyled. `show()` displays, once per run, a
`<style>` output made from the brief's own stylesheet (`templates/brief.css`, one source for
both), scoped to the outputs:

- only rules whose selectors name a class of the brief's HTML contract (`section.glance`,
  `table.grid td.heat-3`, `p.legend`, …) are kept; the table basics (borders, padding,
  alignment) are kept scoped to the brief's tables; rules for the page (`body`, `main`, headings,
  links, `@page`, print) and for nbconvert's own `.jp-*` classes are left out, so JupyterLab's
  interface and other notebooks' outputs are untouched;
- `var(--…)` colours are written out (an output has no `:root` of its own).

The brief leaves this output out (`brief_exporter.brief_cells`): its page has the whole stylesheet
in its head already.
"""

from __future__ import annotations

import functools
import re

from analysis.html_contract import SANITIZE_CLASSES, brief_css

MARK = "dti-stylesheet"  # output metadata key: the brief drops outputs that carry it
# Classes of the brief's HTML contract that the stylesheet styles (the sanitiser's allow-list)
# but for nbconvert's heading anchors, which exist only on an nbconvert page.
CONTRACT_CLASSES = frozenset(c for names in SANITIZE_CLASSES.values() for c in names) - {
    "anchor-link", "dataframe"}
TABLES = ":is(table.brief-table, table.grid)"
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
_CLASS = re.compile(r"\.(-?[_a-zA-Z][-_a-zA-Z0-9]*)")
_VAR = re.compile(r"var\(\s*(--[-\w]+)\s*\)")


def _rules(css: str) -> list[tuple[str, str]]:
    """Top-level `selector { body }` rules of `css`; at-rules (`@page`, `@media`…) skipped."""
    css, rules, i = _COMMENT.sub("", css), [], 0
    while (open_at := css.find("{", i)) != -1:
        prelude, depth, j = css[i:open_at].strip(), 1, open_at + 1
        while depth and j < len(css):
            depth += {"{": 1, "}": -1}.get(css[j], 0)
            j += 1
        if not prelude.startswith("@"):
            rules.append((prelude, css[open_at + 1:j - 1].strip()))
        i = j
    return rules


def _split_selectors(prelude: str) -> list[str]:
    """A rule's selectors, split at top-level commas (not those in parentheses), each stripped."""
    parts, depth, start = [], 0, 0
    for k, char in enumerate(prelude):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(prelude[start:k].strip())
            start = k + 1
    return [*parts, prelude[start:].strip()]


def _scoped(selector: str) -> str | None:
    """The selector as the notebook uses it, or None when it is not for the brief's outputs."""
    classes = set(_CLASS.findall(selector))
    if any(c.startswith("jp-") for c in classes):
        return None
    if classes & CONTRACT_CLASSES:
        return selector
    if "dataframe" in classes:  # pandas' class: only on the brief's own tables
        return selector.replace("table.dataframe", "table.dataframe.brief-table")
    if re.match(r"table\b", selector):
        return TABLES + selector[len("table"):]
    if re.match(r"(th|td|thead|tbody|tr)\b", selector):
        return f"{TABLES} {selector}"
    return None


@functools.lru_cache(maxsize=1)
def stylesheet() -> str:
    """The notebook outputs' CSS, derived from brief.css (see the module docstring)."""
    css = brief_css()
    root = dict(re.findall(r"(--[-\w]+)\s*:\s*([^;}]+)", dict(_rules(css)).get(":root", "")))
    out = []
    for prelude, body in _rules(css):
        selectors = [s for s in map(_scoped, _split_selectors(prelude)) if s]
        if selectors and body:
            body = _VAR.sub(lambda m: root.get(m[1], m[0]).strip(), body)
            out.append(f"{', '.join(selectors)} {{ {' '.join(body.split())} }}")
    return "\n".join(out)


def show() -> None:
    """Display the stylesheet as this cell's output (a `<style>` element, marked for the
    brief to leave out)."""
    from IPython.display import HTML, display

    display(HTML(f"<style>\n{stylesheet()}\n</style>"), metadata={MARK: True})
