"""Helpers for tests that need a private, writable copy of data/ (raw + processed)."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pandas as pd

from analysis.paths import REPO_ROOT

REAL_DATA = REPO_ROOT / "data"
OBSERVATIONS = "raw/reference/dti_observations.csv"


def copy_data(target: Path) -> Path:
    root = target / "data"
    shutil.copytree(REAL_DATA / "raw", root / "raw")
    shutil.copytree(REAL_DATA / "processed", root / "processed")
    shutil.copy(REAL_DATA / "translations.csv", root / "translations.csv")
    return root


def edit_raw(root: Path, relative: str, edit) -> None:
    """Change a raw file and re-record its checksum, as if it had been received that way."""
    path = root / relative
    lines = path.read_text(encoding="utf-8").split("\n")
    path.write_text("\n".join(edit(lines)), encoding="utf-8")
    provenance_path = root / "raw/provenance.csv"
    provenance = pd.read_csv(provenance_path, dtype=str, keep_default_na=False)
    provenance.loc[provenance["file"] == relative.removeprefix("raw/"), "sha256"] = (
        hashlib.sha256(path.read_bytes()).hexdigest())
    provenance.to_csv(provenance_path, index=False, lineterminator="\n")


def line_of(root: Path, relative: str, needle: str) -> int:
    """1-based line number of the first line containing `needle`."""
    lines = (root / relative).read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, start=1) if needle in line)


PREF_COLUMNS = ["year", "unit_system", "unit", "measure", "score", "rank", "source_id",
                "score_source_id", "rank_source_id", "n_sources", "has_conflict", "conflict"]


def synthetic_pref(text: str) -> pd.DataFrame:
    """A frame shaped like preferred_dti() from 'year,unit_system,unit,measure,score,rank,source_id'."""
    frame = pd.read_csv(io.StringIO(text), keep_default_na=False, na_values=[""])
    frame = frame.astype({"year": "Int64", "unit_system": "Int64", "score": "Float64",
                          "rank": "Int64", "unit": str, "measure": str, "source_id": str})
    frame["score_source_id"] = frame["source_id"]
    frame["rank_source_id"] = frame["source_id"]
    frame["n_sources"] = pd.array([1] * len(frame), dtype="Int64")
    frame["has_conflict"] = False
    frame["conflict"] = ""
    return frame[PREF_COLUMNS]


# Alpha (a synthetic province) merged into Gamma in 2025; Beta is its peer. The charts' and the
# grids' tests draw the same figures.
SYNTHETIC_MERGER_PREF = synthetic_pref("""year,unit_system,unit,measure,score,rank,source_id
2020,63,Alpha,dti,0.40,10,synth-a
2020,63,Alpha,pillar_government,,5,synth-a
2021,63,Alpha,dti,,12,synth-b
2021,63,Alpha,awareness,,3,synth-b
2021,63,Alpha,institutions,,40,synth-b
2021,63,Beta,dti,,2,synth-b
2021,63,Beta,awareness,,1,synth-b
2022,63,Beta,dti,,4,synth-b
2024,34,Gamma,dti,0.70,3,synth-c
2024,34,Gamma,infrastructure,,5,synth-c
""")


# Synthetic sources: two well-formed pages and one hostile row (markup in every field).
SYNTHETIC_SOURCES = pd.DataFrame({
    "source_id": ["syn-press", "syn-portal", "syn-evil"],
    "url": ["https://example.org/press", "https://example.org/portal", "javascript:alert(1)"],
    "publisher": ["Synthetic Press", "Synthetic Portal",
                  '<img src=x onerror="alert(2)">Evil'],
    "title": ["Press page", "Portal page", "<script>alert(3)</script>"],
    "date_published": ["2023-07-12", "", "2023-01-02"],
})


# Synthetic: two sources give Synth A's 2022 DTI, one the score, the other the rank (rows shaped
# like load_dti(), with an empty transcriber's note).
SYNTHETIC_DTI = pd.read_csv(io.StringIO("""year,unit_system,unit,measure,score,rank,source_id,note
2021,63,Synth A,dti,0.5,10,syn-press,
2022,63,Synth A,dti,0.6123,,syn-press,
2022,63,Synth A,dti,,8,syn-portal,
2022,63,Synth A,pillar_economy,,5,syn-portal,
2022,63,Synth B,dti,,30,syn-portal,
2022,63,Cả nước (trung bình cấp tỉnh),national_average_dti,0.55,,syn-press,
""")).astype({"year": "Int64", "unit_system": "Int64", "score": "Float64", "rank": "Int64"})
