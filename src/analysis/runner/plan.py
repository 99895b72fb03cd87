"""Planning a batch: which runs the options ask for, every name and value checked first.

The notebooks are found in the notebooks folder (`[0-9][0-9]_*.ipynb`) and their declared
parameters read with papermill's `inspect_notebook`; then every requested name and value is
checked: notebook ids; years, provinces, languages and `-p peers` by the notebooks' own rules
(`analysis.params`, the one parameter validator); other `-p NAME=VALUE` extras against the
declared names and types. Any problem is a `UserError` with one line each, raised before any
kernel starts and before anything is written, so that a typo never costs a half-run batch.

A run is one notebook for one (year, province, language) and its extra parameters; it knows
where its files go (`Run.folder`, `Run.stem`) and which parameters it injects.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

from analysis.errors import UserError
from analysis.measures import HOME_PROVINCE as DEFAULT_PROVINCE
from analysis.names import slugify

ALL_PROVINCES_DIR = "all"
AXES = ("year", "province", "lang")

# --- options (parsed by analysis.cli, checked here) ---------------------------------------------

def _split(text: str) -> list[str]:
    """The comma-separated values of an option, stripped, empty ones left out."""
    return [part.strip() for part in text.split(",") if part.strip()]


LIST_OPTIONS = {"years": "--years", "provinces": "--provinces", "notebooks": "--notebooks",
                "lang": "--lang"}


def _out_problem(out: Path) -> str | None:
    """Why `out` cannot be the output folder (None: it is a folder, or can be created)."""
    if out.exists():
        return None if out.is_dir() else f"--out: {out} exists and is not a folder"
    for parent in out.parents:  # the nearest existing ancestor must be a writable folder
        if parent.exists():
            if not parent.is_dir():
                return f"--out: {parent} is not a folder, so {out} cannot be created"
            if not os.access(parent, os.W_OK | os.X_OK):
                return f"--out: cannot create {out}: {parent} is not writable"
            return None
    return None


def check_options(args, out: Path) -> None:
    """The options that need no data or notebook: UserError, one line per problem, before
    anything is written or started (a NaN timeout would turn the limit off, a negative one
    would fail every run after starting its kernel)."""
    problems = []
    if args.jobs < 1:
        problems.append("--jobs: must be at least 1")
    if not (math.isfinite(args.timeout) and args.timeout > 0):
        problems.append(f"--timeout: {args.timeout:g} is not a number of seconds > 0")
    if not (math.isfinite(args.max_kernel_memory) and args.max_kernel_memory >= 0):
        problems.append(f"--max-kernel-memory: {args.max_kernel_memory:g} is not a number of "
                        "MB >= 0 (0: no limit)")
    if not (math.isfinite(args.max_output_mb) and args.max_output_mb > 0):
        problems.append(f"--max-output-mb: {args.max_output_mb:g} is not a number of MB > 0")
    for name, option in LIST_OPTIONS.items():
        if not _split(getattr(args, name)):
            problems.append(f"{option}: empty list; give comma-separated values, or all")
    problem = _out_problem(out)
    if problem:
        problems.append(problem)
    if problems:
        raise UserError("\n".join(problems))


# --- plan: notebooks, parameters, checks ------------------------------------------------------

@dataclass(frozen=True)
class Notebook:
    """A notebook of the batch: its id (file stem), path and the parameters it declares."""
    id: str                  # file stem, e.g. "01_year_profile"
    path: Path
    params: tuple[str, ...]  # declared, in order
    types: tuple[tuple[str, str], ...] = ()  # (name, type annotation) as inspect_notebook reads it

    @property
    def short(self) -> str:
        """The notebook's number ("01"), by which `--notebooks` may name it."""
        return self.id.split("_", 1)[0]


@dataclass(frozen=True)
class Run:
    """One run: a notebook for one year, province and language, with extra parameters."""
    notebook: Notebook
    year: int | None
    province: str | None
    lang: str | None
    extra: tuple[tuple[str, object], ...] = ()

    @property
    def folder(self) -> Path:
        """The run's folder under --out: `<year>/<province-slug>` (`all` without a province)."""
        year = str(self.year) if self.year is not None else "all-years"
        return Path(year) / (slugify(self.province) if self.province else ALL_PROVINCES_DIR)

    @property
    def variant(self) -> str:
        """A readable slug of the extra parameters ("" when none): runs that differ only in
        `-p` values get distinct files and index entries."""
        return variant_slug(self.extra)

    @property
    def stem(self) -> str:
        """The run's file name without suffix: `<notebook>[.<variant>][.<lang>]`."""
        parts = [self.notebook.id, self.variant, self.lang or ""]
        return ".".join(p for p in parts if p)

    @property
    def key(self) -> str:
        """The run's identity in the manifest: its folder and stem."""
        return (self.folder / self.stem).as_posix()

    def parameters(self) -> dict:
        """The parameters injected: the axes the notebook declares, then the extra ones."""
        values = {"year": self.year, "province": self.province, "lang": self.lang}
        chosen = {name: values[name] for name in AXES if name in self.notebook.params}
        chosen.update(self.extra)
        return chosen


VARIANT_MAX = 60


