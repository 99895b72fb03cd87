"""Per-figure provenance: every number a brief shows is a `Figure` with the sources that state it.

A brief makes one `Citations` registry. Each number it shows goes through it
(`cites.score(...)`, `cites.rank(...)`, `cites.derived(...)`, …), which gives back the number as
an HTML element, `<span class="fig" data-csv="k" title="…">13</span>`: `k` is the figure's
1-based row in the brief's own CSV, the `title` (and a focus tooltip in the brief's CSS) says
where it comes from, and a tentative or disputed figure is followed by its mark (`*`, `†`).

Which sources a figure cites is decided here, and only here:

- a DTI score, rank or provincial average cites every source whose row in `load_dti()` holds
  that very value, for that year, unit, unit system and measure: a score and a rank from two
  sources cite two sources, and a rank among 34 never cites a page that gives only the ranking
  among 63;
- a derived figure (percentile, difference, rank change) cites the sources of its inputs;
- a target, revision, progress report or count cites the sources its data row names.

A table row, list item or sentence then cites the union of its figures' sources
(`marks_of(figures)`), and the CSV has one row per figure (a figure shown twice is one row).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd

from analysis import i18n
from analysis.measures import NATIONAL_AVERAGE_OF, NATIONAL_AVERAGE_UNIT

# What a number is (the CSV's `kind`; README "How to check a figure" lists them).
KINDS = ("score", "rank", "percentile", "difference", "average", "target", "revision_from",
         "revision_to", "progress", "count")
DTI_KINDS = ("score", "rank", "average")
STATUSES = ("firm", "tentative", "disputed")
# The mark a reader sees after a figure that is not firm (one legend line says what it means).
FLAGS = {"tentative": "*", "disputed": "†"}
CSV_COLUMNS = ["year", "unit", "unit_system", "measure", "kind", "value", "status", "source_url",
               "publisher", "title", "date_published", "quote", "source_id", "derived_from"]
_VIETNAMESE_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")
_STATUS_NUMBER = re.compile(r"(\d+)pct")
_DATA_CSV = re.compile(r'data-csv="(\d+)"')
_QUOTE = re.compile(r"'([^']{6,})'")


def split_ids(values) -> list[str]:
    """Source ids from cells that hold one id, several joined by ";", or nothing."""
    if isinstance(values, str):
        values = [values]
    ids = []
    for value in values:
        if i18n.is_missing(value):
            continue
        for part in str(value).split(";"):
            part = part.strip()
            if part and part not in ids:
                ids.append(part)
    return ids


@dataclass(frozen=True)
class Figure:
    """One number as the brief shows it: what it is, its value as shown (dot decimal, no
    thousands separator; or a text), how sure it is, and the sources that state it."""
    year: int | None
    unit: str
    unit_system: int | None
    measure: str
    kind: str
    value: str
    source_ids: tuple[str, ...]
    status: str = "firm"
    quote: str = ""
    inputs: tuple[Figure, ...] = field(default=(), compare=False)

    @property
    def key(self) -> tuple:
        """What makes two figures one CSV row: year, unit, unit system, measure, kind, value."""
        return (self.year, self.unit, self.unit_system, self.measure, self.kind, self.value)


class Html(str):
    """Text that is already HTML (and safe as Markdown): put into a page as it is."""


class Fig(Html):
    """A figure's HTML element that remembers its figure."""
    figure: Figure

    def __new__(cls, markup: str, figure: Figure):
        """The element `markup`, remembering `figure`."""
        out = super().__new__(cls, markup)
        out.figure = figure
        return out

    @property
    def plural_value(self) -> int:
        """The number, for choosing a message's plural form."""
        return abs(int(float(self.figure.value)))


def n_units_html(n) -> Html:
    """The number of units a ranking is among (63 or 34): the frame of a rank, not a figure."""
    return Html(f'<span class="n-units">{int(n)}</span>')


class _CountToken(str):
    """Stands for a count in a message until the message is escaped (plural by its value)."""
    plural_value: int


