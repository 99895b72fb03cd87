"""What went wrong with a run's kernel is told by the error's type (`runner.kernels`), and every
retry or error decision of the runner (`runner.execute.run_one`) is made on that type: a kernel
that never starts is a start failure (never "timed out"), a kernel that dies under a run is
replaced once, a run past its deadline is a timeout, a run past the memory limit is stopped.

The decisions are tested on replaced attempts (no kernel), the kinds where they are raised: a
kernel that exits before it answers, one that stays silent, one that cannot run its set-up, and
a whole batch whose kernels cannot start, forked or from scratch."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from queue import Empty
from types import SimpleNamespace

import pytest
from batch_notebooks import write_notebook

from analysis import cli
from analysis.runner import execute, kernels
from analysis.runner.kernels import (
    KernelDied,
    KernelError,
    KernelStartError,
    MemoryLimitExceeded,
    RunTimeout,
)
from analysis.runner.plan import Notebook, Run


def test_every_kind_is_a_kernel_error_and_none_is_a_timeout_error():
    for kind in (KernelStartError, KernelDied, RunTimeout, MemoryLimitExceeded):
        assert issubclass(kind, KernelError)
        assert not issubclass(kind, TimeoutError)  # jupyter_client's timeouts are not ours


# --- the decisions of run_one, on attempts that raise what a kernel would -------------------

def _context(memory_limit=None):
    return execute.Context(Path("."), Path("."), timeout=7, memory_limit=memory_limit,
                           fork_server=None, data_root=Path("."), start=None)


def _run() -> Run:
    return Run(Notebook("01_x", Path("01_x.ipynb"), ("year",)), 2022, None, None)


def _run_one(monkeypatch, *errors, memory_limit=None):
    """run_one with attempts that raise `errors` in turn (None: the attempt succeeds); the
    result and how many attempts were made."""
    raised = iter(errors)
    attempts = itertools.count(1)

    async def attempt(ctx, run, nb, result, deadline):
        next(attempts)
        error = next(raised)
        if error is not None:
            raise error

    monkeypatch.setattr(execute, "_attempt", attempt)
    result, _ = asyncio.run(execute.run_one(_context(memory_limit), _run(), SimpleNamespace()))
    return result, next(attempts) - 1


def test_a_kernel_that_never_starts_is_a_start_failure_not_a_timeout(monkeypatch):
    result, attempts = _run_one(monkeypatch, KernelStartError(
        "the kernel did not start: it did not answer within 60 s"))
    assert (result.status, attempts, result.retried) == ("failed", 1, False)
    assert result.error == "the kernel did not start: it did not answer within 60 s"
    assert "timed out" not in result.error


def test_a_kernel_that_dies_is_replaced_once(monkeypatch):
    result, attempts = _run_one(monkeypatch, KernelDied("the kernel died during the run"), None)
    assert (result.status, result.error, attempts, result.retried) == ("ok", "", 2, True)


def test_a_kernel_that_dies_twice_fails_its_run_saying_so(monkeypatch):
    result, attempts = _run_one(monkeypatch, KernelDied("x"), KernelDied("x"))
    assert (result.status, attempts, result.retried) == ("failed", 2, True)
    assert result.error == ("the kernel died during the run, twice (killed from outside or "
                            "crashed)")


def test_a_run_past_its_deadline_is_a_timeout_and_is_not_retried(monkeypatch):
    result, attempts = _run_one(monkeypatch, RunTimeout())
    assert (result.status, result.error, attempts) == ("timeout", "timed out after 7 s", 1)


def test_a_run_past_the_memory_limit_is_stopped_and_not_retried(monkeypatch):
    result, attempts = _run_one(monkeypatch, MemoryLimitExceeded(), memory_limit=300 * 2**20)
    assert (result.status, attempts) == ("failed", 1)
    assert result.error == "kernel stopped: it used more than the memory limit (300 MB)"


@pytest.mark.parametrize("error", [TimeoutError("Timeout waiting for output"),
                                   RuntimeError("Kernel died before replying")])
def test_no_other_error_is_taken_for_a_timeout_or_a_death_by_its_words(monkeypatch, error):
    # What jupyter_client or nbclient raise without our types: the run fails once, as itself.
    result, attempts = _run_one(monkeypatch, error)
    assert (result.status, attempts, result.retried) == ("failed", 1, False)
    assert result.error == f"{type(error).__name__}: {error}"


# --- where each kind is raised --------------------------------------------------------------

class _SilentClient:
    """A kernel client to which no reply ever comes."""

    def kernel_info(self):
        return "msg-1"

    async def get_shell_msg(self, timeout):
        await asyncio.sleep(min(timeout, 0.01))
        raise Empty


def _manager(alive: bool):
    async def is_alive():
        return alive
    return SimpleNamespace(is_alive=is_alive)


def test_a_kernel_that_exits_before_it_answers_never_started():
    with pytest.raises(KernelStartError, match="exited before it answered"):
        asyncio.run(kernels._handshake(_manager(alive=False), _SilentClient(), timeout=5))


def test_a_kernel_that_stays_silent_never_started_and_is_no_timeout_error():
    with pytest.raises(KernelStartError, match="did not answer within 0.2 s") as caught:
        asyncio.run(kernels._handshake(_manager(alive=True), _SilentClient(), timeout=0.2))
    assert not isinstance(caught.value, TimeoutError)


def test_a_set_up_that_never_ends_is_a_start_failure():
    class Hanging:
        async def execute_interactive(self, *args, **kwargs):
            raise TimeoutError("Timeout waiting for output")  # what jupyter_client raises

    with pytest.raises(KernelStartError, match="set-up did not end within 120 s"):
        asyncio.run(kernels.set_up(Hanging(), "1"))


def test_no_answer_after_the_run_is_no_list_of_files_not_an_error():
    class Gone:
        async def execute_interactive(self, *args, **kwargs):
            raise TimeoutError("Timeout waiting for output")

    assert asyncio.run(kernels.evaluate(Gone(), "1")) is None


@pytest.mark.parametrize("fresh", [False, True], ids=["forked", "fresh"])
def test_a_batch_whose_kernels_cannot_start_says_so_for_each_run(tmp_path, monkeypatch, capsys,
                                                                 fresh):
    # A kernel that exits at once (an argument ipykernel refuses): each run fails as a start
    # failure, never as a timeout or a death, and is not retried.
    monkeypatch.setattr(kernels, "KERNEL_ARGUMENTS",
                        [*kernels.KERNEL_ARGUMENTS, "--IPKernelApp.outstream_class=no.such.Stream"])
    write_notebook(tmp_path / "nb", "01_plain", "print(year)")
    status = cli.main(["run", "--notebooks-dir", str(tmp_path / "nb"), "--years", "2021,2022",
                       "--jobs", "1", "--out", str(tmp_path / "out"), "--quiet",
                       *(["--fresh-kernels"] if fresh else [])])
    out = capsys.readouterr().out
    assert status == 1
    failed = [line for line in out.splitlines() if line.startswith("failed")]
    assert len(failed) == 2, out
    for line in failed:
        assert line.endswith("the kernel did not start: it exited before it answered"), line
    assert "timed out" not in out and "died" not in out and "retried" not in out