def variant_slug(extra) -> str:
    """`(("peers", ["Bắc Ninh", "Hưng Yên"]),)` -> "peers-bac-ninh-hung-yen"; past VARIANT_MAX
    characters it is cut and ends with a hash of the whole value, so it stays distinct."""
    if not extra:
        return ""
    words = []
    for name, value in extra:
        values = value if isinstance(value, (list, tuple)) else [value]
        words.append(slugify(" ".join([name, *(json.dumps(v, ensure_ascii=False).strip('"')
                                               if not isinstance(v, str) else v
                                               for v in values)])) or name)
    slug = "_".join(words)
    if len(slug) > VARIANT_MAX or not slug:
        from analysis.runner.incremental import digest_of

        slug = slug[:VARIANT_MAX - 9].rstrip("-_") + "-" + digest_of(extra)[:8]
    return slug


def discover(notebooks_dir: Path) -> list[Notebook]:
    """The notebooks (`NN_name.ipynb`) of a folder, in order, with their declared parameters."""
    from papermill.inspection import inspect_notebook

    found = []
    for path in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
        declared = inspect_notebook(str(path))
        types = tuple((name, info.get("inferred_type_name", "None")) for name, info in declared.items())
        found.append(Notebook(path.stem, path, tuple(declared), types))
    return found


_TYPES = {"int": int, "float": (int, float), "bool": bool, "str": str, "list": list, "dict": dict}


def _is_type(value, name: str) -> bool:
    """Whether `value` is of the parameter type named `name` (a bool is no number)."""
    if name in ("int", "float") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[name])


def _parse_value(text: str):
    """A `-p` value: read as JSON, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _checked(texts: list[str], problems: list[str], check) -> list:
    """The values `check` accepts, each once, in the order given; its problems added to
    `problems`."""
    chosen = []
    for text in texts:
        value, problem = check(text)
        if problem:
            problems.append(problem)
        elif value not in chosen:
            chosen.append(value)
    return chosen


def plan(args, notebooks_dir: Path) -> list[Run]:
    """Every run the arguments ask for; UserError (one line per problem) if any is wrong."""
    from analysis import params
    from analysis.data import editions, load_provinces

    problems: list[str] = []
    notebooks = discover(notebooks_dir) if notebooks_dir.is_dir() else []
    if not notebooks:
        raise UserError(f"--notebooks-dir: no notebooks (NN_name.ipynb) in {notebooks_dir}")
    by_id = {}
    for nb in notebooks:
        by_id.setdefault(nb.short, nb)
        by_id[nb.id] = nb
    valid_ids = ", ".join(nb.short for nb in notebooks)
    if args.notebooks.strip().lower() == "all":
        selected = notebooks
    else:
        selected = []
        for wanted in _split(args.notebooks):
            if wanted in by_id:
                selected.append(by_id[wanted]) if by_id[wanted] not in selected else None
            else:
                problems.append(f"--notebooks: {wanted!r} is not a notebook in {notebooks_dir}; "
                                f"valid: {valid_ids}")
    declared = {name for nb in selected for name in nb.params}

    # Years, provinces, languages and peers by the notebooks' own rules (`analysis.params`).
    data = args.data
    years = editions(data)
    if args.years.strip().lower() == "all":
        chosen_years = years
    else:
        chosen_years = _checked(_split(args.years), problems, lambda text: params.check_year(
            text, years, name="--years", also_valid="all"))
    if args.provinces.strip().lower() == "all":
        chosen_provinces = sorted(load_provinces(data)["name"])
    else:
        chosen_provinces = _checked(_split(args.provinces), problems, lambda name: (
            params.check_province(name, data, name="--provinces")))
    chosen_langs = _checked(_split(args.lang), problems,
                            lambda lang: params.check_lang(lang, name="--lang"))

    extra: dict[str, object] = {}
    for item in args.param:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(f"-p {item!r}: write NAME=VALUE")
            continue
        if name in AXES:
            option = {"year": "--years", "province": "--provinces", "lang": "--lang"}[name]
            problems.append(f"-p {name}: set it with {option}")
            continue
        if name not in declared:
            valid = ", ".join(sorted(declared - set(AXES))) or "none"
            problems.append(f"-p {name}: unknown parameter for the selected notebooks; "
                            f"valid: {valid} (and --years, --provinces, --lang)")
            continue
        value = _parse_value(text)
        wanted = {t for nb in selected for n, t in nb.types if n == name} & set(_TYPES)
        if wanted and not any(_is_type(value, t) for t in wanted):
            problems.append(f"-p {name}={text!r}: expected {' or '.join(sorted(wanted))}")
            continue
        if name == "peers":
            value, problem = params.resolve_peers(value if isinstance(value, list) else [value],
                                                  data, name="-p peers")
            if problem:
                problems.append(problem)
                continue
        extra[name] = value

    explicit = {"province": args.provinces.strip() != DEFAULT_PROVINCE,
                "year": args.years.strip().lower() != "all", "lang": args.lang.strip() != "vi"}
    options = {"year": "--years", "province": "--provinces", "lang": "--lang"}
    for axis, given in explicit.items():
        if given and selected and axis not in declared:
            problems.append(f"{options[axis]}: no selected notebook has a {axis!r} parameter")
    if problems:
        raise UserError("\n".join(problems))

    runs = []
    for nb in selected:
        years_ = chosen_years if "year" in nb.params else [None]
        provinces_ = chosen_provinces if "province" in nb.params else [None]
        langs_ = chosen_langs if "lang" in nb.params else [None]
        extras = tuple((k, v) for k, v in extra.items() if k in nb.params)
        runs += [Run(nb, y, p, lang, extras) for y in years_ for p in provinces_ for lang in langs_]
    return sorted(runs, key=lambda r: (r.year or 0, r.province or "", r.notebook.id, r.lang or ""))
