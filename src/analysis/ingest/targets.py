"""The tables of Resolution 06-NQ/TU's targets, built from the reference's files: the targets as
first set, their revisions and earlier drafts, the rank target as restated in the press, and the
reports of progress (one row per target and date, and the end-2022 summary by status).
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from analysis.errors import Problem
from analysis.ingest.raw import REFERENCE, read_csv_lines
from analysis.ingest.sources import source_id, split_urls

SEED_ARTICLE = "seed_article_2023-04.txt"
DRAFT_WORDINGS = "target_wordings_draft_2021-03.csv"


_REVISION_NOTE = re.compile(
    r"proposed by the (?P<by>.+?) to the (?P<body>.+?), opened (?P<date>\d{1,2} \w+ \d{4})")
_STATUS_VALUE = re.compile(
    r"(?P<completed>\d+) completed; (?P<at_least_60pct>\d+) at >=60%; (?P<at_43pct>\d+) at 43%; "
    r"(?P<initially_deployed>\d+) only initially deployed")
_TOTAL = re.compile(r"of the (\d+) targets")


def _comparator(unit_text: str) -> str:
    """How a target with this unit is met: top_n, at_least, more_than or qualitative; else reach."""
    text = unit_text.lower()
    if "top-n" in text:
        return "top_n"
    if "at least" in text:
        return "at_least"
    if "more than" in text:
        return "more_than"
    if "qualitative" in text:
        return "qualitative"
    return "reach"


def _single_number(text: str) -> float | None:
    """`text` as a number when it is exactly one ("1,200" -> 1200.0); None for ranges, words or
    signs."""
    text = text.strip().replace(",", "")
    return float(text) if re.fullmatch(r"\d+(\.\d+)?", text) else None


_PARAPHRASE_MARK = re.compile(r"\s*\((\w+) wording\)\s*$")


def build_targets(ref: Path) -> pd.DataFrame:
    """The Resolution's targets as first set: wording, value, unit, how each is met."""
    raw = read_csv_lines(ref / "targets.csv")
    return pd.DataFrame({
        "target_id": raw["target_id"],
        "pillar": raw["pillar"],
        "horizon": raw["horizon"].astype(int),
        "label_vi": raw["indicator_vi"],
        "label_en": raw["indicator_en"],
        "wording_vi": raw["original_text_vi"].map(lambda t: _PARAPHRASE_MARK.sub("", t)),
        # Whose Vietnamese words these are: the Resolution's (as quoted), or a newspaper's
        # paraphrase (the transcriber marked those "(… wording)"), so a brief can say which.
        "wording_vi_kind": raw["original_text_vi"].map(
            lambda t: "" if not t.strip() else "paraphrase" if _PARAPHRASE_MARK.search(t)
            else "source"),
        "comparator": raw["original_unit"].map(_comparator),
        "value": raw["original_value"].map(_single_number).astype("Float64"),
        "value_text": raw["original_value"],
        "unit": raw["original_unit"],
        **_cited_sources(raw),
        "note": raw["note"],
    })


def build_target_revisions(ref: Path) -> pd.DataFrame:
    """Targets with a proposed or adopted revision: old and new value and wording, who proposed it
    to whom, and the day (ISO; "" when the note does not say)."""
    raw = read_csv_lines(ref / "targets.csv")
    raw = raw[raw["revision_status"].isin(["proposed", "adopted"])]
    found = raw["note"].str.extract(_REVISION_NOTE)
    return pd.DataFrame({
        "target_id": raw["target_id"],
        "horizon": raw["horizon"].astype(int),
        "from_value": raw["original_value"].map(_single_number).astype("Float64"),
        "to_value": raw["revised_value"].map(_single_number).astype("Float64"),
        "unit": raw["original_unit"],
        "from_wording_vi": raw["original_text_vi"],
        "to_wording_vi": raw["revised_text_vi"],
        "proposed_by": found["by"],
        "proposed_to": found["body"],
        "proposed_on": found["date"].map(
            lambda d: datetime.strptime(d, "%d %B %Y").date().isoformat() if isinstance(d, str) else ""),
        "status": raw["revision_status"],
        "source_id": raw["revision_source_url"].map(source_id),
    })


