"""Writing files so that nothing is ever half-written: a temporary file, then a rename.

An error (disk full, read-only folder) is raised as an OSError that names the file meant to be
written, not the temporary one, and leaves no temporary file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd


def _temporary(data: bytes, path: Path, fsync: bool) -> str:
    """`data` in a temporary file beside `path` (0644, fsynced if asked); its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; briefs are meant to be shared and served
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def _named(exc: OSError, path: Path) -> OSError:
    """`exc` (its errno and message) as an OSError naming `path`, the file meant to be written."""
    return OSError(exc.errno, exc.strerror or str(exc), str(path))


def write_many(items: list[tuple[bytes, Path]], *, fsync: bool = False) -> None:
    """Write every (data, path) to its temporary file first, then rename them all: a failure
    while writing (the usual place: disk full) replaces none of the files. `fsync`: the data is
    on disk before the names point to it (a journal may then say the files are complete)."""
    done: list[tuple[str, Path]] = []
    try:
        for data, path in items:
            path = Path(path)
            try:
                done.append((_temporary(data, path, fsync), path))
            except OSError as exc:
                raise _named(exc, path) from exc
        for tmp, path in done:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise _named(exc, path) from exc
    finally:
        for tmp, _ in done:
            Path(tmp).unlink(missing_ok=True)  # after a rename: already gone


def write_bytes_atomic(data: bytes, path: Path, *, fsync: bool = False) -> None:
    """`data` written to `path` whole or not at all (`write_many` of one file)."""
    write_many([(data, Path(path))], fsync=fsync)


def write_text_atomic(text: str, path: Path, *, fsync: bool = False) -> None:
    """`text` written to `path` as UTF-8, whole or not at all."""
    write_bytes_atomic(text.encode("utf-8"), path, fsync=fsync)


def write_csv_atomic(frame: pd.DataFrame, path: Path) -> None:
    """`frame` written to `path` as CSV (no index, LF line ends), whole or not at all."""
    write_text_atomic(frame.to_csv(index=False, lineterminator="\n"), path)
