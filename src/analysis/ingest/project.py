"""The project's own transcriptions under `data/raw/project/` (not the shared reference, which
`raw/reference/` mirrors exactly): each row with the URL of the page that states it and the words
that state it. Today one file: former province names and their successors (Hà Tây → Hà Nội).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.errors import Problem
from analysis.ingest import dates
from analysis.ingest.raw import read_csv_lines
from analysis.ingest.sources import source_id
from analysis.names import KIND_FORMER, NameResolver, match_key, strip_diacritics
from analysis.paths import raw_dir

PROJECT = "project"
FORMER_PROVINCES = "former_provinces.csv"
FORMER_FILE = f"raw/{PROJECT}/{FORMER_PROVINCES}"
FORMER_COLUMNS = ("alias", "canonical", "kind", "source_url", "publisher", "title",
                  "date_published", "date_accessed", "quote", "note")


def read_former_provinces(root: Path, provinces: pd.DataFrame, resolver: NameResolver,
                          problems: list[Problem]) -> pd.DataFrame:
    """The rows of `raw/project/former_provinces.csv` that pass its checks (a former province
    name, its successor among the 63, the page that says so and its words), with `_line`; every
    other row is a problem naming file, line, column, value and what is allowed."""
    path, file = raw_dir(root) / PROJECT / FORMER_PROVINCES, FORMER_FILE
    if not path.exists():  # listed in provenance, its absence is reported there
        return pd.DataFrame(columns=[*FORMER_COLUMNS, "_line"])
    raw = read_csv_lines(path)
    missing = [c for c in FORMER_COLUMNS if c not in raw.columns]
    if missing:
        problems += [Problem(file, 1, c, None, "missing column; the header must be: "
                             + ",".join(FORMER_COLUMNS)) for c in missing]
        return raw.iloc[0:0]
    names, keep = set(provinces["name"]), []
    for record in raw.to_dict("records"):
        found = _former_row_problems(record, file, names, resolver)
        problems += found
        keep.append(not found)
    return raw[keep]


def _former_row_problems(record: dict, file: str, names: set[str],
                         resolver: NameResolver) -> list[Problem]:
    """Every problem of one row of former_provinces.csv, each naming file, line, column and value;
    [] when the row passes."""
    line = record["_line"]

    def problem(column: str, rule: str) -> Problem:
        """A problem with this row's `column`: its value, and the `rule` it breaks."""
        return Problem(file, line, column, record[column], rule)

    found = []
    alias, successor = record["alias"], record["canonical"]
    if not alias:
        found.append(problem("alias", "alias is empty: give the former province's name"))
    elif (current := resolver.resolve(alias)) is not None:
        found.append(problem("alias", f"is a spelling of the current province {current!r}, "
                             "not a former name (spellings belong in reference/aliases.csv)"))
    if successor not in names:
        spelled = resolver.resolve(successor) if successor else None
        hint = (f"write it as provinces_63.csv does: {spelled!r}" if spelled else
                f"closest: {', '.join(resolver.suggestions(successor)) or 'none close'}")
        found.append(problem("canonical", "the successor must be one of the 63 provinces, "
                             f"spelled as in reference/provinces_63.csv (name_vi); {hint}"))
    if record["kind"] != KIND_FORMER:
        found.append(problem("kind", f"kind must be {KIND_FORMER!r} (this file lists former "
                             "province names; other spellings belong in reference/aliases.csv)"))
    if not record["source_url"]:
        found.append(problem("source_url", "source_url is missing: every row needs the URL "
                             "(http:// or https://) of the page that states it"))
    elif not record["source_url"].startswith(("http://", "https://")) or " " in record["source_url"]:
        found.append(problem("source_url", "source_url must be one URL starting with http:// "
                             "or https://"))
    if not record["publisher"]:
        found.append(problem("publisher", "publisher is empty: name who published the page"))
    if not record["quote"]:
        found.append(problem("quote", "quote is empty: copy the page's words that state the "
                             "former name and its successor"))
    elif alias and match_key(strip_diacritics(alias)) not in match_key(
            strip_diacritics(record["quote"])):
        found.append(problem("quote", f"the quote does not name {alias!r}: copy the page's "
                             "words that state the former name and its successor"))
    for column, finest, blank in (("date_published", dates.YEAR, True),
                                  ("date_accessed", dates.DAY, False)):
        if rule := dates.problem(record[column], finest, blank):
            found.append(problem(column, rule))
    return found


def former_aliases(former: pd.DataFrame) -> pd.DataFrame:
    """The project's former province names as rows of aliases.csv."""
    return former[["alias", "canonical", "kind"]].assign(
        source_id=former["source_url"].map(source_id))


def describe_former(registry: pd.DataFrame, former: pd.DataFrame) -> pd.DataFrame:
    """A page that only the project's former-provinces file cites takes its publisher, title
    and date from there (the first row citing it); a blank date stays blank."""
    for record in former.drop_duplicates("source_url").to_dict("records"):
        row = (registry["url"] == record["source_url"]) & registry["described_in"].eq("")
        registry.loc[row, ["publisher", "title", "date_shown", "date_published", "described_in"]] = [
            record["publisher"], record["title"], record["date_published"],
            record["date_published"], FORMER_FILE]
    return registry
