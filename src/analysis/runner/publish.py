"""Publishing a batch: each run's files, then index.html, manifest.json and the summary table.

Every file goes through a temporary file and a rename (`analysis.atomic`), so an interrupted run
leaves no half-written file and an earlier brief intact.

- ok run: `<out>/<year>/<province-slug|all>/<notebook>[.<variant>].<lang>.ipynb`, then the
  `.html` beside it; a stale `_failed/` copy of the same run is removed. Export and write times
  go into the run's `timings`.
- failed run (error, timeout, or a brief that would load something from the network): the
  executed notebook, with the error and a first cell saying so, under `<out>/_failed/<same path>`;
  no HTML; an earlier good brief at the same path is kept and the index links it.
- `index.html` and `manifest.json` list every brief in the folder: this batch's runs merged over
  the previous manifest's entries whose files still exist. The index holds no durations or dates,
  so it is as reproducible as the briefs; the manifest records them, with each run's variant,
  input digest and inputs (`analysis.incremental`). A batch that ran nothing and changed no entry
  rewrites neither file.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import subprocess
import time
from importlib import metadata as importlib_metadata
from pathlib import Path

from analysis.atomic import write_many, write_text_atomic
from analysis.runner.incremental import sha256_file

FAILED_DIR = "_failed"
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbclient", "nbconvert",
            "nbformat", "jupyter-client", "ipykernel", "pandera", "tqdm", "filelock")


def remove_stale_temp_files(out: Path) -> None:
    """Temporary files a killed run left behind (`.<name>.<random>.tmp`, see analysis.atomic),
    and its space reserve (`analysis.journal.SpaceReserve`); its journal is kept: it is merged."""
    from analysis.runner.journal import RESERVE_NAME

    for path in out.rglob(".*.tmp"):
        path.unlink(missing_ok=True)
    (out / RESERVE_NAME).unlink(missing_ok=True)


def _mark_failed(nb, error: str):
    """`nb` with a first Markdown cell (id and tag "run-failed") saying the run failed, and why."""
    from nbformat.v4 import new_markdown_cell

    cell = new_markdown_cell(f"**Run failed, no brief published:** `{error}`")
    cell["id"] = "run-failed"
    cell.metadata["tags"] = ["run-failed"]
    nb.cells.insert(0, cell)
    return nb


def io_error(exc: OSError) -> str:
    """One line for a file that could not be written: its path and the system's message."""
    where = exc.filename or "a file"
    return f"cannot write {where}: {exc.strerror or exc}"


class Publisher:
    """Writes one run's files (atomically) as soon as it finishes. A file that cannot be written
    (disk full, read-only folder) fails that run with one line, never the batch; a brief or
    executed notebook over `max_bytes` fails its run instead of being published."""

    def __init__(self, out: Path, max_bytes: int | None = None):
        """A publisher into `out`; `max_bytes`: the largest brief or executed notebook it publishes
        (None: no cap)."""
        self.out = out
        self.max_bytes = max_bytes

    def __call__(self, result, nb) -> None:
        """One finished run published: its brief and executed notebook, or, failed, its marked
        notebook under `_failed/`; export and write times in `result.timings`."""
        import nbformat

        from analysis.runner.export import normalise

        started = time.perf_counter()
        clean = normalise(nb)
        page = self._render(result, clean) if result.status == "ok" else None
        notebook = (nbformat.writes(clean) + "\n").encode("utf-8")
        if result.status == "ok":
            self._check_size(result, notebook, page)
        exported = time.perf_counter()
        result.timings["export"] = round(exported - started, 3)
        if result.status == "ok":
            self._write_brief(result, notebook, page)
        if result.status != "ok":
            self._write_failed(result, clean)
        result.timings["write"] = round(time.perf_counter() - exported, 3)

    def _render(self, result, clean) -> bytes | None:
        """The brief's HTML, or None with the run failed (rendering error, network load)."""
        from analysis.runner.brief_exporter import render_brief
        from analysis.runner.export import external_resources, topic

        run = result.run
        result.title = _title(run, topic(clean))
        try:
            page = render_brief(clean, title=result.title, kicker=_kicker(run),
                                lang=run.lang or "vi")
        except Exception as exc:  # noqa: BLE001 - this run fails, the others go on
            result.status, result.error = "failed", f"brief rendering failed: {exc!r}"[:300]
            return None
        bad = external_resources(page)
        if bad:
            result.status = "failed"
            result.error = f"brief would load {bad[0]} from the network"
            return None
        return page.encode("utf-8")

    def _check_size(self, result, notebook: bytes, page: bytes) -> None:
        """The run failed, with the size and the cap said, when its brief or executed notebook is
        over `max_bytes`."""
        if self.max_bytes is None:
            return
        for what, data in (("brief", page), ("executed notebook", notebook)):
            if len(data) > self.max_bytes:
                result.status = "failed"
                result.error = (f"the {what} would be {len(data) / 2**20:.1f} MB, over the "
                                f"{self.max_bytes / 2**20:g} MB cap (--max-output-mb): "
                                "does a cell print or draw far more than it should?")
                return

    def _write_brief(self, result, notebook: bytes, page: bytes) -> None:
        """The executed notebook and brief written together (both on disk before either is renamed),
        a stale failed copy removed; the run failed instead if they cannot be."""
        run = result.run
        ipynb = self.out / run.folder / f"{run.stem}.ipynb"
        html = self.out / run.folder / f"{run.stem}.html"
        try:
            # Both complete and on disk before either name changes, and before the journal
            # records them: a crash or a full disk never pairs a new notebook with an old brief.
            write_many([(notebook, ipynb), (page, html)], fsync=True)
        except OSError as exc:
            result.status, result.error = "failed", io_error(exc)
            result.extra["io_errno"] = exc.errno
            return
        result.ipynb, result.html = ipynb, html
        (self.out / FAILED_DIR / run.folder / f"{run.stem}.ipynb").unlink(missing_ok=True)

    def _write_failed(self, result, clean) -> None:
        """The failed run's notebook, marked, under `_failed/` (unless its own files could not be
        written); an earlier brief at its path noted as still published."""
        import nbformat

        run = result.run
        failed_copy = self.out / FAILED_DIR / run.folder / f"{run.stem}.ipynb"
        kept = self.out / run.folder / f"{run.stem}.html"
        if kept.exists():  # an earlier good brief stays published, untouched
            result.extra["previous_html"] = kept
        if "io_errno" in result.extra:  # its own files could not be written: nor would this
            return
        text = nbformat.writes(_mark_failed(clean, result.error)) + "\n"
        try:
            write_text_atomic(text, failed_copy)
        except OSError as exc:  # the run has failed already: say why its notebook is missing
            result.error = f"{result.error}; and {io_error(exc)}"[:600]
            return
        result.ipynb = failed_copy


def _kicker(run) -> str:
    """The line above the run's brief title ("Hải Dương · DTI 2022")."""
    from analysis.runner.brief_exporter import kicker

    return kicker(run.province, run.year)


def _title(run, topic_text: str) -> str:
    """The run's brief title: the notebook's topic completed with its province and year."""
    from analysis.runner.brief_exporter import brief_title

    return brief_title(topic_text, run.notebook.id, run.province, run.year)


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


def write_index(out: Path, entries: list[dict], data_dir=None) -> None:
    """index.html for people: see `analysis.index_page` (it lives there since issue 7)."""
    from analysis.runner.index_page import write_index as write_index_page

    write_index_page(out, entries, data_dir)


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


