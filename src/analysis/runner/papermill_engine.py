"""`papermill --engine dti …`: papermill on kernels forked from the warm template.

Registered by entry point (`papermill.engine`, name `dti`, see pyproject.toml), so that
`papermill --engine dti in.ipynb out.ipynb -p year 2022` and
`papermill.execute_notebook(…, engine_name="dti")` run like papermill's default engine (its
notebook client, its parameters, its cell metadata and error handling) but each run's kernel is a
child of the template process the batch runner uses (`analysis.runner.forkserver`, `analysis.runner.kernels`):
pandas, matplotlib, seaborn, the notebooks' modules and the data tables are already loaded.

- The template is started on the first run in a process, kept for the process's life and stopped
  at exit (its kernels with it).
- Every run gets a new kernel, stopped when the run ends: nothing one run does reaches the next,
  as with the default engine. While a run executes, the next run's kernel is forked ahead, in
  the background (it runs no code until that run takes it, and only a run with the same
  kernel, folder, environment and arguments takes it); the one nobody took is stopped at exit.
- Kernels talk over IPC sockets in a private temporary folder (no TCP port races when several
  processes run papermill at once).
- What is left of a run beyond its cells is kept small, with papermill's semantics: the kernel
  is shut down as jupyter_client does, its exit noticed within 2 ms (not 0.1 s), without
  jupyter_client's 10 ms pauses for its tests (`kernels.UnpausedKernelManager`); the output
  notebook goes through the same states as with papermill, each cell's start written while the
  kernel already runs the cell (`_execution_manager_class`).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager

from analysis.runner import kernels
from analysis.runner.forkserver import kill_group, pid_alive

_LOCK = threading.Lock()
_SERVERS: dict[str, kernels.ForkServer] = {}
_NAMES = itertools.count(1)
_IPC: list[Path] = []


def _ipc_dir() -> Path:
    """The private folder (0700) for this process's IPC sockets and connection files, made once."""
    if not _IPC:
        _IPC.append(Path(tempfile.mkdtemp(prefix="dti-papermill-")))  # mode 0700
    return _IPC[0]


def _warm_modules(nb) -> set[str]:
    """What the template imports ahead: this notebook's imports and the project notebooks'."""
    import nbformat

    from analysis.paths import NOTEBOOKS_DIR

    modules = kernels.imported_modules(nb)
    for path in sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")):
        modules |= kernels.imported_modules(nbformat.read(path, as_version=4))
    return modules


def fork_server(kernel_name: str, nb) -> kernels.ForkServer:
    """The template for `kernel_name`'s Python: started on first use, then reused until exit."""
    with _LOCK:
        server = _SERVERS.get(kernel_name)
        if server is None or server.process is None or server.process.poll() is not None:
            from analysis.paths import data_dir

            server = kernels.ForkServer(_warm_modules(nb), Path(data_dir()).resolve(),
                                        kernel_name=kernel_name)
            server.start()
            _SERVERS[kernel_name] = server
        return server


def stop_servers() -> None:
    """Stop every template (they kill the kernels still running, the one forked ahead too)
    and remove the IPC folder."""
    _wait_for_fork_ahead()
    with _LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
        _SPARE.clear()
    for server in servers:
        server.stop()
    if _IPC:
        shutil.rmtree(_IPC.pop(), ignore_errors=True)


atexit.register(stop_servers)


# How often a shut-down kernel is checked for having exited. jupyter_client checks every 0.1 s,
# and a forked kernel exits within about 10 ms of the request: every run waited ~0.1 s for the
# next check (a sixth of a run). A check is a signal 0 and a read of /proc: ~20 µs.
EXIT_POLL_S = 0.002


class _PromptExitManager(kernels.UnpausedKernelManager):
    """The runner's kernel manager (no pauses for jupyter_client's tests), which also notices a
    kernel's exit within EXIT_POLL_S. The shutdown is jupyter_client's own: request, the same
    grace period, then SIGTERM and SIGKILL."""

    async def _async_finish_shutdown(self, waittime=None, pollinterval=EXIT_POLL_S,
                                     restart=False):
        """jupyter_client's wait for the kernel's exit, but polled every EXIT_POLL_S, not 0.1 s."""
        await super()._async_finish_shutdown(waittime, min(pollinterval, EXIT_POLL_S), restart)


