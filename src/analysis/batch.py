"""`python -m analysis run`: execute the notebooks for many parameter sets and publish HTML briefs.

Default: every DTI edition with data x Hải Dương x every notebook in notebooks/, in Vietnamese.

Order of work:
1. plan: find the notebooks (`[0-9][0-9]_*.ipynb`), read their declared parameters with
   papermill's `inspect_notebook`, and check every requested name and value (notebook ids, years
   against `editions()`, provinces against `resolve_province`, languages, `-p NAME=VALUE`
   extras). Any problem: one line each on stderr, exit 2, and no kernel has started.
2. lock `<out>/.run.lock` (filelock): a second run on the same folder exits with a message,
   or waits with `--wait`.
3. execute: `--jobs` worker kernels (IPC transport, see `analysis.kernels`), started in parallel
   and warmed once (the notebooks' imports), then reused: each run gets a reset namespace and
   state, which gives the same bytes as a fresh kernel (`--fresh-kernels` proves it, slower).
   Parameters are injected with papermill's `parameterize_notebook`; cells run through nbclient
   with `record_timing=False`. A run over `--timeout` has its kernel killed and replaced; a run
   that raises leaves the kernel fine for the next. tqdm progress on stderr. SIGTERM and Ctrl-C
   stop every kernel and exit 130.
4. publish (`analysis.publish`, `analysis.html_export`), every file through a temporary file
   and a rename:
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
import json
import os
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# jsonschema (pulled in by nbformat) imports its optional IRI format checker, which compiles a
# Lark grammar on import: ~1.9 s here. nbformat's schema uses no "iri" format, so the runner
# (this process only, not the kernels) turns that optional import off.
sys.modules.setdefault("rfc3987_syntax", None)

from analysis import publish
from analysis.errors import UserError
from analysis.measures import HOME_PROVINCE as DEFAULT_PROVINCE
from analysis.measures import LANGS
from analysis.names import slugify
from analysis.paths import DATA_DIR_ENV, NOTEBOOKS_DIR, OUTPUTS_DIR
from analysis.paths import data_dir as resolve_data_dir

NOTEBOOKS_ENV = "DTI_NOTEBOOKS_DIR"
ALL_PROVINCES_DIR = "all"
LOCK_NAME = ".run.lock"
AXES = ("year", "province", "lang")

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
    types: tuple[tuple[str, str], ...] = ()  # (name, type annotation) as inspect_notebook reads it

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
        declared = inspect_notebook(str(path))
        types = tuple((name, info.get("inferred_type_name", "None")) for name, info in declared.items())
        found.append(Notebook(path.stem, path, tuple(declared), types))
    return found


_TYPES = {"int": int, "float": (int, float), "bool": bool, "str": str, "list": list, "dict": dict}


def _is_type(value, name: str) -> bool:
    if name in ("int", "float") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


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
        wanted = {t for nb in selected for n, t in nb.types if n == name} & set(_TYPES)
        if wanted and not any(_is_type(value, t) for t in wanted):
            problems.append(f"-p {name}={text!r}: expected {' or '.join(sorted(wanted))}")
            continue
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
    nb.metadata["papermill"] = {}  # parameterize_notebook records the parameters there
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


async def _run_one(worker, run: Run, nb, timeout: float, fresh: bool) -> tuple[Result, bool]:
    """Execute one run on `worker`; returns the result and whether the kernel must be replaced."""
    from nbclient.exceptions import CellExecutionError

    result = Result(run)
    start = time.perf_counter()
    replace = fresh
    try:
        if fresh and worker.used:
            await worker.replace()
        await worker.prepare()
        task = asyncio.ensure_future(_execute_cells(worker, nb))
        # Its error is read below; on Ctrl-C nobody may be left to read it, so mark it read.
        task.add_done_callback(lambda t: t.cancelled() or t.exception())
        try:
            done, _ = await asyncio.wait({task}, timeout=timeout)
        finally:
            if not task.done():  # timeout or Ctrl-C: stop the kernel, then the cell's task
                worker.kill()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if not done:
            raise TimeoutError
        task.result()
    except TimeoutError:
        result.status, result.error = "timeout", f"timed out after {timeout:g} s"
        replace = True
    except CellExecutionError as exc:  # the notebook raised: the kernel itself is fine
        result.status, result.error = "failed", _error_summary(exc)
    except Exception as exc:  # noqa: BLE001 - dead kernel, failed reset…: record, replace, go on
        result.status, result.error = "failed", _error_summary(exc)
        replace = True
    result.duration = time.perf_counter() - start
    return result, replace


async def execute_all(runs: list[Run], *, jobs: int, timeout: float, fresh: bool, cwd: Path,
                      publish, progress=None) -> list[Result]:
    """Run everything on `jobs` worker kernels; each result is published as it completes.

    Raises KernelError when no kernel could be started and runs are left undone."""
    from papermill.iorw import load_notebook_node  # gives every cell a `tags` list

    from analysis import kernels
    from analysis.html_export import warm_up as warm_exporter

    sources = {path: load_notebook_node(str(path)) for path in {r.notebook.path for r in runs}}
    queue: asyncio.Queue = asyncio.Queue()
    for run in runs:
        queue.put_nowait(run)
    results: list[Result] = []
    start_errors: list[str] = []
    start = start_kernel_hook()

    with tempfile.TemporaryDirectory(prefix="dti-kernels-") as ipc_dir:  # mode 0700
        warm = set().union(*(kernels.imported_modules(nb) for nb in sources.values()))
        workers = [kernels.Worker(Path(ipc_dir), f"w{i}", cwd, start=start, warm_modules=warm)
                   for i in range(max(1, min(jobs, len(runs))))]

        async def work(worker) -> None:
            try:
                await worker.start()
            except Exception as exc:  # noqa: BLE001 - the other workers take its share
                start_errors.append(_error_summary(exc))
                return
            while not queue.empty():
                run = queue.get_nowait()
                try:
                    nb = _parameterised(run, sources[run.notebook.path])
                except Exception as exc:  # noqa: BLE001 - reported as this run's failure
                    result, replace = Result(run, "failed", _error_summary(exc)), False
                    nb = _copy(sources[run.notebook.path])
                else:
                    result, replace = await _run_one(worker, run, nb, timeout, fresh)
                publish(result, nb)
                results.append(result)
                if progress:
                    progress(result)
                if replace and result.status != "ok" and not queue.empty():
                    try:
                        await worker.replace()
                    except Exception as exc:  # noqa: BLE001
                        start_errors.append(_error_summary(exc))
                        return

        loop = asyncio.get_running_loop()
        try:  # SIGTERM, like Ctrl-C, cancels the batch: the finally below stops every kernel
            loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests) or no signals on this platform
        # Compile the HTML template while the kernels start (it takes about a second).
        exporter_ready = loop.run_in_executor(None, warm_exporter)
        try:
            await asyncio.gather(*(work(w) for w in workers), exporter_ready)
        finally:
            for worker in workers:
                worker.kill()
            await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)
    if not queue.empty():
        raise kernels.KernelError(f"could not start a kernel: {start_errors[0]}")
    return results


# --- main -----------------------------------------------------------------------------------

def _sigterm_as_interrupt(signum, frame):
    raise KeyboardInterrupt  # run the same clean-up as Ctrl-C: kernels stopped, temp files gone


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
        print(f"error: another `python -m analysis run` is writing to {out} "
              f"(lock {out / LOCK_NAME}); wait for it to finish, pass --wait, or use another --out",
              file=sys.stderr)
        return 1
    previous_handler = None
    if threading_is_main():
        previous_handler = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        publish.remove_stale_temp_files(out)
        return _run_locked(args, runs, out, notebooks_dir)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
        lock.release()


def threading_is_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


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
                                          publish=publish.Publisher(out), progress=progress))
    except (KeyboardInterrupt, asyncio.CancelledError):
        bar.close()
        print("interrupted: briefs already published are complete; nothing half-written",
              file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - no kernel could start: one line, not a traceback
        bar.close()
        print(f"error: {_error_summary(exc)}", file=sys.stderr)
        return 1
    bar.close()
    order = {run.key: i for i, run in enumerate(runs)}
    results.sort(key=lambda r: order[r.run.key])
    entries = publish.write_manifest(out, results, resolve_data_dir(args.data).resolve(),
                                     args.fresh_kernels)
    publish.write_index(out, entries)
    print(publish.summary_table(results))
    print(f"index: {out / 'index.html'}")
    return 1 if any(r.status != "ok" for r in results) else 0
