"""`papermill --engine dti …`: papermill on kernels forked from the warm template.

Registered by entry point (`papermill.engine`, name `dti`, see pyproject.toml), so that
`papermill --engine dti in.ipynb out.ipynb -p year 2022` and
`papermill.execute_notebook(…, engine_name="dti")` run like papermill's default engine (its
notebook client, its parameters, its cell metadata and error handling) but each run's kernel is a
child of the template process the batch runner uses (`analysis.forkserver`, `analysis.kernels`):
pandas, matplotlib, seaborn, the notebooks' modules and the data tables are already loaded.

- The template is started on the first run in a process, kept for the process's life and stopped
  at exit (its kernels with it).
- Every run gets a new kernel, stopped when the run ends: nothing one run does reaches the next,
  as with the default engine.
- Kernels talk over IPC sockets in a private temporary folder (no TCP port races when several
  processes run papermill at once).
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import threading
from pathlib import Path

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine, NBClientEngine
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

from analysis import kernels

_LOCK = threading.Lock()
_SERVERS: dict[str, kernels.ForkServer] = {}
_NAMES = itertools.count(1)
_IPC: list[Path] = []


def _ipc_dir() -> Path:
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
    """Stop every template (they kill the kernels still running) and remove the IPC folder."""
    with _LOCK:
        servers = list(_SERVERS.values())
        _SERVERS.clear()
    for server in servers:
        server.stop()
    if _IPC:
        shutil.rmtree(_IPC.pop(), ignore_errors=True)


atexit.register(stop_servers)


def forked_kernel_manager(kernel_name: str, nb):
    """A kernel manager whose kernel, when nbclient starts it, is forked from the template."""
    from jupyter_client.manager import AsyncKernelManager

    name = f"pm{os.getpid()}-{next(_NAMES)}"
    folder = _ipc_dir()
    km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc",
                            connection_file=str(folder / f"{name}.json"))
    km.ip = str(folder / name)  # IPC socket path prefix
    provisioner = kernels.ForkProvisioner(kernel_id=name, kernel_spec=km.kernel_spec, parent=km)
    provisioner.fork_server = fork_server(kernel_name, nb)
    km.provisioner = provisioner
    return km


class DtiEngine(Engine):
    """papermill's default (nbclient) engine, each run on a new kernel forked warm."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 **kwargs):
        """Execute `nb_man.nb` as papermill's NBClientEngine does (same arguments, outputs and
        metadata), on a forked kernel that is shut down when the run ends."""
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
            extra_arguments=[*kernels.KERNEL_ARGUMENTS, *safe_kwargs.get("extra_arguments", [])],
        )
        km = forked_kernel_manager(kernel_name, nb_man.nb)
        # cleanup_kc: the client shuts the kernel down when the run ends (it does so by itself
        # only for a kernel manager it created).
        return PapermillNotebookClient(nb_man, km=km, **final_kwargs).execute(cleanup_kc=True)
