"""Publishing one run as soon as it finishes: its brief and executed notebook, or its failure.

Every file goes through a temporary file and a rename (`analysis.atomic`), so an interrupted run
leaves no half-written file and an earlier brief intact.

- ok run: `<out>/<year>/<province-slug|all>/<notebook>[.<variant>].<lang>.ipynb`, then the
  `.html` beside it; a stale `_failed/` copy of the same run is removed. Export and write times
  go into the run's `timings`.
- failed run (error, timeout, or a brief that would load something from the network): the
  executed notebook, with the error and a first cell saying so, under `<out>/_failed/<same path>`;
  no HTML; an earlier good brief at the same path is kept and the index links it.

This is the runner's code that shapes a brief (with `runner.export` and `runner.brief_exporter`),
and so part of every run's input digest (`runner.incremental`); what the batch records about its
runs (manifest, index, summary) is `runner.manifest`, which a brief does not depend on.
"""

from __future__ import annotations

import time
from pathlib import Path

from analysis.atomic import write_many, write_text_atomic

FAILED_DIR = "_failed"


def _mark_failed(nb, error: str):
    """`nb` with a first Markdown cell (id and tag "run-failed") saying the run failed, and why."""
    from nbformat.v4 import new_markdown_cell

    cell = new_markdown_cell(f"**Run failed, no brief published:** `{error}`")
    cell["id"] = "run-failed"
    cell.metadata["tags"] = ["run-failed"]
    nb.cells.insert(0, cell)
    return nb


def io_error(exc: OSError) -> str:
    """One line for a file that could not be written: its path and the system's message."""
    where = exc.filename or "a file"
    return f"cannot write {where}: {exc.strerror or exc}"


class Publisher:
    """Writes one run's files (atomically) as soon as it finishes. A file that cannot be written
    (disk full, read-only folder) fails that run with one line, never the batch; a brief or
    executed notebook over `max_bytes` fails its run instead of being published."""

    def __init__(self, out: Path, max_bytes: int | None = None):
        """A publisher into `out`; `max_bytes`: the largest brief or executed notebook it publishes
        (None: no cap)."""
        self.out = out
        self.max_bytes = max_bytes

    def __call__(self, result, nb) -> None:
        """One finished run published: its brief and executed notebook, or, failed, its marked
        notebook under `_failed/`; export and write times in `result.timings`."""
        import nbformat

        from analysis.runner.export import normalise

        started = time.perf_counter()
        clean = normalise(nb)
        page = self._render(result, clean) if result.status == "ok" else None
        notebook = (nbformat.writes(clean) + "\n").encode("utf-8")
        if result.status == "ok":
            self._check_size(result, notebook, page)
        exported = time.perf_counter()
        result.timings["export"] = round(exported - started, 3)
        if result.status == "ok":
            self._write_brief(result, notebook, page)
        if result.status != "ok":
            self._write_failed(result, clean)
        result.timings["write"] = round(time.perf_counter() - exported, 3)

    def _render(self, result, clean) -> bytes | None:
        """The brief's HTML, or None with the run failed (rendering error, network load)."""
        from analysis.runner.brief_exporter import render_brief
        from analysis.runner.export import external_resources, topic

        run = result.run
        result.title = _title(run, topic(clean))
        try:
            page = render_brief(clean, title=result.title, kicker=_kicker(run),
                                lang=run.lang or "vi")
        except Exception as exc:  # noqa: BLE001 - this run fails, the others go on
            result.status, result.error = "failed", f"brief rendering failed: {exc!r}"[:300]
            return None
        bad = external_resources(page)
        if bad:
            result.status = "failed"
            result.error = f"brief would load {bad[0]} from the network"
            return None
        return page.encode("utf-8")

    def _check_size(self, result, notebook: bytes, page: bytes) -> None:
        """The run failed, with the size and the cap said, when its brief or executed notebook is
        over `max_bytes`."""
        if self.max_bytes is None:
            return
        for what, data in (("brief", page), ("executed notebook", notebook)):
            if len(data) > self.max_bytes:
                result.status = "failed"
                result.error = (f"the {what} would be {len(data) / 2**20:.1f} MB, over the "
                                f"{self.max_bytes / 2**20:g} MB cap (--max-output-mb): "
                                "does a cell print or draw far more than it should?")
                return

    def _write_brief(self, result, notebook: bytes, page: bytes) -> None:
        """The executed notebook and brief written together (both on disk before either is renamed),
        a stale failed copy removed; the run failed instead if they cannot be."""
        run = result.run
        ipynb = self.out / run.folder / f"{run.stem}.ipynb"
        html = self.out / run.folder / f"{run.stem}.html"
        try:
            # Both complete and on disk before either name changes, and before the journal
            # records them: a crash or a full disk never pairs a new notebook with an old brief.
            write_many([(notebook, ipynb), (page, html)], fsync=True)
        except OSError as exc:
            result.status, result.error = "failed", io_error(exc)
            result.extra["io_errno"] = exc.errno
            return
        result.ipynb, result.html = ipynb, html
        (self.out / FAILED_DIR / run.folder / f"{run.stem}.ipynb").unlink(missing_ok=True)

    def _write_failed(self, result, clean) -> None:
        """The failed run's notebook, marked, under `_failed/` (unless its own files could not be
        written); an earlier brief at its path noted as still published."""
        import nbformat

        run = result.run
        failed_copy = self.out / FAILED_DIR / run.folder / f"{run.stem}.ipynb"
        kept = self.out / run.folder / f"{run.stem}.html"
        if kept.exists():  # an earlier good brief stays published, untouched
            result.extra["previous_html"] = kept
        if "io_errno" in result.extra:  # its own files could not be written: nor would this
            return
        text = nbformat.writes(_mark_failed(clean, result.error)) + "\n"
        try:
            write_text_atomic(text, failed_copy)
        except OSError as exc:  # the run has failed already: say why its notebook is missing
            result.error = f"{result.error}; and {io_error(exc)}"[:600]
            return
        result.ipynb = failed_copy


def _kicker(run) -> str:
    """The line above the run's brief title ("Hải Dương · DTI 2022")."""
    from analysis.runner.brief_exporter import kicker

    return kicker(run.province, run.year)


def _title(run, topic_text: str) -> str:
    """The run's brief title: the notebook's topic completed with its province and year."""
    from analysis.runner.brief_exporter import brief_title

    return brief_title(topic_text, run.notebook.id, run.province, run.year)