class _SpecsReadOnce(KernelSpecManager):
    """Each kernelspec is looked up once per process (a lookup searches every Jupyter data
    folder and reads kernel.json: ~5 ms per run). Its template was started from that very
    kernelspec and serves the process's life, so a later lookup could change nothing."""

    def __init__(self, **kwargs):
        """KernelSpecManager's, with an empty cache (`found`) of the kernelspecs looked up."""
        super().__init__(**kwargs)
        self.found: dict = {}

    def get_kernel_spec(self, kernel_name):
        """KernelSpecManager's lookup, done once per name: later calls return the same spec
        (a failed lookup raises as there, and is not cached)."""
        if kernel_name not in self.found:
            self.found[kernel_name] = super().get_kernel_spec(kernel_name)
        return self.found[kernel_name]


@functools.lru_cache(maxsize=1)
def _kernel_specs() -> _SpecsReadOnce:
    """The process's one _SpecsReadOnce, shared by all kernel managers: each spec is read once."""
    return _SpecsReadOnce()


def _manager(kernel_name: str):
    """A new name and kernel manager for `kernel_name` (kernel not started), its sockets and
    connection file in the private IPC folder."""
    name = f"pm{os.getpid()}-{next(_NAMES)}"
    folder = _ipc_dir()
    km = _PromptExitManager(kernel_name=kernel_name, transport="ipc",
                            connection_file=str(folder / f"{name}.json"),
                            kernel_spec_manager=_kernel_specs())
    km.ip = str(folder / name)  # IPC socket path prefix
    return name, km


@dataclass
class Spare:
    """A kernel forked ahead for the next run (never given any code): its process and
    connection file, and what it was started with."""

    pid: int
    connection_file: str
    key: tuple


_SPARE: list[Spare] = []


_FORKING: list[threading.Thread] = []


def _fork_ahead(server: kernels.ForkServer, key: tuple) -> None:
    """Fork the next run's kernel in the background: the run that asks for it goes on with
    its own kernel at once (the template's fork, its reply and the connection file took
    ~10 ms of every run's start)."""
    thread = threading.Thread(target=_fork_spare, args=(server, key), daemon=True,
                              name="dti-fork-ahead")
    with _LOCK:
        _FORKING.append(thread)
    thread.start()


def _wait_for_fork_ahead() -> None:
    """Until the kernels being forked ahead are in _SPARE (or failed): so that a run takes the
    kernel forked for it, and nothing is added to _SPARE once the templates are stopped."""
    while True:
        with _LOCK:
            if not _FORKING:
                return
            thread = _FORKING.pop()
        thread.join()


def _take_spare(key: tuple) -> Spare | None:
    """The kernel forked ahead, if it was started like this run's and is alive; else None
    (and a kernel forked ahead for other settings is stopped)."""
    _wait_for_fork_ahead()
    with _LOCK:
        spare = _SPARE.pop() if _SPARE else None
    if spare is None:
        return None
    if spare.key == key and pid_alive(spare.pid):
        return spare
    kill_group(spare.pid)
    Path(spare.connection_file).unlink(missing_ok=True)
    return None


def _fork_spare(server: kernels.ForkServer, key: tuple) -> None:
    """Fork the next run's kernel now: it starts up while this run executes (a kernel that
    cannot be forked now is forked when the run asks for it)."""
    from jupyter_client.connect import write_connection_file
    from jupyter_client.session import new_id_bytes

    kernel_name, cwd, env, arguments = key
    name = f"pm{os.getpid()}-{next(_NAMES)}"
    path = _ipc_dir() / f"{name}.json"
    try:
        # Not through a KernelManager: one that is garbage-collected deletes its connection
        # file.
        write_connection_file(str(path), transport="ipc", ip=str(_ipc_dir() / name),
                              key=new_id_bytes(), kernel_name=kernel_name)
        pid = server.fork(str(path), cwd, dict(env), arguments)
    except (kernels.KernelError, OSError):
        path.unlink(missing_ok=True)
        return
    with _LOCK:
        _SPARE.append(Spare(pid, str(path), key))


