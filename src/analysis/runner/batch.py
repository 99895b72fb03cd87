"""`python -m analysis run`: execute the notebooks for many parameter sets and publish HTML briefs.

Default: every DTI edition with data x Hải Dương x every notebook in notebooks/, in Vietnamese.

Order of work:
1. plan (`runner.plan`): the options as `analysis.cli` parsed them; find the notebooks
   (`[0-9][0-9]_*.ipynb`), read their declared parameters with papermill's `inspect_notebook`,
   and check every requested name and value (notebook ids; years, provinces, languages and
   `-p peers` by the notebooks' own rules, `analysis.params`; other `-p NAME=VALUE` extras
   against the declared names and types). Any problem: one line each on stderr, exit 2, and no
   kernel has started.
2. lock `<out>/.run.lock` (filelock): a second run on the same folder exits with a message,
   or waits with `--wait`.
3. skip what is up to date (`runner.incremental`): a run whose previous result succeeded, is
   still on disk and whose input digest (notebook, parameters, data files it opened, the code
   it can execute, template and CSS, locked packages) is unchanged is not run again, unless
   `--force`.
   Nothing to run: no kernel starts and nothing is written.
4. execute (`runner.execute`): `--jobs` runs at a time, each on a NEW kernel forked from a warm
   template process (`runner.kernels`, `runner.forkserver`; IPC transport; `--fresh-kernels`
   starts each from scratch instead, slower, same bytes). Parameters are injected with
   papermill's `parameterize_notebook`; cells run through nbclient with `record_timing=False`. A
   run over `--timeout` or past `--max-kernel-memory` has its kernel killed and fails; a kernel
   that dies under a run (killed from outside) is replaced and the run retried once; a kernel
   that never starts fails its run as a start failure. tqdm progress on stderr. SIGTERM and
   Ctrl-C stop every kernel, record the finished runs, and exit 130.
5. publish each run as it finishes (`runner.publish`, `runner.export`), every file through a
   temporary file and a rename:
   `<out>/<year>/<province-slug>/<notebook>[.<variant>].<lang>.html` and the executed `.ipynb`
   beside it (`variant`: a slug of the extra `-p` values). A notebook without a `province`
   parameter (03) runs once per year and language, under `<out>/<year>/all/`. A failed run
   leaves its executed notebook (with the error) under `<out>/_failed/<same path>.ipynb`,
   publishes no HTML and keeps any earlier brief intact. `<out>/index.html` lists every brief
   in the folder, `<out>/manifest.json` records parameters, input digest and inputs, data
   checksums, package versions, git commit, status, duration and per-phase times of each run.
6. print a summary table; exit 0, or 1 when a run failed.
"""

from __future__ import annotations

import asyncio
import errno
import os
import signal
import sys
from pathlib import Path

# jsonschema (pulled in by nbformat) imports its optional IRI format checker, which compiles a
# Lark grammar on import: ~1.9 s here. nbformat's schema uses no "iri" format, so the runner
# (this process only, not the kernels) turns that optional import off.
sys.modules.setdefault("rfc3987_syntax", None)

from analysis import datalock
from analysis.errors import UserError
from analysis.paths import DATA_DIR_ENV, OUTPUTS_DIR
from analysis.paths import data_dir as resolve_data_dir
from analysis.paths import notebooks_dir as resolve_notebooks_dir
from analysis.runner import journal, manifest, publish
from analysis.runner.execute import Result, error_summary, execute_all
from analysis.runner.plan import Run, check_options, plan

LOCK_NAME = ".run.lock"


def _sigterm_as_interrupt(signum, frame):
    """SIGTERM as Ctrl-C: raises KeyboardInterrupt, so that the same clean-up runs."""
    raise KeyboardInterrupt  # run the same clean-up as Ctrl-C: kernels stopped, temp files gone


