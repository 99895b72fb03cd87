"""The batch's journal: one line per finished run, appended and fsynced as the run finishes.

`<out>/.journal.jsonl` holds the manifest entry of every run a batch finished (published or
failed), one JSON object per line, in the order they finished. The batch merges it into
`manifest.json` and `index.html` at its end and then removes it; a batch killed before that
(`kill -9`, a power cut) leaves it behind, and the next batch reads the manifest and then the
journal over it (a later line wins), so that every run finished before the crash is up to date
and only the unfinished ones are redone. A line torn by the crash is ignored: its run is redone.

Appending one line and an fsync cost about 0.3 ms here, once per run.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

JOURNAL_NAME = ".journal.jsonl"


class Journal:
    """Appends entries durably; `clear()` once they are in the manifest."""

    def __init__(self, out: Path):
        """The journal of the batch writing to `out` (opened on the first append)."""
        self.path = Path(out) / JOURNAL_NAME
        self._fd: int | None = None

    def append(self, entry: dict) -> None:
        """Write one entry as one line and fsync it: when this returns, a crash keeps it.
        Raises OSError (disk full, read-only folder), the caller decides."""
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC,
                               0o644)
        size = os.fstat(self._fd).st_size
        try:
            if os.write(self._fd, line) != len(line):  # a short write: the disk is full
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
            os.fsync(self._fd)
        except OSError:
            # Cut the torn line off, so that the next entry does not join it and get lost too.
            try:
                os.ftruncate(self._fd, size)
            except OSError:
                pass
            raise

    def close(self) -> None:
        """Close the journal's file (its entries stay on disk)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def clear(self) -> None:
        """Remove the journal (call only once its entries are durably in the manifest)."""
        self.close()
        self.path.unlink(missing_ok=True)


def read_journal(out: Path) -> list[dict]:
    """The entries a journal holds, oldest first; a torn or unreadable line is skipped."""
    path = Path(out) / JOURNAL_NAME
    try:
        raw = path.read_bytes()
    except OSError:
        return []
    entries = []
    for line in raw.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            entries.append(entry)
    return entries


RESERVE_NAME = ".space-reserve"
PER_RUN_BYTES = 4096  # a manifest entry is ~1.9 KB, an index line ~0.2 KB: twice that


class SpaceReserve:
    """Disk space held back, while runs write briefs, for what the batch writes last: when the
    disk fills up, the reserve is given back and manifest.json and index.html still fit, so they
    list exactly the briefs on disk. Not every file system can reserve (then there is none)."""

    def __init__(self, out: Path, runs: int):
        """Reserve room for the manifest and index of a batch of `runs` runs in `out` (none where
        the file system cannot)."""
        self.path: Path | None = Path(out) / RESERVE_NAME
        current = sum(_size(Path(out) / name) for name in ("manifest.json", "index.html"))
        size = 2 * current + PER_RUN_BYTES * runs + 65536  # old and new file side by side
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644)
            try:
                os.posix_fallocate(fd, 0, size)
            finally:
                os.close(fd)
        except (OSError, AttributeError):
            self.release()

    def release(self) -> None:
        """Give the reserved space back (remove the file); once is enough."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None


def _size(path: Path) -> int:
    """A file's size in bytes (0 when it is not there)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def remove_stale_temp_files(out: Path) -> None:
    """Temporary files a killed run left behind (`.<name>.<random>.tmp`, see analysis.atomic),
    and its space reserve (`SpaceReserve`); its journal is kept: it is merged."""
    for path in out.rglob(".*.tmp"):
        path.unlink(missing_ok=True)
    (out / RESERVE_NAME).unlink(missing_ok=True)