def build_target_drafts(ref: Path) -> pd.DataFrame:
    """Vietnamese wordings of targets as a draft put them (before adoption): kept apart from
    `targets.csv` so that a draft's words can never pass for the adopted text."""
    from analysis.ingest.sources import parse_date

    raw = read_csv_lines(ref / DRAFT_WORDINGS)
    return pd.DataFrame({
        "target_id": raw["target_id"],
        "horizon": raw["horizon"],
        "wording_vi": raw["wording_vi"],
        "date_shown": raw["date_shown"],
        "date": raw["date_shown"].map(parse_date),
        "source_id": raw["source_url"].map(source_id),
        "note": raw["note"],
    })


# The seed article restates the rank target in its own terms: "(mục tiêu đến năm 2025 đứng thứ 15)".
_RANK_RESTATED = re.compile(r"mục tiêu đến năm (?P<horizon>\d{4}) đứng thứ (?P<rank>\d+)")
RANK_TARGET_ID = "T01"  # the Resolution's target on the DTI rank


def build_target_restatements(ref: Path) -> pd.DataFrame:
    """A target as a later report restates it (the April 2023 seed article gives the rank target
    as "đứng thứ 15" by 2025, where the Resolution says top 20): kept apart from the Resolution's
    own targets, each with the report's words, its URL's source id and the line it is on."""
    lines = (ref / SEED_ARTICLE).read_text(encoding="utf-8").splitlines()
    url = next(m[0] for line in lines if (m := re.search(r"https?://\S+", line)))
    rows = [{"target_id": RANK_TARGET_ID, "horizon": int(m["horizon"]), "value": int(m["rank"]),
             "comparator": "rank", "quote": m[0], "source_id": source_id(url),
             "origin_line": number}
            for number, line in enumerate(lines, start=1) for m in _RANK_RESTATED.finditer(line)]
    return pd.DataFrame(rows, columns=["target_id", "horizon", "value", "comparator", "quote",
                                       "source_id", "origin_line"])


def describe_drafts(registry: pd.DataFrame, ref: Path) -> pd.DataFrame:
    """The draft-wordings file names its page's publisher, title and date; a page the reference
    notes do not describe takes them from there."""
    from analysis.ingest.sources import parse_date

    raw = read_csv_lines(ref / DRAFT_WORDINGS).drop_duplicates("source_url")
    for record in raw.to_dict("records"):
        row = (registry["url"] == record["source_url"]) & registry["described_in"].eq("")
        registry.loc[row, ["publisher", "title", "date_shown", "date_published", "described_in"]] = [
            record["publisher"], record["title"], record["date_shown"],
            parse_date(record["date_shown"]), f"raw/{REFERENCE}/{DRAFT_WORDINGS}"]
    return registry


def build_target_progress(ref: Path) -> pd.DataFrame:
    """Reports of progress towards each target, values as published."""
    raw = read_csv_lines(ref / "target_progress.csv")
    return pd.DataFrame({
        "target_id": raw["target_id"],
        "as_of": raw["as_of"],
        "as_of_year": raw["as_of"].str.extract(r"(\d{4})")[0].astype("Int64"),
        "value": raw["value"].map(_single_number).astype("Float64"),
        "value_text": raw["value"],
        "unit": raw["unit"],
        "share_of_target": raw["share_of_target"],
        **_cited_sources(raw),
        "note": raw["note"],
    })


def build_target_status(ref: Path, problems: list[Problem]) -> pd.DataFrame:
    """The end-2022 summary ('5 completed; 7 at >=60%; …') as one row per status."""
    raw = read_csv_lines(ref / "target_progress.csv")
    rows = []
    for record in raw[raw["target_id"] == "ALL"].to_dict("records"):
        counts, total = _STATUS_VALUE.search(record["value"]), _TOTAL.search(record["unit"])
        if not counts or not total:
            problems.append(Problem(f"raw/{REFERENCE}/target_progress.csv", record["_line"], "value",
                                    record["value"], "status summary not in the expected form "
                                    "'N completed; N at >=60%; N at 43%; N only initially deployed'"))
            continue
        for status, count in counts.groupdict().items():
            rows.append({"as_of": record["as_of"], "status": status, "n_targets": int(count),
                         "of_total": int(total[1]), "_line": record["_line"],
                         "source_id": source_id(split_urls(record["source_url"])[0])})
    return pd.DataFrame(rows, columns=["as_of", "status", "n_targets", "of_total", "source_id", "_line"])


def _cited_sources(raw: pd.DataFrame) -> dict[str, pd.Series]:
    """Each row's first source (`source_id`) and every source it cites (`source_ids`)."""
    urls = raw["source_url"].map(split_urls)
    return {"source_id": urls.map(lambda u: source_id(u[0])),
            "source_ids": urls.map(lambda u: ";".join(source_id(x) for x in u))}