class _AheadProvisioner(kernels.ForkProvisioner):
    """ForkProvisioner that takes the kernel forked ahead when there is one, and forks the
    next run's kernel as soon as this run's is up."""

    kernel_name: str = kernels.KERNEL_NAME
    spare_file: str | None = None

    async def launch_kernel(self, cmd, **kwargs):
        """ForkProvisioner's launch, or the kernel forked ahead if alive and started like this
        run's; either way, forks the next run's kernel ahead. The connection info."""
        env = kwargs.get("env") or {}
        changed = tuple(sorted((k, v) for k, v in env.items() if os.environ.get(k) != v))
        cwd = str(kwargs.get("cwd") or os.getcwd())
        key = (self.kernel_name, cwd, changed, tuple(kwargs.get("extra_arguments", [])))
        spare = _take_spare(key)
        if spare is None:
            info = await super().launch_kernel(cmd, **kwargs)
        else:  # the manager adopts the spare's connection info (`_reconcile_connection_info`)
            self.pid, self.cwd, self.returncode = spare.pid, cwd, None
            self.spare_file = spare.connection_file
            info = json.loads(Path(spare.connection_file).read_text(encoding="utf-8"))
            info["key"] = info["key"].encode()  # as jupyter_client holds it
            Path(self.parent.connection_file).unlink(missing_ok=True)
        _fork_ahead(self.fork_server, key)
        return info

    async def cleanup(self, restart: bool = False) -> None:
        """ForkProvisioner's, also removing the connection file of a kernel forked ahead."""
        await super().cleanup(restart)
        if self.spare_file:
            Path(self.spare_file).unlink(missing_ok=True)


def forked_kernel_manager(kernel_name: str, nb):
    """A kernel manager whose kernel, when nbclient starts it, is forked from the template
    (or was forked ahead, during the previous run, with the same settings)."""
    name, km = _manager(kernel_name)
    provisioner = _AheadProvisioner(kernel_id=name, kernel_spec=km.kernel_spec, parent=km)
    provisioner.fork_server = fork_server(kernel_name, nb)
    provisioner.kernel_name = kernel_name
    km.provisioner = provisioner
    return km


@functools.lru_cache(maxsize=1)
def _execution_manager_class():
    """The ExecutionManager class, built once, on the first call (papermill imported only then)."""
    from papermill.engines import NotebookExecutionManager
    from papermill.iorw import papermill_io

    from analysis.runner import notebook_json

    class ExecutionManager(NotebookExecutionManager):
        """papermill's execution manager (same metadata, same notebook written at the same
        points), but with `defer_cell_saves` the notebook saved as a cell starts is written
        once the cell's request is on its way to the kernel (`write_deferred`), so the kernel
        works while it is written, and the save as a cell completes is left to the next save,
        which follows before the kernel runs anything more (the next cell's start, or the
        notebook's completion, always written). papermill writes the whole notebook twice per
        cell while the kernel waits: 28 writes, about a tenth of a run of 02."""

        defer_cell_saves = False
        _holding = False
        _deferred = False
        _cells_seen: dict | None = None

        def save(self, **kwargs):
            """papermill's save (`nb=` replaces the notebook), unless held (`_held`); the text
            is `nbformat.writes`'s, each unchanged cell's JSON reused (`notebook_json`)."""
            if self._holding:
                self._deferred = True
                return
            self._deferred = False
            if kwargs.get("nb"):
                self.nb = kwargs["nb"]
            if self.output_path:
                if self._cells_seen is None:
                    self._cells_seen = {}
                papermill_io.write(notebook_json.writes(self.nb, self._cells_seen),
                                   self.output_path)
            self.last_save_time = self.now()

        def write_deferred(self) -> None:
            """Write the save held back by the last cell_start or cell_complete, if there is one."""
            if self._deferred:
                self.save()

        def cell_start(self, cell, cell_index=None, **kwargs):
            """papermill's, its save held back while `defer_cell_saves` (see `write_deferred`)."""
            with self._held():
                return super().cell_start(cell, cell_index, **kwargs)

        def cell_complete(self, cell, cell_index=None, **kwargs):
            """papermill's, its save held back while `defer_cell_saves` (left to the next save)."""
            with self._held():
                return super().cell_complete(cell, cell_index, **kwargs)

        @contextlib.contextmanager
        def _held(self):
            """A context in which `save` only notes a save is due (while `defer_cell_saves`)."""
            self._holding = self.defer_cell_saves
            try:
                yield
            finally:
                self._holding = False

    return ExecutionManager


def _then(call, after):
    """`call`, then `after()`; returns what `call` returned."""

    @functools.wraps(call)
    def call_then(*args, **kwargs):
        """What `call(*args, **kwargs)` returns, once `after()` has run (not if `call` raises)."""
        result = call(*args, **kwargs)
        after()
        return result

    return call_then