def say(key: str, lang: str, count=None, **values) -> Html:
    """A catalog message as HTML: its words escaped, `Html` values (figures) kept as they are,
    other values escaped."""
    tokens = {name: f"\x00{name}\x00" for name in values}
    token = None
    if count is not None:
        token = _CountToken("\x00count\x00")
        token.plural_value = getattr(count, "plural_value", count)
        values["count"] = count if isinstance(count, Html) else i18n.integer(count, lang)
    text = html.escape(i18n.t(key, lang, token, **tokens), quote=False)
    for name, value in values.items():
        shown = value if isinstance(value, Html) else html.escape(str(value), quote=False)
        text = text.replace(f"\x00{name}\x00", shown)
    return Html(text)


def canonical(text: str, lang: str) -> str:
    """The value of a number as shown in `lang` ("0,6383", "1.000", "+1") in the CSV's form
    ("0.6383", "1000", "+1")."""
    group, decimal = (".", ",") if lang == "vi" else (",", ".")
    return str(text).replace(group, "").replace(decimal, ".")


def worst_status(statuses) -> str:
    """The least sure of some statuses (disputed, then tentative); "firm" when there are none."""
    statuses = set(statuses)
    return next((s for s in reversed(STATUSES) if s in statuses), "firm")


def _int_or_none(value) -> int | None:
    """`value` as an int; None when it is missing."""
    return None if i18n.is_missing(value) else int(value)


def where_of(row) -> dict:
    """The year, unit, unit system and measure of a preferred_dti() row: what a DTI figure is."""
    return {"year": int(row["year"]), "unit": row["unit"], "unit_system": row["unit_system"],
            "measure": row["measure"]}


def quote_of(note, value: str = "") -> str:
    """The source's own words kept in a transcriber's note: the first passage in quotes that
    states `value` (as "0.6383" or "0,6383"), else the first that states a figure in words
    ("ranked 3rd", three words or more, with a digit); a quoted name alone ("Network
    Information Security") is not the figure's evidence."""
    if i18n.is_missing(note):
        return ""
    passages = [m.strip() for m in _QUOTE.findall(str(note))]
    forms = {value, value.replace(".", ",")} - {""}
    stating = [p for p in passages if any(_states(p, f) for f in forms)]
    phrases = [p for p in passages if len(p.split()) >= 3 and re.search(r"\d", p)]
    return next(iter(stating or phrases), "")


def _states(passage: str, figure: str) -> bool:
    """Whether `passage` writes `figure` as a number of its own: not preceded by a digit, "." or
    "," nor followed by a digit ("0.6383" is not stated by "10.6383" or "0.63831"). A plain
    search: a pattern built for each figure missed the regex cache in every new kernel."""
    start = passage.find(figure)
    while start >= 0:
        end = start + len(figure)
        before = passage[start - 1] if start else " "
        after = passage[end] if end < len(passage) else " "
        if not (before.isdecimal() or before in ".,") and not after.isdecimal():
            return True
        start = passage.find(figure, start + 1)
    return False


