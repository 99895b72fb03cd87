"""Building the processed tables from `data/raw/` alone (`analysis.ingest.build`)."""

from __future__ import annotations

import pandas as pd
import pytest
from data_helpers import OBSERVATIONS, REAL_DATA, copy_data

from analysis.ingest.build import PROCESSED_FILES, build_all, write_processed
from analysis.measures import DTI_KEY


@pytest.fixture(scope="module")
def built():
    return build_all(REAL_DATA)


def test_every_processed_table_is_built_without_problems(built):
    assert set(built.tables) == set(PROCESSED_FILES) and built.problems == []


def test_dti_is_one_row_per_key_sorted_by_it(built):
    dti = built.tables["dti.csv"]
    assert not dti.duplicated(DTI_KEY).any()
    assert dti[DTI_KEY].equals(dti.sort_values(DTI_KEY, na_position="last")[DTI_KEY])


def test_every_row_knows_the_raw_file_and_line_it_came_from(built):
    for name, table in built.tables.items():
        origin = built.origins[name]
        assert origin.index.equals(table.index), name
        assert origin["origin_line"].ge(2).all(), name


def test_written_tables_are_the_shipped_processed_tables(built, tmp_path):
    write_processed(built, tmp_path)
    for name in PROCESSED_FILES:
        assert (tmp_path / "processed" / name).read_bytes() == \
            (REAL_DATA / "processed" / name).read_bytes(), name


def test_a_raw_table_without_a_column_raises_key_error_naming_it(tmp_path):
    root = copy_data(tmp_path)
    path = root / OBSERVATIONS
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["score"])
    frame.to_csv(path, index=False, lineterminator="\n")
    with pytest.raises(KeyError, match="score"):
        build_all(root)
