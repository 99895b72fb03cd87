"""Builds every processed table under `data/processed/` from `data/raw/` alone.

Raw files are never edited; everything here is derived, so anyone can rebuild it. Problems
found while building (an unknown province, two values from one source) name the raw file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.errors import Problem
from analysis.ingest import official_table, targets
from analysis.ingest.project import (
    FORMER_FILE,
    describe_former,
    former_aliases,
    read_former_provinces,
)
from analysis.ingest.raw import REFERENCE, read_csv_lines
from analysis.ingest.sources import build_registry, read_notes, source_id, split_urls
from analysis.measures import DTI_KEY, NATIONAL_UNITS
from analysis.names import KIND_FORMER, NameResolver, slugify
from analysis.paths import processed_dir, raw_dir

PROVENANCE_FILE = "provenance.csv"
PROVENANCE_COLUMNS = [
    "file", "kind", "publisher", "title", "url", "date_published", "date_accessed",
    "sha256", "year", "unit_system", "note", "table", "sheet",
]
# Official tables: `table` is detail or overall (empty: recognised by the header), `sheet` the
# worksheet of a workbook (empty: the first).
DTI_COLUMNS = [*DTI_KEY[:4], "score", "rank", "source_id", "note", "origin_file", "origin_line"]
PROCESSED_FILES = (
    "dti.csv", "sources.csv", "provinces.csv", "units_2025.csv", "aliases.csv", "targets.csv",
    "target_revisions.csv", "target_progress.csv", "target_status.csv", "list_mentions.csv",
    "target_drafts.csv", "target_restatements.csv",
)
PROVINCE_COLUMNS = ["code", "name", "slug", "name_ascii", "region_vi", "region_en",
                    "is_central_city", "unit_2025", "source_id"]


@dataclass
class Built:
    """One build's result: the processed tables by file name, the raw origin of each row, and the
    problems met."""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # For each table, aligned on its index: the raw file and line each row came from.
    origins: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def read_provenance(root: Path) -> pd.DataFrame:
    """`raw/provenance.csv` under `root`, every cell as text ("" when blank)."""
    return pd.read_csv(raw_dir(root) / PROVENANCE_FILE, dtype=str, keep_default_na=False)


# --- provinces -------------------------------------------------------------------------------

def build_provinces(ref: Path) -> pd.DataFrame:
    """The 63 pre-2025 provinces: code, names, region, and the 2025 unit each became part of."""
    raw = read_csv_lines(ref / "provinces_63.csv")
    renamed = raw.rename(columns={"name_vi": "name", "merged_into_2025": "unit_2025"})
    return renamed.assign(slug=raw["name_vi"].map(slugify),
                          is_central_city=raw["is_central_city"].eq("1"),
                          source_id=_first_source(raw))[PROVINCE_COLUMNS]


def build_units_2025(ref: Path) -> pd.DataFrame:
    """The 34 units of the 2025 merger, with their pre-2025 members."""
    raw = read_csv_lines(ref / "merger_2025.csv")
    return pd.DataFrame({"unit": raw["unit_2025"], "slug": raw["unit_2025"].map(slugify),
                         "members": raw["members_pre2025"], "source_id": _first_source(raw)})


def build_aliases(ref: Path) -> pd.DataFrame:
    """The reference's spellings of province names, each with the province it means."""
    raw = read_csv_lines(ref / "aliases.csv")
    return raw[["alias", "canonical", "kind"]].assign(source_id=_first_source(raw))


def _first_source(raw: pd.DataFrame) -> pd.Series:
    """Each row's first cited URL as a source id (a cell may list several, ';'-separated)."""
    return raw["source_url"].map(lambda cell: source_id(split_urls(cell)[0]))


