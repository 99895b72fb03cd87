"""`python -m analysis run`: execute the notebooks for many parameter sets and publish HTML briefs.

Default: every DTI edition with data x Hải Dương x every notebook in notebooks/, in Vietnamese.

Order of work:
1. plan: find the notebooks (`[0-9][0-9]_*.ipynb`), read their declared parameters with
   papermill's `inspect_notebook`, and check every requested name and value (notebook ids, years
   against `editions()`, provinces against `resolve_province`, languages, `-p NAME=VALUE`
   extras). Any problem: one line each on stderr, exit 2, and no kernel has started.
2. lock `<out>/.run.lock` (filelock): a second run on the same folder exits with a message,
   or waits with `--wait`.
3. execute: `--jobs` worker kernels (IPC transport, see `analysis.kernels`), started and warmed
   once, reset between runs; a per-run `--timeout`; tqdm progress on stderr.
4. publish, every file through a temporary file and a rename:
   `<out>/<year>/<province-slug>/<notebook>.<lang>.html` and the executed `.ipynb` beside it.
   A notebook without a `province` parameter (03) runs once per year and language, under
   `<out>/<year>/all/`. A failed run leaves its executed notebook (with the error) under
   `<out>/_failed/<same path>.ipynb`, publishes no HTML and keeps any earlier brief intact.
   `<out>/index.html` lists every brief in the folder, `<out>/manifest.json` records parameters,
   data checksums, package versions, git commit, status and duration of each run.
5. print a summary table; exit 0, or 1 when a run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import html
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path

# jsonschema (pulled in by nbformat) imports its optional IRI format checker, which compiles a
# Lark grammar on import: ~1.9 s here. nbformat's schema uses no "iri" format, so the runner
# (this process only, not the kernels) turns that optional import off.
sys.modules.setdefault("rfc3987_syntax", None)  # noqa: E402

from analysis.atomic import write_bytes_atomic, write_text_atomic
from analysis.errors import UserError
from analysis.names import slugify
from analysis.paths import DATA_DIR_ENV, NOTEBOOKS_DIR, OUTPUTS_DIR
from analysis.paths import data_dir as resolve_data_dir

LANGS = ("vi", "en")
DEFAULT_PROVINCE = "Hải Dương"
NOTEBOOKS_ENV = "DTI_NOTEBOOKS_DIR"
ALL_PROVINCES_DIR = "all"
FAILED_DIR = "_failed"
LOCK_NAME = ".run.lock"
AXES = ("year", "province", "lang")
PACKAGES = ("pandas", "numpy", "matplotlib", "seaborn", "papermill", "nbclient", "nbconvert",
            "nbformat", "jupyter-client", "ipykernel", "pandera", "tqdm", "filelock")


# --- command line -----------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analysis run",
        description="Run the notebooks for every requested year x province x language and publish "
                    "offline HTML briefs under --out.",
        epilog="A notebook without a `province` parameter runs once per year and language, into "
               "<out>/<year>/all/. Exit codes: 0 all published, 1 a run failed, 2 a bad parameter.")
    p.add_argument("--years", default="all", help="comma-separated DTI years, or 'all' (default)")
    p.add_argument("--provinces", default=DEFAULT_PROVINCE,
                   help=f"comma-separated province names, or 'all' (default: {DEFAULT_PROVINCE})")
    p.add_argument("--notebooks", default="all",
                   help="comma-separated notebook ids (01, 02_trends…), or 'all' (default)")
    p.add_argument("--lang", default="vi", help="comma-separated: vi, en (default: vi)")
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="another notebook parameter (VALUE read as JSON, else as text), e.g. "
                        "-p 'peers=[\"Bắc Ninh\"]'; passed to the notebooks that declare it")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="parallel worker kernels (default: CPU count)")
    p.add_argument("--timeout", type=float, default=600, help="seconds per run (default: 600)")
    p.add_argument("--out", type=Path, default=None, help=f"output folder (default: {OUTPUTS_DIR})")
    p.add_argument("--data", default=None, metavar="DIR",
                   help=f"data folder (default: ${DATA_DIR_ENV}, else the repository's data/)")
    p.add_argument("--notebooks-dir", type=Path, default=None,
                   help=f"where the notebooks are (default: ${NOTEBOOKS_ENV}, else {NOTEBOOKS_DIR})")
    p.add_argument("--wait", action="store_true",
                   help="if another run holds --out, wait for it instead of exiting")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="a new warmed kernel for every run instead of reusing workers (slower; "
                        "gives the same bytes)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


# --- plan: notebooks, parameters, checks ------------------------------------------------------

@dataclass(frozen=True)
class Notebook:
    id: str                  # file stem, e.g. "01_year_profile"
    path: Path
    params: tuple[str, ...]  # declared, in order

    @property
    def short(self) -> str:
        return self.id.split("_", 1)[0]


@dataclass(frozen=True)
class Run:
    notebook: Notebook
    year: int | None
    province: str | None
    lang: str | None
    extra: tuple[tuple[str, object], ...] = ()

    @property
    def folder(self) -> Path:
        year = str(self.year) if self.year is not None else "all-years"
        return Path(year) / (slugify(self.province) if self.province else ALL_PROVINCES_DIR)

    @property
    def stem(self) -> str:
        return f"{self.notebook.id}.{self.lang}" if self.lang else self.notebook.id

    @property
    def key(self) -> str:
        return (self.folder / self.stem).as_posix()

    def parameters(self) -> dict:
        values = {"year": self.year, "province": self.province, "lang": self.lang}
        chosen = {name: values[name] for name in AXES if name in self.notebook.params}
        chosen.update(self.extra)
        return chosen


def discover(notebooks_dir: Path) -> list[Notebook]:
    from papermill.inspection import inspect_notebook

    found = []
    for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
        found.append(Notebook(path.stem, path, tuple(inspect_notebook(str(path)))))
    return found


def _parse_value(text: str):
    try:
        return json.loads(text)
    except ValueError:
        return text


def plan(args, notebooks_dir: Path) -> list[Run]:
    """Every run the arguments ask for; UserError (one line per problem) if any is wrong."""
    from analysis.data import editions, load_provinces, resolve_province

    problems: list[str] = []
    notebooks = discover(notebooks_dir) if notebooks_dir.is_dir() else []
    if not notebooks:
        raise UserError(f"--notebooks-dir: no notebooks (NN_name.ipynb) in {notebooks_dir}")
    by_id = {}
    for nb in notebooks:
        by_id.setdefault(nb.short, nb)
        by_id[nb.id] = nb
    valid_ids = ", ".join(nb.short for nb in notebooks)
    if args.notebooks.strip().lower() == "all":
        selected = notebooks
    else:
        selected = []
        for wanted in _split(args.notebooks):
            if wanted in by_id:
                selected.append(by_id[wanted]) if by_id[wanted] not in selected else None
            else:
                problems.append(f"--notebooks: {wanted!r} is not a notebook in {notebooks_dir}; "
                                f"valid: {valid_ids}")
    declared = {name for nb in selected for name in nb.params}

    data = args.data
    years = editions(data)
    valid_years = ", ".join(map(str, years))
    chosen_years: list[int] = []
    if args.years.strip().lower() == "all":
        chosen_years = years
    else:
        for text in _split(args.years):
            if text.isdigit() and int(text) in years:
                chosen_years.append(int(text)) if int(text) not in chosen_years else None
            else:
                problems.append(f"--years: {text!r} is not a DTI edition with data; "
                                f"valid: {valid_years}, or all")

    chosen_provinces: list[str] = []
    if args.provinces.strip().lower() == "all":
        chosen_provinces = sorted(load_provinces(data)["name"])
    else:
        for name in _split(args.provinces):
            try:
                canonical = resolve_province(name, data, parameter="--provinces")
            except UserError as exc:
                problems.append(str(exc).replace("parameter --provinces=", "--provinces: "))
                continue
            chosen_provinces.append(canonical) if canonical not in chosen_provinces else None

    chosen_langs: list[str] = []
    for lang in _split(args.lang):
        if lang in LANGS:
            chosen_langs.append(lang) if lang not in chosen_langs else None
        else:
            problems.append(f"--lang: {lang!r} is not a language of the briefs; "
                            f"valid: {', '.join(LANGS)}")

    extra: dict[str, object] = {}
    for item in args.param:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(f"-p {item!r}: write NAME=VALUE")
            continue
        if name in AXES:
            option = {"year": "--years", "province": "--provinces", "lang": "--lang"}[name]
            problems.append(f"-p {name}: set it with {option}")
            continue
        if name not in declared:
            valid = ", ".join(sorted(declared - set(AXES))) or "none"
            problems.append(f"-p {name}: unknown parameter for the selected notebooks; "
                            f"valid: {valid} (and --years, --provinces, --lang)")
            continue
        value = _parse_value(text)
        if name == "peers":
            names = value if isinstance(value, list) else [value]
            try:
                value = [resolve_province(str(n), data, parameter="peers") for n in names]
            except UserError as exc:
                problems.append(f"-p {exc}")
                continue
        extra[name] = value

    explicit = {"province": args.provinces.strip() != DEFAULT_PROVINCE,
                "year": args.years.strip().lower() != "all", "lang": args.lang.strip() != "vi"}
    options = {"year": "--years", "province": "--provinces", "lang": "--lang"}
    for axis, given in explicit.items():
        if given and selected and axis not in declared:
            problems.append(f"{options[axis]}: no selected notebook has a {axis!r} parameter")
    if problems:
        raise UserError("\n".join(problems))

    runs = []
    for nb in selected:
        years_ = chosen_years if "year" in nb.params else [None]
        provinces_ = chosen_provinces if "province" in nb.params else [None]
        langs_ = chosen_langs if "lang" in nb.params else [None]
        extras = tuple((k, v) for k, v in extra.items() if k in nb.params)
        runs += [Run(nb, y, p, lang, extras) for y in years_ for p in provinces_ for lang in langs_]
    return sorted(runs, key=lambda r: (r.year or 0, r.province or "", r.notebook.id, r.lang or ""))


# --- execution ----------------------------------------------------------------------------------

@dataclass
class Result:
    run: Run
    status: str = "ok"           # ok | failed | timeout
    error: str = ""
    duration: float = 0.0
    html: Path | None = None
    ipynb: Path | None = None
    title: str = ""
    extra: dict = field(default_factory=dict)


def start_kernel_hook():
    """The function that starts kernels (tests replace it to prove none was started)."""
    from analysis import kernels

    return kernels.start_kernel


def _parameterised(run: Run, source):
    from papermill.parameterize import parameterize_notebook

    nb = _copy(source)
    nb.metadata["papermill"] = {}
    return parameterize_notebook(nb, run.parameters(), kernel_name="dti-suite", language="python")


def _copy(nb):
    import copy

    return copy.deepcopy(nb)


async def _execute_cells(worker, nb) -> None:
    from nbclient import NotebookClient

    client = NotebookClient(nb, km=worker.km, kernel_name=worker.kernel_name, timeout=None,
                            record_timing=False, allow_errors=False)
    client.kc = worker.kc
    client.reset_execution_trackers()
    nb.metadata["language_info"] = worker.language_info
    for index, cell in enumerate(nb.cells):
        await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)


def _error_summary(exc: BaseException) -> str:
    from nbclient.exceptions import CellExecutionError

    if isinstance(exc, CellExecutionError) and getattr(exc, "ename", None):
        return f"{exc.ename}: {exc.evalue}".strip().splitlines()[0][:300]
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300]


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

    def __call__(self, result: Result, nb) -> None:
        import nbformat

        from analysis.html_export import external_resources, normalise, render_brief, topic

        run = result.run
        clean = normalise(nb)
        failed_copy = self.out / FAILED_DIR / run.folder / f"{run.stem}.ipynb"
        if result.status == "ok":
            result.title = _title(run, topic(clean))
            page = render_brief(clean, title=result.title, kicker=_kicker(run), lang=run.lang or "vi")
            bad = external_resources(page)
            if bad:
                result.status, result.error = "failed", f"brief would load {bad[0]} from the network"
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


def _kicker(run: Run) -> str:
    parts = [run.province or "", f"DTI {run.year}" if run.year else ""]
    return " · ".join(p for p in parts if p)


def _title(run: Run, topic_text: str) -> str:
    topic_text = topic_text or run.notebook.id
    missing = [x for x in (run.province, str(run.year) if run.year else None)
               if x and x not in topic_text]
    if not missing:
        return topic_text
    return f"{topic_text} — {_kicker(run)}"


async def execute_all(runs: list[Run], *, jobs: int, timeout: float, fresh: bool, cwd: Path,
                      publish, progress=None) -> list[Result]:
    """Run everything on `jobs` worker kernels; each result is published as it completes."""
    from analysis import kernels

    from papermill.iorw import load_notebook_node  # gives every cell a `tags` list

    sources = {path: load_notebook_node(str(path)) for path in {r.notebook.path for r in runs}}
    queue: asyncio.Queue = asyncio.Queue()
    for run in runs:
        queue.put_nowait(run)
    results: list[Result] = []
    start = start_kernel_hook()

    with tempfile.TemporaryDirectory(prefix="dti-kernels-") as ipc_dir:  # mode 0700
        warm = set().union(*(kernels.imported_modules(nb) for nb in sources.values()))
        workers = [kernels.Worker(Path(ipc_dir), f"w{i}", cwd, start=start, warm_modules=warm)
                   for i in range(max(1, min(jobs, len(runs))))]

        async def work(worker):
            try:
                await worker.start()
            except Exception as exc:  # a worker that cannot start leaves its share to the others
                if worker is workers[0]:
                    raise kernels.KernelError(f"could not start a kernel: {_error_summary(exc)}")
                return
            while not queue.empty():
                run = queue.get_nowait()
                result = Result(run)
                t0 = time.perf_counter()
                needs_new_kernel = fresh
                nb = _copy(sources[run.notebook.path])
                try:
                    nb = _parameterised(run, nb)
                    if fresh and worker.used:
                        await worker.replace()
                    await worker.prepare()
                    await asyncio.wait_for(_execute_cells(worker, nb), timeout)
                except asyncio.TimeoutError:
                    result.status, result.error = "timeout", f"timed out after {timeout:g} s"
                    needs_new_kernel = True
                except Exception as exc:
                    from nbclient.exceptions import CellExecutionError

                    result.status, result.error = "failed", _error_summary(exc)
                    needs_new_kernel = not isinstance(exc, CellExecutionError)
                result.duration = time.perf_counter() - t0
                publish(result, nb)
                results.append(result)
                if progress:
                    progress(result)
                if needs_new_kernel and result.status != "ok" and not queue.empty():
                    await worker.replace()

        from analysis.html_export import warm_up as warm_exporter

        # Compile the HTML template while the kernels start (it takes about a second).
        exporter_ready = asyncio.get_running_loop().run_in_executor(None, warm_exporter)
        try:
            await asyncio.gather(*(work(w) for w in workers), exporter_ready)
        finally:
            for worker in workers:
                worker.kill()
            await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)
    return results


# --- index, manifest, summary ---------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_checksums(root: Path) -> dict[str, str]:
    files = sorted(p for sub in ("raw", "processed") if (root / sub).is_dir()
                   for p in (root / sub).rglob("*") if p.is_file())
    return {p.relative_to(root).as_posix(): _sha256(p) for p in files}


def _git_commit() -> str:
    from analysis.paths import REPO_ROOT

    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO_ROOT, capture_output=True, text=True, timeout=10).stdout
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


def _entry(result: Result, out: Path, commit: str, data_digest: str) -> dict:
    run = result.run

    def rel(path):
        return path.relative_to(out).as_posix() if path else None

    return {
        "key": run.key, "year": run.year, "province": run.province, "notebook": run.notebook.id,
        "lang": run.lang, "parameters": run.parameters(), "status": result.status,
        "error": result.error, "title": result.title, "html": rel(result.html),
        "ipynb": rel(result.ipynb), "duration_s": round(result.duration, 3),
        "git_commit": commit, "data_sha256": data_digest,
    }


def write_manifest(out: Path, results: list[Result], data_root: Path, fresh: bool) -> list[dict]:
    """Merge this invocation's runs into manifest.json (earlier briefs still on disk stay
    listed) and return every entry, sorted."""
    manifest_path = out / "manifest.json"
    entries: dict[str, dict] = {}
    if manifest_path.exists():
        try:
            for entry in json.loads(manifest_path.read_text(encoding="utf-8")).get("runs", []):
                if (entry.get("html") and (out / entry["html"]).exists()) or \
                        (entry.get("ipynb") and (out / entry["ipynb"]).exists()):
                    entries[entry["key"]] = entry
        except (ValueError, KeyError, TypeError):
            entries = {}
    checksums = data_checksums(data_root)
    data_digest = hashlib.sha256(json.dumps(checksums, sort_keys=True).encode()).hexdigest()
    commit = _git_commit()
    for result in results:
        entry = _entry(result, out, commit, data_digest)
        if "previous_html" in result.extra:
            entry["previous_html"] = result.extra["previous_html"].relative_to(out).as_posix()
        entries[entry["key"]] = entry
    ordered = sorted(entries.values(), key=lambda e: (e["year"] or 0, e["province"] or "",
                                                      e["notebook"], e["lang"] or ""))
    manifest = {
        "command": "python -m analysis run",
        "git_commit": commit,
        "kernels": "fresh per run" if fresh else "reused worker kernels, reset between runs",
        "packages": _versions(),
        "data_dir": str(data_root),
        "data_sha256": data_digest,
        "data_files": checksums,
        "runs": ordered,
    }
    write_text_atomic(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", manifest_path)
    return ordered


INDEX_CSS = """body{font-family:"Noto Sans","Segoe UI",Arial,"DejaVu Sans",sans-serif;margin:2rem;
color:#1d1d1b}table{border-collapse:collapse}th,td{padding:.3rem .7rem;border-bottom:1px solid #ddd;
text-align:left}.failed,.timeout{color:#8a1f11;font-weight:bold}"""


def write_index(out: Path, entries: list[dict]) -> None:
    """index.html: one row per brief (no durations or dates, so it is reproducible too)."""
    e = html.escape
    rows = []
    for entry in entries:
        link = entry.get("html") or entry.get("previous_html")
        cells = [str(entry["year"] or ""), entry["province"] or "(all)", entry["notebook"],
                 entry["lang"] or ""]
        status = entry["status"]
        if link:
            label = "brief" if entry.get("html") else "previous brief"
            target = f'<a href="{e(link)}">{e(entry.get("title") or label)}</a>'
            if not entry.get("html"):
                target += f' (<a href="{e(entry["ipynb"])}">failed notebook</a>)'
        elif entry.get("ipynb"):
            target = f'<a href="{e(entry["ipynb"])}">failed notebook</a>'
        else:
            target = ""
        error = f"<br><small>{e(entry['error'])}</small>" if entry.get("error") else ""
        rows.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells)
                    + f'<td class="{e(status)}">{e(status)}</td><td>{target}{error}</td></tr>')
    page = f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>DTI briefs — index</title>
