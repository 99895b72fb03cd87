"""The whole dataset published beside the briefs (`<out>/data/`, analysis.runner.dataset)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from batch_notebooks import run_cli, snapshot, write_notebook
from openpyxl import load_workbook

from analysis import data
from analysis.runner.dataset import DESCRIPTOR, FIELDS, TABLES, WORKBOOK, build, write_dataset
from analysis.runner.index_page import render_index

FRICTIONLESS = str(Path(sys.executable).with_name("frictionless"))


def _validate(folder: Path) -> dict:
    proc = subprocess.run([FRICTIONLESS, "validate", DESCRIPTOR, "--json"], cwd=folder,
                          capture_output=True, text=True, timeout=120, check=False)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dataset")
    write_dataset(out)
    return out / "data"


def test_frictionless_validates_the_package(published):
    report = _validate(published)
    assert report["valid"], [e["message"] for t in report["tasks"] for e in t["errors"]][:5]
    assert len(report["tasks"]) == len(TABLES)


def test_a_broken_foreign_key_is_caught(published, tmp_path):
    # Proves the descriptor's keys are really checked: a source id nobody registered fails.
    for path in published.iterdir():
        (tmp_path / path.name).write_bytes(path.read_bytes())
    figures = (tmp_path / "dti_observations.csv").read_text(encoding="utf-8").split("\n")
    source_id = figures[1].split(",")[6]
    figures[1] = figures[1].replace(source_id, "no-such-source", 1)
    (tmp_path / "dti_observations.csv").write_text("\n".join(figures), encoding="utf-8")
    report = _validate(tmp_path)
    assert not report["valid"]
    errors = [e["type"] for t in report["tasks"] for e in t["errors"]]
    assert errors == ["foreign-key"]


def test_descriptor_has_keys_types_descriptions_and_the_data_rule(published):
    package = json.loads((published / DESCRIPTOR).read_text(encoding="utf-8"))
    assert "never zero" in package["description"] and "precedence" in package["description"]
    resources = {r["name"]: r for r in package["resources"]}
    figures = resources["dti_figures"]["schema"]
    assert figures["primaryKey"] == ["year", "unit_system", "unit", "measure"]
    assert {fk["fields"] for fk in figures["foreignKeys"]} == {"score_source_id",
                                                               "rank_source_id"}
    types = {f["name"]: f["type"] for f in figures["fields"]}
    assert types["score"] == "number" and types["rank"] == "integer"
    assert types["has_conflict"] == "boolean"
    for resource in resources.values():
        assert resource["description"]
        assert all(f["description"] and f["title"] for f in resource["schema"]["fields"])


def test_every_published_figure_is_there_and_missing_stays_missing(published):
    observations = pd.read_csv(published / "dti_observations.csv", keep_default_na=False,
                               na_values=[""])
    dti = data.load_dti()
    assert len(observations) == len(dti)
    assert observations["score"].isna().sum() == dti["score"].isna().sum()
    assert observations["rank"].isna().sum() == dti["rank"].isna().sum()
    assert not (observations["score"] == 0).any()
    figures = pd.read_csv(published / "dti_figures.csv", keep_default_na=False, na_values=[""])
    preferred = data.preferred_dti()
    assert len(figures) == len(preferred)
    assert figures["score"].notna().sum() == preferred["score"].notna().sum()
    # a score always names its source, and a missing score names none
    assert (figures["score"].notna() == figures["score_source_id"].notna()).all()
    assert (figures["rank"].notna() == figures["rank_source_id"].notna()).all()


def test_workbook_has_one_sheet_per_table_with_the_csv_rows(published):
    book = load_workbook(published / WORKBOOK, read_only=False)
    assert book.sheetnames[1:] == [t.name for t in TABLES]
    for table in TABLES:
        sheet = book[table.name]
        csv = pd.read_csv(published / f"{table.name}.csv", keep_default_na=False, na_values=[""])
        assert sheet.max_row - 1 == len(csv), table.name
        assert sheet.freeze_panes == "A2"
        header = [c.value for c in sheet[1]]
        assert header == [FIELDS[c][1] for c in csv.columns]  # Vietnamese titles
    dti = book["dti_observations"]
    assert dti.cell(2, 5).value == pd.read_csv(published / "dti_observations.csv")["score"][0]


def test_same_data_same_bytes_and_an_unchanged_write_touches_nothing(published):
    assert build() == build()  # the workbook's times are fixed
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in published.iterdir()}
    assert write_dataset(published.parent) == []
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in published.iterdir()}
    assert after == before
    assert not list(published.glob(".*.tmp"))


def test_the_index_links_both(published):
    page = render_index([])
    assert 'href="data/datapackage.json"' in page and f'href="data/{WORKBOOK}"' in page


def test_every_batch_writes_the_dataset(tmp_path):
    write_notebook(tmp_path / "nb", "01_tiny", "print(year)")
    args = ["--notebooks-dir", str(tmp_path / "nb"), "--years", "2022", "--out",
            str(tmp_path / "out")]
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "data" / DESCRIPTOR).is_file()
    assert (tmp_path / "out" / "data" / WORKBOOK).is_file()
    assert 'href="data/datapackage.json"' in (tmp_path / "out" / "index.html").read_text()
    before = snapshot(tmp_path / "out")
    assert run_cli(*args).returncode == 0
    assert snapshot(tmp_path / "out") == before


def test_a_problem_is_one_line_and_changes_nothing(published, tmp_path, capsys, monkeypatch):
    from analysis.runner import dataset

    monkeypatch.delitem(dataset.FIELDS, "score")  # dti tables now have an undescribed column
    assert write_dataset(tmp_path) == []
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "score" in err
    assert not (tmp_path / "data").exists()


def test_a_changed_table_rebuilds_and_the_same_tables_skip_the_build(tmp_path, monkeypatch):
    from data_helpers import copy_data

    from analysis.runner import dataset

    data_dir = copy_data(tmp_path)
    out = tmp_path / "out"
    assert write_dataset(out, data_dir)  # first time: every file
    monkeypatch.setattr(dataset, "build", lambda *a: pytest.fail("built again"))
    assert write_dataset(out, data_dir) == []  # same inputs: not even built
    monkeypatch.undo()
    sources = data_dir / "processed" / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "An ninh Hải Phòng (anhp.vn)", "An ninh Hải Phòng"), encoding="utf-8")
    written = {p.name for p in write_dataset(out, data_dir)}
    assert {"sources.csv", WORKBOOK} <= written and "dti_figures.csv" not in written


def test_every_described_field_has_words_in_both_columns():
    import csv as csv_module

    from analysis.runner.dataset import FIELDS_FILE, read_fields

    with FIELDS_FILE.open(encoding="utf-8", newline="") as file:
        rows = list(csv_module.DictReader(file))
    assert len({row["field"] for row in rows}) == len(rows)  # one description per field
    assert all(row["description"].strip() and row["title_vi"].strip() for row in rows)
    assert read_fields()["score"][1] == "Điểm"


def test_a_changed_description_changes_the_dataset_digest(tmp_path, monkeypatch):
    from data_helpers import copy_data

    from analysis.runner import dataset

    data_dir = copy_data(tmp_path)
    before = dataset.inputs_digest(data_dir)
    edited = tmp_path / "fields.csv"
    edited.write_text(dataset.FIELDS_FILE.read_text(encoding="utf-8") + "extra,Thêm,Added.\n",
                      encoding="utf-8")
    monkeypatch.setattr(dataset, "FIELDS_FILE", edited)
    assert dataset.inputs_digest(data_dir) != before
