"""Briefs printed to A4 as a reader prints them (headless Chromium, network off): no page but the
last is less than a quarter full, and no page ends on a heading whose content starts on the
next page. Needs `chromium` and poppler's `pdftoppm`/`pdftotext` (Debian packages `chromium`,
`poppler-utils`); skipped where they are missing (they are tools for looking, not project
dependencies)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from analysis import cli

TOOLS = ("chromium", "pdftoppm", "pdftotext")
pytestmark = pytest.mark.skipif(any(shutil.which(t) is None for t in TOOLS),
                                reason="needs chromium and poppler-utils")

# The briefs the editorial review printed (issue 17), in the language it read them in.
PRINTED = [("02_trends", 2024, "vi"), ("01_year_profile", 2021, "en"),
           ("03_target_revisions", 2024, "vi")]
MIN_FILL = 0.25
DPI = 40


@pytest.fixture(scope="module")
def briefs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("print")
    code = cli.main(["run", "--years", "2021,2024", "--lang", "vi,en", "--out", str(out), "--quiet",
                       "--notebooks", "01,02,03"])
    assert code == 0
    return out


def _print(page: Path, into: Path) -> Path:
    pdf = into / (page.stem + ".pdf")
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--no-first-run",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={into / 'chromium'}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    return pdf


def _fills(pdf: Path) -> list[float]:
    """How far down its text area each page is inked (0-1)."""
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), str(pdf), str(pdf.with_suffix(""))],
                   check=True)
    fills = []
    for png in sorted(pdf.parent.glob(pdf.stem + "-*.png")):
        ink = np.asarray(Image.open(png).convert("L")) < 235
        top, bottom = int(ink.shape[0] * 18 / 297), int(ink.shape[0] * (1 - 20 / 297))
        rows = np.flatnonzero(ink[top:bottom].any(axis=1))
        fills.append((rows.max() + 1) / (bottom - top) if len(rows) else 0.0)
    return fills


def _brief(out: Path, notebook: str, year: int, lang: str) -> Path:
    folder = "all" if notebook.startswith("03") else "hai-duong"
    return out / str(year) / folder / f"{notebook}.{lang}.html"


@pytest.mark.parametrize("notebook, year, lang", PRINTED)
def test_no_page_but_the_last_is_less_than_a_quarter_full(briefs, tmp_path, notebook, year,
                                                          lang):
    fills = _fills(_print(_brief(briefs, notebook, year, lang), tmp_path))
    assert len(fills) > 1
    thin = [(n + 1, round(f, 2)) for n, f in enumerate(fills[:-1]) if f < MIN_FILL]
    assert thin == []


@pytest.mark.parametrize("notebook, year, lang", PRINTED)
def test_no_page_ends_on_a_heading(briefs, tmp_path, notebook, year, lang):
    page = _brief(briefs, notebook, year, lang)
    headings = {" ".join(html.unescape(re.sub(r"<[^>]+>|¶", "", h)).split())
                for h in re.findall(r"<h[234][^>]*>(.*?)</h[234]>", page.read_text(), re.DOTALL)}
    pdf = _print(page, tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    endings = [" ".join(lines[-1].split()) for lines in
               ([line for line in sheet.splitlines() if line.strip()] for sheet in
                text.split("\f")) if lines]
    assert [e for e in endings if e in headings] == []
