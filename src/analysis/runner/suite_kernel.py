"""The kernels' class: ipykernel's `IPythonKernel`, which looks for the processes it started
only when it has started one, and does not pause after each cell.

As it shuts down, ipykernel stops the processes the kernel started. It finds them by asking
psutil for the kernel's descendants, and psutil reads the /proc entry of every process on the
machine to find them: 8-11 ms of every kernel's shutdown here (about 80 processes), more on a
busy workstation, for a kernel that started nothing (nearly every run). `waitid` tells in a
microsecond whether the kernel has any child at all, without changing anything (`WNOWAIT`):
with none it has no descendant psutil could find (a forked kernel is a subreaper, so a
grandchild whose parent exited is its child again), and with one ipykernel's own search runs,
unchanged.

After each cell ipykernel sleeps 0.5 ms (about 1 ms here), for clients that take a cell's reply
for the end of its outputs. Every client of these kernels (nbclient, in the runner and in
papermill) waits for the kernel's "idle" on IOPub, which follows the outputs: no sleep.

Used by every kernel of the batch runner and of the papermill engine:
`--IPKernelApp.kernel_class=` in `runner.kernels.KERNEL_ARGUMENTS` (forked and from-scratch
kernels alike).
"""

from __future__ import annotations

import os

from ipykernel.ipkernel import IPythonKernel
from traitlets import Float


def has_no_child() -> bool:
    """Whether this process has no child process, running or exited (a zombie counts). False
    where the system cannot tell (no `waitid`)."""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return True
    except (AttributeError, OSError):
        return False
    return False


class SuiteKernel(IPythonKernel):
    """`IPythonKernel` whose search for the processes it started is skipped when it has none,
    and which does not sleep after each cell."""

    _execute_sleep = Float(0.0).tag(config=True)

    def _process_children(self):
        """ipykernel's list of the kernel's descendants in its process group; [] at once when the
        kernel has no child."""
        if has_no_child():
            return []
        return super()._process_children()
