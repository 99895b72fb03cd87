"""`make bench`: the batch runner at the sizes people run it, against the naive way.

Steps, one after the other, each into its own temporary --out (all with the default --jobs):
1. default  — `python -m analysis run` (every edition x Hải Dương x every notebook, vi);
2. rerun    — the same command again on the same folder: nothing changed, nothing to do;
3. fresh    — the default set with `--fresh-kernels` (kernels started from scratch) and a byte
              comparison with (1): forked kernels must give the same briefs;
4. naive    — the `papermill` CLI then `jupyter nbconvert --to html --no-input`, one run after
              the other, on a sample of the default set (--naive-sample runs: as many of each
              notebook, spread over the editions);
              its per-run time is compared with (1)'s;
5. edition  — one edition x all 63 provinces x vi (`--years 2022 --provinces all`): 127 runs;
6. grid     — every edition x every province x vi, en: the whole grid (about 1,270 runs), which
              is also the stress step (every run in parallel on the workers, failures counted).
7. floor    — optional (--floor-step): the notebooks' code in one plain process, no kernel.
8. papermill engine — ten runs of 02 in a Python loop through papermill's API
              (`execute_notebook`), with papermill's default engine and with `engine_name="dti"`
              (kernels forked from the warm template), alternating, three rounds of each: wall
              time of each loop (the dti template's start included) and of its whole process,
              the ratio of the median loops, and whether the outputs are the same
              (`--engine-step` runs this step alone and merges it into latest.json).

Wall time: time.perf_counter around each subprocess. CPU time: user + system time of the process
tree (getrusage(RUSAGE_CHILDREN); the runner reaps its fork server, which reaps its kernels).
Peak memory: the largest sum over the process tree (runner, fork server, kernels), sampled once
a second with psutil (SAMPLE_INTERVAL: a sample is not free), of RSS (counts pages the forked
kernels share with the template once per process, so it overstates) and of PSS (shared pages
split between the processes sharing them: the honest figure). Per phase (start, execute,
export, write) and per notebook: from the manifest each run writes. The machine's load (`uptime`) is recorded before and after each step:
the machine may be shared, and the numbers are only as good as it was idle.
Machine speed: before and after each step, the CPU time of a fixed pure-Python loop
(`reference_s_before/after`; lower is faster), since this VM's speed drifts within minutes.
Writes benchmarks/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from analysis.cli import default_jobs

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
PY = sys.executable
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
TARGETS = {"edition_wall_s": 30, "grid_wall_s": 300, "grid_peak_mb": 1536, "grid_failures": 0,
           "rerun_wall_s": 3, "naive_over_default": 8, "stress_min_runs": 300,
           "engine_speedup": 5}
# Measured before this work on the same machine (issue 8 and the previous latest.json).
BEFORE = {"default_wall_s": 24.7, "edition_wall_s": 140, "grid_wall_s_estimate": 23 * 60,
          "naive_per_run_s": 208.26 / 15, "rerun": "redid every run"}


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


# One sample of the tree's PSS costs about 20 ms of kernel CPU (it walks every page table): at
# 5-10 samples a second the sampler took 9 % of this 2-core machine and added 1.5 s to the
# one-edition batch it was measuring. Once a second: ~250 samples over the grid.
SAMPLE_INTERVAL = 1.0


class PeakMemory:
    """Largest summed RSS and PSS of this process's descendants, sampled every `interval` s."""

    def __init__(self, interval: float = SAMPLE_INTERVAL):
        self.interval, self.rss, self.pss = interval, 0, 0
        self._stop = threading.Event()
        self._root = psutil.Process()

    def _sample(self) -> None:
        while not self._stop.is_set():
            rss = pss = 0
            for proc in self._root.children(recursive=True):
                try:
                    info = proc.memory_full_info()
                except psutil.Error:
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def reference_seconds() -> float:
    """CPU seconds of a fixed pure-Python loop, best of three: this virtual machine's speed
    drifts by 10-15 % within minutes (same code, same load), so every step records the speed
    it ran at (lower is faster)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        total = 0
        for i in range(2_000_000):
            total += i * i % 7
        best = min(best, time.process_time() - start)
    return round(best, 3)


def measure(label: str, commands: list[list[str]], cwd: Path, check: bool = True) -> dict:
    print(f"[bench] {label}: {len(commands)} command(s)… ({uptime()})", file=sys.stderr,
          flush=True)
    reference = reference_seconds()
    codes, load_before = [], uptime()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with PeakMemory() as memory:
        start = time.perf_counter()
        for command in commands:
            proc = subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True)
            codes.append(proc.returncode)
            if check and proc.returncode != 0:
                sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
                raise SystemExit(f"[bench] {label}: {command[:6]} exited {proc.returncode}")
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result = {"wall_s": round(wall, 2), "cpu_s": round(cpu, 1),
              "peak_rss_mb": round(memory.rss / 2**20, 1),
              "peak_pss_mb": round(memory.pss / 2**20, 1),
              "commands": len(commands), "exit_codes": sorted(set(codes)),
              "load_before": load_before, "load_after": uptime(),
              "reference_s_before": reference, "reference_s_after": reference_seconds()}
    print(f"[bench] {label}: {result['wall_s']} s wall, {result['cpu_s']} CPU-s, "
          f"peak PSS {result['peak_pss_mb']} MB", file=sys.stderr, flush=True)
    return result


def from_manifest(out: Path, result: dict) -> dict:
    """Runs, failures, per-phase sums and per-notebook times from the manifest of `out`."""
    runs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["runs"]
    phases: dict[str, float] = {}
    notebooks: dict[str, list[float]] = {}
    for run in runs:
        for phase, seconds in (run.get("timings_s") or {}).items():
            phases[phase] = phases.get(phase, 0.0) + seconds
        notebooks.setdefault(run["notebook"], []).append(run.get("duration_s", 0.0))
    result["runs"] = len(runs)
    result["failed"] = [f"{r['key']}: {r['error']}" for r in runs if r["status"] != "ok"]
    result["phases_s"] = {"summed over runs (kernel seconds, not wall)": True,
                          **{k: round(v, 1) for k, v in sorted(phases.items())}}
    result["per_notebook_s"] = {
        name: {"runs": len(times), "mean": round(statistics.mean(times), 3),
               "max": round(max(times), 3)} for name, times in sorted(notebooks.items())}
    result["wall_per_run_s"] = round(result["wall_s"] / max(len(runs), 1), 3)
    return result


def default_set() -> list[tuple[Path, dict]]:
    """(notebook, parameters) of the default run, from the runner's own plan."""
    from analysis import cli
    from analysis.paths import NOTEBOOKS_DIR
    from analysis.runner import plan

    args = cli.parser().parse_args(["run"])
    runs = plan.plan(args, NOTEBOOKS_DIR)
    return [(run.notebook.path, run.parameters()) for run in runs]


