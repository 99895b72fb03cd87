"""Comparisons built on the preferred DTI figures: percentiles, a province's year, rank changes,
peers, the national average, the DTI target. Pure functions: a frame in, a frame out.

`pref` is a frame shaped like `analysis.data.preferred_dti()`. Nothing here fills a gap: a figure
nobody published stays <NA>, and a row for it is kept so that the gap shows.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis.errors import UserError
from analysis.measures import (
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    HOME_PROVINCE,
    INDICATORS,
    NATIONAL_AVERAGE_OF,
    NATIONAL_AVERAGE_UNIT,
    NATIONAL_UNITS,
    OVERALL,
    PILLARS,
    PROVINCE_MEASURES,
    UNITS_AFTER_MERGER,
    UNITS_BEFORE_MERGER,
)

# The 63 pre-2025 provinces are ranked among 63; a province's own figures live in this system.
PROVINCE_SYSTEM = UNITS_BEFORE_MERGER

PROVINCE_YEAR_COLUMNS = ["measure", "unit", "unit_system", "score", "rank", "percentile",
                         "source_id", "published"]
RANK_CHANGE_COLUMNS = ["year", "measure", "unit_system", "rank", "previous_year", "previous_rank",
                       "previous_unit_system",
                       "change", "comparable"]
PEER_COLUMNS = ["measure", "unit", "role", "score", "rank", "percentile", "source_id"]
STRENGTH_COLUMNS = ["measure", "group", "rank", "position"]
GAP_COLUMNS = ["measure", "score", "national_average", "gap"]
TARGET_COLUMNS = ["year", "unit_system", "rank", "target_horizon", "target_rank", "within_target"]
COVERAGE_COLUMNS = ["measure", "year", "n_sources", "source_ids", "status"]

FIGURE_DTYPES = {"unit_system": "Int64", "score": "Float64", "rank": "Int64",
                 "percentile": "Float64"}


def percentile(rank, n_units):
    """Share of the other units a unit ranks above: 1 for rank 1, 0 for the last.

    A rank among 34 and a rank among 63 only compare through this. Works on scalars and Series;
    a missing rank or unit count gives <NA>.
    """
    if isinstance(rank, pd.Series) or isinstance(n_units, pd.Series):
        rank = pd.Series(rank, dtype="Float64") if isinstance(rank, pd.Series) else rank
        n_units = (pd.Series(n_units, dtype="Float64") if isinstance(n_units, pd.Series)
                   else n_units)
        result = 1 - (rank - 1) / (n_units - 1)
        return pd.Series(result, dtype="Float64")
    if pd.isna(rank) or pd.isna(n_units):
        return pd.NA
    return 1 - (float(rank) - 1) / (float(n_units) - 1)


def with_percentile(pref: pd.DataFrame) -> pd.DataFrame:
    """`pref` plus `percentile`, the rank read against the number of units it ranks among."""
    out = pref.copy()
    if out.empty:
        out["percentile"] = pd.Series(dtype="Float64")
        return out
    out["percentile"] = percentile(out["rank"].astype("Int64"),
                                   out["unit_system"].astype("Int64")).to_numpy()
    out["percentile"] = out["percentile"].astype("Float64")
    return out


def province_year(pref: pd.DataFrame, province: str, year: int, *,
                  unit_system: int = PROVINCE_SYSTEM) -> pd.DataFrame:
    """The province's 12 measures in one edition, in PROVINCE_MEASURES order.

    Only the province's own figures (among 63 by default): a year in which only its post-merger
    unit was ranked (2024) stays <NA> here; use `successor_unit` to show that unit explicitly.
    """
    out = _province_year_rows(pref, province, year, int(unit_system))
    out["published"] = (out["score"].notna() | out["rank"].notna()).to_numpy(dtype=bool)
    return out


def successor_unit(province: str, provinces: pd.DataFrame) -> str:
    """The 2025 unit (one of 34) that the province became part of on 1 July 2025."""
    # A plain scan (a brief asks a dozen times; a boolean mask and .loc cost ten times more).
    hits = np.flatnonzero(provinces["name"].to_numpy(dtype=object) == province)
    if not len(hits):
        raise UserError(f"province {province!r} is not among the 63 provinces of the table")
    return str(provinces["unit_2025"].iloc[hits[0]])


def successor_or_none(province: str, provinces: pd.DataFrame | None) -> str | None:
    """The post-2025 unit a province became part of, or None when there is no table or it does
    not list the province."""
    if provinces is None:
        return None
    try:
        return successor_unit(province, provinces)
    except UserError:
        return None


def _comparable(measure: str, year, unit_system, previous_year, previous_system) -> bool:
    """Whether a rank can be set against the previous one: there is one, in the same unit system,
    and it is not an indicator's across DTI 2020 -> 2021."""
    if pd.isna(previous_year):
        return False
    # A rank among 34 says nothing about a rank among 63 (compare percentiles instead).
    if previous_system != unit_system:
        return False
    # DTI 2020 measured other indicators: no indicator compares across 2020 -> 2021.
    return not (measure in INDICATORS and previous_year < FIRST_YEAR_OF_EIGHT_INDICATORS <= year)


