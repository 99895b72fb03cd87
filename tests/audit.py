"""An audit of a brief's figures that reads only the brief's HTML, its CSV and `data/processed/`.

It shares no code with `analysis`: it parses the page with the standard library, formats numbers
by its own rule, and checks each figure against the processed tables. `audit_brief` returns the
problems found (empty when the brief keeps the promise):

- every figure element (`span.fig[data-csv=k]`) has a row k in the CSV, and its text is that
  row's value in the brief's number format;
- every source a primary figure cites holds that very value in the data (score against score,
  rank against rank, in the right unit system); a derived figure cites exactly its inputs'
  sources and recomputes from them;
- every table row and list item with figures cites exactly the union of their sources;
- no number sits outside a figure element in a table cell, a list item or a gap/missing line,
  except years, dates, target ids and the size of a ranking (63 or 34, in `span.n-units`);
- the CSV starts with a BOM and has the columns the README lists; tentative and disputed
  figures carry their mark and say so in `status`.

Sentences of the method note (the DTI's structure, not figures) and the source list (titles and
dates of the pages) are not checked for numbers.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

REQUIRED_COLUMNS = ["year", "unit", "unit_system", "measure", "kind", "value", "status",
                    "source_url", "publisher", "title"]
VOID = {"img", "br", "meta", "link", "hr", "input", "col", "wbr", "source"}
PRIMARY = {"score", "rank", "average"}
ALLOWED_NUMBERS = [
    re.compile(r"\b\d{1,2}/\d{1,2}/(19|20)\d\d\b"),        # 31/12/2022
    re.compile(r"\b(19|20)\d\d-\d\d(-\d\d)?\b"),            # 2024-08
    re.compile(r"\b\d{1,2}/(19|20)\d\d\b"),                 # 08/2024
    re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|"
               r"October|November|December) (19|20)\d\d\b"),
    re.compile(r"\btháng \d{1,2} năm (19|20)\d\d\b"),
    re.compile(r"\b(19|20)\d\d\b"),                        # editions, horizons, years
    re.compile(r"\bT\d\d\b"),                               # target ids
    re.compile(r"\bH[12]\b"),                               # half-years as sources write them
    re.compile(r"\[\d+\]"),                                 # citation marks
    # Names that hold digits, not figures: the Resolution's number, a service level.
    re.compile(r"\b\d+-NQ/TU\b"), re.compile(r"\b(level-4|mức độ 4)\b"),
]


class Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self, skip=lambda node: False) -> str:
        out = []
        for child in self.children:
            if isinstance(child, str):
                out.append(child)
            elif not skip(child):
                out.append(child.text(skip))
        return "".join(out)

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(page: str) -> Node:
    builder = _Builder()
    builder.feed(page)
    return builder.root


def number_text(value: str, lang: str) -> str:
    """A CSV value ("0.6383", "1000", "+1") as the brief writes it in `lang`."""
    if not re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return value
    sign = value[0] if value[0] in "+-" else ""
    whole, _, decimals = value.lstrip("+-").partition(".")
    group, point = (".", ",") if lang == "vi" else (",", ".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + group.join(groups) + (point + decimals if decimals else "")


def read_csv_of(root: Node) -> tuple[bytes, list[dict]]:
    link = next((n for n in root.walk() if n.tag == "a" and "download" in n.classes), None)
    if link is None:
        return b"", []
    payload = base64.b64decode(link.attrs["href"].split(",", 1)[1])
    text = payload.decode("utf-8-sig")
    return payload, list(csv.DictReader(io.StringIO(text, newline="")))


def source_urls(root: Node) -> dict[str, str]:
    """[n] -> the URL of source n in the brief's numbered list."""
    out = {}
    for node in root.walk():
        if node.tag == "li" and node.attrs.get("id", "").startswith("src-"):
            link = next((a for a in node.walk() if a.tag == "a"), None)
            out[node.attrs["id"][4:]] = link.attrs.get("href", "") if link else ""
    return out