def run(args) -> int:
    """`python -m analysis run` with its options as `analysis.cli` parsed them: 0 every brief
    published, 1 a run failed, 2 a bad parameter (nothing started or written), 130 stopped."""
    if args.data is not None:
        os.environ[DATA_DIR_ENV] = str(Path(args.data).resolve())  # the kernels inherit it
        args.data = os.environ[DATA_DIR_ENV]
    notebooks_dir = resolve_notebooks_dir(args.notebooks_dir)
    out = (args.out or OUTPUTS_DIR).resolve()
    try:
        check_options(args, out)
        runs = plan(args, notebooks_dir)
    except UserError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    if not runs:
        print("error: nothing to run", file=sys.stderr)
        return 2

    from filelock import FileLock, Timeout

    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / LOCK_NAME))
    try:
        lock.acquire(timeout=-1 if args.wait else 0)
    except Timeout:
        print(f"error: another `python -m analysis run` is writing to {out} "
              f"(lock {out / LOCK_NAME}); wait for it to finish, pass --wait, or use another --out",
              file=sys.stderr)
        return 1
    previous_handler = None
    if threading_is_main():
        previous_handler = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    try:
        journal.remove_stale_temp_files(out)
        data_root = resolve_data_dir(args.data).resolve()
        with datalock.reading(data_root):  # import-dti and build wait until the batch ends
            return _run_locked(args, runs, out, notebooks_dir, data_root)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)
        lock.release()


def threading_is_main() -> bool:
    """Whether this is the main thread (the only one that may set signal handlers)."""
    import threading

    return threading.current_thread() is threading.main_thread()


def _frozen_digests(data_root: Path, runs: list[Run]):
    """The batch's input digests, data files and notebooks hashed now, before any run reads
    them (see `InputDigests.freeze_data`)."""
    from analysis.runner.incremental import InputDigests

    digests = InputDigests(data_root)
    digests.freeze_data()
    for path in {run.notebook.path for run in runs}:  # as read for this batch, not at its end
        digests.file(Path(path).resolve())
    return digests


# A full disk (or quota), a read-only folder: every later run would fail to write its brief too.
STOP_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


class Recording:
    """Publishes each finished run and journals its manifest entry (fsynced) at once, so that a
    batch killed later keeps it (`runner.journal`)."""

    def __init__(self, out: Path, recorder, max_bytes: int | None):
        """A recording into `out`: a run's files by `publish.Publisher` (briefs and notebooks up to
        `max_bytes`), its manifest entry by `recorder`, journaled."""
        self.publisher = publish.Publisher(out, max_bytes)
        self.recorder = recorder
        self.journal = journal.Journal(out)
        self.entries: list[dict] = []
        self.journal_error = ""
        self.stopped = ""

    def __call__(self, result: Result, nb) -> None:
        """Publish one finished run, journal its entry; a full or read-only disk sets `stopped`, so
        that no further run starts."""
        self.publisher(result, nb)
        if result.extra.get("io_errno") in STOP_ERRNOS and not self.stopped:
            # the next runs would fail the same way: none starts; the system's words say why
            self.stopped = os.strerror(result.extra["io_errno"])
        entry = self.recorder.entry(result)
        self.entries.append(entry)
        if self.journal_error:
            return
        try:
            self.journal.append(entry)
        except OSError as exc:  # the batch goes on; only a crash from now on would cost more
            self.journal_error = publish.io_error(exc)
            print(f"warning: {self.journal_error}; the batch goes on, but a crash from now on "
                  "would redo the runs it finished", file=sys.stderr)


