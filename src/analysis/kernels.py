"""Worker kernels for the batch runner: started over IPC, warmed once, reset between runs.

Starting a kernel and importing pandas/matplotlib/seaborn costs far more than running one of our
notebooks, so each batch worker owns one kernel for its whole life:

- started with `transport="ipc"` and a connection file in a private temporary folder (Unix
  sockets there, never TCP ports: parallel kernels cannot race for a port, papermill #511);
- warmed once (`WARM_UP`): the heavy imports and every module the batch's notebooks import
  (`imported_modules`), the inline backend, fixed PNG metadata, then a
  snapshot of the interpreter state a notebook may change (rcParams, pandas options, warning
  filters, display formatters, environment, cwd, loaded `analysis.*` modules);
- reset before each run (`RESET`): `%reset -f`, figures closed, the snapshot restored,
  `analysis.*` modules imported since the warm-up dropped (so import-time side effects such as a
  theme set on import happen again), warning registries cleared (a warning shown by the previous
  run is shown again), execution count back to 1.

The result is byte-identical to a fresh warmed kernel (`tests/test_batch.py` checks it) and a
crashed or timed-out kernel is replaced by a fresh one.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager

KERNEL_NAME = "dti-suite"

WARM_UP = r"""
import sys as _sys, types as _types
if "_dti_worker" not in _sys.modules:
    import os, warnings, copy
    import importlib
    import numpy, pandas, matplotlib, matplotlib.pyplot, seaborn
    import analysis.data
    _name = None
    for _name in _WARM_MODULES:  # the modules the notebooks of this batch import
        try:
            importlib.import_module(_name)
        except Exception:
            pass  # the notebook itself will report it
    get_ipython().run_line_magic("matplotlib", "inline")
    from matplotlib_inline.config import InlineBackend as _IB
    _ib = _IB.instance()
    # Fixed PNG metadata: no "Software" key with a version string.
    _ib.print_figure_kwargs = {"bbox_inches": "tight", "metadata": {"Software": None}}
    matplotlib.rcParams["svg.hashsalt"] = "dti-suite"
    _ip = get_ipython()
    _w = _types.ModuleType("_dti_worker")
    _w.rc = dict(matplotlib.rcParams.copy())
    _w.warning_filters = list(warnings.filters)
    _w.environ = dict(os.environ)
    _w.cwd = os.getcwd()
    _w.modules = {m for m in _sys.modules if m == "analysis" or m.startswith("analysis.")}
    _w.formatters = {k: (dict(f.type_printers), dict(f.deferred_printers), f.enabled)
                     for k, f in _ip.display_formatter.formatters.items()}
    _w.inline = (dict(_ib.print_figure_kwargs), set(_ib.figure_formats))

    def _restore(_ip=_ip, _ib=_ib, _w=_w):
        # Imports inside: `%reset -f` has emptied the namespace this function was defined in.
        import os, sys as _sys, warnings
        import matplotlib, matplotlib.pyplot as plt, pandas
        plt.close("all")
        dict.update(matplotlib.rcParams, _w.rc)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pandas.reset_option("all")
        warnings.resetwarnings()  # also invalidates every module's "already shown" registry
        warnings.filters[:] = _w.warning_filters
        os.environ.clear()
        os.environ.update(_w.environ)
        os.chdir(_w.cwd)
        for name in [m for m in _sys.modules if (m == "analysis" or m.startswith("analysis."))
                     and m not in _w.modules]:
            del _sys.modules[name]
        for k, (tp, dp, en) in _w.formatters.items():
            f = _ip.display_formatter.formatters[k]
            f.type_printers.clear(); f.type_printers.update(tp)
            f.deferred_printers.clear(); f.deferred_printers.update(dp)
            f.enabled = en
        _ib.print_figure_kwargs = dict(_w.inline[0])
        _ib.figure_formats = set(_w.inline[1])
        _ip.execution_count = 1

    _w.restore = _restore
    _sys.modules["_dti_worker"] = _w
    del os, warnings, copy, importlib, numpy, pandas, matplotlib, seaborn, analysis, _IB, _ib, _ip
    del _w, _restore, _name
