"""The fork server: a template process that imported the heavy modules once and forks one fresh
IPython kernel per run (`python -m analysis.runner.forkserver`, started by `analysis.runner.kernels`).

Why: a kernel reused across runs leaks state no reset can enumerate (IPython event hooks, numpy
print options, the colormap registry, `sys.path`, module globals, background threads…), while a
kernel started from scratch spends most of its time importing pandas/matplotlib/seaborn. A child
forked from this template starts with the modules imported and the data tables already read
(caches keyed on the files' stat, see `analysis.data`) but with nothing any earlier run did: every
run gets a new process.

Rules that keep the fork safe (both seen to break kernels when broken):
- this process runs no asyncio loop and no threads: it reads requests with a blocking readline;
- the kernel application (`IPKernelApp`, its ZMQ context, its threads) is created only in the
  child, after the fork.

Protocol, one JSON object per line: the runner writes {"connection_file", "cwd", "env"}; the
server forks and answers {"pid": N} (or {"error": "…"}). EOF on stdin (the runner exited or was
killed) makes the server kill its kernels and exit; each kernel also exits when the server
disappears (ipykernel's parent poller, `JPY_PARENT_PID`).

Data files read: an audit hook records every file opened under the data folder (by the template
while it warms the caches, and by the kernel during the run); the runner asks the kernel for the
list after the run (`opened_files()`), and the incremental build hashes exactly those files.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import sys

_OPENED: set[str] = set()
_ROOT: list[str] = []
TEMPLATE_MODULES: set[str] = set()  # what the template had imported when it began to fork


def _audit(event: str, args) -> None:
    """Audit hook of `track_reads`: add each path opened under the data folder to `_OPENED`;
    ignore every other event, file descriptors and undecodable paths."""
    if event != "open" or not _ROOT:
        return
    path = args[0]
    if isinstance(path, int):
        return
    try:
        text = os.path.abspath(os.fsdecode(path))
    except (TypeError, ValueError):
        return
    if text.startswith(tuple(_ROOT)):
        _OPENED.add(text)


def track_reads(data_root: str) -> None:
    """Record, from now on, every file opened under `data_root` (once per process)."""
    if not _ROOT:
        # Both spellings of a folder reached through a symlink: files are opened by either.
        _ROOT.extend(dict.fromkeys(os.path.join(form(data_root), "")
                                   for form in (os.path.realpath, os.path.abspath)))
        sys.addaudithook(_audit)


def opened_files() -> list[str]:
    """Files opened under the tracked data folder so far, sorted."""
    return sorted(_OPENED)


# What a kernel imports while it starts (measured: the modules a forked kernel had that the
# template had not), imported once here instead of once per run; none starts a thread.
KERNEL_MODULES = ("ipykernel.debugger", "IPython.core.debugger", "IPython.core.oinspect",
                  "IPython.core.completerlib", "IPython.extensions.storemagic", "tornado.gen",
                  "tornado.queues", "tornado.locks", "tornado.platform.asyncio", "pdb",
                  "http.server", "xmlrpc.client", "mimetypes", "faulthandler",
                  "analysis.runner.kernel_streams", "analysis.runner.suite_kernel",
                  "IPython.core.magics.execution",
                  "IPython.core.magics.pylab", "IPython.core.pylabtools", "IPython.core.logger",
                  "matplotlib.backends.backend_agg", "zmq.utils.garbage",
                  # what the briefs' CSV export imports on first use
                  "pandas.core.methods.to_dict", "pandas.io.formats.csvs",
                  # what a kernel that started a process imports as it shuts down (ipykernel
                  # lists its children with psutil; `runner.suite_kernel`)
                  "psutil", "resource")
# Not the inline backend: imported here, it would miss the kernel's shell, which it hooks into
# when it is imported (a notebook that shows a figure without `%matplotlib inline` relies on it).

# What the template reads ahead: the tables every notebook loads, from `analysis.data`, and what
# is built from those tables alone (so no run depends on more files than before).
PRELOAD = ("preferred_dti", "load_dti", "load_sources", "load_provinces", "load_aliases",
           "editions", "province_resolver")


class _KernelLike:
    """What `get_ipython()` returns in a kernel, as far as import-time checks go."""

    kernel = True


def warm(modules: list[str], data_root: str | None) -> None:
    """Import what kernels and notebooks import, and fill the data caches."""
    import builtins

    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # Modules that look at their surroundings when imported must see what they see in a kernel:
    # pandas picks its display defaults (e.g. display.max_columns) by asking `get_ipython()`
    # whether it runs in a Jupyter kernel. The template pretends, for the imports only.
    builtins.get_ipython = _KernelLike
    try:
        import ipykernel.ipkernel
        import ipykernel.kernelapp
        import ipykernel.zmqshell  # noqa: F401

        for name in KERNEL_MODULES:
            importlib.import_module(name)
        import matplotlib.pyplot  # noqa: F401
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import seaborn  # noqa: F401

        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112 - the notebook itself will report it
                continue
    finally:
        del builtins.get_ipython
    from PIL import Image

    Image.init()  # Pillow imports all its format plugins on the first save otherwise
    try:
        from analysis import i18n

        i18n.preload()
    except Exception:  # noqa: BLE001, S110 - a run that needs it will report it
        pass
    if data_root:
        track_reads(data_root)
        try:
            from analysis import data
        except Exception:  # noqa: BLE001 - nothing to preload
            return
        for name in PRELOAD:
            try:
                getattr(data, name)()
            except Exception:  # noqa: BLE001, S112 - the run will hit and report it
                continue
        try:  # data/translations.csv: every brief shows texts from the data
            from analysis import i18n

            i18n.translate("", "vi")
        except Exception:  # noqa: BLE001, S110 - the run will hit and report it
            pass
    warm_first_use()


def warm_first_use() -> None:
    """Do once here what every run otherwise does the same way on first use: derive the
    notebooks' stylesheet (`notebook_style.stylesheet`: a string, from the package's
    brief.css). Not the chart font's faces, which cost more (~9 ms a run): matplotlib drops
    them in a forked child (FreeType faces cannot cross a fork)."""
    notebook_style = sys.modules.get("analysis.notebook_style")
    if notebook_style is not None:
        try:
            notebook_style.stylesheet()
        except Exception:  # noqa: BLE001, S110 - the run will hit and report it
            pass


def _child(request: dict, server_pid: int, protocol_fd: int) -> None:
    """In the forked child: become a kernel. Never returns."""
    code = 1
    try:
        os.close(protocol_fd)  # only the server answers the runner
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the server's reaper is not the kernel's
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.setpgid(0, 0)
        become_subreaper()  # the kernel's descendants stay its own, see kill_tree
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1):
            os.dup2(devnull, fd)
        log = request.get("log")
        if log:
            err = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(err, 2)
        else:
            os.dup2(devnull, 2)
        sys.stdin = open(0, closefd=False)  # noqa: SIM115
        sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
        os.environ.update(request.get("env", {}))
        os.environ["JPY_PARENT_PID"] = str(server_pid)
        os.chdir(request["cwd"])
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(["-f", request["connection_file"], *request.get("arguments", [])])
        app.start()
        exit_like_a_kernel(app)
        code = 0
    except BaseException:  # noqa: BLE001 - report it on the log, then leave
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stderr.flush()
        finally:
            os._exit(code)


CONTROL_STOP_TIMEOUT = 2.0  # s; the shutdown reply takes milliseconds


def exit_like_a_kernel(app) -> None:
    """Once a kernel has been asked to shut down, do what a kernel started from scratch does as
    Python exits: the notebook's atexit handlers run, and IPython clears the namespace (which
    closes, and so flushes, the files a notebook left open). The child leaves by `os._exit`
    (no finaliser of the template's may run in it), which would skip both.

    The control thread is stopped first: it may still be publishing the status of the shutdown
    request when the handlers close IOPub, and then it blocks for ever (seen once in ten runs:
    the kernel was killed after jupyter_client's 2.5 s grace)."""
    import atexit

    control = getattr(app, "control_thread", None)
    if control is not None and control.is_alive():
        control.stop()
        control.join(CONTROL_STOP_TIMEOUT)
    atexit._run_exitfuncs()


def serve(stdin, stdout) -> None:
    """Fork a kernel for each request line on `stdin`, answering on `stdout`, until EOF; then kill
    every kernel and all it started. A line that is not JSON is skipped, unanswered."""
    children: set[int] = set()
    # Reap each kernel as it exits (its CPU time then counts in ours, and so in the runner's).
    signal.signal(signal.SIGCHLD, _reap)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the runner decides when we stop
    server_pid = os.getpid()
    try:
        for line in stdin:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            try:
                pid = os.fork()
            except OSError as exc:
                stdout.write(json.dumps({"error": f"fork failed: {exc}"}) + "\n")
                stdout.flush()
                continue
            if pid == 0:
                _child(request, server_pid, stdout.fileno())
            children.add(pid)
            children = {p for p in children if pid_alive(p)}
            stdout.write(json.dumps({"pid": pid}) + "\n")
            stdout.flush()
    finally:
        # The runner is gone or done: every kernel goes, with whatever it started (and the
        # orphans of killed kernels, which this subreaper adopted).
        for pid in children:
            kill_tree(pid)
        for pid in descendants(server_pid):
            _signal(pid, signal.SIGKILL)


def _reap(signum, frame) -> None:
    """SIGCHLD handler: reap every child that has exited, without blocking."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def pid_alive(pid: int) -> bool:
    """Whether the process runs (a zombie, not yet reaped, counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return True


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def become_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux `prctl(PR_SET_CHILD_SUBREAPER)`):
    a process a notebook starts in a new session, whose parent then exits, stays under the
    kernel instead of going to init, so the runner finds it and stops it with its run."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):  # not Linux: the process group still covers most cases
        return False


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (children, their children, …), whatever session or group."""
    import psutil

    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def kill_tree(pid: int) -> None:
    """SIGKILL `pid`, its process group and every descendant, including those that left the
    group for a new session. The kernel, then each descendant found, is stopped first
    (SIGSTOP), so none can start another process between the listing and the kill."""
    _signal(pid, signal.SIGSTOP)
    found = descendants(pid)
    for child in found:
        _signal(child, signal.SIGSTOP)
    if found:  # one of them may have started a process before it stopped
        found += [p for p in descendants(pid) if p not in found]
    kill_group(pid)
    for child in found:
        _signal(child, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    """Send `signum` to `pid`; a process already gone, or not ours, is no error."""
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def kill_group(pid: int) -> None:
    """SIGKILL the process group `pid` leads (a kernel and anything it started), else `pid`."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def main() -> None:
    """The server's entry point: warm up as `sys.argv[1]` (JSON: modules, data_root) says, answer
    {"ready": pid}, then serve until stdin closes."""
    config = json.loads(sys.argv[1])
    gc.disable()  # no collection while warming: it would leave holes in pages the kernels share
    warm(config.get("modules", []), config.get("data_root"))
    TEMPLATE_MODULES.update(sys.modules)
    # Everything warmed up lives as long as the template: out of the collector's sight, so that
    # a kernel's collections never write to (and so copy) the pages it shares with the template.
    gc.freeze()
    gc.enable()
    stdout = os.fdopen(os.dup(1), "w")
    # From here on, a stray print (ours or a module's) cannot corrupt the protocol.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    become_subreaper()  # orphans of killed kernels come here, and go when the batch ends
    stdout.write(json.dumps({"ready": os.getpid()}) + "\n")
    stdout.flush()
    serve(sys.stdin, stdout)


if __name__ == "__main__":
    main()
