"""Reading the raw CSV files as their authors wrote them: text only, NFC, with line numbers so
every problem can name the line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analysis.names import nfc

# The shared reference, mirrored exactly under data/raw/reference/.
REFERENCE = "reference"


def read_csv_lines(path: Path) -> pd.DataFrame:
    """A raw CSV as text, NFC-normalised, with `_line`: the line each row starts on (header = 1)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    frame = frame.apply(lambda col: col.map(nfc))
    frame["_line"] = range(2, len(frame) + 2)
    return frame
