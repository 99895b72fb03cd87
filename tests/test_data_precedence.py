"""Tests written against mutmut's surviving mutants of the precedence code in analysis.data
(`rank_sources`, `_pick`, `preferred_from`; see README, "Mutation testing"). Synthetic figures."""

from __future__ import annotations

import pandas as pd
from test_data import SYNTHETIC_SOURCES, _synthetic

from analysis import data


def test_two_different_scores_are_a_conflict_naming_both():
    rows = [(2022, 63, "Hải Dương", "dti", 0.50, None, "official"),
            (2022, 63, "Hải Dương", "dti", 0.60, None, "press-new")]
    preferred = data.preferred_from(_synthetic(rows), SYNTHETIC_SOURCES)
    assert preferred["has_conflict"].item()
    assert preferred["conflict"].item() == "score: 0.5 (official); 0.6 (press-new)"
    assert preferred["score"].item() == 0.5 and preferred["n_sources"].item() == 2


def test_score_and_rank_conflicts_are_both_said():
    rows = [(2022, 63, "Hải Dương", "dti", 0.50, 5, "official"),
            (2022, 63, "Hải Dương", "dti", 0.60, 6, "press-new")]
    conflict = data.preferred_from(_synthetic(rows), SYNTHETIC_SOURCES)["conflict"].item()
    assert conflict == "score: 0.5 (official); 0.6 (press-new) | rank: 5 (official); 6 (press-new)"


def test_a_score_without_any_rank_names_its_own_source():
    rows = [(2022, 63, "Hải Dương", "dti", None, None, "official"),
            (2022, 63, "Hải Dương", "dti", 0.40, None, "press-new")]
    preferred = data.preferred_from(_synthetic(rows), SYNTHETIC_SOURCES)
    assert pd.isna(preferred["rank"].item()) and preferred["score"].item() == 0.4
    assert preferred["score_source_id"].item() == "press-new"
    assert preferred["rank_source_id"].item() == ""
    # The figure's source is the one that gave its score, not the first by precedence.
    assert preferred["source_id"].item() == "press-new"
    assert not preferred["has_conflict"].item()


def test_a_figure_nobody_gave_keeps_the_first_source_by_precedence():
    rows = [(2022, 63, "Hải Dương", "dti", None, None, "press-new"),
            (2022, 63, "Hải Dương", "dti", None, None, "official")]
    preferred = data.preferred_from(_synthetic(rows), SYNTHETIC_SOURCES)
    assert preferred["source_id"].item() == "official"
    assert preferred["score_source_id"].item() == "" == preferred["rank_source_id"].item()


def test_figures_come_out_sorted_by_key_and_rows_without_unit_system_are_kept():
    rows = [(2023, 63, "Bắc Ninh", "dti", None, 4, "press-new"),
            (2022, None, "Cả nước", "national_average_dti", 0.4, None, "official"),
            (2022, 63, "Hải Dương", "dti", None, 10, "official")]
    preferred = data.preferred_from(_synthetic(rows), SYNTHETIC_SOURCES)
    assert preferred["unit"].tolist() == ["Hải Dương", "Cả nước", "Bắc Ninh"]
    assert preferred["year"].tolist() == [2022, 2022, 2023]
    assert pd.isna(preferred["unit_system"].iloc[1])
    assert str(preferred["year"].dtype) == "Int64" and str(preferred["rank"].dtype) == "Int64"


def _grouped_by_pandas(dti, sources):
    """The preferred figures as a pandas group-by picks them (the rule, written the obvious
    way): the reference `preferred_from` must agree with on any rows."""
    ranked = data.rank_sources(dti, sources)
    rows = []
    for key, group in ranked.groupby(data.PREFERRED_KEY, sort=True, dropna=False):
        scored, ranks = group[group["score"].notna()], group[group["rank"].notna()]
        conflicts = [f"{kind}: " + "; ".join(f"{v} ({i})" for v, i in zip(part[kind],
                                                                          part["source_id"]))
                     for kind, part in (("score", scored), ("rank", ranks))
                     if part[kind].nunique() > 1]
        first = {kind: part["source_id"].iloc[0] if len(part) else ""
                 for kind, part in (("score", scored), ("rank", ranks))}
        rows.append({**dict(zip(data.PREFERRED_KEY, key)),
                     "score": scored["score"].iloc[0] if len(scored) else pd.NA,
                     "rank": ranks["rank"].iloc[0] if len(ranks) else pd.NA,
                     "source_id": first["rank"] or first["score"] or group["source_id"].iloc[0],
                     "score_source_id": first["score"], "rank_source_id": first["rank"],
                     "n_sources": len(group), "has_conflict": bool(conflicts),
                     "conflict": " | ".join(conflicts)})
    return pd.DataFrame(rows, columns=data.PREFERRED_COLUMNS).astype(
        {"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Int64",
         "n_sources": "Int64", "has_conflict": bool})


def test_the_picks_are_those_of_a_pandas_group_by_on_any_rows():
    # preferred_from groups the rows in plain Python (fast): on random rows, with missing years,
    # unit systems, scores and ranks, sources outside the registry and disagreeing sources, it
    # picks what the obvious group-by picks, in the same order.
    import random

    from pandas.testing import assert_frame_equal

    pick = random.Random(15).choice
    ids = [*SYNTHETIC_SOURCES["source_id"], "unregistered"]
    for _ in range(60):
        rows = [(pick([2020, 2021, None]), pick([63, 34, None]), pick(["Hải Dương", "Bắc Ninh"]),
                 pick(["dti", "dti_gov"]), pick([None, 0.5, 0.25, 0.1 + 0.2, -0.0, 0.0]),
                 pick([None, 1, 2, 3]), pick(ids)) for _ in range(pick(range(1, 25)))]
        dti = _synthetic(rows)
        assert_frame_equal(data.preferred_from(dti, SYNTHETIC_SOURCES),
                           _grouped_by_pandas(dti, SYNTHETIC_SOURCES), check_exact=True)