def resolvers(provinces: pd.DataFrame, units: pd.DataFrame, aliases: pd.DataFrame):
    """Name resolvers for the 63 pre-2025 provinces and the 34 post-merger units."""
    current = aliases[aliases["kind"].ne(KIND_FORMER)]  # a former province is not its successor
    alias_63 = dict(zip(current["alias"], current["canonical"]))
    alias_63.update(zip(provinces["name_ascii"], provinces["name"]))
    sole_member = {m: u for u, m in zip(units["unit"], units["members"]) if ";" not in m}
    to_34 = {name: (name if name in set(units["unit"]) else sole_member.get(name))
             for name in provinces["name"]}
    alias_34 = {a: to_34[c] for a, c in alias_63.items() if to_34.get(c)}
    alias_34.update({p: u for p, u in to_34.items() if u})
    national = {n: n for n in NATIONAL_UNITS}
    return {
        63: NameResolver(list(provinces["name"]) + list(NATIONAL_UNITS), {**alias_63, **national}),
        34: NameResolver(list(units["unit"]) + list(NATIONAL_UNITS), {**alias_34, **national}),
    }


# --- DTI figures -----------------------------------------------------------------------------

def _reference_dti(ref: Path, resolver_for, problems: list[Problem]) -> pd.DataFrame:
    """The reference's DTI figures (dti_observations.csv) with canonical units and each row's line;
    an unknown unit stays as written and adds a problem."""
    file = f"raw/{REFERENCE}/dti_observations.csv"
    raw = read_csv_lines(ref / "dti_observations.csv")
    frame = pd.DataFrame({
        "year": raw["year"], "unit": raw["unit"], "unit_system": raw["unit_system"],
        "measure": raw["measure"], "score": raw["score"], "rank": raw["rank"],
        "source_url": raw["source_url"], "note": raw["note"],
        "origin_file": file, "origin_line": raw["_line"],
    })
    frame["unit"] = [
        _resolve_unit(u, s, line, file, resolver_for, problems)
        for u, s, line in zip(frame["unit"], frame["unit_system"], frame["origin_line"])
    ]
    return frame


def _resolve_unit(name, system, line, file, resolver_for, problems) -> str:
    """`name` as the canonical unit of its unit system (63 when blank); as written when the system
    is unknown, or when the name is (then a problem with the closest names is added)."""
    resolver = resolver_for.get(_as_int(system) if system else 63)
    if resolver is None:
        return name  # an unknown unit system is reported by the schema
    resolved = resolver.resolve(name)
    if resolved is None:
        hint = ", ".join(resolver.suggestions(name)) or "none close"
        problems.append(Problem(file, line, "unit", name, f"unknown unit; closest known: {hint}"))
        return name
    return resolved


def _as_int(text: str):
    """`text` as an int ("63.0" -> 63); the text itself when it is not a number."""
    try:
        return int(float(text))
    except ValueError:
        return text


