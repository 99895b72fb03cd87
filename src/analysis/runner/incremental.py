"""Incremental batch runs: a run is redone only when something it depends on changed.

A run's inputs, each reduced to a SHA-256 (files are hashed, so the rule holds whatever the
notebooks and the library become):

- `notebook`: the notebook file;
- `parameters`: the values injected (year, province, language, extra `-p` values);
- `data`: every file under the data folder that the run opened, each with its own checksum
  (recorded by the kernel, see `runner.forkserver`; when none was recorded, every file of the
  data folder);
- `code`: what of the `analysis` package the run can execute, read from the import graph
  (`runner.imports`): the modules its notebook imports; the runner's modules that execute a run
  and write its files (`RUN_CODE`: `runner.execute`, with the kernel the run gets and the
  parameters it is given; `runner.publish`, with the export and the exporter that make its brief;
  `runner.kernel_streams` and `runner.suite_kernel`, which a kernel loads by name); every module
  these import, directly or not (so `ingest/sources` and `ingest/dates`, reached through `data`
  and `i18n`); and the package's data files but its templates (the catalogs, `locales/`). Not
  the rest of the package: the ingest tool's build, validate and import (a run reads what they
  write, the data, hashed as such), the batch's orchestration and records (`batch`, `manifest`,
  `journal`, `index_page`, `dataset`), the command line, the papermill engine. An edit there
  redoes no run;
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
from analysis.runner.imports import graph, notebook_modules, package_modules, reachable

PACKAGE_DIR = Path(analysis.__file__).resolve().parent
TEMPLATES = "templates"
LOCK_FILE = REPO_ROOT / "requirements.lock"
# The runner's modules a run executes, under the package (see the module docstring).
RUN_CODE = ("runner.execute", "runner.publish", "runner.kernel_streams", "runner.suite_kernel")


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_files(root: Path, exclude: tuple[str, ...] = ()) -> list[Path]:
    """Every file under `root` (not compiled Python, nor under a folder named in `exclude`),
    sorted."""
    return sorted(p for p in root.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
                  and not any(part in exclude for part in p.relative_to(root).parts))


def files_digest(root: Path, files) -> str:
    """One SHA-256 over each file's path relative to `root` and content, in path order."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(sha256_file(path).encode() + b"\n")
    return digest.hexdigest()


def tree_digest(root: Path, exclude: tuple[str, ...] = ()) -> str:
    """One SHA-256 over every file's relative path and content."""
    return files_digest(root, _source_files(root, exclude) if root.is_dir() else [])


def _read_notebook(path: Path) -> dict:
    """A notebook file as JSON ({} when it cannot be read as one: it imports nothing then)."""
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return nb if isinstance(nb, dict) else {}


class RunCode:
    """Which files of a package a run can execute or read (see the module docstring): the
    package's import graph, read once, and each notebook's files, found once."""

    def __init__(self, package_dir: Path = PACKAGE_DIR):
        """The graph of the package at `package_dir`, read now."""
        self.package_dir = Path(package_dir)
        self.modules = package_modules(self.package_dir)
        self.edges = graph(self.modules)
        self.data_files = [p for p in _source_files(self.package_dir, exclude=(TEMPLATES,))
                           if p.suffix != ".py"]

    def files(self, notebook: Path) -> list[Path]:
        """The package's files a run of `notebook` can execute or read, sorted."""
        package = self.package_dir.name
        roots = {f"{package}.{name}" for name in RUN_CODE}
        roots |= notebook_modules(_read_notebook(notebook), self.modules)
        code = {self.modules[name] for name in reachable(roots, self.edges)}
        return sorted(code | set(self.data_files))

    def digest(self, notebook: Path) -> str:
        """One SHA-256 over `files(notebook)`, paths relative to the package."""
        return files_digest(self.package_dir, self.files(notebook))


def digest_of(inputs: dict) -> str:
    """The SHA-256 of a run's inputs (JSON, keys sorted): its input digest."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False)
                          .encode()).hexdigest()


class InputDigests:
    """The inputs of runs, hashed once per batch (each file at most once)."""

    def __init__(self, data_root: Path, package_dir: Path = PACKAGE_DIR,
                 lock_file: Path = LOCK_FILE):
        """Digests for a batch reading `data_root`: template and environment hashed now, data and
        code when first asked."""
        self.data_root = Path(data_root).resolve()
        self._files: dict[Path, str] = {}
        self._frozen = False
        self.package_dir = Path(package_dir)
        self._run_code: RunCode | None = None
        self._code: dict[Path, str] = {}
        self.template = tree_digest(self.package_dir / TEMPLATES)
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
        """The SHA-256 of a file, hashed once per batch ("missing" when it is not there, or appeared
        under the data folder after `freeze_data`)."""
        if path not in self._files:
            if self._frozen and path.is_relative_to(self.data_root):
                return "missing"
            self._files[path] = sha256_file(path) if path.is_file() else "missing"
        return self._files[path]

    def _all_data_files(self) -> list[str]:
        """Every file of the data folder (not hidden ones), relative, sorted."""
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

    def code(self, notebook: Path) -> str:
        """The digest of the code a run of `notebook` can execute (`RunCode`), once per batch
        and notebook; the package's graph is read on the first call."""
        notebook = Path(notebook).resolve()
        if notebook not in self._code:
            if self._run_code is None:
                self._run_code = RunCode(self.package_dir)
            self._code[notebook] = self._run_code.digest(notebook)
        return self._code[notebook]

    def inputs(self, run, opened: list[str] | None) -> dict:
        """The inputs of `run` (see the module docstring), with the data files it `opened`."""
        return {
            "notebook": self.file(Path(run.notebook.path).resolve()),
            "parameters": run.parameters(),
            "data": self.data(opened),
            "code": self.code(run.notebook.path),
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
