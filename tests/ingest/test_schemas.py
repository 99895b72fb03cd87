"""The table schemas, imported directly: checks that a mutation run found unpinned."""

from __future__ import annotations

import pandas as pd
import pandera.errors
import pytest

from analysis.ingest import schemas

REGISTERED = {"syn-a", "syn-b"}  # synthetic source ids


def _targets(source_ids: str) -> pd.DataFrame:
    return pd.DataFrame({"target_id": ["T01"], "horizon": [2025], "comparator": ["top_n"],
                         "value": pd.array([20.0], dtype="Float64"), "source_id": ["syn-a"],
                         "source_ids": [source_ids]})


@pytest.mark.parametrize("cell", ["syn-a", "syn-a;syn-b", "syn-b;syn-a"])
def test_every_source_of_a_list_registered_passes(cell):
    schemas.targets_schema(REGISTERED).validate(_targets(cell), lazy=True)


@pytest.mark.parametrize("cell", ["syn-a;syn-x", "syn-x;syn-a", "syn-x"])
def test_one_unregistered_source_in_a_list_is_refused(cell):
    with pytest.raises(pandera.errors.SchemaErrors, match="not in the source registry"):
        schemas.targets_schema(REGISTERED).validate(_targets(cell), lazy=True)
