"""Small synthetic notebooks for the batch tests, written into a temporary folder.

Each notebook has a `parameters` cell (year, lang, and what `params` adds) and code cells given as
strings. They run in the dti-suite kernel like the real notebooks but take a fraction of a second.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def write_notebook(folder: Path, name: str, *cells: str, params: str = "",
                   title: str = "Fixture") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    parameters = new_code_cell('year: int = 2022  # edition\nlang: str = "vi"  # vi or en\n'
                               + params, metadata={"tags": ["parameters"]})
    nb = new_notebook(cells=[new_markdown_cell(f"# {title}"), parameters,
                             *[new_code_cell(source) for source in cells]],
                      metadata={"kernelspec": {"name": "dti-suite", "language": "python",
                                               "display_name": "DTI suite (.venv)"}})
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def run_cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "analysis", "run", "--quiet", *args], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([PY, "-m", "analysis", "run", "--quiet", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout: float = 60, interval: float = 0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not reached in time")


def briefs(out: Path) -> set[str]:
    return {p.relative_to(out).as_posix() for p in out.rglob("*.html") if p.name != "index.html"}


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `out` (but the lock) with its bytes and modification time."""
    return {p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in out.rglob("*") if p.is_file() and p.name != ".run.lock"}


def index_links(out: Path) -> set[str]:
    """The briefs the index links to (its headline strip also links to source pages online)."""
    page = (out / "index.html").read_text(encoding="utf-8")
    return {link for link in re.findall(r'href="([^"]+)"', page)
            if link.endswith(".html") and "://" not in link}


def rebuilt(proc: subprocess.CompletedProcess) -> set[str]:
    """Keys of the runs this invocation executed, from the summary table."""
    keys = set()
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts and parts[0] in ("ok", "failed", "timeout"):
            keys.add(" ".join(parts[1:5]))
    return keys


def env_without_pythonpath() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
