"""Kernels for the batch runner: a new kernel process for every run, started already warm.

Starting a kernel and importing pandas/matplotlib/seaborn costs more than running one of our
notebooks; reusing one kernel and resetting it between runs leaks state that no reset can
enumerate. So every run gets its own kernel, forked from a template process that imported the
heavy modules once and read the data tables (`runner.forkserver`):

- `ForkServer` starts the template (`runner.forkserver`, in the kernelspec's Python,
  `PYTHONHASHSEED` fixed so that set and dict orders are the same in every kernel) and asks it
  for a child per kernel;
- `ForkProvisioner` is a jupyter_client kernel provisioner (`KernelProvisionerBase`): the
  `AsyncKernelManager` writes the connection file (IPC transport, sockets in a private temporary
  folder: no TCP port races, papermill #511), the provisioner has the template fork a kernel
  that reads it, and polls, signals and kills that process like `LocalProvisioner` does a
  `Popen`. nbclient and papermill conventions (kernel_info, language_info, execution counts,
  interrupt, shutdown) are unchanged;
- `start_kernel(…, fork_server=None)` starts a kernel from scratch through the kernelspec (what
  `--fresh-kernels` uses: the reference the forked kernels must match byte for byte).

The kernel of a run is stopped when the run ends, so nothing a run does (event hooks, options,
registries, modules, threads, memory) reaches the next one; a kernel that dies, overruns or grows
past the memory limit only fails (or retries) its own run.

What went wrong with a kernel is told by the type of the error, never by its message:
`KernelError` and its kinds, `KernelStartError` (it never started: the fork server or the kernel
could not be started, the kernel exited or stayed silent before it answered, its set-up failed),
`KernelDied` (its process died under a run), `RunTimeout` (the run went past its deadline) and
`MemoryLimitExceeded` (past the memory limit). `runner.execute` retries on `KernelDied` alone.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager, _get_future
from jupyter_client.provisioning.provisioner_base import KernelProvisionerBase

from analysis.runner.forkserver import descendants, kill_tree, pid_alive

KERNEL_NAME = "dti-suite"
HASH_SEED = "0"
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False",  # nothing written to ~/.ipython
                    # stdout and stderr in the order of the writes, whatever the load
                    "--IPKernelApp.outstream_class=analysis.runner.kernel_streams.OrderedOutStream",
                    # no search of every process on the machine as a kernel that started none
                    # shuts down
                    "--IPKernelApp.kernel_class=analysis.runner.suite_kernel.SuiteKernel"]


class KernelError(RuntimeError):
    """What went wrong with a run's kernel; the subclass says which (see the module docstring)."""


class KernelStartError(KernelError):
    """The kernel never started: it, or the fork server it comes from, could not be started, it
    exited or stayed silent before it answered, or its set-up failed."""


class KernelDied(KernelError):
    """The kernel's process died under a run (killed from outside, or crashed)."""


class RunTimeout(KernelError):
    """The run went past its deadline (`--timeout`); its kernel was killed."""


class MemoryLimitExceeded(KernelError):
    """The kernel, with every process it started, grew past the memory limit
    (`--max-kernel-memory`); it was killed."""


