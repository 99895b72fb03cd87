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

import hashlib
import json
import platform
import subprocess
import time
from importlib import metadata as importlib_metadata
from pathlib import Path

from analysis.atomic import write_bytes_atomic, write_text_atomic
from analysis.incremental import sha256_file

FAILED_DIR = "_failed"
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbclient", "nbconvert",
            "nbformat", "jupyter-client", "ipykernel", "pandera", "tqdm", "filelock")


def remove_stale_temp_files(out: Path) -> None:
    """Temporary files a killed run left behind (`.<name>.<random>.tmp`, see analysis.atomic)."""
    for path in out.rglob(".*.tmp"):
        path.unlink(missing_ok=True)


def _mark_failed(nb, error: str):
    from nbformat.v4 import new_markdown_cell

    cell = new_markdown_cell(f"**Run failed, no brief published:** `{error}`")
    cell["id"] = "run-failed"
    cell.metadata["tags"] = ["run-failed"]
    nb.cells.insert(0, cell)
    return nb


class Publisher:
    """Writes one run's files (atomically) as soon as it finishes."""

    def __init__(self, out: Path):
        self.out = out

    def __call__(self, result, nb) -> None:
        import nbformat

        from analysis.html_export import external_resources, normalise, render_brief, topic

        run = result.run
        started = time.perf_counter()
        clean = normalise(nb)
        failed_copy = self.out / FAILED_DIR / run.folder / f"{run.stem}.ipynb"
        if result.status == "ok":
            result.title = _title(run, topic(clean))
            try:
                page = render_brief(clean, title=result.title, kicker=_kicker(run),
                                    lang=run.lang or "vi")
            except Exception as exc:  # noqa: BLE001 - this run fails, the others go on
                result.status, result.error = "failed", f"brief rendering failed: {exc!r}"[:300]
            else:
                bad = external_resources(page)
                if bad:
                    result.status = "failed"
                    result.error = f"brief would load {bad[0]} from the network"
        exported = time.perf_counter()
        result.timings["export"] = round(exported - started, 3)
        if result.status == "ok":
            result.ipynb = self.out / run.folder / f"{run.stem}.ipynb"
            result.html = self.out / run.folder / f"{run.stem}.html"
            write_text_atomic(nbformat.writes(clean) + "\n", result.ipynb)
            write_bytes_atomic(page.encode("utf-8"), result.html)
            failed_copy.unlink(missing_ok=True)
        else:
            result.ipynb = failed_copy
            kept = self.out / run.folder / f"{run.stem}.html"
            if kept.exists():  # an earlier good brief stays published, untouched
                result.extra["previous_html"] = kept
            write_text_atomic(nbformat.writes(_mark_failed(clean, result.error)) + "\n", failed_copy)
        result.timings["write"] = round(time.perf_counter() - exported, 3)


def _kicker(run) -> str:
    from analysis.brief_exporter import kicker

    return kicker(run.province, run.year)


def _title(run, topic_text: str) -> str:
    from analysis.brief_exporter import brief_title

    return brief_title(topic_text, run.notebook.id, run.province, run.year)


def data_checksums(root: Path, hash_file=sha256_file) -> dict[str, str]:
    """{path under data/: sha256} of every raw and processed file (`hash_file`: a batch's
    `InputDigests.file`, which has already hashed the files its runs opened)."""
    files = sorted(p for sub in ("raw", "processed") if (root / sub).is_dir()
                   for p in (root / sub).rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): hash_file(p) for p in files}


def _git_commit() -> str:
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
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _entry(result, out: Path, commit: str, data_digest: str, digests=None) -> dict:
    run = result.run

    def rel(path):
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
        from analysis.incremental import digest_of

        entry["inputs"] = digests.inputs(run, result.data_files)
        entry["input_digest"] = digest_of(entry["inputs"])
    return entry


def read_entries(out: Path) -> dict[str, dict]:
    """The previous manifest's entries whose brief or failed notebook is still on disk."""
    manifest_path = out / "manifest.json"
    entries: dict[str, dict] = {}
    if manifest_path.exists():
        try:
            for entry in json.loads(manifest_path.read_text(encoding="utf-8")).get("runs", []):
                entry.setdefault("variant", "")
                if (entry.get("html") and (out / entry["html"]).exists()) or \
                        (entry.get("ipynb") and (out / entry["ipynb"]).exists()):
                    entries[entry["key"]] = entry
        except (ValueError, KeyError, TypeError, AttributeError):
            entries = {}
    return entries


def _order(entry: dict):
    return (entry["year"] or 0, entry["province"] or "", entry["notebook"],
            entry.get("variant") or "", entry["lang"] or "")


def write_manifest(out: Path, results: list, data_root: Path, fresh: bool,
                   digests=None, previous: dict | None = None) -> tuple[list[dict], bool]:
    """Merge this invocation's runs into manifest.json (earlier briefs still on disk stay
    listed); returns every entry, sorted, and whether anything changed. With no run executed and
    no entry changed, nothing is written (an unchanged rerun leaves every file as it was).
    `previous`: `read_entries(out)`, when the caller has read it already."""
    manifest_path = out / "manifest.json"
    if previous is None:
        previous = read_entries(out)
    entries = dict(previous)
    if not results:
        ordered = sorted(entries.values(), key=_order)
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8")).get("runs", [])
        except (OSError, ValueError, AttributeError):
            old = None
        if old is not None and [e.get("key") for e in old] == [e["key"] for e in ordered]:
            return ordered, False
    checksums = data_checksums(data_root, digests.file if digests is not None else sha256_file)
    data_digest = hashlib.sha256(json.dumps(checksums, sort_keys=True).encode()).hexdigest()
    commit = _git_commit()
    for result in results:
        entry = _entry(result, out, commit, data_digest, digests)
        if "previous_html" in result.extra:
            entry["previous_html"] = result.extra["previous_html"].relative_to(out).as_posix()
        entries[entry["key"]] = entry
    ordered = sorted(entries.values(), key=_order)
    manifest = {
        "command": "python -m analysis run",
        "git_commit": commit,
        "kernels": ("started from scratch for every run" if fresh
                    else "a new kernel per run, forked from a warm template process"),
        "packages": _versions(),
        "data_dir": str(data_root),
        "data_sha256": data_digest,
        "data_files": checksums,
        "runs": ordered,
    }
    write_text_atomic(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", manifest_path)
    return ordered, True


def write_index(out: Path, entries: list[dict], data_dir=None) -> None:
    """index.html for people: see `analysis.index_page` (it lives there since issue 7)."""
    from analysis.index_page import write_index as write_index_page

    write_index_page(out, entries, data_dir)


def summary_table(results: list, up_to_date: int = 0) -> str:
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


