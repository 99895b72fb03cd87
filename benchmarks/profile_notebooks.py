"""Profile the notebooks' own code (what the kernel executes) in one plain process.

Runs each notebook's code cells with papermill-style injected parameters, the Agg backend and
figures rendered to PNG as the inline backend does, for a few parameter sets, and prints the
CPU per run plus the top cumulative costs under cProfile.

    .venv/bin/python benchmarks/profile_notebooks.py [--runs N] [--top N] [--no-profile]
        [--only 02] [--filter analysis] [--figure '{"format": "svg", "kwargs": {}}']
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pathlib
import pstats
import time

import matplotlib

matplotlib.use("Agg")
import IPython.display
import matplotlib.pyplot as plt
import nbformat
from IPython.core.pylabtools import print_figure

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[1] / "notebooks"
PARAMS = {
    "01_year_profile": [{"year": 2022, "province": "Hải Dương", "lang": "vi"},
                        {"year": 2024, "province": "Bắc Ninh", "lang": "en"},
                        {"year": 2022, "province": "Lai Châu", "lang": "vi"}],
    "02_trends": [{"year": 2024, "province": "Hải Dương", "lang": "vi"},
                  {"year": 2022, "province": "Bắc Ninh", "lang": "en"},
                  {"year": 2024, "province": "Lai Châu", "lang": "vi"}],
    "03_target_revisions": [{"year": 2024, "lang": "vi"}, {"year": 2022, "lang": "en"}],
}

OUTPUTS: list = []


def _display(*objs, **_kwargs):
    for obj in objs:
        OUTPUTS.append(getattr(obj, "data", obj))


FIGURE = {"format": "png", "kwargs": {"bbox_inches": "tight", "metadata": {"Software": None}}}


def _show(*_args, **_kwargs):
    # What the inline backend does for every open figure (IPython's print_figure at the figure's
    # dpi), with the format and print_figure_kwargs given by --figure (default: as set_theme sets).
    if FIGURE["format"] == "none":
        return
    for num in plt.get_fignums():
        OUTPUTS.append(print_figure(plt.figure(num), FIGURE["format"], **FIGURE["kwargs"]))


IPython.display.display = _display
plt.show = _show


def code_cells(name: str) -> tuple[str, list[str]]:
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    body = ["\n".join(line for line in c.source.splitlines() if not line.startswith("%"))
            for c in cells if "parameters" not in c.metadata.get("tags", [])]
    defaults = next(c.source for c in cells if "parameters" in c.metadata.get("tags", []))
    return defaults, body


def run(name: str, params: dict) -> None:
    defaults, body = code_cells(name)
    ns: dict = {"__name__": "__main__"}
    exec(defaults, ns)  # noqa: S102
    ns.update(params, peers=[]) if "province" in params else ns.update(params)
    for source in body:
        exec(compile(source, f"<{name}>", "exec"), ns)  # noqa: S102
    plt.close("all")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1, help="passes over the parameter sets")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--only", default="", help="notebook name prefix, e.g. 02")
    parser.add_argument("--filter", default="", help="regex on the printed rows, e.g. analysis")
    parser.add_argument("--figure", default="", help='e.g. \'{"format": "svg", "kwargs": {}}\' '
                        'or \'{"format": "none"}\' (figures built, not rendered)')
    args = parser.parse_args()
    if args.figure:
        FIGURE.update({"kwargs": {}}, **json.loads(args.figure))
    # Warm-up: one run of each notebook (imports, first loads), as a warmed kernel would have.
    for name, sets in PARAMS.items():
        run(name, sets[0])
    profiler = cProfile.Profile()
    for name, sets in PARAMS.items():
        if not name.startswith(args.only):
            continue
        start, n = time.process_time(), 0
        if not args.no_profile:
            profiler.enable()
        for _ in range(args.runs):
            for params in sets:
                run(name, params)
                n += 1
        if not args.no_profile:
            profiler.disable()
        print(f"{name}: {(time.process_time() - start) / n:.3f} s CPU per run ({n} runs)")
    if not args.no_profile:
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(*([args.filter] if args.filter else []), args.top)


if __name__ == "__main__":
    main()