class Data:
    """data/processed/ read with the csv module, indexed for the checks."""

    def __init__(self, processed: Path, translations: Path):
        def rows(name):
            with open(processed / name, encoding="utf-8", newline="") as handle:
                return list(csv.DictReader(handle))

        self.dti = rows("dti.csv")
        self.sources = {r["source_id"]: r for r in rows("sources.csv")}
        self.url_to_id = {r["url"]: r["source_id"] for r in self.sources.values()}
        self.targets = rows("targets.csv")
        self.revisions = rows("target_revisions.csv")
        self.progress = rows("target_progress.csv")
        self.status = rows("target_status.csv")
        # Draft wordings (before adoption) are their own table: a draft's words are accepted
        # only as the draft's, cited to the page that quotes the draft.
        self.drafts = rows("target_drafts.csv") if (processed / "target_drafts.csv").exists() \
            else []
        # A target as a later report restates it (rank 15 by 2025), cited to that report only.
        self.restated = rows("target_restatements.csv") \
            if (processed / "target_restatements.csv").exists() else []
        with open(translations, encoding="utf-8", newline="") as handle:
            self.translations = list(csv.DictReader(handle))
        self.by_key: dict = {}
        for r in self.dti:
            key = (int(r["year"]), r["unit_system"], r["unit"], r["measure"], r["source_id"])
            self.by_key.setdefault(key, []).append(r)

    def texts_of(self, *texts: str) -> set[str]:
        """Texts and their translations (as shown, with or without the translation mark)."""
        out = {t.strip() for t in texts if t and t.strip()}
        for row in self.translations:
            if row["text"].strip() in out:
                out.add(row["translation"].strip())
        return out


def _float(text) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _ids(*cells) -> set[str]:
    return {p.strip() for c in cells for p in str(c or "").split(";") if p.strip()}


def _plain(value: str) -> str:
    return re.sub(r"\s*\((bản dịch|translation)\)\s*$", "", value).strip()


def check_primary(row: dict, sid: str, data: Data) -> str | None:
    kind, value = row["kind"], row["value"]
    key = (int(row["year"]), row["unit_system"], row["unit"], row["measure"], sid)
    column = "rank" if kind == "rank" else "score"
    found = data.by_key.get(key, [])
    if not any(_float(r[column]) is not None and abs(float(r[column]) - float(value)) < 5e-5
               for r in found):
        return f"{sid} does not give {kind} {value} for {key[:4]}"
    return None


def check_stated(row: dict, sid: str, data: Data) -> str | None:
    kind, value, measure = row["kind"], row["value"], row["measure"]
    number = _float(value)
    year = row["year"]
    if kind == "target":
        for t in data.targets:
            same_target = t["target_id"] == measure and t["horizon"] == year \
                and sid in _ids(t["source_id"], t["source_ids"])
            same_value = (number is not None and _float(t["value"]) == number) \
                or _plain(value) in data.texts_of(t["value_text"], t["label_vi"], t["label_en"],
                                                  t["wording_vi"])
            if same_target and same_value:
                return None
        if any(r["target_id"] == measure and r["horizon"] == year and r["source_id"] == sid
               and number is not None and _float(r["value"]) == number for r in data.restated):
            return None
        for d in data.drafts:
            if d["target_id"] == measure and year in d["horizon"].split("+") \
                    and d["source_id"] == sid and value.strip() == d["wording_vi"].strip():
                return None
        return f"{sid} does not state target {measure} {year} = {value!r}"
    if kind in ("revision_from", "revision_to"):
        column = "from_value" if kind == "revision_from" else "to_value"
        wording = column.replace("_value", "_wording_vi")
        if any(r["target_id"] == measure and r["horizon"] == year and r["source_id"] == sid
               and ((number is not None and _float(r[column]) == number)
                    or _plain(value) in data.texts_of(r[wording])) for r in data.revisions):
            return None
        return f"{sid} does not state {kind} {measure} {year} = {value}"
    if kind == "count":
        if any(r["source_id"] == sid and number in (_float(r["n_targets"]), _float(r["of_total"]))
               for r in data.status):
            return None
        return f"{sid} does not state the count {value}"
    if kind == "progress":
        if measure == "ALL" and number is not None and any(
                r["source_id"] == sid and f"{int(number)}pct" in r["status"] for r in data.status):
            return None
        for r in data.progress:
            if r["target_id"] == measure and sid in _ids(r["source_id"], r["source_ids"]) \
                    and ((number is not None and _float(r["value"]) == number)
                         or _plain(value) in data.texts_of(r["value_text"])):
                return None
        return f"{sid} does not state progress {measure} = {value!r}"
    return f"unknown kind {kind!r}"


def check_derived(row: dict, inputs: list[dict]) -> str | None:
    own = set(row["source_id"].split())
    union = {s for i in inputs for s in i["source_id"].split()}
    if own != union:
        return f"derived {row['kind']} {row['value']} cites {sorted(own)}, inputs {sorted(union)}"
    kind, value = row["kind"], row["value"]
    if kind == "percentile":
        rank = inputs[0]
        n = int(rank["unit_system"])
        expected = round(100 * (1 - (int(rank["value"]) - 1) / (n - 1)))
        if int(value) != expected:
            return f"percentile {value} of rank {rank['value']}/{n} should be {expected}"
    elif kind == "difference":
        a, b = (float(i["value"]) for i in inputs)
        if abs(abs(a - b) - abs(float(value))) > 5e-5:
            return f"difference {value} of {a} and {b}"
    elif kind == "count" and int(value) != len({i["measure"] for i in inputs}):
        return f"count {value} of {len(inputs)} inputs"
    return None


