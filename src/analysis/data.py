"""The public data API: validated tables from `data/processed/`, and the preferred DTI figures.

Every loader takes `data_dir` (default: $DTI_DATA_DIR, else the repository's `data/`).
"""

from __future__ import annotations

import functools

import pandas as pd

from analysis.errors import Problem, UserError, given
from analysis.ingest.sources import PRECEDENCE_RULE, TIER_PRESS, TIER_PROVINCE
from analysis.measures import DTI_KEY, NATIONAL_UNITS, PROVINCE_MEASURES
from analysis.names import KIND_FORMER, NameResolver, match_key, strip_diacritics
from analysis.paths import data_dir as resolve_data_dir
from analysis.paths import processed_dir

PREFERRED_KEY = DTI_KEY[:-1]  # one figure, whichever source published it (a list of its own)
DTYPES = {
    "dti.csv": {"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Int64",
                "origin_line": "Int64"},
    "sources.csv": {"tier": "Int64"},
    "provinces.csv": {"code": "string"},
    "targets.csv": {"horizon": "Int64", "value": "Float64"},
    "target_revisions.csv": {"horizon": "Int64", "from_value": "Float64", "to_value": "Float64"},
    "target_progress.csv": {"as_of_year": "Int64", "value": "Float64"},
    "target_status.csv": {"n_targets": "Int64", "of_total": "Int64"},
    "list_mentions.csv": {"year": "Int64", "unit_system": "Int64"},
}


@functools.lru_cache(maxsize=64)
def _read_cached(path: str, mtime_ns: int, name: str) -> pd.DataFrame:
    """The CSV at `path` with `name`'s column types and "" for missing text; cached per `mtime_ns`,
    so callers copy it before changing it."""
    dtypes = DTYPES.get(name, {})
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    for column, dtype in dtypes.items():
        frame[column] = frame[column].astype(dtype)
    text_columns = [c for c in frame.columns if c not in dtypes
                    and not pd.api.types.is_numeric_dtype(frame[c])
                    and not pd.api.types.is_bool_dtype(frame[c])]
    frame[text_columns] = frame[text_columns].fillna("")
    return frame


def _stamp(name: str, data_dir=None) -> tuple[str, int]:
    """The table's path and modification time: the cache key that a rebuild invalidates."""
    path = processed_dir(resolve_data_dir(data_dir)) / name
    if not path.exists():
        raise UserError([Problem(str(path), None, None, None,
                                 "processed table missing; run `python -m analysis build`")])
    return str(path), path.stat().st_mtime_ns


def _read(name: str, data_dir=None) -> pd.DataFrame:
    """A fresh copy of the processed table `name`; a UserError when it has not been built."""
    return _read_cached(*_stamp(name, data_dir), name).copy()


def load_dti(data_dir=None) -> pd.DataFrame:
    """Every published DTI figure, one row per (year, unit_system, unit, measure, source_id)."""
    return _read("dti.csv", data_dir)


def load_sources(data_dir=None) -> pd.DataFrame:
    """The source registry: one row per cited URL, with publisher, title, date, precedence tier."""
    return _read("sources.csv", data_dir)


def load_provinces(data_dir=None) -> pd.DataFrame:
    """The 63 pre-2025 provinces: code, names, slug, region, and the 2025 unit each joined."""
    return _read("provinces.csv", data_dir)


def provinces_or_project(provinces: pd.DataFrame | None, data_dir=None) -> pd.DataFrame:
    """`provinces`, or the project's province table (load_provinces()) when it is None: the
    merger is part of every brief, so without a table given, the project's own is used."""
    return load_provinces(data_dir) if provinces is None else provinces


def load_units_2025(data_dir=None) -> pd.DataFrame:
    """The 34 units of the 2025 merger, each with its pre-2025 members (';'-separated)."""
    return _read("units_2025.csv", data_dir)


def load_aliases(data_dir=None) -> pd.DataFrame:
    """Spellings of province names, each with the canonical name it means; for kind `former`, the
    successor (which the name does not resolve to)."""
    return _read("aliases.csv", data_dir)


def load_targets(data_dir=None) -> pd.DataFrame:
    """The Resolution's targets as first set: wording, value, unit; a row per target and horizon."""
    return _read("targets.csv", data_dir)


def load_target_revisions(data_dir=None) -> pd.DataFrame:
    """Proposed or adopted revisions of targets: old and new value and wording, who proposed them
    to whom, and when."""
    return _read("target_revisions.csv", data_dir)


def load_target_progress(data_dir=None) -> pd.DataFrame:
    """Reports of progress towards each target, values as published, with their sources."""
    return _read("target_progress.csv", data_dir)


