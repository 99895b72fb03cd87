"""Leak probes: run A changes interpreter state, run B (next, on the same worker: --jobs 1) shows
that state. B must come out byte-identical to B run in a kernel started from scratch
(--fresh-kernels), and B's colormap registration must succeed.

One batch per mode holds every probe: A (01_change) makes every change, B (02_show) shows each
piece of state in its own cell, so a failure names the probe.
"""

from __future__ import annotations

import json

import pytest
from batch_notebooks import run_cli, write_notebook

CHANGES = {
    "post_run_cell_hook": 'get_ipython().events.register("post_run_cell", '
                          'lambda result: print("LEAK from the previous run"))',
    "numpy_print_options": "import numpy; numpy.set_printoptions(precision=2)",
    "precision_magic": 'get_ipython().run_line_magic("precision", "2")',
    "seaborn_colour_codes": 'import seaborn; seaborn.set_theme(color_codes=True)',
    "colormap_registry": ("import matplotlib\nfrom matplotlib.colors import ListedColormap\n"
                          'matplotlib.colormaps.register(ListedColormap(["#000", "#fff"], '
                          'name="dti_probe"))'),
    "sys_path": 'import sys; sys.path.insert(0, "/leaked/path")',
    "analysis_module_state": ("import analysis.data\nanalysis.data.PREFERRED_KEY.append('leak')\n"
                              "import analysis.names\nanalysis.names.CHANGED_LABEL = 'leak'"),
    "pandas_converters": "import pandas; pandas.plotting.register_matplotlib_converters()",
    # The thread prints once a probe cell asks for it (never during its own run, however slowly
    # that run's last cell ends on a busy machine: 01_change is compared byte for byte).
    "background_thread": ("import threading, time\n"
                          "def _later():\n"
                          "    while not get_ipython().user_ns.get('_probe_threads'):\n"
                          "        time.sleep(0.05)\n"
                          "    print('LEAK from a thread')\n"
                          "threading.Thread(target=_later, daemon=True).start()"),
}
SHOWS = {
    "post_run_cell_hook": 'print("hooks:", len(get_ipython().events.callbacks["post_run_cell"]))',
    "numpy_print_options": "import numpy; print(numpy.array([1 / 3]))",
    "precision_magic": "1 / 3",
    "seaborn_colour_codes": "import matplotlib.colors; print(matplotlib.colors.to_hex('g'))",
    "colormap_registry": ("import matplotlib\nfrom matplotlib.colors import ListedColormap\n"
                          'matplotlib.colormaps.register(ListedColormap(["#000", "#fff"], '
                          'name="dti_probe"))\nprint("registered")'),
    "sys_path": 'import sys; print("/leaked/path" in sys.path)',
    "analysis_module_state": ("import analysis.data, analysis.names\n"
                              "print(analysis.data.PREFERRED_KEY, "
                              "hasattr(analysis.names, 'CHANGED_LABEL'))"),
    # (matplotlib registers its own date converter on import; the notebooks import pyplot)
    "pandas_converters": ("import datetime, matplotlib.pyplot, matplotlib.units\n"
                          "print(type(matplotlib.units.registry.get(datetime.datetime)).__module__)"),
    "background_thread": "_probe_threads = True\nimport time; time.sleep(1.5); print('waited')",
}


def _batch(tmp_path_factory, *mode: str):
    root = tmp_path_factory.mktemp("leaks")
    write_notebook(root / "nb", "01_change", *CHANGES.values())
    write_notebook(root / "nb", "02_show", *SHOWS.values())
    # The probes are real: in ONE kernel, every change shows (the colormap one would raise).
    both = [p for p in SHOWS if p != "colormap_registry"]
    write_notebook(root / "nb", "03_both", *[CHANGES[p] for p in both],
                   *[SHOWS[p] for p in both])
    out = root / "out"
    proc = run_cli("--notebooks-dir", str(root / "nb"), "--years", "2022", "--jobs", "1",
                   "--out", str(out), *mode)
    return out, proc


@pytest.fixture(scope="module")
def forked(tmp_path_factory):
    return _batch(tmp_path_factory)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return _batch(tmp_path_factory, "--fresh-kernels")


def _cells(out):
    nb = json.loads((out / "2022/all/02_show.vi.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"
            and not {"parameters", "injected-parameters"} & set(c["metadata"].get("tags", []))]
    return dict(zip(SHOWS, code, strict=True))


def test_both_batches_succeed(forked, scratch):
    for out, proc in (forked, scratch):
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert (out / "2022/all/02_show.vi.html").exists()


@pytest.mark.parametrize("probe", list(SHOWS))
def test_the_next_run_sees_none_of_the_previous_runs_changes(forked, scratch, probe):
    shown, reference = _cells(forked[0])[probe], _cells(scratch[0])[probe]
    assert shown == reference
    assert "LEAK" not in json.dumps(shown)


def test_within_one_kernel_every_probe_sees_the_change(scratch):
    nb = json.loads((scratch[0] / "2022/all/03_both.vi.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"
            and not {"parameters", "injected-parameters"} & set(c["metadata"].get("tags", []))]
    probes = [p for p in SHOWS if p != "colormap_registry"]
    clean = _cells(scratch[0])
    for probe, cell in zip(probes, code[len(probes):], strict=True):
        assert cell["outputs"] != clean[probe]["outputs"], probe


def test_whole_briefs_equal_fresh_kernel_briefs(forked, scratch):
    for name in ("02_show.vi.html", "02_show.vi.ipynb", "01_change.vi.html"):
        assert (forked[0] / "2022/all" / name).read_bytes() == \
            (scratch[0] / "2022/all" / name).read_bytes(), name


def test_the_probes_show_what_a_fresh_kernel_has(scratch):
    cells = _cells(scratch[0])
    text = {k: json.dumps(v["outputs"]) for k, v in cells.items()}
    assert "hooks: 0" in text["post_run_cell_hook"]
    assert "0.33333333" in text["numpy_print_options"]
    assert "0.3333333333333333" in text["precision_magic"]
    assert "registered" in text["colormap_registry"]
    assert "False" in text["sys_path"] and "leak" not in text["analysis_module_state"]
    assert "waited" in text["background_thread"]
    assert "matplotlib.dates" in text["pandas_converters"]


def test_kernels_share_one_hash_seed(forked):
    out, _ = forked
    root = out.parent
    write_notebook(root / "seed", "01_seed", 'print(hash("dti"), list({"a", "b", "c", "d"}))')
    runs = [run_cli("--notebooks-dir", str(root / "seed"), "--years", "2022", "--force",
                    "--out", str(root / f"seed-out-{i}"), *flag)
            for i, flag in enumerate(([], ["--fresh-kernels"]))]
    pages = [(root / f"seed-out-{i}/2022/all/01_seed.vi.html").read_bytes() for i in range(2)]
    assert all(r.returncode == 0 for r in runs)
    assert pages[0] == pages[1]
