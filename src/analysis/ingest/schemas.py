"""One pandera schema per table, and the checks that span tables (registered sources, units).

`check_tables` runs every schema with lazy=True and turns each failure into a Problem that
names the raw file and line the row came from.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa

from analysis.errors import Problem
from analysis.ingest import dates
from analysis.ingest.sources import TIER_NAMES
from analysis.measures import DTI_KEY, FIRST_EDITION, MEASURES, NATIONAL_UNITS, UNIT_SYSTEMS

RANK_SCORE_ORDER = ("a better rank never has a lower score (within one year, unit system, "
                    "measure and source)")
RANK_WITHIN_N = "rank must be within 1..N, N = the number of units in its unit system"
SYSTEM_MISSING = "unit_system missing (allowed only for national aggregates)"
UNKNOWN_UNIT = ("unit is not one of its unit system's units (the 63 provinces, the 34 post-merger "
                "units, or a national aggregate)")
# Checks on whole rows are reported once per row, on the column they are about.
ROW_CHECK_COLUMN = {RANK_WITHIN_N: "rank", SYSTEM_MISSING: "unit_system", UNKNOWN_UNIT: "unit"}


def _registered(source_ids: set[str]) -> pa.Check:
    """A check that each source_id is in `source_ids`."""
    return pa.Check(lambda s: s.isin(source_ids), error="source_id not in the source registry")


def _all_registered(source_ids: set[str]) -> pa.Check:
    """A check that every id of each ';'-separated list is in `source_ids`."""
    return pa.Check(lambda s: s.map(lambda v: all(x in source_ids for x in v.split(";"))),
                    error="a source_id is not in the source registry")


def _dates(finest_required: int = dates.YEAR, blank: bool = False,
           found_in: str = "") -> pa.Check:
    """A column of dates by the one rule (`analysis.ingest.dates`); `found_in` names where a
    date that is missing was looked for."""
    rule = dates.allowed(finest_required, blank)
    if found_in:
        rule = f"date not found in {found_in}: {rule}"
    return pa.Check(lambda s: s.map(lambda v: dates.is_valid(v, finest_required, blank)),
                    error=rule)


def dti_schema(units: dict[int, set[str]], source_ids: set[str], this_year: int) -> pa.DataFrameSchema:
    """dti.csv: years from FIRST_EDITION to `this_year`, units of their unit system (`units`),
    known measures, scores in [0, 1], ranks within 1..N, registered sources, one row per DTI_KEY."""
    return pa.DataFrameSchema(
        {
            "year": pa.Column("Int64", pa.Check.in_range(FIRST_EDITION, this_year,
                              error=f"year must be from {FIRST_EDITION} to {this_year}")),
            "unit_system": pa.Column("Int64", pa.Check.isin(UNIT_SYSTEMS,
                                     error="unit_system must be 63 or 34"), nullable=True),
            "unit": pa.Column(str),
            "measure": pa.Column(str, pa.Check.isin(MEASURES,
                                 error=f"unknown measure; allowed: {', '.join(MEASURES)}")),
            "score": pa.Column("Float64", pa.Check.in_range(0, 1, error="score must be in [0, 1]"),
                               nullable=True),
            "rank": pa.Column("Float64", [
                pa.Check(lambda s: s % 1 == 0, error="rank must be a whole number"),
                pa.Check.ge(1, error="rank must be at least 1"),
            ], nullable=True),
            "source_id": pa.Column(str, _registered(source_ids)),
        },
        checks=[
            pa.Check(lambda df: df["rank"].isna() | (df["rank"] <= df["unit_system"].fillna(63)),
                     error=RANK_WITHIN_N),
            pa.Check(lambda df: df["unit_system"].notna() | df["unit"].isin(NATIONAL_UNITS),
                     error=SYSTEM_MISSING),
            # (a missing or unknown unit system is the unit_system column's problem, said there)
            pa.Check(lambda df: pd.Series([system not in units or unit in units[system]
                                           for unit, system in zip(df["unit"],
                                                                   df["unit_system"].fillna(0))],
                                          index=df.index),
                     error=UNKNOWN_UNIT),
        ],
        unique=DTI_KEY,
        report_duplicates="all",
        strict=False,
        name="dti",
    )


def sources_schema() -> pa.DataFrameSchema:
    """sources.csv: unique ids and http URLs, a publisher, a known tier, a valid (or blank) date."""
    return pa.DataFrameSchema(
        {
            "source_id": pa.Column(str, unique=True),
            "url": pa.Column(str, pa.Check.str_startswith("http", error="url must start with http"),
                             unique=True),
            "publisher": pa.Column(str, pa.Check.str_length(min_value=1, error="publisher is empty")),
            "tier": pa.Column(int, pa.Check.isin(list(TIER_NAMES), error="unknown tier")),
            # Zero-padded ISO dates compare as text in date order: the precedence rule relies on it.
            "date_published": pa.Column(str, _dates(blank=True)),
        },
        report_duplicates="all",
        name="sources",
    )


def _register(name: str, columns: dict, source_ids: set[str], rows: int | None = None,
              rows_rule: str = "") -> pa.DataFrameSchema:
    """A registry table's schema: its columns, each row's registered source, and (if given)
    exactly `rows` rows."""
    count = (pa.Check(lambda df: len(df) == rows, element_wise=False, error=rows_rule)
             if rows else None)
    return pa.DataFrameSchema({**columns, "source_id": pa.Column(str, _registered(source_ids))},
                              checks=count, report_duplicates="all", name=name)


def provinces_schema(source_ids: set[str], units_2025: set[str]) -> pa.DataFrameSchema:
    """The 63 pre-2025 provinces: unique codes, names and slugs; each in one 2025 unit."""
    return _register("provinces", {
        "code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$", error="GSO code is two digits"),
                          unique=True),
        "name": pa.Column(str, unique=True),
        "slug": pa.Column(str, unique=True),
        "unit_2025": pa.Column(str, pa.Check.isin(units_2025,
                               error="merged_into_2025 is not one of the 34 units")),
    }, source_ids, 63, "the registry must hold the 63 pre-2025 provinces")


def units_schema(source_ids: set[str], provinces: set[str]) -> pa.DataFrameSchema:
    """The 34 post-merger units, each made of pre-2025 provinces."""
    members_known = pa.Check(lambda s: s.map(lambda m: all(p in provinces for p in m.split(";"))),
                             error="a member is not one of the 63 provinces")
    return _register("units_2025", {
        "unit": pa.Column(str, unique=True),
        "slug": pa.Column(str, unique=True),
        "members": pa.Column(str, members_known),
    }, source_ids, 34, "the merger must give 34 units")


def aliases_schema(source_ids: set[str], provinces: set[str]) -> pa.DataFrameSchema:
    """Spellings, each unique and meaning one of the 63 provinces."""
    return _register("aliases", {
        "alias": pa.Column(str, unique=True),
        "canonical": pa.Column(str, pa.Check.isin(provinces,
                               error="canonical name is not one of the 63 provinces")),
    }, source_ids)


def targets_schema(source_ids: set[str]) -> pa.DataFrameSchema:
    """targets.csv: ids T + 2 digits, horizon 2025 or 2030, a known comparator, registered sources,
    one row per (target_id, horizon)."""
    return pa.DataFrameSchema(
        {
            "target_id": pa.Column(str, pa.Check.str_matches(r"^T\d{2}$", error="target id is T + 2 digits")),
            "horizon": pa.Column(int, pa.Check.isin([2025, 2030], error="horizon must be 2025 or 2030")),
            "comparator": pa.Column(str, pa.Check.isin(
                ["top_n", "at_least", "more_than", "reach", "qualitative"], error="unknown comparator")),
            "value": pa.Column("Float64", nullable=True),
            "source_id": pa.Column(str, _registered(source_ids)),
            "source_ids": pa.Column(str, _all_registered(source_ids)),
        },
        unique=["target_id", "horizon"],
        report_duplicates="all",
        name="targets",
    )


def revisions_schema(source_ids: set[str], targets: set[tuple[str, int]]) -> pa.DataFrameSchema:
    """target_revisions.csv: status proposed or adopted, a day-precise date, a registered source,
    and a (target_id, horizon) among `targets`."""
    return pa.DataFrameSchema(
        {
            "target_id": pa.Column(str),
            "horizon": pa.Column(int),
            "status": pa.Column(str, pa.Check.isin(["proposed", "adopted"],
                                error="status must be proposed or adopted")),
            "proposed_on": pa.Column(str, _dates(dates.DAY, found_in="the note")),
            "source_id": pa.Column(str, _registered(source_ids)),
        },
        checks=pa.Check(lambda df: pd.Series([(t, h) in targets for t, h in
                                              zip(df["target_id"], df["horizon"])], index=df.index),
                        error="revision of a target that is not in the targets table"),
        name="target_revisions",
    )


def progress_schema(source_ids: set[str]) -> pa.DataFrameSchema:
    """target_progress.csv: target ids T.. (joined by '/'), ALL or CTX; registered sources."""
    return pa.DataFrameSchema(
        {
            "target_id": pa.Column(str, pa.Check.str_matches(r"^(T\d{2}(/T\d{2})*|ALL|CTX)$",
                                   error="target id must be T.., ALL or CTX")),
            "source_id": pa.Column(str, _registered(source_ids)),
            "source_ids": pa.Column(str, _all_registered(source_ids)),
        },
        name="target_progress",
    )


def status_schema(source_ids: set[str]) -> pa.DataFrameSchema:
    """target_status.csv: counts of at least 0 that add up, per date, to the number of targets;
    registered sources."""
    return pa.DataFrameSchema(
        {
            "n_targets": pa.Column(int, pa.Check.ge(0)),
            "source_id": pa.Column(str, _registered(source_ids)),
        },
        checks=pa.Check(lambda df: df.groupby("as_of")["n_targets"].transform("sum") == df["of_total"],
                        error="status counts must add up to the number of targets"),
        name="target_status",
    )


def schemas_for(tables: dict[str, pd.DataFrame], this_year: int | None = None) -> dict[str, pa.DataFrameSchema]:
    """The schema of every processed table by file name, built from the tables it checks against
    (`this_year`: default, the current year)."""
    this_year = this_year or dt.date.today().year
    source_ids = set(tables["sources.csv"]["source_id"])
    provinces = set(tables["provinces.csv"]["name"])
    units_2025 = set(tables["units_2025.csv"]["unit"])
    units = {63: provinces | set(NATIONAL_UNITS), 34: units_2025 | set(NATIONAL_UNITS)}
    targets = set(zip(tables["targets.csv"]["target_id"], tables["targets.csv"]["horizon"]))
    return {
        "dti.csv": dti_schema(units, source_ids, this_year),
        "sources.csv": sources_schema(),
        "provinces.csv": provinces_schema(source_ids, units_2025),
        "units_2025.csv": units_schema(source_ids, provinces),
        "aliases.csv": aliases_schema(source_ids, provinces),
        "targets.csv": targets_schema(source_ids),
        "target_revisions.csv": revisions_schema(source_ids, targets),
        "target_progress.csv": progress_schema(source_ids),
        "target_status.csv": status_schema(source_ids),
        "target_drafts.csv": pa.DataFrameSchema(
            {"target_id": pa.Column(str, pa.Check.isin({t for t, _ in targets},
                                    error="draft wording of a target that is not in the targets table")),
             "wording_vi": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
             "source_id": pa.Column(str, _registered(source_ids))}, name="target_drafts"),
        "target_restatements.csv": pa.DataFrameSchema(
            {"target_id": pa.Column(str, pa.Check.isin({t for t, _ in targets},
                                    error="restatement of a target that is not in the targets table")),
             "value": pa.Column(int, pa.Check.ge(1)),
             "source_id": pa.Column(str, _registered(source_ids))}, name="target_restatements"),
        "list_mentions.csv": pa.DataFrameSchema(
            {"source_id": pa.Column(str, _registered(source_ids))}, name="list_mentions"),
    }


def check_tables(tables: dict[str, pd.DataFrame], origins: dict[str, pd.DataFrame],
                 this_year: int | None = None) -> list[Problem]:
    """Every schema failure of every table, located in the raw file it came from."""
    problems = []
    for name, schema in schemas_for(tables, this_year).items():
        try:
            schema.validate(tables[name], lazy=True)
        except pa.errors.SchemaErrors as exc:
            problems += _to_problems(exc.failure_cases, tables[name], origins[name], name)
    problems += rank_score_order(tables["dti.csv"], origins["dti.csv"])
    return problems


def rank_score_order(dti: pd.DataFrame, origin: pd.DataFrame) -> list[Problem]:
    """Rows whose rank is better than another row's of the same year, unit system, measure and
    source while their score is lower; each named once, against the highest-scored worse rank."""
    both = dti[dti["score"].notna() & dti["rank"].notna()]
    problems = []
    for _, group in both.groupby(["year", "unit_system", "measure", "source_id"], dropna=False):
        if len(group) < 2:
            continue
        for index, row in group.iterrows():
            worse = group[group["rank"] > row["rank"]]
            if worse.empty or worse["score"].max() <= row["score"]:
                continue
            other = worse.loc[worse["score"].idxmax()]
            where = f"{origin.loc[other.name, 'origin_file']}, line {int(origin.loc[other.name, 'origin_line'])}"
            problems.append(Problem(
                origin.loc[index, "origin_file"], int(origin.loc[index, "origin_line"]), "score",
                _plain(row["score"]),
                f"{RANK_SCORE_ORDER}: {row['unit']} ranked {_plain(row['rank'])} scores "
                f"{_plain(row['score'])}, but {other['unit']} ranked {_plain(other['rank'])} "
                f"scores {_plain(other['score'])} ({where})"))
    return problems


def _to_problems(cases: pd.DataFrame, table: pd.DataFrame, origin: pd.DataFrame,
                 name: str) -> list[Problem]:
    """pandera's failure cases as Problems at each row's raw file and line, without repeats, sorted;
    a case with no row is placed in processed/`name`."""
    problems = []
    for case in cases.to_dict("records"):
        index = case.get("index")
        rule = _rule_text(str(case["check"]))
        column = case.get("column") if case.get("column") in table.columns else None
        if case.get("schema_context") == "DataFrameSchema" and rule in ROW_CHECK_COLUMN:
            column = ROW_CHECK_COLUMN[rule]
        if index is None or pd.isna(index) or index not in origin.index:
            problems.append(Problem(f"processed/{name}", None, column, None, rule))
            continue
        file, line = origin.loc[index, "origin_file"], int(origin.loc[index, "origin_line"])
        value = table.loc[index, column] if column else _row_summary(table.loc[index])
        problems.append(Problem(file, line, column, _plain(value), rule))
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.column or "", p.rule))


def _rule_text(check: str) -> str:
    """A failed check in words: a duplicate key, a missing value, a wrong type; else the check's
    own error text."""
    if check == "field_uniqueness" or check.startswith("multiple_fields_uniqueness"):
        return "duplicate key: another row has the same key"
    if check == "not_nullable":
        return "value is missing"
    if check.startswith("dtype("):
        return f"wrong type, expected {check[6:-1]}"
    return check


def _row_summary(row: pd.Series) -> str:
    """The row's key columns as "year=2022, unit=…", for a problem about the whole row."""
    keys = [k for k in ("year", "unit_system", "unit", "measure", "target_id", "horizon") if k in row]
    return ", ".join(f"{k}={_plain(row[k])}" for k in keys)


def _plain(value):
    """`value` as a message shows it: None when missing, a whole float as int, a numpy scalar as
    Python's."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value.item() if hasattr(value, "item") else value