def rank_changes(pref: pd.DataFrame, province: str) -> pd.DataFrame:
    """Each published rank of the unit named `province` next to its previous published rank.

    change = previous_rank - rank (positive = moved up); <NA> where not comparable (63 vs 34
    units, or an indicator across DTI 2020 -> 2021), and for the first rank of a measure.
    Within one year a rank among 63 comes before a rank among 34.
    """
    # In plain Python over the unit's few rows: a brief asks for this five times, and pandas'
    # sort, group-by and shift cost ten times the work on a frame of a few dozen rows.
    positions = _ranked_rows_in_order(pref, province)
    if not positions:
        return _empty(RANK_CHANGE_COLUMNS, {"year": "Int64", "unit_system": "Int64",
                                            "rank": "Int64", "previous_year": "Int64",
                                            "previous_unit_system": "Int64",
                                            "previous_rank": "Int64", "change": "Int64",
                                            "comparable": bool, "measure": str})
    taken = {c: pref[c].array.take(positions) for c in ("year", "measure", "unit_system", "rank")}
    measures, years, systems, ranks = (taken[c].tolist()
                                       for c in ("measure", "year", "unit_system", "rank"))
    before = [None, *range(len(positions) - 1)]  # the row each row follows, within its measure
    before = [b if b is not None and measures[b] == m else None
              for b, m in zip(before, measures)]
    previous_year = [pd.NA if b is None else years[b] for b in before]
    previous_rank = [pd.NA if b is None else ranks[b] for b in before]
    previous_system = [pd.NA if b is None else systems[b] for b in before]
    comparable = [_comparable(m, y, s, py, ps) for m, y, s, py, ps in zip(
        measures, years, systems, previous_year, previous_system)]
    change = [p - r if ok else pd.NA for p, r, ok in zip(previous_rank, ranks, comparable)]
    return pd.DataFrame({
        "year": _int64(taken["year"]), "measure": taken["measure"],
        "unit_system": _int64(taken["unit_system"]), "rank": _int64(taken["rank"]),
        "previous_year": _int64(previous_year), "previous_rank": _int64(previous_rank),
        "previous_unit_system": _int64(previous_system), "change": _int64(change),
        "comparable": np.array(comparable, dtype=bool)}, columns=RANK_CHANGE_COLUMNS)


def _int64(values):
    """Values as a nullable integer array (<NA> for what is missing)."""
    return pd.array(values, dtype="Int64")


def _ranked_rows_in_order(pref: pd.DataFrame, unit: str) -> list[int]:
    """Positions in `pref` of the unit's ranked rows of province measures, in measure order, then
    year (a missing year last), then a rank among 63 before any other; ties in row order."""
    candidates = np.flatnonzero(pref["unit"].eq(unit).to_numpy(dtype=bool, na_value=False))
    order = {m: i for i, m in enumerate(PROVINCE_MEASURES)}
    measures = pref["measure"].array.take(candidates).tolist()
    years = pref["year"].array.take(candidates).tolist()
    systems = pref["unit_system"].array.take(candidates).tolist()
    has_rank = pref["rank"].notna().to_numpy(dtype=bool)[candidates]
    keyed = [((order[m], _missing(y), 0 if _missing(y) else y,
               0 if not _missing(s) and s == PROVINCE_SYSTEM else 1), int(i))
             for i, m, y, s, ranked in zip(candidates, measures, years, systems, has_rank)
             if ranked and m in order]
    return [i for _, i in sorted(keyed, key=lambda pair: pair[0])]


