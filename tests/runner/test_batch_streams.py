"""A cell's outputs do not depend on load: stdout and stderr come out in the order the cell wrote
them, however long the cell takes (`runner.kernel_streams`; a pause, `time.sleep(0.3)`, is what
a loaded machine does to a cell), and a runner held up after a cell ends still gets every output
(`execute._execute_cells`)."""

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


def test_every_kernel_is_given_the_ordered_streams_by_their_module_path():
    # Kernels load the class by name: the name must be the module's own, or ipykernel cannot
    # start (and the template would import a module that is not there).
    from analysis.runner import forkserver, kernels
    from analysis.runner.kernel_streams import OrderedOutStream

    name = f"{OrderedOutStream.__module__}.{OrderedOutStream.__qualname__}"
    assert f"--IPKernelApp.outstream_class={name}" in kernels.KERNEL_ARGUMENTS
    assert OrderedOutStream.__module__ in forkserver.KERNEL_MODULES


def test_outputs_follow_the_order_of_the_writes(outputs):
    expected = [["stderr", "stdout"], ["stdout", "stderr"], ["stdout", "stderr", "stdout"]]
    assert outputs["01_quick"] == expected
    assert outputs["02_paused"] == expected


def test_a_runner_held_up_after_a_cell_ends_loses_none_of_its_outputs(tmp_path):
    """The execute_reply often comes before the cell's outputs have all been read. If the
    runner's loop is then held up (a busy machine, another worker rendering its brief) for longer
    than nbclient's IOPub wait (4 s by default), the outputs not read yet were dropped."""
    import asyncio
    import time

    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    from analysis.runner import execute, kernels

    held = NotebookClient.iopub_timeout.default_value + 0.5
    count = 100
    nb = new_notebook(cells=[new_code_cell("from IPython.display import display\n"
                                           f"for i in range({count}):\n    display(i)")])

    async def main():
        kernel = await kernels.start_kernel(tmp_path, "k1", tmp_path)
        channel = kernel.kc.shell_channel
        get_msg = channel.get_msg

        async def get_msg_then_hold_up_the_loop(*args, **kwargs):
            msg = await get_msg(*args, **kwargs)
            if msg["msg_type"] == "execute_reply":
                asyncio.get_running_loop().call_soon(time.sleep, held)
            return msg

        channel.get_msg = get_msg_then_hold_up_the_loop
        try:
            await execute._execute_cells(kernel, nb)
        finally:
            await kernel.stop()

    asyncio.run(main())
    assert len(nb.cells[0].outputs) == count
