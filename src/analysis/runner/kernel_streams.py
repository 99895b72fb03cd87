"""The kernels' stdout and stderr, in the order the notebook wrote to them.

ipykernel buffers each stream on its own and sends it on a timer (0.2 s after the first write)
or when the cell ends, stdout first. So `warnings.warn(…); print(…)` came out as stdout, then
stderr when the cell ended within 0.2 s of the warning, and as stderr, then stdout when it did
not (a slow or loaded machine): the brief depended on load. Here a write to one stream first
sends what the other stream holds, so the outputs follow the order of the writes, however long
the cell takes. (Pieces of one stream that arrive apart are joined by `export.normalise`.)

Used by every kernel of the batch runner: `--IPKernelApp.outstream_class=` in
`runner.kernels.KERNEL_ARGUMENTS` (forked and from-scratch kernels alike).
"""

from __future__ import annotations

import threading

from ipykernel.iostream import OutStream

_LAST: list[OutStream | None] = [None]
_LOCK = threading.Lock()


class OrderedOutStream(OutStream):
    """An `OutStream` that flushes the other stream before it takes a write, and whose flush
    with nothing written returns at once."""

    def flush(self) -> None:
        # Every display first flushes both streams: two round trips to the IOPub thread each,
        # for nothing when nothing was written. Skipping them keeps the order: what an earlier
        # flush took from the buffers is sent by a callback already queued on the IOPub thread,
        # ahead of anything queued after it (the display's own message included).
        """Send what this stream holds; at once, and nothing, when it holds nothing."""
        with self._buffer_lock:
            pending = any(buffer.tell() for buffer in self._buffers.values())
        if pending:
            super().flush()

    def write(self, string: str) -> int | None:
        """Write `string`, after sending what the other stream holds."""
        with _LOCK:
            last, _LAST[0] = _LAST[0], self
        if last is not None and last is not self and not last.closed:
            last.flush()  # sent (on the IOPub thread) before anything written from now on
        return super().write(string)