del _sys, _types, _WARM_MODULES
"""

RESET = """get_ipython().run_line_magic("reset", "-f")
__import__("sys").modules["_dti_worker"].restore()
"""


class KernelError(RuntimeError):
    """A worker kernel could not be started, warmed or reset."""


async def start_kernel(ipc_dir: Path, name: str, cwd: Path,
                       kernel_name: str = KERNEL_NAME, timeout: float = 60):
    """Start one kernel over IPC with its connection file and sockets in `ipc_dir`.

    Returns (manager, client). Tests monkeypatch this function to prove that no kernel starts.
    """
    km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                            connection_file=str(ipc_dir / f"{name}.json"))
    km.ip = str(ipc_dir / name)  # IPC socket path prefix: <ipc_dir>/<name>-<port number>
    # No history database: nothing written to ~/.ipython, and resetting the execution count to 1
    # cannot collide with lines already logged ("History logging moved to new session").
    await km.start_kernel(cwd=str(cwd), extra_arguments=["--HistoryManager.enabled=False"])
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=timeout)
    except Exception:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        raise
    return km, kc


async def run_silently(kc, code: str, timeout: float = 120) -> None:
    """Execute `code` without touching history; raise KernelError on an error reply."""
    errors: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "error":
            errors.append(f"{msg['content']['ename']}: {msg['content']['evalue']}")

    reply = await kc.execute_interactive(code, silent=False, store_history=False,
                                         output_hook=hook, timeout=timeout)
    if reply["content"]["status"] != "ok" or errors:
        raise KernelError("kernel set-up failed: " + ("; ".join(errors) or
                                                       reply["content"].get("evalue", "")))


class Worker:
    """One warmed kernel. `prepare()` before each run, `replace()` after a failure or timeout."""

    def __init__(self, ipc_dir: Path, name: str, cwd: Path, kernel_name: str = KERNEL_NAME,
                 start=None, warm_modules=()):
        self.ipc_dir, self.name, self.cwd, self.kernel_name = ipc_dir, name, cwd, kernel_name
        self.warm_modules = tuple(warm_modules)
        self._start = start or start_kernel
        self.km = self.kc = None
        self.language_info: dict = {}
        self.generation = 0
        self.used = False

    async def start(self) -> None:
        self.generation += 1
        self.km, self.kc = await self._start(self.ipc_dir, f"{self.name}-{self.generation}",
                                              self.cwd, self.kernel_name)
        msg_id = self.kc.kernel_info()
        reply = await self.kc.get_shell_msg(timeout=60)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = await self.kc.get_shell_msg(timeout=60)
        self.language_info = reply["content"].get("language_info", {})
        await run_silently(self.kc, f"_WARM_MODULES = {sorted(self.warm_modules)!r}\n" + WARM_UP)
        self.used = False

    async def prepare(self) -> None:
        """Give the next run a clean namespace (a no-op on a kernel that has run nothing)."""
        if self.used:
            await run_silently(self.kc, RESET)
        self.used = True

    async def stop(self) -> None:
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            try:
                await asyncio.wait_for(self.km.shutdown_kernel(now=True), 10)
            except Exception:  # noqa: BLE001 - shutting down anyway: kill it
                self.kill()
        self.km = self.kc = None

    def kill(self) -> None:
        """Last resort (Ctrl-C, interpreter exit): kill the kernel process, no event loop needed."""
        provisioner = getattr(self.km, "provisioner", None)
        process = getattr(provisioner, "process", None)
        if process is not None and process.poll() is None:
            process.kill()

    async def replace(self) -> None:
        await self.stop()
        await self.start()


def imported_modules(nb) -> set[str]:
    """Modules a notebook imports (`import x`, `from x import y`), read from its code cells."""
    import ast

    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names
