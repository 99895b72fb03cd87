"""No stale output after a failed parameter check, with Run All as JupyterLab sends it.

JupyterLab's Run All sends every cell's execute_request at once; ipykernel cancels only the
requests that had reached it when a cell failed (jupyter/jupyter_client#569), and the later ones
run in the same kernel, on whatever the previous run left. These tests drive a real dti-suite
kernel the same way: one good run (Bắc Ninh), then every cell queued at once with a bad
province. Nothing of the Bắc Ninh run may be shown.
"""

from __future__ import annotations

import queue
import time

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel

from analysis.data import resolve_province
from analysis.errors import UserError
from analysis.params import STOPPED
from analysis.paths import REPO_ROOT

NOTEBOOK = REPO_ROOT / "notebooks" / "01_year_profile.ipynb"
SHOWN = ("display_data", "execute_result", "stream")
HA_TAY_SOURCE = "wikipedia-org-832511"  # source_id of the page that says Hà Tây is now Hà Nội


def _cells(province: str) -> list[str]:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    sources = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "parameters" in cell.metadata.get("tags", []):
            sources.append(f"year = 2022\nprovince = {province!r}\npeers = []\nlang = 'en'\n")
        else:
            sources.append(cell.source)
    return sources


def _run_all_at_once(kc, sources: list[str], timeout: float = 120, late: int = 0) -> list[dict]:
    """Queue every cell at once (as JupyterLab's Run All does); each cell's reply status,
    traceback and outputs, in order. `late`: the last `late` cells reach the kernel only after
    the others have been answered, as the requests that JupyterLab's Run All sends through the
    server do when the kernel has already failed a cell and stopped cancelling."""
    early = sources[:len(sources) - late]
    ids = [kc.execute(source) for source in early]  # stop_on_error=True, as Lab sends it
    if late:
        _collect(kc, ids, timeout)
        ids += [kc.execute(source) for source in sources[len(early):]]
    return _collect(kc, ids, timeout)


def _collect(kc, ids: list[str], timeout: float) -> list[dict]:
    cells = {i: {"status": None, "traceback": [], "outputs": []} for i in ids}
    idle = set()
    end = time.monotonic() + timeout
    cells.update(_collected)
    idle.update(i for i in ids if i in _collected)
    while len(idle) < len(ids) or any(c["status"] is None for c in cells.values()):
        assert time.monotonic() < end, "the kernel did not answer every cell in time"
        try:
            msg = kc.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            msg = None
        if msg and msg["parent_header"].get("msg_id") in cells:
            cell = cells[msg["parent_header"]["msg_id"]]
            if msg["msg_type"] in SHOWN:
                cell["outputs"].append(msg["content"])
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle.add(msg["parent_header"]["msg_id"])
        while True:
            try:
                reply = kc.get_shell_msg(timeout=0)
            except queue.Empty:
                break
            cell = cells.get(reply["parent_header"].get("msg_id"))
            if cell is not None:
                cell["status"] = reply["content"]["status"]
                cell["traceback"] = reply["content"].get("traceback", [])
    _collected.update(cells)
    return [cells[i] for i in ids]


_collected: dict[str, dict] = {}  # cells answered already (a second _collect goes on from them)


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="dti-suite", cwd=str(NOTEBOOK.parent))
    try:
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("late", [0, 8], ids=["all-queued-before-the-error",
                                              "later-cells-arrive-after-the-error"])
def test_a_bad_province_after_a_good_run_shows_nothing_of_that_run(kernel, late):
    good = _run_all_at_once(kernel, _cells("Bắc Ninh"))
    assert [c["status"] for c in good] == ["ok"] * len(good)
    assert any("Bắc Ninh" in str(c["outputs"]) for c in good)

    bad = _run_all_at_once(kernel, _cells("Ha Tay"), late=late)
    if late:  # the first late cell ran (not cancelled): the case that showed Bắc Ninh's brief
        assert bad[-late]["status"] != "aborted"
    check = bad[1]  # the cell after the parameters cell calls check_params
    assert check["status"] == "error"
    assert check["traceback"] == [  # one line: the former province and its successor
        ("UserError: parameter province='Ha Tay' is a former province, now part of Hà Nội "
         "(source: Wikipedia (English), https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province "
         f"[{HA_TAY_SOURCE}]); use 'Hà Nội'")]
    for cell in bad[2:]:
        assert cell["outputs"] == []  # nothing shown, the Bắc Ninh brief least of all
        assert cell["status"] in ("aborted", "error")
        if cell["status"] == "error":  # ran after the abort window: one short line
            assert cell["traceback"] == [STOPPED]
    assert "Bắc Ninh" not in str(bad)


def test_a_good_run_after_the_failed_check_works_again(kernel):
    cells = _run_all_at_once(kernel, _cells("Hải Dương"))
    assert [c["status"] for c in cells] == ["ok"] * len(cells)
    assert any("Hải Dương" in str(c["outputs"]) for c in cells)


def test_a_former_province_names_its_successor_and_its_source():
    # the real data: raw/project/former_provinces.csv records Hà Tây -> Hà Nội (Wikipedia)
    with pytest.raises(UserError) as error:
        resolve_province("Ha Tay")
    assert str(error.value) == (
        "parameter province='Ha Tay' is a former province, now part of Hà Nội (source: "
        "Wikipedia (English), https://en.wikipedia.org/wiki/H%C3%A0_T%C3%A2y_province "
        f"[{HA_TAY_SOURCE}]); use 'Hà Nội'")
    assert resolve_province("Hà Nội") == "Hà Nội"


def test_a_province_the_data_does_not_know_gets_the_closest_names():
    with pytest.raises(UserError) as error:
        resolve_province("Ha Tayy")
    assert "is not a known province; closest:" in str(error.value)


def test_in_a_new_kernel_the_later_cells_stop_with_one_line_not_a_name_error():
    km, kc = start_new_kernel(kernel_name="dti-suite", cwd=str(NOTEBOOK.parent))
    try:
        cells = _run_all_at_once(kc, _cells("Ha Tay"), late=8)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert cells[1]["status"] == "error"
    assert cells[2]["status"] == "error" and cells[2]["traceback"] == [STOPPED]
    assert all(c["outputs"] == [] for c in cells)