def largest_rank_moves(pref: pd.DataFrame, province: str, years, limit: int = 3) -> pd.DataFrame:
    """The `limit` largest comparable rank changes of the province's pillars and indicators
    whose later edition is in `years` (rank_changes rows): largest move first, then the later
    edition, then the measures' order. A measure that kept its rank is no move."""
    changes = rank_changes(pref, province)
    wanted = {int(y) for y in years}
    order = {m: i for i, m in enumerate(PROVINCE_MEASURES)}
    moved = set(PILLARS) | set(INDICATORS)
    keyed = [((-abs(change), -year, order[measure]), i) for i, (measure, year, change, ok) in
             enumerate(zip(changes["measure"], changes["year"].tolist(),
                           changes["change"].tolist(), changes["comparable"]))
             if measure in moved and not _missing(year) and year in wanted and ok
             and not _missing(change) and change != 0]
    chosen = [i for _, i in sorted(keyed, key=lambda pair: pair[0])][:limit]
    return changes.take(chosen).reset_index(drop=True)


def _empty(columns, dtypes) -> pd.DataFrame:
    """An empty frame with these columns, of the given dtypes (text where none is given)."""
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, str)) for c in columns})


def _national_average(pref: pd.DataFrame, measure: str, year: int) -> pd.DataFrame:
    """The row (at most one) of the measure's national average in `year`; empty if it has none."""
    average_measure = NATIONAL_AVERAGE_OF.get(measure)
    return pref[(pref["unit"] == NATIONAL_AVERAGE_UNIT) & (pref["measure"] == average_measure)
                & (pref["year"] == year)].head(1)


def peer_table(pref: pd.DataFrame, province: str, peers, year: int,
               measures=PROVINCE_MEASURES, *, unit_system: int = PROVINCE_SYSTEM) -> pd.DataFrame:
    """Tidy comparison for one edition: per measure (each once, in the order given), the
    province, each peer, the national average (measures that have one) and the best unit (the
    unit ranked 1st; failing that, the top score only when every unit's score is known: the top
    of a partial list is not the best).

    The province and every peer get a row even when unpublished, so gaps stay visible.
    """
    measures = list(dict.fromkeys(measures))
    return _peer_rows(pref, province, peers, year, measures, int(unit_system))


def _records_of_year(pref: pd.DataFrame, year: int, unit: str | None = None) -> list[dict]:
    """The year's rows of `pref` (only the unit's, if given) as plain records, in order (<NA>
    for what is missing)."""
    mask = pref["year"].eq(year).to_numpy(dtype=bool, na_value=False)
    if unit is not None:
        mask &= pref["unit"].to_numpy(dtype=object) == unit
    positions = np.flatnonzero(mask)
    columns = ["unit", "unit_system", "measure", "score", "rank", "source_id"]
    return [dict(zip(columns, values))
            for values in zip(*(pref[c].array.take(positions).tolist() for c in columns))]


def _missing(value) -> bool:
    """Whether `value` is None, <NA> or a float NaN."""
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _percentile_of(rank, n_units):
    """`percentile` on one value, with the arithmetic of its Series form (float64)."""
    if _missing(rank) or _missing(n_units):
        return pd.NA
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(1 - (np.float64(rank) - 1) / (np.float64(n_units) - 1))


