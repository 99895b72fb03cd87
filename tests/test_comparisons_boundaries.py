"""Tests written against mutmut's surviving mutants of analysis.comparisons: each pins a value,
a filter or a boundary that no earlier test checked (see README, "Mutation testing").
Every figure is synthetic."""

from __future__ import annotations

import pandas as pd
import pytest
from data_helpers import synthetic_pref

from analysis import comparisons as cmp
from analysis.measures import NATIONAL_AVERAGE_UNIT

# Beta's rows come first in each year, and Alpha has rows in both unit systems, so that a filter
# that loses its province or its unit system picks the wrong row instead of the same one.
PREF = synthetic_pref(f"""year,unit_system,unit,measure,score,rank,source_id
2022,63,Beta,dti,0.90,1,s-synth-1
2022,63,Beta,awareness,,2,s-synth-1
2022,34,Alpha,dti,0.20,30,s-synth-1
2022,63,Alpha,awareness,,3,s-synth-1
2022,63,Alpha,dti,0.50,20,s-synth-1
2022,63,Alpha,institutions,0.40,,s-synth-1
2022,63,Alpha,infrastructure,,10,s-synth-1
2022,63,Alpha,human_resources,,40,s-synth-1
2022,63,Alpha,cybersecurity,,50,s-synth-1
2022,63,Alpha,activity_government,,60,s-synth-1
2022,63,Alpha,activity_economy,,5,s-synth-1
2022,63,{NATIONAL_AVERAGE_UNIT},national_average_dti,0.45,,s-synth-2
""")

TOP_20 = pd.DataFrame({"target_id": ["T01"], "horizon": pd.array([2025], dtype="Int64"),
                       "comparator": ["top_n"], "value": pd.array([20], dtype="Float64")})


def test_percentile_values_reach_province_year():
    out = cmp.province_year(PREF, "Alpha", 2022).set_index("measure")
    assert out.loc["dti", "rank"] == 20  # among 63, not the 34-unit row, not Beta's
    assert out.loc["dti", "percentile"] == pytest.approx(1 - 19 / 62)
    assert out.loc["awareness", "percentile"] == pytest.approx(1 - 2 / 62)
    # A score without a rank: no percentile (not a percentile of a missing rank).
    assert pd.isna(out.loc["institutions", "percentile"])


def test_percentile_values_reach_peer_table():
    out = cmp.peer_table(PREF, "Alpha", ["Beta"], 2022, measures=["dti"]).set_index("role")
    assert out.loc["province", "percentile"] == pytest.approx(1 - 19 / 62)
    assert out.loc["peer", "percentile"] == pytest.approx(1.0)
    assert out.loc["best", "unit"] == "Beta"


def test_rank_against_target_reads_the_provinces_own_overall_rank_among_63():
    out = cmp.rank_against_target(PREF, TOP_20, province="Alpha", years=[2022])
    assert out["rank"].tolist() == [20]  # not Beta's 1, Alpha's awareness 3 or its 34-unit 30
    assert out["within_target"].tolist() == [True]  # 20th against "top 20": within


def test_gap_to_national_is_the_provinces_own():
    out = cmp.gap_to_national(PREF, "Alpha", 2022).set_index("measure")
    assert out.loc["dti", "score"] == pytest.approx(0.50)
    assert out.loc["dti", "gap"] == pytest.approx(0.05)


def test_coverage_counts_only_the_provinces_sources():
    dti = PREF.assign(source_id=["s-beta"] * 2 + ["s-synth-1"] * 9 + ["s-avg"])
    cell = cmp.coverage(dti, "Alpha", years=[2022]).set_index("measure")
    assert cell.loc["dti", "source_ids"] == "s-synth-1" and cell.loc["dti", "n_sources"] == 1
    assert cell.loc["awareness", "source_ids"] == "s-synth-1"


@pytest.mark.parametrize("ranked, expected", [
    (6, 2),  # the default n is 2, even when half the group would allow 3
    (5, 2),  # at most half of the group on each side: 5 // 2
    (3, 1),
])
def test_strongest_and_weakest_sizes(ranked, expected):
    names = ["awareness", "infrastructure", "human_resources", "cybersecurity",
             "activity_government", "activity_economy"][:ranked]
    rows = PREF[(PREF["unit"] != "Alpha") | PREF["measure"].isin(["dti", *names])]
    out = cmp.strongest_and_weakest(rows, "Alpha", 2022)
    indicators = out[out["group"] == "indicator"]
    assert (indicators["position"] == "strongest").sum() == expected
    assert (indicators["position"] == "weakest").sum() == expected
    # Alpha's own ranks, best first: Beta's awareness (2nd) is not Alpha's.
    assert indicators["rank"].iloc[0] == min(PREF.set_index(["unit", "measure"])
                                             .loc[[("Alpha", n) for n in names], "rank"])


def test_strongest_and_weakest_keeps_both_groups_and_the_two_worst():
    pillars = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2022,63,Alpha,pillar_government,,7,s-synth-1
2022,63,Alpha,pillar_economy,,9,s-synth-1
""")
    out = cmp.strongest_and_weakest(pd.concat([PREF, pillars], ignore_index=True), "Alpha", 2022)
    assert set(out["group"]) == {"pillar", "indicator"}
    weakest = out[(out["group"] == "indicator") & (out["position"] == "weakest")]
    assert weakest["rank"].tolist() == [60, 50]  # the worst, then the next worst


def test_rank_against_target_with_a_score_but_no_rank_gives_no_verdict():
    scored = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2021,63,Alpha,dti,0.40,,s-synth-1
2022,63,Alpha,dti,0.50,20,s-synth-1
""")
    out = cmp.rank_against_target(scored, TOP_20, province="Alpha", years=[2021, 2022])
    assert out["rank"].isna().tolist() == [True, False]
    assert out["within_target"].isna().tolist() == [True, False]
