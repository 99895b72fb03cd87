"""Incremental batch runs: a run is redone only when something it depends on changed.

A run's inputs, each reduced to a SHA-256 (files are hashed, so the rule holds whatever the
notebooks and the library become):

- `notebook`: the notebook file;
- `parameters`: the values injected (year, province, language, extra `-p` values);
- `data`: every file under the data folder that the run opened, each with its own checksum
  (recorded by the kernel, see `runner.forkserver`; when none was recorded, every file of the
  data folder);
- `analysis`: every file of the `analysis` package but its templates (code, catalogs);
- `template`: the brief template and its CSS (`analysis/templates/`);
- `environment`: `requirements.lock` (the locked package versions) and the Python version.

`input_digest` is the SHA-256 of all of them; the manifest keeps both for every run. A run is up
to date when its previous entry succeeded, its brief and notebook are still on disk, and the
digest recomputed now (over the data files that run opened) is the same.
"""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

import analysis
from analysis.paths import REPO_ROOT

PACKAGE_DIR = Path(analysis.__file__).resolve().parent
TEMPLATES = "templates"
LOCK_FILE = REPO_ROOT / "requirements.lock"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_files(root: Path, exclude: tuple[str, ...] = ()) -> list[Path]:
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
                  and not any(part in exclude for part in p.relative_to(root).parts))


def tree_digest(root: Path, exclude: tuple[str, ...] = ()) -> str:
    """One SHA-256 over every file's relative path and content."""
    digest = hashlib.sha256()
    for path in _source_files(root, exclude) if root.is_dir() else []:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def digest_of(inputs: dict) -> str:
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


class InputDigests:
    """The inputs of runs, hashed once per batch (each file at most once)."""

    def __init__(self, data_root: Path, package_dir: Path = PACKAGE_DIR,
                 lock_file: Path = LOCK_FILE):
        self.data_root = Path(data_root).resolve()
        self._files: dict[Path, str] = {}
        self._frozen = False
        self.analysis = tree_digest(package_dir, exclude=(TEMPLATES,))
        self.template = tree_digest(package_dir / TEMPLATES)
        lock = sha256_file(lock_file) if lock_file.exists() else "no lock file"
        self.environment = hashlib.sha256(
            f"{lock}\npython {platform.python_version()}".encode()).hexdigest()

    def freeze_data(self) -> None:
        """Hash every data file now, before any run reads one, and answer from these digests
        for the rest of the batch (a data file that appears later is "missing"). So a run is
        recorded with the data as it was when the batch started: a file changed during the batch
        no longer matches on the next batch, which redoes the runs that opened it, whether they
        read the old or the new content (make's rule: judge by what was read, not by the end
        state)."""
        for rel in self._all_data_files():
            self.file(self.data_root / rel)
        self._frozen = True

    def file(self, path: Path) -> str:
        if path not in self._files:
            if self._frozen and path.is_relative_to(self.data_root):
                return "missing"
            self._files[path] = sha256_file(path) if path.is_file() else "missing"
        return self._files[path]

    def _all_data_files(self) -> list[str]:
        return [p.relative_to(self.data_root).as_posix()
                for p in _source_files(self.data_root) if not p.name.startswith(".")]

    def data(self, opened: list[str] | None) -> dict[str, str]:
        """{relative path: sha256} of the data files opened (absolute paths from the kernel, or
        relative ones from a manifest); None or nothing opened: every data file."""
        relative = set()
        for name in opened or []:
            path = Path(name)
            if path.is_absolute():
                try:
                    path = path.resolve().relative_to(self.data_root)
                except ValueError:
                    continue
            relative.add(path.as_posix())
        if not relative:
            relative = set(self._all_data_files())
        return {rel: self.file(self.data_root / rel) for rel in sorted(relative)}

    def inputs(self, run, opened: list[str] | None) -> dict:
        return {
            "notebook": self.file(Path(run.notebook.path).resolve()),
            "parameters": run.parameters(),
            "data": self.data(opened),
            "analysis": self.analysis,
            "template": self.template,
            "environment": self.environment,
        }

    def up_to_date(self, run, previous: dict | None, out: Path) -> bool:
        """True when the previous entry for this run can stand (see module docstring)."""
        if not previous or previous.get("status") != "ok" or not previous.get("input_digest"):
            return False
        for key in ("html", "ipynb"):
            if not previous.get(key) or not (out / previous[key]).is_file():
                return False
        opened = list((previous.get("inputs") or {}).get("data") or {})
        return digest_of(self.inputs(run, opened)) == previous["input_digest"]
