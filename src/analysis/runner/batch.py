"""`python -m analysis run`: execute the notebooks for many parameter sets and publish HTML briefs.

Default: every DTI edition with data x Hải Dương x every notebook in notebooks/, in Vietnamese.

Order of work:
1. plan: the options as `analysis.cli` parsed them; find the notebooks (`[0-9][0-9]_*.ipynb`),
   read their declared parameters with papermill's `inspect_notebook`, and check every requested
   name and value (notebook ids; years, provinces, languages and `-p peers` by the notebooks'
   own rules, `analysis.params`; other `-p NAME=VALUE` extras against the declared names and
   types). Any problem: one line each on stderr, exit 2, and no kernel has started.
2. lock `<out>/.run.lock` (filelock): a second run on the same folder exits with a message,
   or waits with `--wait`.
3. skip what is up to date (`analysis.incremental`): a run whose previous result succeeded, is
   still on disk and whose input digest (notebook, parameters, data files it opened, `analysis`
   source, template and CSS, locked packages) is unchanged is not run again, unless `--force`.
   Nothing to run: no kernel starts and nothing is written.
4. execute: `--jobs` runs at a time, each on a NEW kernel forked from a warm template process
   (`analysis.kernels`, `analysis.forkserver`; IPC transport; `--fresh-kernels` starts each from
   scratch instead, slower, same bytes). Parameters are injected with papermill's
   `parameterize_notebook`; cells run through nbclient with `record_timing=False`. A run over
   `--timeout` or past `--max-kernel-memory` has its kernel killed and fails; a kernel that dies
   under a run (killed from outside) is replaced and the run retried once. tqdm progress on
   stderr. SIGTERM and Ctrl-C stop every kernel, record the finished runs, and exit 130.
5. publish each run as it finishes (`analysis.publish`, `analysis.html_export`), every file through a temporary file
   and a rename:
   `<out>/<year>/<province-slug>/<notebook>[.<variant>].<lang>.html` and the executed `.ipynb`
   beside it (`variant`: a slug of the extra `-p` values). A notebook without a `province`
   parameter (03) runs once per year and language, under `<out>/<year>/all/`. A failed run
   leaves its executed notebook (with the error) under `<out>/_failed/<same path>.ipynb`,
   publishes no HTML and keeps any earlier brief intact. `<out>/index.html` lists every brief
   in the folder, `<out>/manifest.json` records parameters, input digest and inputs, data
   checksums, package versions, git commit, status, duration and per-phase times of each run.
6. print a summary table; exit 0, or 1 when a run failed.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import json
import math
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

from analysis import datalock
from analysis.errors import UserError
from analysis.measures import HOME_PROVINCE as DEFAULT_PROVINCE
from analysis.names import slugify
from analysis.paths import DATA_DIR_ENV, OUTPUTS_DIR
from analysis.paths import data_dir as resolve_data_dir
from analysis.paths import notebooks_dir as resolve_notebooks_dir
from analysis.runner import publish

ALL_PROVINCES_DIR = "all"
LOCK_NAME = ".run.lock"
AXES = ("year", "province", "lang")

# --- options (parsed by analysis.cli, checked here) ---------------------------------------------

def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


LIST_OPTIONS = {"years": "--years", "provinces": "--provinces", "notebooks": "--notebooks",
                "lang": "--lang"}


def _out_problem(out: Path) -> str | None:
    """Why `out` cannot be the output folder (None: it is a folder, or can be created)."""
    if out.exists():
        return None if out.is_dir() else f"--out: {out} exists and is not a folder"
    for parent in out.parents:  # the nearest existing ancestor must be a writable folder
        if parent.exists():
            if not parent.is_dir():
                return f"--out: {parent} is not a folder, so {out} cannot be created"
            if not os.access(parent, os.W_OK | os.X_OK):
                return f"--out: cannot create {out}: {parent} is not writable"
            return None
    return None


def check_options(args, out: Path) -> None:
    """The options that need no data or notebook: UserError, one line per problem, before
    anything is written or started (a NaN timeout would turn the limit off, a negative one
    would fail every run after starting its kernel)."""
    problems = []
    if args.jobs < 1:
        problems.append("--jobs: must be at least 1")
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        problems.append(f"--timeout: {args.timeout:g} is not a number of seconds > 0")
    if not (math.isfinite(args.max_kernel_memory) and args.max_kernel_memory >= 0):
        problems.append(f"--max-kernel-memory: {args.max_kernel_memory:g} is not a number of "
                        "MB >= 0 (0: no limit)")
    if not (math.isfinite(args.max_output_mb) and args.max_output_mb > 0):
        problems.append(f"--max-output-mb: {args.max_output_mb:g} is not a number of MB > 0")
    for name, option in LIST_OPTIONS.items():
        if not _split(getattr(args, name)):
            problems.append(f"{option}: empty list; give comma-separated values, or all")
    problem = _out_problem(out)
    if problem:
        problems.append(problem)
    if problems:
        raise UserError("\n".join(problems))


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
    def variant(self) -> str:
        """A readable slug of the extra parameters ("" when none): runs that differ only in
        `-p` values get distinct files and index entries."""
        return variant_slug(self.extra)

    @property
    def stem(self) -> str:
        parts = [self.notebook.id, self.variant, self.lang or ""]
        return ".".join(p for p in parts if p)

    @property
    def key(self) -> str:
        return (self.folder / self.stem).as_posix()

    def parameters(self) -> dict:
        values = {"year": self.year, "province": self.province, "lang": self.lang}
        chosen = {name: values[name] for name in AXES if name in self.notebook.params}
        chosen.update(self.extra)
        return chosen


VARIANT_MAX = 60


def variant_slug(extra) -> str:
    """`(("peers", ["Bắc Ninh", "Hưng Yên"]),)` -> "peers-bac-ninh-hung-yen"; past VARIANT_MAX
    characters it is cut and ends with a hash of the whole value, so it stays distinct."""
    if not extra:
        return ""
    words = []
    for name, value in extra:
        values = value if isinstance(value, (list, tuple)) else [value]
        words.append(slugify(" ".join([name, *(json.dumps(v, ensure_ascii=False).strip('"')
                                               if not isinstance(v, str) else v
                                               for v in values)])) or name)
    slug = "_".join(words)
    if len(slug) > VARIANT_MAX or not slug:
        from analysis.runner.incremental import digest_of

        slug = slug[:VARIANT_MAX - 9].rstrip("-_") + "-" + digest_of(extra)[:8]
    return slug


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


def _checked(texts: list[str], problems: list[str], check) -> list:
    """The values `check` accepts, each once, in the order given; its problems added to
    `problems`."""
    chosen = []
    for text in texts:
        value, problem = check(text)
        if problem:
            problems.append(problem)
        elif value not in chosen:
            chosen.append(value)
    return chosen


def plan(args, notebooks_dir: Path) -> list[Run]:
    """Every run the arguments ask for; UserError (one line per problem) if any is wrong."""
    from analysis import params
    from analysis.data import editions, load_provinces

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

    # Years, provinces, languages and peers by the notebooks' own rules (`analysis.params`).
    data = args.data
    years = editions(data)
    if args.years.strip().lower() == "all":
        chosen_years = years
    else:
        chosen_years = _checked(_split(args.years), problems, lambda text: params.check_year(
            text, years, name="--years", also_valid="all"))
    if args.provinces.strip().lower() == "all":
        chosen_provinces = sorted(load_provinces(data)["name"])
    else:
        chosen_provinces = _checked(_split(args.provinces), problems, lambda name: (
            params.check_province(name, data, name="--provinces")))
    chosen_langs = _checked(_split(args.lang), problems,
                            lambda lang: params.check_lang(lang, name="--lang"))

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
            value, problem = params.resolve_peers(value if isinstance(value, list) else [value],
                                                  data, name="-p peers")
            if problem:
                problems.append(problem)
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
    timings: dict = field(default_factory=dict)   # seconds: start, execute, export, write
    data_files: list | None = None               # files the run opened under the data folder
    retried: bool = False


def start_kernel_hook():
    """The function that starts kernels (tests replace it to prove none was started)."""
    from analysis.runner import kernels

    return kernels.start_kernel


def fork_server_hook():
    """The fork server class (tests replace it to prove none was started)."""
    from analysis.runner import kernels

    return kernels.ForkServer


def _parameterised(run: Run, source):
    from papermill.parameterize import parameterize_notebook

    nb = _copy(source)
    nb.metadata["papermill"] = {}  # parameterize_notebook records the parameters there
    return parameterize_notebook(nb, run.parameters(), kernel_name="dti-suite", language="python")


def _copy(nb):
    import copy

    return copy.deepcopy(nb)


# After a cell's execute_reply, nbclient waits `iopub_timeout` seconds (default 4) for the rest
# of its output and, past that, silently drops what has not come yet: on a busy machine a brief
# lost outputs. The run's own deadline (`--timeout`, `_watch`) is the only limit here; and should
# this wait ever end first, the run fails instead of publishing a brief with outputs missing.
IOPUB_TIMEOUT = 24 * 3600


async def _execute_cells(kernel, nb) -> None:
    from nbclient import NotebookClient

    client = NotebookClient(nb, km=kernel.km, kernel_name=kernel.km.kernel_name, timeout=None,
                            record_timing=False, allow_errors=False,
                            iopub_timeout=IOPUB_TIMEOUT, raise_on_iopub_timeout=True)
    client.kc = kernel.kc
    client.reset_execution_trackers()
    nb.metadata["language_info"] = kernel.language_info
    for index, cell in enumerate(nb.cells):
        await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)


def _error_summary(exc: BaseException) -> str:
    from nbclient.exceptions import CellExecutionError

    if isinstance(exc, CellExecutionError) and getattr(exc, "ename", None):
        return f"{exc.ename}: {exc.evalue}".strip().splitlines()[0][:300]
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300]


class MemoryLimitExceeded(RuntimeError):
    pass


@dataclass
class Context:
    """What every run of one batch shares."""

    ipc_dir: Path
    cwd: Path
    timeout: float
    memory_limit: int | None      # bytes of resident memory a kernel may use, None: no limit
    fork_server: object | None    # kernels.ForkServer, None: kernels started from scratch
    data_root: Path
    start: object                 # kernels.start_kernel (or a test's replacement)
    spares: int = 1               # kernels started ahead, while runs execute
    names: itertools.count = field(default_factory=lambda: itertools.count(1))
    _ahead: list = field(default_factory=list)

    def _start_one(self):
        return asyncio.ensure_future(self.start(self.ipc_dir, f"k{next(self.names)}", self.cwd,
                                                fork_server=self.fork_server))

    async def kernel(self):
        """A new kernel for one run: one started ahead if there is one; and another is started
        now, so that the next run finds its kernel up (a kernel answers in ~0.2 s, mostly
        waiting, which the run executing meanwhile hides)."""
        task = self._ahead.pop(0) if self._ahead else self._start_one()
        while len(self._ahead) < self.spares:
            self._ahead.append(self._start_one())
        return await task

    def close(self) -> None:
        """Kill the kernels started ahead that no run took (no await: also on Ctrl-C)."""
        ahead, self._ahead = self._ahead, []
        for task in ahead:
            if not task.done():
                task.cancel()
            elif not task.cancelled() and task.exception() is None:
                kernel = task.result()
                kernel.kill()
                kernel.kc.stop_channels()


async def _watch(kernel, coro, deadline: float, memory_limit: int | None) -> None:
    """Await `coro` (the cells); kill the kernel at the deadline or past the memory limit."""
    from analysis.runner.kernels import tree_rss_bytes

    task = asyncio.ensure_future(coro)
    # Its error is read below; on Ctrl-C nobody may be left to read it, so mark it read.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    try:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError
            done, _ = await asyncio.wait({task}, timeout=min(remaining, 0.25))
            if done:
                break
            if memory_limit and tree_rss_bytes(kernel.pid) > memory_limit:
                raise MemoryLimitExceeded
    finally:
        if not task.done():  # timeout, memory, Ctrl-C: stop the kernel, then the cell's task
            kernel.kill()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    task.result()


OPENED_FILES = "__import__('analysis.runner.forkserver', fromlist=['opened_files']).opened_files()"


async def _attempt(ctx: Context, run: Run, nb, result: Result, deadline: float):
    """One try of one run on a new kernel; raises what went wrong."""
    import ast

    from analysis.runner import kernels

    t0 = time.perf_counter()
    kernel = await ctx.kernel()
    try:
        if ctx.fork_server is None:  # a kernel from scratch: record the data files it opens,
            # and adopt its orphans as a forked kernel does
            await kernels.run_silently(kernel.kc, "__import__('analysis.runner.forkserver', fromlist="
                                       f"['track_reads']).track_reads({str(ctx.data_root)!r}); "
                                       "__import__('analysis.runner.forkserver', fromlist=['x'])"
                                       ".become_subreaper()")
        t1 = time.perf_counter()
        result.timings["start"] = round(t1 - t0, 3)
        await _watch(kernel, _execute_cells(kernel, nb), deadline, ctx.memory_limit)
        result.timings["execute"] = round(time.perf_counter() - t1, 3)
        files = await kernels.evaluate(kernel.kc, OPENED_FILES)
        result.data_files = ast.literal_eval(files) if files else None
    finally:
        await kernel.stop()


async def run_one(ctx: Context, run: Run, source) -> tuple[Result, object]:
    """Execute one run on a fresh kernel (retried once if the kernel dies under it)."""
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    result = Result(run)
    start = time.perf_counter()
    deadline = start + ctx.timeout
    nb = _copy(source)
    for attempt in (1, 2):
        try:
            await _attempt(ctx, run, nb, result, deadline)
        except TimeoutError:
            result.status, result.error = "timeout", f"timed out after {ctx.timeout:g} s"
        except MemoryLimitExceeded:
            limit = (ctx.memory_limit or 0) / 2**20
            result.status = "failed"
            result.error = f"kernel stopped: it used more than the memory limit ({limit:g} MB)"
        except CellExecutionError as exc:  # the notebook raised
            result.status, result.error = "failed", _error_summary(exc)
        except Exception as exc:  # noqa: BLE001 - kernel died, did not start…: record, go on
            died = isinstance(exc, DeadKernelError) or "died" in str(exc).lower()
            if died and attempt == 1:  # killed from outside or crashed: once more, new kernel
                result.retried = True
                result.timings.clear()
                nb = _copy(source)
                continue
            result.status, result.error = "failed", _error_summary(exc)
            if died:
                result.error = ("the kernel died during the run, twice (killed from outside "
                                "or crashed)")
        break
    result.duration = time.perf_counter() - start
    return result, nb


async def execute_all(runs: list[Run], *, jobs: int, timeout: float, fresh: bool, cwd: Path,
                      publish, progress=None, results: list | None = None,
                      memory_limit: int | None = None, data_root: Path | None = None) -> list[Result]:
    """Run everything, `jobs` at a time, each on a new kernel; each result is published as it
    completes (and appended to `results`, which the caller keeps if the batch is interrupted).
    No further run starts once `publish.stopped` (if it has one) is set."""
    from papermill.iorw import load_notebook_node  # gives every cell a `tags` list

    from analysis.data import preferred_dti
    from analysis.runner import kernels
    from analysis.runner.brief_exporter import warm_up as warm_exporter

    results = [] if results is None else results
    sources = {path: load_notebook_node(str(path)) for path in {r.notebook.path for r in runs}}
    queue: asyncio.Queue = asyncio.Queue()
    for run in runs:
        queue.put_nowait(run)
    data_root = (data_root or resolve_data_dir()).resolve()
    start = start_kernel_hook()
    loop = asyncio.get_running_loop()

    kernels.remove_dead_kernel_dirs()  # what batches killed with -9 left behind
    with tempfile.TemporaryDirectory(prefix=kernels.kernel_dir_prefix()) as ipc_dir:  # 0700
        server = None
        if not fresh:
            warm = set().union(*(kernels.imported_modules(nb) for nb in sources.values()))
            server = fork_server_hook()(warm, data_root, log=Path(ipc_dir) / "kernels.log")
        ctx = Context(Path(ipc_dir), cwd, timeout, memory_limit, server, data_root, start)

        async def work() -> None:
            # `publish.stopped`: the output disk is full or read-only, later runs would only fail
            while not queue.empty() and not getattr(publish, "stopped", ""):
                run = queue.get_nowait()
                try:
                    nb = _parameterised(run, sources[run.notebook.path])
                except Exception as exc:  # noqa: BLE001 - reported as this run's failure
                    result, nb = Result(run, "failed", _error_summary(exc)), _copy(
                        sources[run.notebook.path])
                else:
                    ctx.spares = min(jobs, queue.qsize())  # no kernel ahead for no run
                    result, nb = await run_one(ctx, run, nb)
                publish(result, nb)
                results.append(result)
                if progress:
                    progress(result)

        try:  # SIGTERM, like Ctrl-C, cancels the batch: the finally below stops every kernel
            loop.add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread (tests) or no signals on this platform
        try:
            # The template imports and reads the data while the HTML template compiles and the
            # runner reads the figures the index's headline needs (else read after the last run).
            ready = [loop.run_in_executor(None, warm_exporter),
                     loop.run_in_executor(None, preferred_dti, data_root)]
            if server is not None:
                ready.append(loop.run_in_executor(None, server.start))
            await asyncio.gather(*ready)
            await asyncio.gather(*(work() for _ in range(max(1, min(jobs, len(runs))))))
        finally:
            ctx.close()
            if server is not None:
                server.stop()  # kills any kernel still running
            try:
                loop.remove_signal_handler(signal.SIGTERM)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
    return results


# --- main -----------------------------------------------------------------------------------

def _sigterm_as_interrupt(signum, frame):
    raise KeyboardInterrupt  # run the same clean-up as Ctrl-C: kernels stopped, temp files gone


def run(args) -> int:
    """`python -m analysis run` with its options as `analysis.cli` parsed them: 0 every brief
    published, 1 a run failed, 2 a bad parameter (nothing started or written), 130 stopped."""
    if args.data is not None:
        os.environ[DATA_DIR_ENV] = str(Path(args.data).resolve())  # the kernels inherit it
        args.data = os.environ[DATA_DIR_ENV]
    notebooks_dir = resolve_notebooks_dir(args.notebooks_dir)
    out = (args.out or OUTPUTS_DIR).resolve()
    try:
        check_options(args, out)
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
        data_root = resolve_data_dir(args.data).resolve()
        with datalock.reading(data_root):  # import-dti and build wait until the batch ends
            return _run_locked(args, runs, out, notebooks_dir, data_root)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
        lock.release()


def threading_is_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _frozen_digests(data_root: Path, runs: list[Run]):
    """The batch's input digests, data files and notebooks hashed now, before any run reads
    them (see `InputDigests.freeze_data`)."""
    from analysis.runner.incremental import InputDigests

    digests = InputDigests(data_root)
    digests.freeze_data()
    for path in {run.notebook.path for run in runs}:  # as read for this batch, not at its end
        digests.file(Path(path).resolve())
    return digests


# A full disk (or quota), a read-only folder: every later run would fail to write its brief too.
STOP_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class Recording:
    """Publishes each finished run and journals its manifest entry (fsynced) at once, so that a
    batch killed later keeps it (`analysis.journal`)."""

    def __init__(self, out: Path, recorder, max_bytes: int | None):
        from analysis.runner.journal import Journal

        self.publisher = publish.Publisher(out, max_bytes)
        self.recorder = recorder
        self.journal = Journal(out)
        self.entries: list[dict] = []
        self.journal_error = ""
        self.stopped = ""

    def __call__(self, result: Result, nb) -> None:
        self.publisher(result, nb)
        if result.extra.get("io_errno") in STOP_ERRNOS and not self.stopped:
            self.stopped = result.error  # the next runs would fail the same way: none starts
        entry = self.recorder.entry(result)
        self.entries.append(entry)
        if self.journal_error:
            return
        try:
            self.journal.append(entry)
        except OSError as exc:  # the batch goes on; only a crash from now on would cost more
            self.journal_error = publish.io_error(exc)
            print(f"warning: {self.journal_error}; the batch goes on, but a crash from now on "
                  "would redo the runs it finished", file=sys.stderr)


def _run_locked(args, runs: list[Run], out: Path, notebooks_dir: Path, data_root: Path) -> int:
    from analysis.runner.journal import SpaceReserve, read_journal

    digests = _frozen_digests(data_root, runs)
    previous = publish.read_entries(out)  # a killed batch's journal included
    pending = bool(read_journal(out))
    todo = [run for run in runs
            if args.force or not digests.up_to_date(run, previous.get(run.key), out)]
    recording = Recording(out, publish.Recorder(out, data_root, digests),
                          int(args.max_output_mb * 2**20))
    results: list[Result] = []
    interrupted = False
    if todo:
        reserve = SpaceReserve(out, len(todo))  # room for manifest and index on a full disk
        try:
            interrupted = _execute(args, todo, notebooks_dir, data_root, recording, results)
        except Exception as exc:  # noqa: BLE001 - the fork server could not start: one line
            recording.journal.close()
            print(f"error: {_error_summary(exc)}", file=sys.stderr)
            return 1
        finally:
            reserve.release()
    problem = _record(args, out, data_root, recording, previous, pending or bool(results))
    if interrupted:
        if problem:
            print(f"error: {problem}", file=sys.stderr)
        print(f"interrupted: {len(results)} run(s) finished and are listed in the index; "
              "nothing half-written", file=sys.stderr)
        return 130
    order = {run.key: i for i, run in enumerate(runs)}
    results.sort(key=lambda r: order[r.run.key])
    print(publish.summary_table(results, len(runs) - len(todo)))
    if recording.stopped and len(todo) > len(results):
        print(f"stopped: {len(todo) - len(results)} run(s) not started, the output folder "
              f"cannot take more ({recording.stopped.split(': ')[-1]}); free it and run again: "
              "the runs published are kept", file=sys.stderr)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"index: {out / 'index.html'}")
    return 1 if any(r.status != "ok" for r in results) else 0


def _execute(args, todo: list[Run], notebooks_dir: Path, data_root: Path, recording,
             results: list) -> bool:
    """Run `todo` with a progress bar; True when Ctrl-C or SIGTERM stopped the batch."""
    from tqdm import tqdm

    bar = tqdm(total=len(todo), unit="run", file=sys.stderr, disable=args.quiet,
               desc="briefs", dynamic_ncols=True)
    failed = 0

    def progress(result: Result) -> None:
        nonlocal failed
        failed += result.status != "ok"
        bar.set_postfix_str(f"failed={failed}" if failed else "", refresh=False)
        bar.update(1)

    limit = int(args.max_kernel_memory * 2**20) if args.max_kernel_memory > 0 else None
    try:
        asyncio.run(execute_all(todo, jobs=args.jobs, timeout=args.timeout,
                                fresh=args.fresh_kernels, cwd=notebooks_dir.resolve(),
                                publish=recording, progress=progress, results=results,
                                memory_limit=limit, data_root=data_root))
    except (KeyboardInterrupt, asyncio.CancelledError):
        return True
    finally:
        bar.close()
    return False


def _record(args, out: Path, data_root: Path, recording, previous: dict, pending: bool) -> str:
    """Merge the finished runs into manifest.json and index.html, then drop the journal; ""
    or the one line saying what could not be written (the journal then keeps the runs).
    Even after Ctrl-C/SIGTERM: further signals are held off for these renames."""
    held = _hold_signals()
    try:
        entries, changed = publish.write_manifest(out, recording.entries, recording.recorder,
                                                  args.fresh_kernels, previous, pending)
        if changed or not (out / "index.html").exists():
            publish.write_index(out, entries, data_root)
    except OSError as exc:
        recording.journal.close()
        kept = "" if recording.journal_error else (
            f"; the finished runs stay in {recording.journal.path} for the next batch")
        return publish.io_error(exc) + kept
    finally:
        _release_signals(held)
    recording.journal.clear()
    _publish_dataset(out, data_root)
    return ""


def _publish_dataset(out: Path, data_root: Path) -> None:
    """<out>/data/ (only the files that changed), after the briefs are listed: a disk too full
    for it costs the dataset, one warning line, never the index."""
    from analysis.runner.dataset import write_dataset

    try:
        write_dataset(out, data_root)
    except OSError as exc:
        print(f"warning: {publish.io_error(exc)}; the dataset in {out / 'data'} was not updated",
              file=sys.stderr)


def _hold_signals() -> dict:
    if not threading_is_main():
        return {}
    return {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}


def _release_signals(held: dict) -> None:
    for sig, handler in held.items():
        signal.signal(sig, handler)