def _official_dti(root: Path, provenance: pd.DataFrame, resolver_for, problems) -> pd.DataFrame:
    """The figures of every official table in the provenance, with file and line; a file that cannot
    be read adds only its problems, a bad row its problems but not the table's good rows."""
    frames = []
    for record in provenance[provenance["kind"] == "official_table"].to_dict("records"):
        file = f"raw/{record['file']}"
        system = int(record["unit_system"])
        grid, read_problems = official_table.read_grid(
            (raw_dir(root) / record["file"]).read_bytes(), file, record.get("sheet") or None)
        if read_problems:
            problems += read_problems
            continue
        rows, parse_problems, kind = official_table.parse_grid(
            grid, resolver_for[system], record.get("table") or None, unit_count=system)
        problems += parse_problems
        title = official_table.TABLE_TITLES.get(kind, "")
        frames.append(pd.DataFrame({
            "year": record["year"], "unit": rows["unit"], "unit_system": str(system),
            "measure": rows["measure"], "score": rows["score"].astype("string"),
            "rank": rows["rank"].astype("string"), "source_url": record["url"],
            "note": f"official table '{title}' imported from {record['file']}",
            "origin_file": file, "origin_line": rows["line"],
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _merge_same_source(frame: pd.DataFrame, problems: list[Problem]) -> pd.DataFrame:
    """Rows from one source about one figure merge; values that contradict are a problem."""
    merged = []
    for _, group in frame.groupby(DTI_KEY, sort=False, dropna=False):
        row = group.iloc[0].to_dict()
        for column in ("score", "rank"):
            values = group[column].dropna()
            if values.nunique() > 1:
                places = " vs ".join(
                    f"{v:g} ({f}, line {ln})"
                    for v, f, ln in zip(values, group.loc[values.index, "origin_file"],
                                        group.loc[values.index, "origin_line"]))
                problems.append(Problem(row["origin_file"], int(row["origin_line"]), column, None,
                                        f"the same source gives two values: {places}"))
            row[column] = values.iloc[0] if len(values) else None
        notes = [n for n in group["note"] if isinstance(n, str) and n]
        row["note"] = " | ".join(dict.fromkeys(notes))
        merged.append(row)
    return pd.DataFrame(merged, columns=frame.columns)


def _to_number(series: pd.Series) -> pd.Series:
    """`series` as Float64; blanks and text that is not a number become <NA>."""
    return pd.to_numeric(series.replace("", None), errors="coerce").astype("Float64")


def build_dti(root: Path, resolver_for, problems: list[Problem]) -> pd.DataFrame:
    """Every DTI figure from the reference and the official tables, one row per DTI_KEY, sorted;
    problems met are appended to `problems`."""
    ref = raw_dir(root) / REFERENCE
    parts = [_reference_dti(ref, resolver_for, problems),
             _official_dti(root, read_provenance(root), resolver_for, problems)]
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    frame["source_id"] = frame["source_url"].map(source_id)
    frame = frame.drop(columns="source_url")
    frame = frame.assign(
        year=pd.to_numeric(frame["year"], errors="coerce").astype("Int64"),
        unit_system=pd.to_numeric(frame["unit_system"].replace("", None), errors="coerce").astype("Int64"),
        score=_to_number(frame["score"].astype("string")),
        rank=_to_number(frame["rank"].astype("string")),
        origin_line=frame["origin_line"].astype(int),
    )
    frame = _merge_same_source(frame, problems).astype(
        {"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Float64"})
    return frame[DTI_COLUMNS].sort_values(DTI_KEY, na_position="last").reset_index(drop=True)


def build_list_mentions(ref: Path) -> pd.DataFrame:
    """The reference's list mentions: year, unit, unit system, the list named, source and note."""
    raw = read_csv_lines(ref / "dti_list_mentions.csv")
    return pd.DataFrame({
        "year": raw["year"].astype(int), "unit": raw["unit"],
        "unit_system": pd.to_numeric(raw["unit_system"], errors="coerce").astype("Int64"),
        "list": raw["measure"], "source_id": raw["source_url"].map(source_id), "note": raw["note"],
    })


# --- sources ---------------------------------------------------------------------------------

def cited_urls(ref: Path, dti_urls: list[str]) -> list[str]:
    """`dti_urls`, then every URL the reference tables cite, in file order (repeats kept)."""
    urls = list(dti_urls)
    for name, column in [("dti_list_mentions.csv", "source_url"), ("provinces_63.csv", "source_url"),
                         ("merger_2025.csv", "source_url"), ("aliases.csv", "source_url"),
                         ("targets.csv", "source_url"), ("targets.csv", "revision_source_url"),
                         ("target_progress.csv", "source_url"), (targets.DRAFT_WORDINGS, "source_url")]:
        for cell in read_csv_lines(ref / name)[column]:
            urls += split_urls(cell)
    return urls


def build_all(root: Path) -> Built:
    """Every processed table, built from `root/raw/`, with the problems met on the way."""
    built, ref = Built(), raw_dir(root) / REFERENCE
    provinces, units, aliases = build_provinces(ref), build_units_2025(ref), build_aliases(ref)
    # from the reference's spellings: the project's former names never resolve (see resolvers)
    resolver_for = resolvers(provinces, units, aliases)
    former = read_former_provinces(root, provinces, resolver_for[63], built.problems)
    aliases_origin = pd.concat([
        pd.DataFrame({"origin_file": f"raw/{REFERENCE}/aliases.csv",
                      "origin_line": range(2, 2 + len(aliases))}),
        pd.DataFrame({"origin_file": FORMER_FILE, "origin_line": former["_line"].astype(int)}),
    ], ignore_index=True)
    aliases = pd.concat([aliases, former_aliases(former)], ignore_index=True)
    dti = build_dti(root, resolver_for, built.problems)
    provenance = read_provenance(root)
    official_urls = list(provenance.loc[provenance["kind"] == "official_table", "url"])
    ref_dti_urls = list(read_csv_lines(ref / "dti_observations.csv")["source_url"])
    registry = build_registry(
        cited_urls(ref, ref_dti_urls + official_urls) + list(former["source_url"]),
        read_notes(ref), list(provinces["name"]))
    registry = _describe_official(registry, provenance)
    registry = targets.describe_drafts(registry, ref)
    registry = describe_former(registry, former)
    built.tables = {
        "dti.csv": dti,
        "sources.csv": registry,
        "provinces.csv": provinces,
        "units_2025.csv": units,
        "aliases.csv": aliases,
        "targets.csv": targets.build_targets(ref),
        "target_revisions.csv": targets.build_target_revisions(ref),
        "target_progress.csv": targets.build_target_progress(ref),
        "target_status.csv": targets.build_target_status(ref, built.problems),
        "list_mentions.csv": build_list_mentions(ref),
        "target_drafts.csv": targets.build_target_drafts(ref),
        "target_restatements.csv": targets.build_target_restatements(ref),
    }
    built.origins = _origins(built.tables, ref)
    built.origins["aliases.csv"] = aliases_origin
    status = built.tables["target_status.csv"]
    built.tables["target_status.csv"] = status.drop(columns="_line")
    return built


RAW_OF = {
    "provinces.csv": "provinces_63.csv", "units_2025.csv": "merger_2025.csv",
    "targets.csv": "targets.csv",
    "target_revisions.csv": "targets.csv", "target_progress.csv": "target_progress.csv",
    "list_mentions.csv": "dti_list_mentions.csv", "target_drafts.csv": targets.DRAFT_WORDINGS,
}


def _origins(tables: dict[str, pd.DataFrame], ref: Path) -> dict[str, pd.DataFrame]:
    """Raw file and line of every row; tables built row for row from a raw CSV keep its index."""
    origins = {"dti.csv": tables["dti.csv"][["origin_file", "origin_line"]]}
    for name, raw_name in RAW_OF.items():
        lines = pd.Series(range(2, 2 + len(read_csv_lines(ref / raw_name))))
        origins[name] = pd.DataFrame({"origin_file": f"raw/{REFERENCE}/{raw_name}",
                                      "origin_line": lines.loc[tables[name].index]})
    restated = tables["target_restatements.csv"]
    origins["target_restatements.csv"] = pd.DataFrame(
        {"origin_file": f"raw/{REFERENCE}/{targets.SEED_ARTICLE}", "origin_line": restated["origin_line"]})
    status = tables["target_status.csv"]
    origins["target_status.csv"] = pd.DataFrame(
        {"origin_file": f"raw/{REFERENCE}/target_progress.csv", "origin_line": status["_line"]})
    sources = tables["sources.csv"]
    origins["sources.csv"] = pd.DataFrame(
        {"origin_file": "processed/sources.csv", "origin_line": range(2, 2 + len(sources))},
        index=sources.index)
    return origins


def _describe_official(registry: pd.DataFrame, provenance: pd.DataFrame) -> pd.DataFrame:
    """An imported table describes its own page where the reference notes do not: every field
    the notes leave blank (a page the notes describe keeps their wording where they give one)."""
    official = provenance[provenance["kind"] == "official_table"].drop_duplicates("url")
    for record in official.to_dict("records"):
        row = registry["url"] == record["url"]
        undescribed = row & registry["described_in"].eq("")
        for column in ("publisher", "title", "date_published"):
            blank = row & (undescribed | registry[column].eq(""))
            if record[column]:
                registry.loc[blank, column] = record[column]
        registry.loc[undescribed, "described_in"] = f"raw/{PROVENANCE_FILE}"
    return registry


def write_processed(built: Built, root: Path) -> None:
    """Write every table to `root/processed/` (each via a temporary file, then renamed)."""
    from analysis.atomic import write_csv_atomic

    target = processed_dir(root)
    target.mkdir(parents=True, exist_ok=True)
    for name, table in built.tables.items():
        write_csv_atomic(table, target / name)
