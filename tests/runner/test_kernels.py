"""`runner.kernels.UnpausedKernelManager`: jupyter_client's kernel manager, its `ready` future
made and set as there, without the 10 ms pause its start and shutdown take for its tests."""

from __future__ import annotations

import asyncio
import logging

import pytest
from jupyter_client.manager import AsyncKernelManager, in_pending_state

from analysis.runner.kernels import UnpausedKernelManager, without_pause


class _Manager:
    """What `in_pending_state` reads of a kernel manager."""

    _attempted_start = True
    _ready = None
    owns_kernel = True
    log = logging.getLogger("test")

    def __init__(self, fails=False):
        self.fails = fails

    @in_pending_state
    async def start(self, value):
        if self.fails:
            raise RuntimeError("no kernel")
        return value


def _run(manager, monkeypatch):
    real_sleep = asyncio.sleep

    async def no_pause(delay, *args):
        assert delay == 0, f"paused {delay} s"
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", no_pause)
    return asyncio.run(without_pause(_Manager.start)(manager, 42))


def test_the_method_runs_and_ready_is_set_without_a_pause(monkeypatch):
    manager = _Manager()
    assert _run(manager, monkeypatch) == 42
    assert manager._ready.done() and manager._ready.result() is None


def test_a_failure_is_raised_and_set_on_ready(monkeypatch):
    manager = _Manager(fails=True)
    with pytest.raises(RuntimeError, match="no kernel"):
        _run(manager, monkeypatch)
    assert isinstance(manager._ready.exception(), RuntimeError)


def test_jupyter_client_pauses_and_the_manager_does_not(monkeypatch):
    # If jupyter_client dropped its pause or its decorator, this says so.
    with pytest.raises(AssertionError, match="paused 0.01"):
        _paused(monkeypatch)
    for name in ("start_kernel", "shutdown_kernel"):
        ours, theirs = getattr(UnpausedKernelManager, name), getattr(AsyncKernelManager, name)
        assert ours is not theirs and ours.__wrapped__ is theirs.__wrapped__


def _paused(monkeypatch):
    async def record(delay, *args):
        raise AssertionError(f"paused {delay}")

    monkeypatch.setattr(asyncio, "sleep", record)
    asyncio.run(_Manager.start(_Manager(), 1))