def _is_figure(node: Node) -> bool:
    return node.tag == "span" and "fig" in node.classes


def _unit_rows(root: Node):
    """Table rows and list items that hold figures (not the source list)."""
    for node in root.walk():
        if node.tag == "tr" or (node.tag == "li" and not node.attrs.get("id", "").startswith(
                "src-")):
            yield node


def _checked_for_numbers(root: Node):
    for node in root.walk():
        if node.tag == "td" or (node.tag == "li" and not node.attrs.get("id", "").startswith(
                "src-")) or (node.tag == "p" and node.classes & {"gap", "missing"}):
            yield node


def audit_brief(path: Path, data: Data) -> list[str]:
    page = path.read_text(encoding="utf-8")
    lang = "en" if path.name.endswith(".en.html") else "vi"
    root = parse(page)
    problems = []
    raw, rows = read_csv_of(root)
    where = path.name
    if not raw.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{where}: CSV has no BOM")
    if rows and not set(REQUIRED_COLUMNS) <= set(rows[0]):
        problems.append(f"{where}: CSV lacks columns {set(REQUIRED_COLUMNS) - set(rows[0])}")
    urls = source_urls(root)
    # The CSV's rows: each primary or stated figure against the data, each derived one against
    # its inputs.
    for k, row in enumerate(rows, start=1):
        if row["status"] not in ("firm", "tentative", "disputed"):
            problems.append(f"{where}: row {k}: status {row['status']!r}")
        if row["derived_from"]:
            inputs = [rows[int(i) - 1] for i in row["derived_from"].split()]
            problem = check_derived(row, inputs)
            if problem:
                problems.append(f"{where}: row {k}: {problem}")
            continue
        if not row["source_id"]:
            problems.append(f"{where}: row {k}: a figure without a source")
        for sid in row["source_id"].split():
            problem = (check_primary(row, sid, data) if row["kind"] in PRIMARY
                       else check_stated(row, sid, data))
            if problem:
                problems.append(f"{where}: row {k}: {problem}")
        listed = set(row["source_url"].split())
        wanted = {data.sources[s]["url"] for s in row["source_id"].split() if s in data.sources}
        if listed != wanted:
            problems.append(f"{where}: row {k}: source_url {listed} vs ids {wanted}")
    # Each figure element against its row.
    for node in root.walk():
        if not _is_figure(node):
            continue
        k = int(node.attrs["data-csv"])
        if not 1 <= k <= len(rows):
            problems.append(f"{where}: data-csv={k} has no CSV row")
            continue
        row = rows[k - 1]
        if unescape(node.text()) != number_text(row["value"], lang):
            problems.append(f"{where}: element {node.text()!r} != CSV row {k} value "
                            f"{row['value']!r}")
        marked = bool(node.classes & {"tentative", "disputed"})
        if marked != (row["status"] != "firm"):
            problems.append(f"{where}: element {k} mark does not match status {row['status']}")
    # Each row or item cites exactly its figures' sources.
    for unit in _unit_rows(root):
        figures = [n for n in unit.walk() if _is_figure(n)]
        if not figures or any(n.tag in ("tr", "li") for n in unit.walk()):
            continue
        wanted = {u for n in figures for u in rows[int(n.attrs["data-csv"]) - 1]
                  ["source_url"].split()}
        cited = {urls.get(m, "?") for m in re.findall(r"\[(\d+)\]", unit.text())}
        if cited != wanted:
            problems.append(f"{where}: {' '.join(unit.text().split())[:90]!r} cites "
                            f"{len(cited)} sources, its figures {len(wanted)}")
    # No number outside a figure element.
    for node in _checked_for_numbers(root):
        for n_units in (n for n in node.walk() if "n-units" in n.classes):
            if n_units.text() not in ("63", "34"):
                problems.append(f"{where}: unit count {n_units.text()!r}")
        text = node.text(skip=lambda n: _is_figure(n) or n.classes & {"n-units", "flag"}
                         or n.tag == "sup")
        for pattern in ALLOWED_NUMBERS:
            text = pattern.sub(" ", text)
        if re.search(r"\d", text):
            problems.append(f"{where}: number outside a figure: {' '.join(text.split())[:100]!r}")
    return problems
