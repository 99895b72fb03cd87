"""A readers-writer lock on the data folder: `flock` on the folder itself.

A batch run holds it shared for its whole length; `import-dti` and `build`, which write `data/`,
hold it exclusively. So a batch never sees the data change under it through these tools, and a
writer waits for running batches instead of changing what they are reading. Whoever has to wait
says so on stderr, once, naming the folder. The lock is taken on the folder's own descriptor,
so it creates no file (the data folder keeps exactly its files, read-only folders work too), and
the kernel drops it when its holder dies: a killed batch never leaves the data locked.

Hand edits bypass the lock; the batch's input digests, taken before any run reads the data
(`analysis.runner.incremental.InputDigests.freeze_data`), catch those.
"""

from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager


@contextmanager
def data_lock(root, *, exclusive: bool, waiting: str, say=None):
    """Hold the data folder's lock (exclusive for writers, shared for batches) while the block
    runs; if it is taken, print `waiting` once and block until it is free. A folder that does
    not exist (yet) is not locked: the command using it reports that itself."""
    try:
        fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            (say or _stderr)(waiting)
            fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _stderr(line: str) -> None:
    """Print `line` on stderr, flushed at once."""
    print(line, file=sys.stderr, flush=True)


def writing(root):
    """The exclusive lock of a tool that writes `root` (import-dti, build)."""
    return data_lock(root, exclusive=True,
                     waiting=f"waiting: a batch run is reading {root}; this starts when it ends")


def reading(root):
    """The shared lock a batch holds while it runs."""
    return data_lock(root, exclusive=False,
                     waiting=f"waiting: {root} is being written (import-dti or build); the "
                             "batch starts when it is done")
