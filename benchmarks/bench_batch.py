"""`make bench`: the batch runner against the naive way and against the no-kernel floor.

Measured in one go, on the default set (every edition with data x Hải Dương x every notebook, vi):
1. run   — `python -m analysis run` into a temporary --out;
2. naive — for each (notebook, year): the `papermill` CLI, then `jupyter nbconvert --to html
           --no-input`, one after another (the venv's bin/papermill and bin/jupyter, temp dir);
3. floor — the same notebook code in one plain Python process, no kernel: each code cell of each
           parameterised notebook exec'd in a fresh namespace, every display() formatted as a
           kernel would (IPython's DisplayFormatter: HTML, markdown, text), every figure shown
           rendered to PNG as the inline backend does, figures closed.
Then: the run again with `--fresh-kernels` (a new warmed kernel per run) and a byte comparison with
(1) on the real notebooks; and a parallel stress: every edition x 4 provinces x 3 notebooks x 2
languages (03 has no province: 5 x 4 x 2 x 2 + 5 x 2 = 90 runs), counting failed runs.

Wall time: time.perf_counter around each subprocess. CPU time: user + system time of the whole
process tree (resource.getrusage(RUSAGE_CHILDREN) before and after; kernels are reaped by the
runner, so they count). Peak memory: the largest sum of resident
set sizes (RSS) over the whole process tree (runner + kernels, or papermill + kernel, ...),
sampled every 50 ms with psutil — not tracemalloc, which sees only one process's Python heap.
Writes benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PY = sys.executable
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
STRESS_PROVINCES = ["Hải Dương", "Bắc Ninh", "Hưng Yên", "Hải Phòng"]
TARGETS = {"naive_over_run": 5.0, "run_over_floor": 4.0, "stress_failures": 0}


class PeakRSS:
    """Largest summed RSS of a process and its descendants, sampled every `interval` s."""

    def __init__(self, interval: float = 0.05):
        self.interval, self.peak, self._stop = interval, 0, threading.Event()
        self._root = psutil.Process()

    def _sample(self) -> None:
        while not self._stop.is_set():
            total = 0
            for proc in self._root.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def measure(label: str, commands: list[list[str]], cwd: Path, check: bool = True) -> dict:
    print(f"[bench] {label}: {len(commands)} command(s)…", file=sys.stderr, flush=True)
    codes = []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with PeakRSS() as rss:
        start = time.perf_counter()
        for command in commands:
            proc = subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True)
            codes.append(proc.returncode)
            if check and proc.returncode != 0:
                sys.stderr.write(proc.stdout[-2000:] + proc.stderr[-2000:])
                raise SystemExit(f"[bench] {label}: {command[:4]} exited {proc.returncode}")
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 1),
            "peak_rss_mb": round(rss.peak / 2**20, 1),
            "commands": len(commands), "exit_codes": sorted(set(codes))}


def default_set() -> list[tuple[Path, dict]]:
    """(notebook, parameters) of the default run, from the runner's own plan."""
    from analysis import batch

    args = batch._parser().parse_args([])
    runs = batch.plan(args, batch.NOTEBOOKS_DIR)
    return [(run.notebook.path, run.parameters()) for run in runs]


def naive_commands(work: Path) -> list[list[str]]:
    commands = []
    for path, params in default_set():
        executed = work / f"{path.stem}_{params.get('year')}.ipynb"
        command = [str(VENV_BIN / "papermill"), str(path), str(executed), "-k", "dti-suite",
                   "--no-progress-bar"]
        for name, value in params.items():
            command += ["-p", name, str(value)]
        commands.append(command)
        commands.append([str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                         str(executed)])
    return commands


