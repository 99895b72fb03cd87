"""stdout and stderr of a cell come out in the order the cell wrote them, however long the cell
takes (`analysis.kernel_streams`): a pause (`time.sleep(0.3)`, what a loaded machine does to a
cell) must not change the executed notebook or the brief."""

from __future__ import annotations

import json

import pytest
from batch_notebooks import run_cli, write_notebook

WARN_PRINT = "import time, warnings\nwarnings.warn('w')\n{pause}print('done', year)"
PRINT_WARN = "import time, warnings\nprint('start', year)\n{pause}warnings.warn('w')"
BOTH = "import sys, time\nprint('a')\n{pause}sys.stderr.write('b\\n')\n{pause}print('c')"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("streams")
    for name, pause in (("01_quick", ""), ("02_paused", "time.sleep(0.3)\n")):
        write_notebook(root / "nb", name, *(code.format(pause=pause)
                                            for code in (WARN_PRINT, PRINT_WARN, BOTH)))
    proc = run_cli("--notebooks-dir", str(root / "nb"), "--years", "2022", "--jobs", "1",
                   "--out", str(root / "out"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    found = {}
    for name in ("01_quick", "02_paused"):
        nb = json.loads((root / f"out/2022/all/{name}.vi.ipynb").read_text(encoding="utf-8"))
        found[name] = [[o["name"] for o in cell["outputs"]] for cell in nb["cells"]
                       if cell["cell_type"] == "code" and cell["outputs"]]
    return found


def test_outputs_follow_the_order_of_the_writes(outputs):
    expected = [["stderr", "stdout"], ["stdout", "stderr"], ["stdout", "stderr", "stdout"]]
    assert outputs["01_quick"] == expected
    assert outputs["02_paused"] == expected