def kernel_python(kernel_name: str = KERNEL_NAME) -> str:
    """The interpreter of the kernelspec (the kernels' Python, possibly not the runner's)."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        return KernelSpecManager().get_kernel_spec(kernel_name).argv[0]
    except Exception:  # noqa: BLE001 - fall back to this interpreter
        return sys.executable


class ForkServer:
    """The template process (see `runner.forkserver`); `fork()` is thread-safe."""

    def __init__(self, modules=(), data_root: Path | None = None, *,
                 kernel_name: str = KERNEL_NAME, log: Path | None = None):
        """A template that will import `modules` and read the data under `data_root`, in the Python
        of `kernel_name`'s kernelspec (not started yet)."""
        self.modules = sorted(modules)
        self.data_root = data_root
        self.python = kernel_python(kernel_name)
        self.log = log
        self.process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def start(self, timeout: float = 120) -> None:
        """Start the template and wait for it to be ready; KernelStartError when it does not start
        within `timeout` seconds."""
        config = {"modules": self.modules,
                  "data_root": str(self.data_root) if self.data_root else None}
        env = {**os.environ, "PYTHONHASHSEED": HASH_SEED}
        stderr = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.process = subprocess.Popen(
                # `-c`, not `-m`: the kernels must find this very module (its audit
                # records) as `analysis.runner.forkserver`, not as `__main__`.
                [self.python, "-Xfrozen_modules=off", "-c",
                 "from analysis.runner.forkserver import main; main()", json.dumps(config)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, env=env,
                start_new_session=True)  # Ctrl-C in a terminal reaches the runner only
        finally:
            if self.log:
                stderr.close()
        reply = self._read(timeout)
        if "ready" not in reply:
            raise KernelStartError(f"fork server did not start: {reply.get('error', reply)}")

    def _read(self, timeout: float) -> dict:
        """The server's next answer (one JSON line); KernelStartError, the server stopped, when none
        comes within `timeout` seconds."""
        result: list = []
        reader = threading.Thread(target=lambda: result.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        if not result or not result[0]:
            self.stop()
            raise KernelStartError("fork server did not answer (it exited or hung)")
        return json.loads(result[0])

    def fork(self, connection_file: str, cwd: str, env: dict, arguments=()) -> int:
        """Have the template fork a kernel that reads `connection_file`; its pid. KernelStartError
        when the server is not running or refuses."""
        request = {"connection_file": connection_file, "cwd": cwd, "env": env,
                   "arguments": list(arguments), "log": str(self.log) if self.log else None}
        with self._lock:
            if self.process is None or self.process.poll() is not None:
                raise KernelStartError("fork server is not running")
            try:
                self.process.stdin.write((json.dumps(request) + "\n").encode())
                self.process.stdin.flush()
            except OSError as exc:
                raise KernelStartError(f"fork server is not running: {exc}") from exc
            reply = self._read(60)
        if "pid" not in reply:
            raise KernelStartError(reply.get("error", "fork server: no kernel"))
        return int(reply["pid"])

    def stop(self) -> None:
        """Stop the server; it kills every kernel it forked that is still running."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


KERNEL_DIR_PREFIX = "dti-kernels-"


def kernel_dir_prefix() -> str:
    """Prefix of this batch's temporary kernel folder: it names the owner's pid, so that a later
    batch can tell a folder whose batch died (kill -9) from one in use."""
    return f"{KERNEL_DIR_PREFIX}{os.getpid()}-"


def remove_dead_kernel_dirs(tmp: Path | None = None) -> list[Path]:
    """Remove the kernel folders (connection files, sockets) of batches whose process is gone;
    returns them. Folders of running batches, and any folder not named by a pid, are kept."""
    import shutil
    import tempfile

    removed = []
    for folder in Path(tmp or tempfile.gettempdir()).glob(f"{KERNEL_DIR_PREFIX}*-*"):
        owner = folder.name[len(KERNEL_DIR_PREFIX):].split("-", 1)[0]
        if not owner.isdigit() or int(owner) == os.getpid() or pid_alive(int(owner)):
            continue
        try:
            if folder.is_dir() and folder.stat().st_uid == os.getuid():
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        except OSError:
            continue
    return removed


def rss_bytes(pid: int) -> int:
    """Resident memory of one process (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a kernel and of every process below it (a notebook's subprocesses
    count against the kernel's limit). Pages a forked child shares are counted in each."""
    return rss_bytes(pid) + sum(rss_bytes(child) for child in descendants(pid))


class ForkProvisioner(KernelProvisionerBase):
    """jupyter_client provisioner whose kernel is a child of the fork server."""

    fork_server: ForkServer | None = None
    pid: int | None = None
    cwd: str | None = None
    returncode: int | None = None

    @property
    def has_process(self) -> bool:
        """Whether a kernel was forked for this provisioner."""
        return self.pid is not None

    async def poll(self) -> int | None:
        """None while the kernel runs, else its exit code (-SIGKILL: the fork server reaped it)."""
        if self.pid is None:
            return 0
        if self.returncode is None and not pid_alive(self.pid):
            self.returncode = -signal.SIGKILL  # the exit status went to the fork server
        return self.returncode

    async def wait(self) -> int | None:
        """Wait until the kernel has exited; its exit code."""
        while await self.poll() is None:
            await asyncio.sleep(0.05)
        return self.returncode

    async def send_signal(self, signum: int) -> None:
        """Send `signum` to the kernel, if it still runs."""
        if self.pid is not None and await self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    async def kill(self, restart: bool = False) -> None:
        """SIGKILL the kernel's process group (the kernel and what it started)."""
        if self.pid is not None and await self.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)  # the kernel leads its own process group
            except (ProcessLookupError, PermissionError):
                await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        """SIGTERM the kernel."""
        await self.send_signal(signal.SIGTERM)

    async def pre_launch(self, **kwargs):
        """Write the connection file before the launch (the fork server's kernel reads it); no
        command to run."""
        km = self.parent
        extra = kwargs.pop("extra_arguments", [])
        km.write_connection_file()
        self.connection_info = km.get_connection_info()
        return await super().pre_launch(cmd=[], extra_arguments=extra, **kwargs)

    async def launch_kernel(self, cmd, **kwargs):
        """Have the fork server fork the kernel, with the environment variables that differ from the
        runner's; the connection info."""
        env = kwargs.get("env") or {}
        changed = {k: v for k, v in env.items() if os.environ.get(k) != v}
        self.cwd = str(kwargs.get("cwd") or os.getcwd())
        loop = asyncio.get_running_loop()
        self.pid = await loop.run_in_executor(
            None, self.fork_server.fork, self.parent.connection_file, self.cwd, changed,
            kwargs.get("extra_arguments", []))
        self.returncode = None
        return self.connection_info

    async def cleanup(self, restart: bool = False) -> None:
        """Forget the kernel once it has exited."""
        self.pid = None if self.returncode is not None else self.pid

    async def get_provisioner_info(self) -> dict:
        """The provisioner's info, with the kernel's pid."""
        info = await super().get_provisioner_info()
        info.update({"pid": self.pid})
        return info

    async def load_provisioner_info(self, provisioner_info: dict) -> None:
        """Take the kernel's pid back from saved provisioner info."""
        await super().load_provisioner_info(provisioner_info)
        self.pid = provisioner_info["pid"]


def without_pause(decorated):
    """jupyter_client's `in_pending_state(method)` (the manager's `ready` future, made and set
    as there) without its 10 ms `asyncio.sleep` "to ensure tests can capture the state": it
    was paid twice a run, as the kernel started and as it was shut down."""
    method = decorated.__wrapped__

    @functools.wraps(method)
    async def pending(self, *args, **kwargs):
        """`method`, with the manager's `ready` future pending until it returns or raises."""
        if self._attempted_start or not self._ready:
            self._ready = _get_future()
        try:
            out = await method(self, *args, **kwargs)
        except Exception as error:
            self._ready.set_exception(error)
            self.log.exception("%s failed", method.__name__)
            raise
        if self.owns_kernel:
            self._ready.set_result(None)
        return out

    return pending


class UnpausedKernelManager(AsyncKernelManager):
    """jupyter_client's AsyncKernelManager, starting and shutting down without the 10 ms pause
    each of those takes for jupyter_client's own tests (`without_pause`)."""

    start_kernel = without_pause(AsyncKernelManager.start_kernel)
    shutdown_kernel = without_pause(AsyncKernelManager.shutdown_kernel)


class Kernel:
    """One started kernel: manager, client, language_info, process id."""

    def __init__(self, km, kc, language_info: dict):
        """A started kernel: its manager, client and `language_info`."""
        self.km, self.kc, self.language_info = km, kc, language_info

    @property
    def pid(self) -> int | None:
        """The kernel's process id (None when it has none)."""
        provisioner = self.km.provisioner
        if isinstance(provisioner, ForkProvisioner):
            return provisioner.pid
        process = getattr(provisioner, "process", None)
        return process.pid if process is not None else None

    def kill(self) -> None:
        """Kill the kernel and every process it started, now, without an event loop (end of
        run, timeout, Ctrl-C, memory limit)."""
        if self.pid is not None:
            kill_tree(self.pid)

    async def stop(self) -> None:
        """Stop the kernel: channels closed, the kernel and its processes killed, its files
        removed."""
        self.kc.stop_channels()
        self.kill()
        try:
            await asyncio.wait_for(self.km.shutdown_kernel(now=True), 10)
        except Exception:  # noqa: BLE001 - killed above; only files left to clean
            try:
                self.km.cleanup_connection_file()
                self.km.cleanup_ipc_files()
            except Exception:  # noqa: BLE001, S110
                pass


async def start_kernel(ipc_dir: Path, name: str, cwd: Path, kernel_name: str = KERNEL_NAME,
                       timeout: float = 60, fork_server: ForkServer | None = None) -> Kernel:
    """Start one kernel over IPC with its connection file and sockets in `ipc_dir`: forked from
    `fork_server`, or from scratch through the kernelspec when it is None; KernelStartError when
    it cannot be started or does not answer within `timeout` seconds."""
    km = UnpausedKernelManager(kernel_name=kernel_name, transport="ipc",
                               connection_file=str(ipc_dir / f"{name}.json"))
    km.ip = str(ipc_dir / name)  # IPC socket path prefix: <ipc_dir>/<name>-<port number>
    env = {**os.environ, "PYTHONHASHSEED": HASH_SEED}
    if fork_server is not None:
        provisioner = ForkProvisioner(kernel_id=name, kernel_spec=km.kernel_spec, parent=km)
        provisioner.fork_server = fork_server
        km.provisioner = provisioner
    try:
        await km.start_kernel(cwd=str(cwd), env=env, extra_arguments=KERNEL_ARGUMENTS)
    except Exception as exc:  # no process, a bad kernelspec, no fork server: it never started
        raise KernelStartError(f"the kernel did not start: {exc}") from exc
    kc = km.client()
    # No heartbeat: whether the kernel lives is asked of its process (`km.is_alive`, the
    # provisioner's poll), and a heartbeat thread stopped right after it starts (a kernel that
    # exits at once) can spin opening sockets until zmq runs out of them (jupyter_client race).
    kc.start_channels(hb=False)
    try:
        reply = await _handshake(km, kc, timeout)
    except BaseException:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        raise
    return Kernel(km, kc, reply["content"].get("language_info", {}))


async def _handshake(km, kc, timeout: float) -> dict:
    """The kernel_info reply, once the kernel answers on shell AND its idle status for that
    request has come through IOPub (so the subscription is live and no output of the first cell
    can be lost). Replaces `wait_for_ready`, whose fixed 0.2 s IOPub flush would be paid by
    every run. KernelStartError when the kernel exits, or stays silent for `timeout` seconds."""
    import time
    from queue import Empty

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not await km.is_alive():
            raise KernelStartError("the kernel did not start: it exited before it answered")
        msg_id = kc.kernel_info()
        try:
            reply = await kc.get_shell_msg(timeout=1)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = await kc.get_shell_msg(timeout=1)
            while True:  # a short wait: a late subscription costs one more kernel_info
                msg = await kc.get_iopub_msg(timeout=0.05)
                if (msg["parent_header"].get("msg_id") == msg_id
                        and msg["msg_type"] == "status"
                        and msg["content"].get("execution_state") == "idle"):
                    return reply
        except Empty:
            continue  # not up yet, or IOPub joined late: ask again
    raise KernelStartError(f"the kernel did not start: it did not answer within {timeout:g} s")


async def set_up(kc, code: str, timeout: float = 120) -> None:
    """Execute the set-up `code` of a kernel before its run, without touching history or the
    execution count; KernelStartError when it fails or does not end within `timeout` seconds."""
    errors: list[str] = []

    def hook(msg):
        """Keep the error an output reports."""
        if msg["msg_type"] == "error":
            errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

    try:
        reply = await kc.execute_interactive(code, silent=True, store_history=False,
                                             output_hook=hook, timeout=timeout)
    except TimeoutError as exc:  # jupyter_client's: no reply within `timeout`
        raise KernelStartError(f"the kernel's set-up did not end within {timeout:g} s") from exc
    if reply["content"]["status"] != "ok" or errors:
        raise KernelStartError("the kernel's set-up failed: " + (
            "; ".join(errors) or reply["content"].get("evalue", "")))


async def evaluate(kc, expression: str, timeout: float = 30) -> str | None:
    """The repr of `expression` in the kernel (user_expressions: no output, no count); None when
    it fails or the kernel does not answer within `timeout` seconds."""
    try:
        reply = await kc.execute_interactive("", silent=True, store_history=False,
                                             timeout=timeout,
                                             user_expressions={"value": expression})
    except TimeoutError:  # jupyter_client's: no reply (the kernel is gone, or hangs)
        return None
    value = reply["content"].get("user_expressions", {}).get("value", {})
    if value.get("status") != "ok":
        return None
    return value.get("data", {}).get("text/plain")


def imported_modules(nb) -> set[str]:
    """Modules a notebook imports (`import x`, `from x import y`), read from its code cells:
    what the template imports ahead (`runner.imports.notebook_imports`)."""
    from analysis.runner.imports import notebook_imports

    return notebook_imports(nb)