def load_target_drafts(data_dir=None) -> pd.DataFrame:
    """Vietnamese wordings of targets as a draft put them before adoption (never adopted text)."""
    return _read("target_drafts.csv", data_dir)


def load_target_restatements(data_dir=None) -> pd.DataFrame:
    """Targets as a later report restates them (the April 2023 report: rank 15 by 2025)."""
    return _read("target_restatements.csv", data_dir)


def load_target_status(data_dir=None) -> pd.DataFrame:
    """The end-2022 summary of the targets: one row per status, with its count and the total."""
    return _read("target_status.csv", data_dir)


def load_list_mentions(data_dir=None) -> pd.DataFrame:
    """Provinces a source names in a DTI list (a top 10) for a year, without a score or rank."""
    return _read("list_mentions.csv", data_dir)


def rank_sources(dti: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """DTI rows with their precedence: tier (for this unit), then most recent, then source_id."""
    meta = sources.set_index("source_id")[["tier", "home_province", "date_published"]]
    ranked = dti.join(meta, on="source_id")
    # A province's own paper outranks other press only for figures about that province.
    foreign_home = ranked["tier"].eq(TIER_PROVINCE) & ranked["home_province"].ne(ranked["unit"])
    ranked["precedence_tier"] = ranked["tier"].mask(foreign_home, TIER_PRESS)
    ranked["_undated"] = ranked["date_published"].eq("")
    return ranked.sort_values(
        [*PREFERRED_KEY, "precedence_tier", "_undated", "date_published", "source_id"],
        ascending=[True, True, True, True, True, True, False, True], na_position="last",
    )


def _pick(members: list[int], values: dict, given: dict) -> dict:
    """The preferred figure of one group of rows (positions `members`, in precedence order):
    `values` and `given` hold the ranked rows' score, rank and source_id, and whether each
    score and rank is given, as plain lists."""
    scored = [i for i in members if given["score"][i]]
    ranked = [i for i in members if given["rank"][i]]
    score, rank, source = values["score"], values["rank"], values["source_id"]
    conflicts = []
    if len({score[i] for i in scored}) > 1:
        conflicts.append("score: " + "; ".join(f"{score[i]} ({source[i]})" for i in scored))
    if len({rank[i] for i in ranked}) > 1:
        conflicts.append("rank: " + "; ".join(f"{rank[i]} ({source[i]})" for i in ranked))
    score_source = source[scored[0]] if scored else ""
    rank_source = source[ranked[0]] if ranked else ""
    return {
        "score": score[scored[0]] if scored else pd.NA,
        "rank": rank[ranked[0]] if ranked else pd.NA,
        "source_id": rank_source or score_source or source[members[0]],
        "score_source_id": score_source,
        "rank_source_id": rank_source,
        "n_sources": len(members),
        "has_conflict": bool(conflicts),
        "conflict": " | ".join(conflicts),
    }


PREFERRED_COLUMNS = [*PREFERRED_KEY, "score", "rank", "source_id", "score_source_id",
                     "rank_source_id", "n_sources", "has_conflict", "conflict"]


def preferred_from(dti: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """One row per figure. Score and rank each come from the first source, by precedence, that
    gives them; `has_conflict` marks figures on which sources disagree."""
    if dti.empty:
        return pd.DataFrame(columns=PREFERRED_COLUMNS)
    ranked = rank_sources(dti, sources)
    # Grouped in plain Python: a pandas group per figure cost ~0.7 ms each (a fifth of a
    # second for the data, paid by every process that reads it). `ranked` is sorted by the key
    # first, so the groups come in the key's order, as a sorted group-by gives them.
    groups: dict = {}
    for position, key in enumerate(zip(*(ranked[c].tolist() for c in PREFERRED_KEY))):
        groups.setdefault(key, []).append(position)
    values = {c: ranked[c].tolist() for c in ("score", "rank", "source_id")}
    given = {c: ranked[c].notna().tolist() for c in ("score", "rank")}
    rows = [{**dict(zip(PREFERRED_KEY, key)), **_pick(members, values, given)}
            for key, members in groups.items()]
    frame = pd.DataFrame(rows, columns=PREFERRED_COLUMNS)
    return frame.astype({"year": "Int64", "unit_system": "Int64", "score": "Float64",
                         "rank": "Int64", "n_sources": "Int64", "has_conflict": bool})


@functools.lru_cache(maxsize=8)
def _preferred_cached(dti_stamp: tuple[str, int], sources_stamp: tuple[str, int]) -> pd.DataFrame:
    """`preferred_from` on these versions of dti.csv and sources.csv, computed once per version;
    callers copy it."""
    return preferred_from(_read_cached(*dti_stamp, "dti.csv"),
                          _read_cached(*sources_stamp, "sources.csv"))


def preferred_dti(data_dir=None) -> pd.DataFrame:
    """One row per figure, chosen by the precedence rule (see `preferred_from`)."""
    return _preferred_cached(_stamp("dti.csv", data_dir), _stamp("sources.csv", data_dir)).copy()


def conflicts(data_dir=None) -> pd.DataFrame:
    """The figures on which sources disagree, with every value and its source."""
    preferred = preferred_dti(data_dir)
    return preferred[preferred["has_conflict"]].reset_index(drop=True)


@functools.lru_cache(maxsize=8)
def _editions_cached(dti_stamp: tuple[str, int]) -> tuple[int, ...]:
    """The years, in order, with a province figure in this version of dti.csv."""
    dti = _read_cached(*dti_stamp, "dti.csv")
    return tuple(sorted(int(y) for y in
                        dti.loc[dti["measure"].isin(PROVINCE_MEASURES), "year"].unique()))


def editions(data_dir=None) -> list[int]:
    """DTI editions (years) with at least one province figure."""
    return list(_editions_cached(_stamp("dti.csv", data_dir)))


@functools.lru_cache(maxsize=8)
def _resolver_cached(provinces_stamp: tuple[str, int],
                     aliases_stamp: tuple[str, int]) -> NameResolver:
    """The resolver of the 63 province names and their aliases (former names left out), for these
    versions of provinces.csv and aliases.csv."""
    provinces = _read_cached(*provinces_stamp, "provinces.csv")
    aliases = _read_cached(*aliases_stamp, "aliases.csv")
    aliases = aliases[aliases["kind"].ne(KIND_FORMER)]  # a former province is not its successor
    mapping = dict(zip(aliases["alias"], aliases["canonical"]))
    mapping.update(zip(provinces["name_ascii"], provinces["name"]))
    return NameResolver(list(provinces["name"]), mapping)


VALID_PROVINCES = "valid: the 63 names in data/processed/provinces.csv"


def province_resolver(data_dir=None) -> NameResolver:
    """The resolver of province names, built once per version of provinces.csv and aliases.csv
    (it is not changed by its users: `resolve` and `suggestions` only read it)."""
    return _resolver_cached(_stamp("provinces.csv", data_dir), _stamp("aliases.csv", data_dir))


def former_province(name: str, data_dir=None) -> tuple[str, str] | None:
    """(successor, source_id) when `name` is a former province that aliases.csv records (kind
    `former`, e.g. a province merged into another before the DTI); None when the data does not
    know it (nothing is guessed)."""
    aliases = load_aliases(data_dir)
    former = aliases[aliases["kind"].eq(KIND_FORMER)]
    key = match_key(str(name))
    for alias, successor, source in zip(former["alias"], former["canonical"], former["source_id"]):
        if match_key(alias) == key or match_key(strip_diacritics(alias)) == key:
            return successor, source
    return None


def source_citation(source: str, data_dir=None) -> str:
    """How a message cites a source: publisher and URL from the source registry, then its id
    ("Wikipedia (English), https://… [wikipedia-org-832511]"); the id alone if not registered."""
    sources = load_sources(data_dir)
    row = sources[sources["source_id"].eq(source)]
    if row.empty:
        return source
    publisher, url = row.iloc[0]["publisher"], row.iloc[0]["url"]
    return f"{publisher}, {url} [{source}]"


def resolve_province(name: str, data_dir=None, parameter: str = "province") -> str:
    """The canonical name of one of the 63 provinces, or a UserError listing the closest (and,
    for a former province the data knows, its successor), naming `parameter` as
    `analysis.errors.given` does (a notebook parameter, or an option such as "--provinces")."""
    resolver = province_resolver(data_dir)
    resolved = resolver.resolve(name) if isinstance(name, str) else None
    if resolved is None:
        former = former_province(name, data_dir) if isinstance(name, str) else None
        if former is not None:
            raise UserError(f"{given(parameter, name)} is a former province, now part of "
                            f"{former[0]} (source: {source_citation(former[1], data_dir)}); "
                            f"use {former[0]!r}")
        close = ", ".join(resolver.suggestions(str(name))) or "none close"
        raise UserError(f"{given(parameter, name)} is not a known province; closest: "
                        f"{close}; {VALID_PROVINCES}")
    return resolved


__all__ = [
    "NATIONAL_UNITS",
    "PRECEDENCE_RULE",
    "conflicts",
    "editions",
    "former_province",
    "load_aliases",
    "load_dti",
    "load_list_mentions",
    "load_provinces",
    "load_sources",
    "load_target_progress",
    "load_target_revisions",
    "load_target_status",
    "load_targets",
    "load_units_2025",
    "preferred_dti",
    "preferred_from",
    "province_resolver",
    "resolve_province",
    "source_citation",
]
