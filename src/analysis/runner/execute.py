"""Executing runs: each on a NEW kernel, `--jobs` at a time, each result published as it ends.

Every run gets its own kernel, forked from a warm template process (`runner.kernels`,
`runner.forkserver`; IPC transport), or started from scratch with `--fresh-kernels` (slower, the
same bytes); one is started ahead while a run executes, so that the next run finds its kernel
up. Parameters are injected with papermill's `parameterize_notebook`; cells run through nbclient
with `record_timing=False`. A run over `--timeout` or past `--max-kernel-memory` has its kernel
killed and fails; a kernel that dies under a run (killed from outside, or crashed) is replaced
and the run retried once; a kernel that never starts fails its run as such. Every one of these
decisions is made on the type of the error (`runner.kernels`), never on its message.

SIGTERM, like Ctrl-C, cancels the batch; every kernel is stopped on the way out.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from analysis.paths import data_dir as resolve_data_dir
from analysis.runner.plan import Run

# --- execution ----------------------------------------------------------------------------------

@dataclass
class Result:
    """What one run came to: status, error, duration, files published, timings, data files read."""
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
    """A copy of `source` with the run's parameters injected (papermill's cell and metadata)."""
    from papermill.parameterize import parameterize_notebook

    nb = _copy(source)
    nb.metadata["papermill"] = {}  # parameterize_notebook records the parameters there
    return parameterize_notebook(nb, run.parameters(), kernel_name="dti-suite", language="python")


def _copy(nb):
    """A deep copy of a notebook."""
    import copy

    return copy.deepcopy(nb)


# After a cell's execute_reply, nbclient waits `iopub_timeout` seconds (default 4) for the rest
# of its output and, past that, silently drops what has not come yet: on a busy machine a brief
# lost outputs. The run's own deadline (`--timeout`, `_watch`) is the only limit here; and should
# this wait ever end first, the run fails instead of publishing a brief with outputs missing.
IOPUB_TIMEOUT = 24 * 3600


async def _execute_cells(kernel, nb) -> None:
    """Run every cell of `nb` on `kernel`, outputs into `nb`; nbclient's CellExecutionError when
    the notebook raises, KernelDied when the kernel's process dies under it."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    from analysis.runner.kernels import KernelDied

    client = NotebookClient(nb, km=kernel.km, kernel_name=kernel.km.kernel_name, timeout=None,
                            record_timing=False, allow_errors=False,
                            iopub_timeout=IOPUB_TIMEOUT, raise_on_iopub_timeout=True)
    client.kc = kernel.kc
    client.reset_execution_trackers()
    nb.metadata["language_info"] = kernel.language_info
    try:
        for index, cell in enumerate(nb.cells):
            await client.async_execute_cell(cell, index,
                                            execution_count=client.code_cells_executed + 1)
    except DeadKernelError as exc:
        raise KernelDied("the kernel died during the run") from exc


def error_summary(exc: BaseException) -> str:
    """One line of at most 300 characters for a run's error: the notebook's exception name and
    value, else the error's type and message."""
    from nbclient.exceptions import CellExecutionError

    if isinstance(exc, CellExecutionError) and getattr(exc, "ename", None):
        return f"{exc.ename}: {exc.evalue}".strip().splitlines()[0][:300]
    text = f"{type(exc).__name__}: {exc}".strip()
    return text.splitlines()[0][:300]


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
        """Start a kernel now, as a task (it may run ahead of the run that takes it)."""
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
    """Await `coro` (the cells); at the deadline RunTimeout, past the memory limit
    MemoryLimitExceeded, the kernel killed either way."""
    from analysis.runner.kernels import MemoryLimitExceeded, RunTimeout, tree_rss_bytes

    task = asyncio.ensure_future(coro)
    # Its error is read below; on Ctrl-C nobody may be left to read it, so mark it read.
    task.add_done_callback(lambda t: t.cancelled() or t.exception())
    try:
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise RunTimeout
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


# In a kernel: the module that records the data files a run opens (`runner.forkserver`).
FORKSERVER = "__import__('analysis.runner.forkserver', fromlist=['forkserver'])"
OPENED_FILES = f"{FORKSERVER}.opened_files()"


async def _attempt(ctx: Context, run: Run, nb, result: Result, deadline: float):
    """One try of one run on a new kernel; raises what went wrong (a `kernels.KernelError` kind
    for the kernel, CellExecutionError for the notebook)."""
    import ast

    from analysis.runner import kernels

    t0 = time.perf_counter()
    kernel = await ctx.kernel()
    try:
        if ctx.fork_server is None:  # a kernel from scratch: record the data files it opens,
            # and adopt its orphans as a forked kernel does
            await kernels.set_up(kernel.kc, f"{FORKSERVER}.track_reads({str(ctx.data_root)!r}); "
                                            f"{FORKSERVER}.become_subreaper()")
        t1 = time.perf_counter()
        result.timings["start"] = round(t1 - t0, 3)
        await _watch(kernel, _execute_cells(kernel, nb), deadline, ctx.memory_limit)
        result.timings["execute"] = round(time.perf_counter() - t1, 3)
        files = await kernels.evaluate(kernel.kc, OPENED_FILES)
        result.data_files = ast.literal_eval(files) if files else None
    finally:
        await kernel.stop()


async def run_one(ctx: Context, run: Run, source) -> tuple[Result, object]:
    """Execute one run on a fresh kernel, retried once if the kernel dies under it; its Result
    (status and error decided by the error's type) and the executed notebook."""
    from nbclient.exceptions import CellExecutionError

    from analysis.runner.kernels import (
        KernelDied,
        KernelStartError,
        MemoryLimitExceeded,
        RunTimeout,
    )

    result = Result(run)
    start = time.perf_counter()
    deadline = start + ctx.timeout
    nb = _copy(source)
    for attempt in (1, 2):
        try:
            await _attempt(ctx, run, nb, result, deadline)
        except RunTimeout:
            result.status, result.error = "timeout", f"timed out after {ctx.timeout:g} s"
        except MemoryLimitExceeded:
            limit = (ctx.memory_limit or 0) / 2**20
            result.status = "failed"
            result.error = f"kernel stopped: it used more than the memory limit ({limit:g} MB)"
        except KernelDied:
            if attempt == 1:  # killed from outside or crashed: once more, on a new kernel
                result.retried = True
                result.timings.clear()
                nb = _copy(source)
                continue
            result.status = "failed"
            result.error = "the kernel died during the run, twice (killed from outside or crashed)"
        except KernelStartError as exc:  # it says what did not start, and how
            result.status, result.error = "failed", str(exc)[:300]
        except CellExecutionError as exc:  # the notebook raised
            result.status, result.error = "failed", error_summary(exc)
        except Exception as exc:  # noqa: BLE001 - anything else fails this run, not the batch
            result.status, result.error = "failed", error_summary(exc)
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
            """One worker: take runs from the queue until none is left (or the output folder takes
            no more), execute and publish each."""
            while not queue.empty() and not getattr(publish, "stopped", ""):
                run = queue.get_nowait()
                try:
                    nb = _parameterised(run, sources[run.notebook.path])
                except Exception as exc:  # noqa: BLE001 - reported as this run's failure
                    result, nb = Result(run, "failed", error_summary(exc)), _copy(
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
