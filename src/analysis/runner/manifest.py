"""What a batch records about its runs: manifest.json, and the summary table on the terminal.

`manifest.json` lists every brief in the output folder: this batch's runs merged over the
previous manifest's entries whose files still exist (and over a killed batch's journal,
`runner.journal`), with each run's parameters, variant, status, files, duration and per-phase
times, git commit, data checksums and package versions, and its input digest and inputs
(`runner.incremental`). It records durations and dates; the index (`runner.index_page`) holds
none, so that it is as reproducible as the briefs. A batch that ran nothing and changed no entry
rewrites neither file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import subprocess
from importlib import metadata as importlib_metadata
from pathlib import Path

from analysis.atomic import write_text_atomic
from analysis.runner.incremental import sha256_file

PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbclient", "nbconvert",
            "nbformat", "jupyter-client", "ipykernel", "pandera", "tqdm", "filelock")



def data_checksums(root: Path, hash_file=sha256_file) -> dict[str, str]:
    """{path under data/: sha256} of every raw and processed file (`hash_file`: a batch's
    `InputDigests.file`, which has already hashed the files its runs opened)."""
    files = sorted(p for sub in ("raw", "processed") if (root / sub).is_dir()
                   for p in (root / sub).rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): hash_file(p) for p in files}


def _git_commit() -> str:
    """The repository's HEAD commit, with "-dirty" when tracked files have changes; "unknown" when
    git cannot tell."""
    from analysis.paths import REPO_ROOT

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], check=False, cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               check=False, cwd=REPO_ROOT, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (commit + ("-dirty" if dirty.strip() else "")) if commit else "unknown"


def _versions() -> dict[str, str]:
    """The versions of Python and of each package of PACKAGES ("not installed" when missing)."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


class Recorder:
    """What a batch records about each run, computed once per batch: the git commit and the data
    checksums (from the batch's frozen digests, so as the data was when the batch started)."""

    def __init__(self, out: Path, data_root: Path, digests=None):
        """A recorder for a batch writing to `out`: the data files' checksums (by `digests` when
        given) and their one digest, computed now."""
        self.out, self.data_root, self.digests = out, data_root, digests
        self.checksums = data_checksums(data_root, digests.file if digests is not None
                                        else sha256_file)
        self.data_digest = hashlib.sha256(json.dumps(self.checksums, sort_keys=True)
                                          .encode()).hexdigest()

    @functools.cached_property
    def commit(self) -> str:
        """The git commit recorded with each run (`_git_commit`), asked for once, when needed."""
        return _git_commit()  # two git calls: only when a run is recorded

    def entry(self, result) -> dict:
        """The manifest entry of one finished run."""
        entry = _entry(result, self.out, self.commit, self.data_digest, self.digests)
        if "previous_html" in result.extra:
            entry["previous_html"] = result.extra["previous_html"].relative_to(self.out).as_posix()
        return entry


def _entry(result, out: Path, commit: str, data_digest: str, digests=None) -> dict:
    """The manifest entry of one run: what ran, its status, files (relative to `out`), timings,
    commit and data digest; an ok run's inputs and their digest with `digests`."""
    run = result.run

    def rel(path):
        """`path` relative to `out`, as a POSIX path; None for no path."""
        return path.relative_to(out).as_posix() if path else None

    entry = {
        "key": run.key, "year": run.year, "province": run.province, "notebook": run.notebook.id,
        "lang": run.lang, "variant": run.variant, "parameters": run.parameters(),
        "status": result.status, "error": result.error, "title": result.title,
        "html": rel(result.html), "ipynb": rel(result.ipynb),
        "duration_s": round(result.duration, 3), "timings_s": dict(result.timings),
        "retried": result.retried, "git_commit": commit, "data_sha256": data_digest,
    }
    if digests is not None and result.status == "ok":
        from analysis.runner.incremental import digest_of

        entry["inputs"] = digests.inputs(run, result.data_files)
        entry["input_digest"] = digest_of(entry["inputs"])
    return entry