@functools.lru_cache(maxsize=1)
def _client_class():
    """The Client class, built once, on the first call (papermill, nbclient imported only then)."""
    from jupyter_core.utils import ensure_async, run_sync
    from nbclient.util import run_hook
    from papermill.clientwrap import PapermillNotebookClient

    class Client(PapermillNotebookClient):
        """papermill's client, with the runner's handshake: it waits for the kernel's answer on
        shell and for IOPub to be live (`kernels._handshake`), where `wait_for_ready` may wait
        a fixed 0.2 s on IOPub for each try; and the notebook saved as a cell starts is
        written while the kernel runs the cell (`ExecutionManager`)."""

        def __init__(self, nb_man, **kwargs):
            """papermill's; cell saves deferred only if `nb_man` is ours (has `write_deferred`)."""
            super().__init__(nb_man, **kwargs)
            # papermill's own manager (execute_managed_notebook called directly) saves as usual
            self.writes_deferred = hasattr(nb_man, "write_deferred")
            nb_man.defer_cell_saves = self.writes_deferred

        async def async_start_new_kernel_client(self):
            """nbclient's, with `kernels._handshake` for `wait_for_ready`, each execute followed
            by the deferred save. Returns the client; failed channels or handshake: cleaned up,
            re-raised."""
            self.kc = self.km.client()
            if self.writes_deferred:
                self.kc.execute = _then(self.kc.execute, self.nb_man.write_deferred)
            try:  # as nbclient does: a kernel whose channels fail to open is cleaned up too
                # No heartbeat: nbclient asks the kernel manager whether the kernel lives, and
                # the heartbeat's thread took ~10 ms of every run to stop.
                await ensure_async(self.kc.start_channels(hb=False))
                reply = await kernels._handshake(self.km, self.kc, self.startup_timeout)
            except Exception:
                await self._async_cleanup_kernel()
                raise
            self.kc._handle_kernel_info_reply(reply)
            self.kc.allow_stdin = False
            await run_hook(self.on_notebook_start, notebook=self.nb)
            return self.kc

        start_new_kernel_client = run_sync(async_start_new_kernel_client)

    return Client


@functools.lru_cache(maxsize=1)
def _engine_class():
    """The ForkedEngine class, built once, on the first call (papermill imported only then)."""
    from papermill.engines import Engine, NBClientEngine
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class ForkedEngine(Engine):
        """papermill's default (nbclient) engine, each run on a new kernel forked warm."""

        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, progress_bar=True,
                             log_output=False, autosave_cell_every=30, **kwargs):
            """papermill's `Engine.execute_notebook`, with the ExecutionManager above."""
            nb_man = _execution_manager_class()(
                nb, output_path=output_path, progress_bar=progress_bar, log_output=log_output,
                autosave_cell_every=autosave_cell_every)
            nb_man.notebook_start()
            try:
                cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output,
                                             **kwargs)
            finally:
                nb_man.cleanup_pbar()
                nb_man.notebook_complete()
            return nb_man.nb

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60,
                                     execution_timeout=None, **kwargs):
            """NBClientEngine's, on a kernel forked from the template and shut down when the
            run ends (papermill's own engine where there is no fork). The executed notebook."""
            if os.name != "posix":  # no fork: papermill's own engine
                return NBClientEngine.execute_managed_notebook(
                    nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file,
                    stderr_file=stderr_file, start_timeout=start_timeout,
                    execution_timeout=execution_timeout, **kwargs)
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                log_output=log_output, stdout_file=stdout_file, stderr_file=stderr_file,
                extra_arguments=[*kernels.KERNEL_ARGUMENTS,
                                 *safe_kwargs.get("extra_arguments", [])],
            )
            km = forked_kernel_manager(kernel_name, nb_man.nb)
            # cleanup_kc: the client shuts the kernel down when the run ends (it does so by
            # itself only for a kernel manager it created).
            return _client_class()(nb_man, km=km, **final_kwargs).execute(cleanup_kc=True)

    return ForkedEngine


class DtiEngine:
    """The engine papermill finds by entry point. It imports papermill only when papermill
    calls it: papermill loads every registered engine while it is imported, so an engine
    module that imported papermill would be imported in a circle (and fail) by a program
    that imports this module first."""

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        """Execute `nb` as papermill's NBClientEngine does (same arguments, outputs and
        metadata), on a new kernel forked from the template, shut down when the run ends."""
        return _engine_class().execute_notebook(nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        """papermill's: `name`, else the kernel name in `nb`'s metadata; ValueError if neither."""
        return _engine_class().nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        """papermill's: `language`, else the language in `nb`'s metadata; ValueError if neither."""
        return _engine_class().nb_language(nb, language)
