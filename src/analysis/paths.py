"""Where things live. Every path the suite uses is derived here, from the repository root."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
OUTPUTS_DIR = REPO_ROOT / "outputs"
DATA_DIR_ENV = "DTI_DATA_DIR"
NOTEBOOKS_DIR_ENV = "DTI_NOTEBOOKS_DIR"
# The brief's page template and stylesheet, read by the export and by the notebooks' own styling.
TEMPLATES_DIR = Path(__file__).with_name("templates")


def data_dir(override: str | os.PathLike | None = None) -> Path:
    """The data folder: the argument, else $DTI_DATA_DIR, else the repository's `data/`."""
    if override is not None:
        return Path(override)
    from_env = os.environ.get(DATA_DIR_ENV)
    return Path(from_env) if from_env else REPO_ROOT / "data"


def notebooks_dir(override: str | os.PathLike | None = None) -> Path:
    """The notebooks folder: the argument, else $DTI_NOTEBOOKS_DIR, else the repository's
    `notebooks/`."""
    if override:
        return Path(override)
    return Path(os.environ.get(NOTEBOOKS_DIR_ENV) or NOTEBOOKS_DIR)


def raw_dir(root: Path) -> Path:
    """The folder of raw files in data folder `root` (`<root>/raw`)."""
    return root / "raw"


def processed_dir(root: Path) -> Path:
    """The folder of processed tables in data folder `root` (`<root>/processed`)."""
    return root / "processed"