def naive_commands(work: Path, sample: int) -> tuple[list[list[str]], int]:
    runs = default_set()
    by_notebook: dict[str, list] = {}
    for path, params in runs:
        by_notebook.setdefault(path.stem, []).append((path, params))
    # The same number of runs of each notebook, spread over the editions.
    each = max(1, sample // len(by_notebook))
    chosen = [group[round(i * (len(group) - 1) / max(each - 1, 1))] if each > 1
              else group[len(group) // 2]
              for group in by_notebook.values() for i in range(each)]
    commands = []
    for path, params in chosen:
        executed = work / f"{path.stem}_{params.get('year')}.ipynb"
        command = [str(VENV_BIN / "papermill"), str(path), str(executed), "-k", "dti-suite",
                   "--no-progress-bar"]
        for name, value in params.items():
            command += ["-p", name, str(value)]
        commands.append(command)
        commands.append([str(VENV_BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                         str(executed)])
    return commands, len(chosen)


def floor() -> None:
    """The notebooks' code in this process (run as `bench_batch.py --floor`)."""
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


ENGINE_NOTEBOOK = ROOT / "notebooks" / "02_trends.ipynb"
ENGINE_RUNS = 10


def engine_loop(engine: str, out: Path) -> None:
    """Ten runs of 02 through papermill's Python API in one loop, as a papermill user writes
    it (run as `bench_batch.py --engine-loop ENGINE OUT`); prints the loop's wall time."""
    import papermill as pm

    from analysis.data import editions

    years = editions()
    start = time.perf_counter()
    for i in range(ENGINE_RUNS):
        pm.execute_notebook(str(ENGINE_NOTEBOOK), str(out / f"{engine}_{i}.ipynb"),
                            parameters={"year": years[i % len(years)]}, kernel_name="dti-suite",
                            engine_name=None if engine == "default" else engine,
                            progress_bar=False, cwd=str(ENGINE_NOTEBOOK.parent))
    (out / "loop.json").write_text(json.dumps({"loop_s": round(time.perf_counter() - start, 2)}))


def _same_outputs(a: Path, b: Path) -> bool:
    import nbformat

    from analysis.runner.export import normalise

    def outputs(path):
        return [c.get("outputs") for c in normalise(nbformat.read(path, as_version=4)).cells]
    return outputs(a) == outputs(b)


# The loops alternate, default then dti, ENGINE_ROUNDS times; the ratio is of the median loops.
# This VM's speed drifts within minutes (see reference_seconds): one default loop and one dti
# loop, a minute apart, gave ratios from 3.9 to 5.2 with the same code.
ENGINE_ROUNDS = 3


def engine_step(tmp: Path) -> dict:
    """Step 8: the papermill loop with the dti engine against papermill's default engine,
    ENGINE_ROUNDS rounds of each, alternating; `default` and `dti` are each engine's median
    round, `rounds` every loop time."""
    step: dict = {"notebook": ENGINE_NOTEBOOK.name, "runs": ENGINE_RUNS, "rounds": [],
                  "load_before": uptime()}
    loops: dict = {"default": [], "dti": []}
    for round_ in range(ENGINE_ROUNDS):
        times = {}
        for engine in ("default", "dti"):
            out = tmp / f"engine-{engine}-{round_}"
            out.mkdir()
            command = [PY, __file__, "--engine-loop", engine, str(out)]
            result = measure(f"papermill loop, {engine} engine: {ENGINE_RUNS} runs of 02 "
                             f"(round {round_ + 1} of {ENGINE_ROUNDS})", [command], ROOT)
            # the loop alone (the target), and the whole process (Python's start and
            # papermill's imports included: about the same for both engines)
            result["loop_s"] = json.loads((out / "loop.json").read_text())["loop_s"]
            result["loop_per_run_s"] = round(result["loop_s"] / ENGINE_RUNS, 3)
            loops[engine].append(result)
            times[engine] = result["loop_s"]
        step["rounds"].append(times)
    step["load_after"] = uptime()
    for engine, results in loops.items():
        step[engine] = sorted(results, key=lambda r: r["loop_s"])[len(results) // 2]
    step["same_outputs"] = all(
        _same_outputs(tmp / f"engine-default-{r}" / f"default_{i}.ipynb",
                      tmp / f"engine-dti-{r}" / f"dti_{i}.ipynb")
        for r in range(ENGINE_ROUNDS) for i in range(ENGINE_RUNS))
    step["default_over_dti"] = round(step["default"]["loop_s"] / step["dti"]["loop_s"], 2)
    step["default_over_dti_process"] = round(step["default"]["wall_s"] / step["dti"]["wall_s"], 2)
    step["default_over_dti_each_round"] = [round(r["default"] / r["dti"], 2)
                                           for r in step["rounds"]]
    return step


def only_engine_step() -> int:
    """`--engine-step`: step 8 alone, merged into the latest results (the others kept)."""
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    with tempfile.TemporaryDirectory(prefix="dti-bench-") as tmp:
        results["papermill_engine"] = engine_step(Path(tmp))
    _engine_check(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    step = results["papermill_engine"]
    print(f"{os.cpu_count()} CPUs; papermill loop, {ENGINE_RUNS} runs of 02: default engine "
          f"{step['default']['loop_s']} s, dti engine {step['dti']['loop_s']} s: "
          f"{step['default_over_dti']} x (median of {ENGINE_ROUNDS} rounds; each round: "
          f"{step['default_over_dti_each_round']}; whole processes: {step['default']['wall_s']} s, "
          f"{step['dti']['wall_s']} s, {step['default_over_dti_process']} x); same outputs: "
          f"{step['same_outputs']}; load before {step['load_before']}, "
          f"after {step['load_after']}")
    return 0 if step["same_outputs"] else 1


def _engine_check(results: dict) -> None:
    step = results.get("papermill_engine")
    if step:
        results.setdefault("checks", {})["papermill_engine_speedup"] = [
            step["default_over_dti"], ">=", TARGETS["engine_speedup"]]
        results["checks"]["papermill_engine_same_outputs"] = [step["same_outputs"], "==", True]


def compare_trees(a: Path, b: Path) -> dict:
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.suffix in (".html", ".ipynb"))
    differ = [str(p) for p in files if not (b / p).exists()
              or (a / p).read_bytes() != (b / p).read_bytes()]
    return {"files": len(files), "differ": differ}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor-step", action="store_true", help="also run step 7")
    parser.add_argument("--naive-sample", type=int, default=6,
                        help="runs of the default set done the naive way, as many of each "
                             "notebook (default 6; 0 skips)")
    parser.add_argument("--skip-grid", action="store_true", help="skip step 6 (the longest)")
    parser.add_argument("--engine-loop", nargs=2, metavar=("ENGINE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--engine-step", action="store_true",
                        help="run step 8 only (papermill engines), merged into latest.json")
    options = parser.parse_args()
    if options.floor:
        floor()
        return 0
    if options.engine_loop:
        engine_loop(options.engine_loop[0], Path(options.engine_loop[1]))
        return 0
    if options.engine_step:
        return only_engine_step()

    started = time.perf_counter()
    runs = len(default_set())
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                 "platform": platform.platform(),
                                 "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)},
                     "jobs": default_jobs(),
                     "default_set_runs": runs,
                     "peak_memory": "largest summed RSS / PSS of the process tree, sampled",
                     "load_before": uptime(), "before_this_work": BEFORE, "targets": TARGETS}
    run_cmd = [PY, "-m", "analysis", "run", "--quiet"]
    with tempfile.TemporaryDirectory(prefix="dti-bench-") as tmp:
        tmp = Path(tmp)
        results["default"] = from_manifest(
            tmp / "default", measure("default", [[*run_cmd, "--out", str(tmp / "default")]], ROOT))
        results["rerun_unchanged"] = measure("rerun (nothing changed)",
                                             [[*run_cmd, "--out", str(tmp / "default")]], ROOT)
        results["fresh_kernels"] = from_manifest(tmp / "fresh", measure(
            "default --fresh-kernels", [[*run_cmd, "--fresh-kernels", "--out", str(tmp / "fresh")]],
            ROOT))
        results["forked_vs_fresh"] = compare_trees(tmp / "default", tmp / "fresh")
        if options.naive_sample > 0:
            (tmp / "naive").mkdir()
            commands, sampled = naive_commands(tmp / "naive", options.naive_sample)
            naive = measure("naive (papermill + nbconvert CLIs)", commands, tmp / "naive")
            naive["runs"] = sampled
            naive["wall_per_run_s"] = round(naive["wall_s"] / sampled, 2)
            results["naive"] = naive
        results["edition"] = from_manifest(tmp / "edition", measure(
            "edition: 2022 x 63 provinces x vi",
            [[*run_cmd, "--years", "2022", "--provinces", "all", "--out", str(tmp / "edition")]],
            ROOT, check=False))
        if not options.skip_grid:
            results["grid"] = from_manifest(tmp / "grid", measure(
                "grid: every edition x 63 provinces x vi,en (also the stress step)",
                [[*run_cmd, "--years", "all", "--provinces", "all", "--lang", "vi,en",
                  "--out", str(tmp / "grid")]], ROOT, check=False))
        if options.floor_step:
            results["floor"] = measure("floor", [[PY, __file__, "--floor"]], ROOT)
        results["papermill_engine"] = engine_step(tmp)

    default = results["default"]
    ratios = {}
    if "naive" in results:
        ratios["naive_over_default"] = round(results["naive"]["wall_per_run_s"]
                                             / default["wall_per_run_s"], 2)
    results["ratios"] = ratios
    grid = results.get("grid", {})
    results["checks"] = {
        "edition_wall_s": [results["edition"]["wall_s"], "<=", TARGETS["edition_wall_s"]],
        "rerun_wall_s": [results["rerun_unchanged"]["wall_s"], "<=", TARGETS["rerun_wall_s"]],
        "naive_over_default": [ratios.get("naive_over_default"), ">=",
                               TARGETS["naive_over_default"]],
        "grid_wall_s": [grid.get("wall_s"), "<=", TARGETS["grid_wall_s"]],
        "grid_peak_pss_mb": [grid.get("peak_pss_mb"), "<=", TARGETS["grid_peak_mb"]],
        "grid_failures (stress)": [len(grid.get("failed", [])) if grid else None, "<=", 0],
        "stress_runs": [grid.get("runs"), ">=", TARGETS["stress_min_runs"]],
        "forked_equals_fresh": [not results["forked_vs_fresh"]["differ"], "==", True],
    }
    _engine_check(results)
    results["load_after"] = uptime()
    results["bench_wall_s"] = round(time.perf_counter() - started, 1)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    print(f"\n{os.cpu_count()} CPUs; load before: {results['load_before']}")
    print(f"{'step':<18}{'runs':>6}{'wall (s)':>10}{'s/run':>8}{'CPU (s)':>9}{'PSS MB':>8}"
          f"{'RSS MB':>8}{'failed':>7}")
    for key in ("default", "rerun_unchanged", "fresh_kernels", "naive", "edition", "grid", "floor"):
        if key in results:
            r = results[key]
            print(f"{key:<18}{r.get('runs', ''):>6}{r['wall_s']:>10.1f}"
                  f"{r.get('wall_per_run_s', ''):>8}{r['cpu_s']:>9.1f}{r['peak_pss_mb']:>8.0f}"
                  f"{r['peak_rss_mb']:>8.0f}{len(r.get('failed', [])):>7}")
    for name, (value, op, target) in results["checks"].items():
        ok = value is not None and {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b,
                                    "==": lambda a, b: a == b}[op](value, target)
        print(f"{name:<26}{value!s:>10} {op} {target!s:<8}{'ok' if ok else 'MISSED'}")
    print(f"bench: {results['bench_wall_s']:.0f} s; written: {RESULTS.relative_to(ROOT)}")
    failures = len(grid.get("failed", [])) + len(results["edition"].get("failed", []))
    return 0 if not results["forked_vs_fresh"]["differ"] and not failures else 1


if __name__ == "__main__":
    sys.exit(main())