def read_entries(out: Path) -> dict[str, dict]:
    """The previous manifest's entries, then those of a journal a killed batch left (a later
    entry wins), that still have their brief or failed notebook on disk."""
    from analysis.runner.journal import read_journal

    manifest_path = out / "manifest.json"
    recorded: list = []
    if manifest_path.exists():
        try:
            recorded = list(json.loads(manifest_path.read_text(encoding="utf-8")).get("runs", []))
        except (ValueError, TypeError, AttributeError):
            recorded = []
    entries: dict[str, dict] = {}
    for entry in [*recorded, *read_journal(out)]:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            continue
        entry.setdefault("variant", "")
        # An entry with nothing on disk (deleted by hand, or a run that could write nothing)
        # leaves what stood before it.
        if _on_disk(out, entry.get("html")) or _on_disk(out, entry.get("ipynb")):
            entries[entry["key"]] = entry
    return entries


def _on_disk(out: Path, relative) -> bool:
    """Whether `relative` is a non-empty path that exists under `out`."""
    return isinstance(relative, str) and bool(relative) and (out / relative).exists()


def _order(entry: dict):
    """Sort key of a manifest entry: year, province, notebook, variant, language."""
    return (entry["year"] or 0, entry["province"] or "", entry["notebook"],
            entry.get("variant") or "", entry["lang"] or "")


def write_manifest(out: Path, new_entries: list[dict], recorder: Recorder, fresh: bool,
                   previous: dict | None = None, pending: bool = False) -> tuple[list[dict], bool]:
    """Merge this invocation's entries into manifest.json (earlier briefs still on disk stay
    listed); returns every entry, sorted, and whether anything changed. With no run executed, no
    entry changed and nothing `pending` (a killed batch's journal), nothing is written (an
    unchanged rerun leaves every file as it was). `previous`: `read_entries(out)`."""
    manifest_path = out / "manifest.json"
    if previous is None:
        previous = read_entries(out)
    entries = dict(previous)
    if not new_entries and not pending:
        ordered = sorted(entries.values(), key=_order)
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8")).get("runs", [])
        except (OSError, ValueError, AttributeError):
            old = None
        if old is not None and [e.get("key") for e in old] == [e["key"] for e in ordered]:
            return ordered, False
    for entry in new_entries:
        # A run of which nothing could be written (disk full) changes nothing: what stood
        # before (an earlier brief, still on disk) stands.
        if entry.get("html") or entry.get("ipynb"):
            entries[entry["key"]] = entry
    ordered = sorted(entries.values(), key=_order)
    manifest = {
        "command": "python -m analysis run",
        "git_commit": recorder.commit,
        "kernels": ("started from scratch for every run" if fresh
                    else "a new kernel per run, forked from a warm template process"),
        "packages": _versions(),
        "data_dir": str(recorder.data_root),
        "data_sha256": recorder.data_digest,
        "data_files": recorder.checksums,
        "runs": ordered,
    }
    write_text_atomic(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", manifest_path,
                      fsync=True)  # durable before the journal it replaces is removed
    return ordered, True


def summary_table(results: list, up_to_date: int = 0) -> str:
    """The batch's table for the terminal: one line per run (status, year, province, notebook,
    language, seconds, error), then the counts up to date, rebuilt and failed (alone if none)."""
    header = ("status", "year", "province", "notebook", "lang", "seconds", "error")
    rows = [(r.status, str(r.run.year or ""), r.run.province or "(all)",
             ".".join(x for x in (r.run.notebook.id, r.run.variant) if x),
             r.run.lang or "", f"{r.duration:.1f}", r.error + (" (retried once)" if r.retried
                                                               else "")) for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    widths[-1] = 0
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()
             for row in [header, *rows]]
    failed = sum(r.status != "ok" for r in results)
    lines.append(f"{up_to_date} up to date, {len(results) - failed} rebuilt, {failed} failed")
    return "\n".join(lines if results else lines[-1:])