<style>{INDEX_CSS}</style>
</head>
<body>
<h1>DTI briefs</h1>
<table>
<thead><tr><th>Year</th><th>Province</th><th>Notebook</th><th>Language</th><th>Status</th><th>Brief</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</body>
</html>
"""
    write_text_atomic(page, out / "index.html")


def summary_table(results: list[Result]) -> str:
    header = ("status", "year", "province", "notebook", "lang", "seconds", "error")
    rows = [(r.status, str(r.run.year or ""), r.run.province or "(all)", r.run.notebook.id,
             r.run.lang or "", f"{r.duration:.1f}", r.error) for r in results]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    widths[-1] = 0
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()
             for row in [header, *rows]]
    failed = sum(r.status != "ok" for r in results)
    lines.append(f"{len(results) - failed} published, {failed} failed")
    return "\n".join(lines)


# --- main -----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.data is not None:
        os.environ[DATA_DIR_ENV] = str(Path(args.data).resolve())  # the kernels inherit it
        args.data = os.environ[DATA_DIR_ENV]
    notebooks_dir = args.notebooks_dir or Path(os.environ.get(NOTEBOOKS_ENV) or NOTEBOOKS_DIR)
    out = (args.out or OUTPUTS_DIR).resolve()
    if args.jobs < 1:
        print("error: --jobs: must be at least 1", file=sys.stderr)
        return 2
    try:
        runs = plan(args, notebooks_dir)
    except UserError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    if not runs:
        print("error: nothing to run", file=sys.stderr)
        return 2

    from filelock import FileLock, Timeout

    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / LOCK_NAME))
    try:
        lock.acquire(timeout=-1 if args.wait else 0)
    except Timeout:
        print(f"error: another `python -m analysis run` is writing to {out} (lock {out / LOCK_NAME});"
              " wait for it to finish, pass --wait, or use another --out", file=sys.stderr)
        return 1
    try:
        return _run_locked(args, runs, out, notebooks_dir)
    finally:
        lock.release()


def _run_locked(args, runs: list[Run], out: Path, notebooks_dir: Path) -> int:
    from tqdm import tqdm

    bar = tqdm(total=len(runs), unit="run", file=sys.stderr, disable=args.quiet,
               desc="briefs", dynamic_ncols=True)
    failed = 0

    def progress(result: Result) -> None:
        nonlocal failed
        failed += result.status != "ok"
        bar.set_postfix_str(f"failed={failed}" if failed else "", refresh=False)
        bar.update(1)

    try:
        results = asyncio.run(execute_all(runs, jobs=args.jobs, timeout=args.timeout,
                                          fresh=args.fresh_kernels, cwd=notebooks_dir.resolve(),
                                          publish=Publisher(out), progress=progress))
    except KeyboardInterrupt:
        bar.close()
        print("interrupted: briefs already published are complete; nothing half-written",
              file=sys.stderr)
        return 130
    except Exception as exc:  # kernels could not start: not a parameter problem
        bar.close()
        print(f"error: {_error_summary(exc)}", file=sys.stderr)
        return 1
    bar.close()
    order = {run.key: i for i, run in enumerate(runs)}
    results.sort(key=lambda r: order[r.run.key])
    entries = write_manifest(out, results, resolve_data_dir(args.data).resolve(),
                             args.fresh_kernels)
    write_index(out, entries)
    print(summary_table(results))
    print(f"index: {out / 'index.html'}")
    return 1 if any(r.status != "ok" for r in results) else 0
