"""Helpers for tests that need a private, writable copy of data/ (raw + processed)."""

from __future__ import annotations

import hashlib
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