def province_year_records(pref: pd.DataFrame, province: str, year: int, *,
                          unit_system: int = PROVINCE_SYSTEM) -> list[dict]:
    """`province_year`'s rows as plain records (<NA> for what is missing), for a caller that
    reads the figures one by one: a frame of twelve rows costs more to build than to fill."""
    first: dict = {}
    for r in _records_of_year(pref, year, province):
        if not _missing(r["unit_system"]) and r["unit_system"] == unit_system:
            first.setdefault(r["measure"], r)
    return [{"measure": m, "unit": province, "unit_system": unit_system,
             "score": f["score"] if f else pd.NA, "rank": f["rank"] if f else pd.NA,
             "percentile": _percentile_of(f["rank"], f["unit_system"]) if f else pd.NA,
             "source_id": "" if not f or _missing(f["source_id"]) else str(f["source_id"])}
            for m, f in ((m, first.get(m)) for m in PROVINCE_MEASURES)]


def _province_year_rows(pref, province, year, unit_system) -> pd.DataFrame:
    """`province_year_records` as a frame, built column by column, each in its dtype."""
    rows = province_year_records(pref, province, year, unit_system=unit_system)
    dtypes = {**FIGURE_DTYPES, "measure": str, "unit": str, "source_id": str}
    return pd.DataFrame({c: pd.array([r[c] for r in rows], dtype=dtypes[c])
                         for c in PROVINCE_YEAR_COLUMNS[:-1]})


def first_figure(pref: pd.DataFrame, unit: str, year, measure: str, unit_system=None):
    """The first row of `pref` (as `pref.iloc[i]`) for the unit, year, measure and, unless None,
    unit system; None if there is none. The same row as filtering with `.eq(...)` and taking
    `.iloc[0]` (a missing value matches nothing), found without a boolean mask per column."""
    candidates = np.flatnonzero(pref["unit"].to_numpy(dtype=object) == unit)
    if not len(candidates):
        return None
    years, measures = pref["year"].array, pref["measure"].array
    systems = pref["unit_system"].array if unit_system is not None else None
    for i in candidates:
        if not _equal(years[i], year) or not _equal(measures[i], measure):
            continue
        if systems is not None and not _equal(systems[i], unit_system):
            continue
        return pref.iloc[int(i)]
    return None


def published_figure(pref: pd.DataFrame, unit: str, year, measure: str = OVERALL,
                     unit_system=PROVINCE_SYSTEM):
    """`first_figure`, or None when that row has neither a score nor a rank."""
    row = first_figure(pref, unit, year, measure, unit_system)
    if row is None or (_missing(row["rank"]) and _missing(row["score"])):
        return None
    return row


def _equal(value, other) -> bool:
    """Whether the two values are equal, neither being missing."""
    if _missing(value) or _missing(other):
        return False
    return bool(value == other)


def _peer_rows(pref, province, peers, year, measures, unit_system) -> pd.DataFrame:
    """`peer_table`'s rows, from one pass over the year's records."""
    records = _records_of_year(pref, year)
    in_system = [r for r in records
                 if not _missing(r["unit_system"]) and r["unit_system"] == unit_system]
    first: dict = {}  # (unit, measure) -> its first row in the unit system
    for r in in_system:
        first.setdefault((r["unit"], r["measure"]), r)
    out = []

    def add(measure, unit, system, role, found, percentile_value):
        """One more row of the table, its figures from record `found` (<NA> without one)."""
        out.append({"measure": measure, "unit": unit, "role": role,
                    "score": found["score"] if found else pd.NA,
                    "rank": found["rank"] if found else pd.NA,
                    "percentile": percentile_value,
                    "source_id": ("" if not found or _missing(found["source_id"])
                                  else str(found["source_id"])), "_system": system})

    units = [(province, "province"), *[(peer, "peer") for peer in peers]]
    national = set(NATIONAL_UNITS)
    for measure in measures:
        for unit, role in units:
            found = first.get((unit, measure))
            add(measure, unit, unit_system, role, found,
                _percentile_of(found["rank"], found["unit_system"]) if found else pd.NA)
        if measure in NATIONAL_AVERAGE_OF:
            average_measure = NATIONAL_AVERAGE_OF.get(measure)
            average = next((r for r in records if r["unit"] == NATIONAL_AVERAGE_UNIT
                            and r["measure"] == average_measure), None)
            add(measure, NATIONAL_AVERAGE_UNIT, pd.NA, "national_average", average, pd.NA)
        rows = [r for r in in_system if r["measure"] == measure and r["unit"] not in national]
        ranked_first = sorted((r for r in rows if not _missing(r["rank"]) and r["rank"] == 1),
                              key=lambda r: r["unit"])
        scored = [r for r in rows if not _missing(r["score"])]
        best = (ranked_first[0] if ranked_first
                else min(scored, key=lambda r: (-r["score"], r["unit"]))
                if scored and len(scored) >= unit_system else None)
        if best is not None:
            add(measure, str(best["unit"]), unit_system, "best", best,
                _percentile_of(best["rank"], best["unit_system"]))
    frame = pd.DataFrame(out, columns=[*PEER_COLUMNS, "_system"])
    return frame[PEER_COLUMNS].astype({"measure": str, "unit": str, "role": str,
                                       "source_id": str, "score": "Float64", "rank": "Int64",
                                       "percentile": "Float64"})