def floor() -> None:
    """Step 3, in this process (run as `bench_batch.py --floor`)."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import IPython.display
    import matplotlib.pyplot as plt
    import nbformat
    from IPython.core.formatters import DisplayFormatter

    formatter = DisplayFormatter()

    def display(*objs, **kwargs):
        for obj in objs:
            formatter.format(obj)

    def show(*args, **kwargs):
        for number in plt.get_fignums():
            plt.figure(number).savefig(io.BytesIO(), format="png", bbox_inches="tight")

    IPython.display.display = display
    plt.show = show
    for path, params in default_set():
        nb = nbformat.read(path, as_version=4)
        namespace: dict = {}
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            source = "\n".join(line for line in cell.source.splitlines()
                               if not line.lstrip().startswith("%"))
            exec(compile(source, f"{path.name}", "exec"), namespace)  # noqa: S102 - the point
            if "parameters" in cell.metadata.get("tags", []):
                namespace.update(params)  # what papermill's injected cell does
        plt.close("all")


def compare_trees(a: Path, b: Path) -> dict:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.suffix in (".html", ".ipynb"))
    differ = [str(p) for p in files if not (b / p).exists()
              or (a / p).read_bytes() != (b / p).read_bytes()]
    return {"files": len(files), "differ": differ}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip-naive", action="store_true", help="skip step 2 (slow)")
    options = parser.parse_args()
    if options.floor:
        floor()
        return 0

    runs = len(default_set())
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform()},
                     "default_set_runs": runs,
                     "peak_memory": "largest summed RSS of the process tree, sampled every 50 ms",
                     "load_average_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="dti-bench-") as tmp:
        tmp = Path(tmp)
        run_cmd = [PY, "-m", "analysis", "run", "--quiet"]
        results["run"] = measure("run", [[*run_cmd, "--out", str(tmp / "run")]], ROOT)
        results["floor"] = measure("floor", [[PY, __file__, "--floor"]], ROOT)
        if not options.skip_naive:
            (tmp / "naive").mkdir()
            results["naive"] = measure("naive", naive_commands(tmp / "naive"), tmp / "naive")
        results["run_fresh_kernels"] = measure(
            "run --fresh-kernels", [[*run_cmd, "--fresh-kernels", "--out", str(tmp / "fresh")]],
            ROOT)
        results["reused_vs_fresh"] = compare_trees(tmp / "run", tmp / "fresh")
        stress = measure("stress", [[*run_cmd, "--years", "all", "--provinces",
                                     ",".join(STRESS_PROVINCES), "--lang", "vi,en",
                                     "--out", str(tmp / "stress")]], ROOT, check=False)
        manifest = json.loads((tmp / "stress" / "manifest.json").read_text(encoding="utf-8"))
        stress["runs"] = len(manifest["runs"])
        stress["failed"] = [r["key"] + ": " + r["error"] for r in manifest["runs"]
                            if r["status"] != "ok"]
        results["stress"] = stress

    run, fl = results["run"]["wall_s"], results["floor"]["wall_s"]
    results["ratios"] = {"run_over_floor": round(run / fl, 2),
                         "run_over_floor_cpu": round(results["run"]["cpu_s"]
                                                     / max(results["floor"]["cpu_s"], 0.1), 2)}
    if "naive" in results:
        results["ratios"]["naive_over_run"] = round(results["naive"]["wall_s"] / run, 2)
    results["targets"] = TARGETS
    results["load_average_after"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    print(f"\nDefault set: {runs} runs; {os.cpu_count()} CPUs; "
          f"load average before {results['load_average_before'][0]:.2f}")
    print(f"{'step':<22}{'wall (s)':>10}{'CPU (s)':>10}{'peak RSS (MB)':>16}")
    for key in ("run", "naive", "floor", "run_fresh_kernels"):
        if key in results:
            r = results[key]
            print(f"{key:<22}{r['wall_s']:>10.1f}{r['cpu_s']:>10.1f}{r['peak_rss_mb']:>16.0f}")
    for name, value in results["ratios"].items():
        target = (f"   (target {'>=' if 'naive' in name else '<='} {TARGETS[name]:g})"
                  if name in TARGETS else "   (for information)")
        print(f"{name:<22}{value:>10.2f}{target}")
    same = not results["reused_vs_fresh"]["differ"]
    print(f"reused == fresh kernels: {'yes' if same else 'NO'} "
          f"({results['reused_vs_fresh']['files']} files compared)")
    print(f"stress: {stress['runs']} runs in {stress['wall_s']:.1f} s, "
          f"{len(stress['failed'])} failed, peak RSS {stress['peak_rss_mb']:.0f} MB")
    for line in stress["failed"]:
        print(f"  failed: {line}")
    print(f"written: {RESULTS.relative_to(ROOT)}")
    return 0 if same and not stress["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