def _run_locked(args, runs: list[Run], out: Path, notebooks_dir: Path, data_root: Path) -> int:
    """The batch, once the output folder is locked: skip what is up to date, execute the rest,
    record it; the exit code (0, 1, 130)."""
    digests = _frozen_digests(data_root, runs)
    previous = manifest.read_entries(out)  # a killed batch's journal included
    pending = bool(journal.read_journal(out))
    todo = [run for run in runs
            if args.force or not digests.up_to_date(run, previous.get(run.key), out)]
    recording = Recording(out, manifest.Recorder(out, data_root, digests),
                          int(args.max_output_mb * 2**20))
    results: list[Result] = []
    interrupted = False
    if todo:
        # room for the manifest and the index on a full disk
        reserve = journal.SpaceReserve(out, len(todo))
        try:
            interrupted = _execute(args, todo, notebooks_dir, data_root, recording, results)
        except Exception as exc:  # noqa: BLE001 - the fork server could not start: one line
            recording.journal.close()
            print(f"error: {error_summary(exc)}", file=sys.stderr)
            return 1
        finally:
            reserve.release()
    problem = _record(args, out, data_root, recording, previous, pending or bool(results))
    if interrupted:
        if problem:
            print(f"error: {problem}", file=sys.stderr)
        print(f"interrupted: {len(results)} run(s) finished and are listed in the index; "
              "nothing half-written", file=sys.stderr)
        return 130
    order = {run.key: i for i, run in enumerate(runs)}
    results.sort(key=lambda r: order[r.run.key])
    print(manifest.summary_table(results, len(runs) - len(todo)))
    if recording.stopped and len(todo) > len(results):
        print(f"stopped: {len(todo) - len(results)} run(s) not started, the output folder "
              f"cannot take more ({recording.stopped}); free it and run again: "
              "the runs published are kept", file=sys.stderr)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"index: {out / 'index.html'}")
    return 1 if any(r.status != "ok" for r in results) else 0


def _execute(args, todo: list[Run], notebooks_dir: Path, data_root: Path, recording,
             results: list) -> bool:
    """Run `todo` with a progress bar; True when Ctrl-C or SIGTERM stopped the batch."""
    from tqdm import tqdm

    bar = tqdm(total=len(todo), unit="run", file=sys.stderr, disable=args.quiet,
               desc="briefs", dynamic_ncols=True)
    failed = 0

    def progress(result: Result) -> None:
        """Count the run on the progress bar (and the failures beside it)."""
        nonlocal failed
        failed += result.status != "ok"
        bar.set_postfix_str(f"failed={failed}" if failed else "", refresh=False)
        bar.update(1)

    limit = int(args.max_kernel_memory * 2**20) if args.max_kernel_memory > 0 else None
    try:
        asyncio.run(execute_all(todo, jobs=args.jobs, timeout=args.timeout,
                                fresh=args.fresh_kernels, cwd=notebooks_dir.resolve(),
                                publish=recording, progress=progress, results=results,
                                memory_limit=limit, data_root=data_root))
    except (KeyboardInterrupt, asyncio.CancelledError):
        return True
    finally:
        bar.close()
    return False


def _record(args, out: Path, data_root: Path, recording, previous: dict, pending: bool) -> str:
    """Merge the finished runs into manifest.json and index.html, then drop the journal; ""
    or the one line saying what could not be written (the journal then keeps the runs).
    Even after Ctrl-C/SIGTERM: further signals are held off for these renames."""
    from analysis.runner.index_page import write_index

    held = _hold_signals()
    try:
        entries, changed = manifest.write_manifest(out, recording.entries, recording.recorder,
                                                   args.fresh_kernels, previous, pending)
        if changed or not (out / "index.html").exists():
            write_index(out, entries, data_root)
    except OSError as exc:
        recording.journal.close()
        kept = "" if recording.journal_error else (
            f"; the finished runs stay in {recording.journal.path} for the next batch")
        return publish.io_error(exc) + kept
    finally:
        _release_signals(held)
    recording.journal.clear()
    _publish_dataset(out, data_root)
    return ""


def _publish_dataset(out: Path, data_root: Path) -> None:
    """<out>/data/ (only the files that changed), after the briefs are listed: a disk too full
    for it costs the dataset, one warning line, never the index."""
    from analysis.runner.dataset import write_dataset

    try:
        write_dataset(out, data_root)
    except OSError as exc:
        print(f"warning: {publish.io_error(exc)}; the dataset in {out / 'data'} was not updated",
              file=sys.stderr)


def _hold_signals() -> dict:
    """Ignore Ctrl-C and SIGTERM (main thread only); the handlers they had, to give back."""
    if not threading_is_main():
        return {}
    return {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}


def _release_signals(held: dict) -> None:
    """Give back the handlers `_hold_signals` took."""
    for sig, handler in held.items():
        signal.signal(sig, handler)