def _group_of(measure: str) -> str:
    """"pillar" for a pillar, "indicator" for any other measure."""
    return "pillar" if measure in PILLARS else "indicator"


def strongest_and_weakest(pref: pd.DataFrame, province: str, year: int, n: int = 2) -> pd.DataFrame:
    """Per group (pillars, indicators), the n best- and n worst-ranked measures of that year.

    At most half of a group's ranked measures go to each side, so that no measure is called
    both strongest and weakest (3 ranked pillars -> 1 strongest, 1 weakest). Ties keep the
    DTI's own order of measures.
    """
    figures = province_year(pref, province, year)
    ranked = figures[figures["measure"].isin(PILLARS + INDICATORS) & figures["rank"].notna()]
    parts = []
    for group in ("pillar", "indicator"):
        members = ranked[ranked["measure"].map(_group_of) == group]
        k = min(n, len(members) // 2)
        if k == 0:
            continue
        ordered = members.assign(_pos=range(len(members))).sort_values(
            ["rank", "_pos"], kind="stable")
        strongest = ordered.head(k).assign(position="strongest")
        weakest = ordered.iloc[::-1].head(k).assign(position="weakest")
        parts += [strongest.assign(group=group), weakest.assign(group=group)]
    if not parts:
        return _empty(STRENGTH_COLUMNS, {"rank": "Int64"})
    out = pd.concat(parts, ignore_index=True)[STRENGTH_COLUMNS]
    return out.astype({"measure": str, "group": str, "rank": "Int64", "position": str})


def gap_to_national(pref: pd.DataFrame, province: str, year: int) -> pd.DataFrame:
    """Province score minus the national (provincial) average, for measures that have one."""
    figures = province_year(pref, province, year).set_index("measure")
    rows = []
    for measure in NATIONAL_AVERAGE_OF:
        average = _national_average(pref, measure, year)
        rows.append({"measure": measure, "score": figures.loc[measure, "score"],
                     "national_average": average["score"].iloc[0] if len(average) else pd.NA})
    out = pd.DataFrame(rows, columns=GAP_COLUMNS[:3]).astype(
        {"score": "Float64", "national_average": "Float64", "measure": str})
    out["gap"] = out["score"] - out["national_average"]
    return out[GAP_COLUMNS]


def _top_n_targets(targets: pd.DataFrame) -> pd.DataFrame:
    """The rank targets (top N, with a value), by horizon."""
    rank_targets = targets[(targets["comparator"] == "top_n") & targets["value"].notna()]
    return rank_targets.sort_values("horizon")


def rank_against_target(pref: pd.DataFrame, targets: pd.DataFrame, province: str = HOME_PROVINCE,
                        *, years=None) -> pd.DataFrame:
    """The province's overall DTI rank each edition against each top-N target (T01).

    years: editions to list (default: every year with a province figure in `pref`); an edition
    without the province's rank keeps a row with rank and within_target <NA>. Target values come
    from the data (the April-2023 report's '15th by 2025' stays a note in targets.csv).
    """
    if years is None:
        years = sorted(int(y) for y in pref.loc[pref["measure"].isin(PROVINCE_MEASURES),
                                                 "year"].dropna().unique())
    goals = _top_n_targets(targets)
    # The province's own overall rank (among 63) per edition: the first row of each year, as
    # province_year would pick it, looked up once for all years.
    own = pref[(pref["unit"] == province) & (pref["measure"] == OVERALL)
               & (pref["unit_system"] == PROVINCE_SYSTEM)]
    own = own[own["year"].notna()].drop_duplicates("year")
    rank_of = dict(zip((int(y) for y in own["year"]), own["rank"].astype("Int64")))
    goal_rows = list(zip(goals["horizon"], goals["value"]))
    rows = []
    for year in years:
        rank = rank_of.get(int(year), pd.NA)
        for horizon, value in goal_rows:
            goal = {"horizon": horizon, "value": value}
            rows.append({
                "year": int(year), "unit_system": PROVINCE_SYSTEM, "rank": rank,
                "target_horizon": goal["horizon"], "target_rank": int(goal["value"]),
                "within_target": pd.NA if pd.isna(rank) else bool(rank <= goal["value"]),
            })
    out = pd.DataFrame(rows, columns=TARGET_COLUMNS)
    return out.astype({"year": "Int64", "unit_system": "Int64", "rank": "Int64",
                       "target_horizon": "Int64", "target_rank": "Int64",
                       "within_target": "boolean"})


def _status(has_score: bool, has_rank: bool) -> str:
    """What was published of a measure in an edition: "published" (score and rank), "rank only",
    "score only" or "not published"."""
    if has_score and has_rank:
        return "published"
    if has_rank:
        return "rank only"
    if has_score:
        return "score only"
    return "not published"


def coverage(dti: pd.DataFrame, province: str, years=range(2020, 2025), *,
             unit_system: int = PROVINCE_SYSTEM) -> pd.DataFrame:
    """What was published about the province: measure x year, with how many sources gave it.

    `dti` is every source's row (load_dti()). status: 'published' (score and rank),
    'rank only', 'score only', 'not published'.
    """
    own = dti[(dti["unit"] == province) & (dti["unit_system"] == unit_system)]
    own = own[own["year"].notna()]
    # One pass over the province's rows: per (measure, year), its source ids and whether any
    # gives a score / a rank.
    cells: dict = {}
    for measure, year, source_id, has_score, has_rank in zip(
            own["measure"], own["year"], own["source_id"], own["score"].notna(),
            own["rank"].notna()):
        ids, scored, ranked = cells.get((measure, int(year)), (set(), False, False))
        ids.add(source_id)
        cells[(measure, int(year))] = (ids, scored or bool(has_score), ranked or bool(has_rank))
    rows = []
    for measure in PROVINCE_MEASURES:
        for year in years:
            found = cells.get((measure, year)) if float(year).is_integer() else None
            ids_set, scored, ranked = found if found else (set(), False, False)
            ids = sorted(ids_set)
            rows.append({"measure": measure, "year": int(year), "n_sources": len(ids),
                         "source_ids": ";".join(ids),
                         "status": _status(scored, ranked)})
    out = pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
    return out.astype({"measure": str, "year": "Int64", "n_sources": "Int64",
                       "source_ids": str, "status": str})


def default_peers(province: str, provinces: pd.DataFrame) -> list[str]:
    """The other provinces of the province's region (Hải Dương: the Red River Delta's other 10),
    in Vietnamese alphabetical order (by the unaccented name, so Hà Nội precedes Hải Phòng)."""
    match = provinces[provinces["name"] == province]
    if match.empty:
        raise UserError(f"province {province!r} is not among the 63 provinces of the table")
    region = match["region_en"].iloc[0]
    others = provinces[(provinces["region_en"] == region) & (provinces["name"] != province)]
    return list(others.sort_values(["name_ascii", "name"])["name"])


def published_for_units_after_merger(pref: pd.DataFrame, year: int) -> bool:
    """Whether edition `year` was also published for the 34 post-merger units (DTI 2024), so
    that a rank needs saying which of the two rankings it belongs to."""
    return bool((pref["year"].eq(year) & pref["unit_system"].eq(UNITS_AFTER_MERGER)).any())
