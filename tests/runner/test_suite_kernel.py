"""`runner.suite_kernel`: a kernel that started no process skips ipykernel's search of every
process on the machine as it shuts down; one that did still stops its processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import ipykernel.kernelbase
import pytest

from analysis.runner import kernels
from analysis.runner.suite_kernel import SuiteKernel, has_no_child

CHECK = "from analysis.runner.suite_kernel import has_no_child; print(has_no_child())"


def test_a_process_without_children_has_none():
    # in a process of its own: the test run itself may have children
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "True"


def test_a_running_child_and_an_unreaped_one_count():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert not has_no_child()
    finally:
        child.kill()
    time.sleep(0.2)  # exited, not yet reaped: still a child (a zombie), and left as it is
    assert not has_no_child()
    assert child.poll() is not None  # reaped now by its owner, not by the check


def _kernel() -> SuiteKernel:
    return SuiteKernel.__new__(SuiteKernel)  # no sockets: only the search is under test


def test_without_a_child_psutil_is_not_asked(monkeypatch):
    monkeypatch.setattr("analysis.runner.suite_kernel.has_no_child", lambda: True)

    def no_search():
        raise AssertionError("searched every process")

    monkeypatch.setattr(ipykernel.kernelbase, "_get_psutil", no_search)
    assert _kernel()._process_children() == []


def test_with_a_child_ipykernels_own_search_finds_it(monkeypatch):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        found = [p.pid for p in _kernel()._process_children()]
    finally:
        child.kill()
        child.wait()
    assert child.pid in found  # same process group as this test run


def test_the_kernels_are_of_this_class():
    assert ("--IPKernelApp.kernel_class=analysis.runner.suite_kernel.SuiteKernel"
            in kernels.KERNEL_ARGUMENTS)


@pytest.mark.skipif(not hasattr(os, "waitid"), reason="no waitid here")
def test_no_waitid_means_unknown_not_childless(monkeypatch):
    def unavailable(*args):
        raise OSError("not supported")

    monkeypatch.setattr(os, "waitid", unavailable)
    assert has_no_child() is False


def test_no_pause_after_each_cell():
    assert SuiteKernel.class_traits()["_execute_sleep"].default_value == 0
    assert ipykernel.kernelbase.Kernel.class_traits()["_execute_sleep"].default_value > 0
