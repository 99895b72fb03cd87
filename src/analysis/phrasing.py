"""How the briefs' sentences are put together: catalog messages filled with figures and data
text as Markdown that is safe to render, ordinals, bullet lists with their [n] marks, and the
rule that a brief says a figure at most twice in its glance and summary.

Sentences are Markdown: every piece of data-derived text in them is escaped (`escape_markdown`),
so a name such as `<img onerror=…>` or `[x](javascript:…)` is shown as text, never run or linked.
Put them into HTML by rendering the Markdown, not by escaping them a second time.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from analysis import i18n
from analysis.citations import Citations, Fig, Html


class Markdown(str):
    """Text that is safe to put into Markdown as it is (catalog words, escaped data)."""


# Markdown's inline syntax (emphasis, code, links, images, tables, strike-through, math in
# Jupyter) and the backslash itself; `<`, `>` and `&` become HTML entities instead.


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}|~$!#+])")


def escape_markdown(text) -> Markdown:
    """Data-derived text made inert in Markdown: whitespace runs (newlines too) become one space,
    Markdown punctuation is backslash-escaped, and `<`, `>`, `&` become entities. The rendered
    text reads as the data gave it."""
    if isinstance(text, Markdown):
        return text
    flat = " ".join(str(text).split())
    return Markdown(html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", flat), quote=False))


def say_md(key: str, lang: str, count: int | None = None, **values) -> Markdown:
    """A catalog message with its values filled; text values not yet Markdown are escaped."""
    safe = {name: escape_markdown(v) if isinstance(v, str) and not isinstance(v, Html) else v
            for name, v in values.items()}
    return Markdown(i18n.t(key, lang, count, **safe))


def plain(cites, lang: str) -> Citations:
    """`cites`, or a registry that cites nowhere (`Citations.plain`) when it is None."""
    return cites if cites is not None else Citations.plain(lang)


def ordinal_of(rank: Fig, lang: str) -> Markdown:
    """"thứ 13" / "13th" with the number as its figure element."""
    forms = i18n.catalog(lang)["format.ordinal"]
    category = i18n.babel_locale(lang).ordinal_form(int(rank.figure.value))
    return Markdown(forms.get(category, forms["other"]).format(n=rank))


def cited_list(sentences: Iterable[str], cites: Citations | None) -> str:
    """Sentences as a Markdown bullet list, each followed by its figures' [n] marks."""
    text = as_markdown(cites.cite(s) if cites is not None and s else s for s in sentences)
    legend = cites.legend_html() if cites is not None else ""
    return f"{text}\n\n{legend}" if legend else text


def as_markdown(sentences: Iterable[str]) -> str:
    """Sentences as a Markdown bullet list (a None, a sentence with nothing to say, is left out)."""
    return "\n".join(f"- {s}" for s in sentences if s)


def edition_name(year) -> str:
    """An edition's year as its name ("2022"), never written as a number ("2.022")."""
    return str(int(year))  # an edition is a name ("DTI 2022"), never "2.022"


def said_before(figure: Fig, cites: Citations, times: int = 1) -> bool:
    """Whether the brief had already said this figure `times` times before the sentence that
    just made it (a brief says a figure at most twice in its glance and summary)."""
    return cites.markup and cites.times_made.get(figure.figure.key, 0) > times


def said_twice(figure: Fig, cites: Citations) -> bool:
    """Whether the brief has already said this figure twice (glance and summary, before the
    sentence that just made it): that sentence then names it without the number."""
    return said_before(figure, cites, times=2)