class Citations:
    """The citation registry of one brief: numbered sources, and the figures shown (the CSV).

    `dti` (load_dti()) is what DTI figures are checked against; `pref` (preferred_dti()) is
    kept for callers that look figures up; `targets` gives the wording and disputes of targets.
    """

    def __init__(self, sources: pd.DataFrame, lang: str, *, dti: pd.DataFrame | None = None,
                 pref: pd.DataFrame | None = None, csv_name: str = "brief",
                 targets: pd.DataFrame | None = None):
        """An empty registry for one brief in `lang`: `sources` names the sources, `dti` defaults to
        load_dti(), `csv_name` (slugified) names the CSV download."""
        from analysis.names import slugify

        self.lang = i18n.check_lang(lang)
        self.sources = sources.drop_duplicates("source_id").set_index("source_id")
        if dti is None:
            from analysis.data import load_dti
            dti = load_dti()
        self.dti = dti
        self.pref = pref
        self.targets = targets
        self.csv_name = slugify(csv_name) or "brief"
        self.numbers: dict[str, int] = {}
        self.rows: dict[tuple, int] = {}
        self.figures: list[Figure] = []
        self.flags_used: set[str] = set()
        self._dti_index: dict | None = None
        self._source_words: dict[str, str] = {}
        self.markup = True
        # How often each figure was made into an element so far: a brief says a figure at most
        # twice in its glance and summary, so a sentence may leave out one said twice already.
        self.times_made: dict[tuple, int] = {}

    # --- numbering of sources ---------------------------------------------------------------

    def number(self, source_id: str) -> int:
        """The source's citation number, the next one given on its first use."""
        if source_id not in self.numbers:
            self.numbers[source_id] = len(self.numbers) + 1
        return self.numbers[source_id]

    def marks(self, source_ids) -> str:
        """`<sup class="cite"><a href="#src-n">[n]</a></sup>` for each source, in number order."""
        numbers = sorted({self.number(sid) for sid in split_ids(source_ids)})
        return "".join(f'<sup class="cite"><a href="#src-{n}">[{n}]</a></sup>' for n in numbers)

    def marks_of(self, figures) -> str:
        """The [n] marks of a row, item or sentence: the union of its figures' sources."""
        return self.marks(ids_of(figures))

    def figures_in(self, markup: str) -> list[Figure]:
        """The figures whose elements a piece of HTML holds, in order."""
        if not self.markup:
            return []
        rows = dict.fromkeys(int(k) for k in _DATA_CSV.findall(str(markup)))
        return [self.figures[k - 1] for k in rows]

    def cite(self, markup: str) -> str:
        """A row, item or sentence followed by the [n] marks of the figures in it."""
        return f"{markup}{self.marks_of(self.figures_in(markup))}"

    @classmethod
    def plain(cls, lang: str) -> Citations:
        """Figures as plain text, cited nowhere (for sentences used outside a brief)."""
        empty_sources = pd.DataFrame(columns=["source_id", "url", "publisher", "title",
                                              "date_published"])
        empty_dti = pd.DataFrame(columns=["year", "unit_system", "unit", "measure", "source_id",
                                          "score", "rank", "note"])
        out = cls(empty_sources, lang, dti=empty_dti)
        out.markup = False
        return out

    # --- figures ----------------------------------------------------------------------------

    def register(self, figure: Figure) -> int:
        """The figure's 1-based CSV row (its inputs are registered first, once each)."""
        for source in figure.inputs:
            self.register(source)
        if figure.key not in self.rows:
            self.figures.append(figure)
            self.rows[figure.key] = len(self.figures)
        return self.rows[figure.key]

    def element(self, figure: Figure, text: str, suffix: str = "") -> Fig:
        """The figure as the page shows it: the number in its element, its sign (`suffix`,
        e.g. "%"), then its mark."""
        if not self.markup:
            return Fig(html.escape(text) + html.escape(suffix), figure)
        row = self.register(figure)
        self.times_made[figure.key] = self.times_made.get(figure.key, 0) + 1
        for sid in figure.source_ids:
            self.number(sid)
        flag = FLAGS.get(figure.status, "")
        css = "fig" if not flag else f"fig {figure.status}"
        tip = html.escape(self.evidence(figure), quote=True)
        markup = (f'<span class="{css}" data-csv="{row}" tabindex="0" title="{tip}">'
                  f"{html.escape(text)}</span>{html.escape(suffix)}")
        if flag:
            self.flags_used.add(figure.status)
            markup += f'<span class="flag">{flag}</span>'
        return Fig(markup, figure)

    def evidence(self, figure: Figure) -> str:
        """Where a figure comes from, in words: each source's publisher and date, the source's
        own words where the data keeps them, and what a mark means."""
        text = "; ".join(self._source_said(sid) for sid in figure.source_ids)
        if figure.quote:
            text += f" — “{figure.quote}”" + self._quote_language(figure.quote)
        if figure.inputs:
            text = i18n.t("cite.derived", self.lang, sources=text)
        if figure.status != "firm":
            text += " (" + i18n.t(f"cite.status_{figure.status}", self.lang) + ")"
        return text

    def _source_said(self, sid: str) -> str:
        """"Publisher, date" for source `sid` (its id when the registry lacks it), worked out
        once per source: a brief cites the same few sources in every figure's tooltip."""
        if sid not in self._source_words:
            row = self.sources.loc[sid] if sid in self.sources.index else None
            publisher = i18n.data_text(cell_text(row.get("publisher")), self.lang) \
                if row is not None else sid
            when = cell_text(row.get("date_published")) if row is not None else ""
            self._source_words[sid] = f"{publisher}, {i18n.date(when, self.lang)}" if when \
                else publisher
        return self._source_words[sid]

    def _quote_language(self, quote: str) -> str:
        """" (in Vietnamese)" / " (nguyên văn tiếng Anh)" after a source's words in the other
        language: quoted as the source wrote them, said so in the brief's language."""
        vietnamese = any(ch in _VIETNAMESE_LETTERS for ch in quote.lower())
        other = "en" if (self.lang == "vi" and not vietnamese and quote.isascii()) else (
            "vi" if self.lang == "en" and vietnamese else "")
        return f" ({i18n.t(f'cite.quote_in_{other}', self.lang)})" if other else ""

    def legend_html(self) -> str:
        """One legend line per mark used so far in the brief (and not yet explained)."""
        lines = [f'<p class="legend">{FLAGS[s]} {html.escape(i18n.t(f"cite.flag_{s}", self.lang))}'
                 "</p>" for s in STATUSES if s in self.flags_used]
        self.flags_used = set()
        return "".join(lines)

    # --- DTI figures ------------------------------------------------------------------------

    def _index(self) -> dict:
        """The DTI rows by (year, unit system, unit, measure), each as (source id, score, rank,
        note); built on first use, then kept."""
        if self._dti_index is None:
            index: dict = {}
            dti = self.dti
            for year, system, unit, measure, sid, score, rank, note in zip(
                    dti["year"], dti["unit_system"], dti["unit"], dti["measure"],
                    dti["source_id"], dti["score"], dti["rank"], dti["note"]):
                index.setdefault((_int_or_none(year), _int_or_none(system), unit, measure),
                                 []).append((sid, score, rank, note))
            self._dti_index = index
        return self._dti_index

    def dti_figure(self, kind: str, value, *, year, unit: str, unit_system, measure: str
                   ) -> Figure:
        """A DTI score, rank or provincial average, cited to every source that gives exactly
        that value (disputed when another source gives another value)."""
        if unit == NATIONAL_AVERAGE_UNIT:
            kind, measure = "average", NATIONAL_AVERAGE_OF.get(measure, measure)
        column = 2 if kind == "rank" else 1
        system = _int_or_none(unit_system)
        rows = self._index().get((int(year), system, unit, measure))
        if rows is None:
            # Some figures name no unit system in the data (2024's provincial averages).
            system, rows = next(((s, r) for (y, s, u, m), r in self._index().items()
                                 if (y, u, m) == (int(year), unit, measure)), (system, []))
        given = [r for r in rows if not i18n.is_missing(r[column])]
        same = [r for r in given if _equal(r[column], value, kind)]
        status = "disputed" if len(same) < len(given) else (
            "tentative" if any("TENTATIVE" in str(r[3]) for r in same) else "firm")
        shown = f"{float(value):.4f}" if kind != "rank" else str(int(value))
        quote = next((q for q in (quote_of(r[3], shown) for r in same) if q), "")
        return Figure(int(year), unit, system, measure, kind, shown,
                      tuple(dict.fromkeys(r[0] for r in same)), status, quote)

    def score(self, value, **where) -> Fig:
        """A DTI score as the page shows it (`dti_figure`), in the language's number format."""
        figure = self.dti_figure("score", value, **where)
        return self.element(figure, i18n.number(value, self.lang))

    def rank(self, value, **where) -> Fig:
        """A DTI rank as the page shows it (`dti_figure`), written as a whole number."""
        return self.element(self.dti_figure("rank", value, **where), str(int(value)))

    def derived(self, kind: str, text: str, inputs, *, year=None, unit="", unit_system=None,
                measure="", suffix: str = "", status: str | None = None) -> Fig:
        """A figure computed from others (percentile, difference, change): it cites their
        sources, and is as sure as the least sure of them (`status`: a count of figures does
        not depend on how sure their values are)."""
        inputs = tuple(i.figure if isinstance(i, Fig) else i for i in inputs)
        first = inputs[0] if inputs else None
        figure = Figure(
            _int_or_none(year if year is not None else first and first.year),
            unit or (first.unit if first else ""),
            _int_or_none(unit_system if unit_system is not None
                         else first and first.unit_system),
            measure or (first.measure if first else ""), kind, canonical(text, self.lang),
            tuple(ids_of(inputs)), status or worst_status(i.status for i in inputs), "", inputs)
        return self.element(figure, text, suffix)

    def percentile(self, share, rank: Fig) -> str:
        """"81%": the number in its element, the sign after it."""
        text = i18n.percent(share, self.lang)
        number = text.rstrip("%\u00a0 ")
        return self.derived("percentile", number, [rank], suffix=text[len(number):])

    def stated(self, kind: str, text: str, *, source_ids, year=None, unit="", unit_system=None,
               measure="", status="firm", quote="", suffix: str = "") -> Fig:
        """A figure a data row states with its own sources (target, revision, progress,
        count): `text` as shown, its value read back from it."""
        value = canonical(text, self.lang) if _is_number(text, self.lang) else text
        figure = Figure(_int_or_none(year), unit, _int_or_none(unit_system), measure, kind,
                        value, tuple(split_ids(source_ids)), status, quote)
        return self.element(figure, text, suffix)

    def record_dti_rows(self, frame: pd.DataFrame) -> None:
        """Register the scores and ranks of preferred rows a chart draws (no element: the
        chart shows them), so that the CSV lists them."""
        for row in frame.to_dict("records"):
            where = {"year": row["year"], "unit": row["unit"], "unit_system": row["unit_system"],
                     "measure": row["measure"]}
            for kind in ("score", "rank"):
                if not i18n.is_missing(row.get(kind)):
                    self.register(self.dti_figure(kind, row[kind], **where))

    # --- the CSV ----------------------------------------------------------------------------

    def csv_frame(self) -> pd.DataFrame:
        """One row per figure shown, in the order of first use (row k = `data-csv="k"`)."""
        return pd.DataFrame(self.csv_records(), columns=CSV_COLUMNS)

    def csv_records(self) -> list[dict]:
        """`csv_frame`'s rows as plain records (the brief's CSV is written from these)."""
        rows, columns = [], ("url", "publisher", "title", "date_published")
        text = {c: self.sources[c].astype(str).to_dict() for c in columns} if self.figures else {}
        for figure in self.figures:  # (one lookup table: a reindex per figure cost the most)
            meta = {c: [text[c][s] for s in figure.source_ids if s in text[c]] for c in columns}
            rows.append({
                "year": "" if figure.year is None else figure.year, "unit": figure.unit,
                "unit_system": "" if figure.unit_system is None else figure.unit_system,
                "measure": figure.measure, "kind": figure.kind, "value": figure.value,
                "status": figure.status, "source_url": " ".join(meta["url"]),
                "publisher": "; ".join(meta["publisher"]),
                "title": "; ".join(meta["title"]),
                "date_published": "; ".join(meta["date_published"]),
                "quote": figure.quote, "source_id": " ".join(figure.source_ids),
                "derived_from": " ".join(str(self.rows[i.key]) for i in figure.inputs)})
        return rows


def ids_of(figures) -> list[str]:
    """The union of some figures' sources, in order of first mention."""
    ids: list[str] = []
    for figure in figures:
        figure = figure.figure if isinstance(figure, Fig) else figure
        ids += [s for s in figure.source_ids if s not in ids]
    return ids


def _equal(given, value, kind: str) -> bool:
    """Whether a source's value is the one shown: the same rank, or a score within 0.00005 of it."""
    if kind == "rank":
        return int(given) == int(value)
    return abs(float(given) - float(value)) < 5e-5


_NUMBER = {"vi": re.compile(r"[+-]?\d{1,3}(\.\d{3})*(,\d+)?"),
           "en": re.compile(r"[+-]?\d{1,3}(,\d{3})*(\.\d+)?")}


def _is_number(text: str, lang: str) -> bool:
    """Whether `text` is a number as `lang` writes it (sign, grouped thousands, decimals)."""
    return bool(_NUMBER[lang].fullmatch(str(text)))


def cell_text(value) -> str:
    """`value` as stripped text; "" when it is missing."""
    return "" if i18n.is_missing(value) else str(value).strip()
