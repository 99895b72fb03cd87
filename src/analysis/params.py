"""Validation of notebook parameters: the one set of rules and messages, for the cell after the
`parameters` cell and for `python -m analysis run` (its --years, --provinces, --lang, -p peers).

`check_params` returns the canonical values, or raises one UserError carrying one line per bad
parameter: the value given, the valid values, and the closest matches. In a notebook that
UserError shows as those lines alone (no traceback), so a researcher sees what to type instead.

Before raising it, `check_params` also replaces every result an earlier run left in the kernel
(`forget_previous_results`): JupyterLab's Run All sends every cell at once, and ipykernel cancels
only the cells that had reached it when the check failed (jupyter/jupyter_client#569); the later
ones run, and with the earlier run's `p`, tables and sources they would show that run's brief
under the error. Now each of them stops on its first use of such a variable with one line.
"""

from __future__ import annotations

import difflib
import types
from dataclasses import dataclass

from analysis import comparisons, data
from analysis.data import VALID_PROVINCES
from analysis.errors import UserError, given
from analysis.measures import HOME_PROVINCE as DEFAULT_PROVINCE
from analysis.measures import LANGS

DEFAULT_LANG = "vi"
# The notebooks' parameters: the parameters cell sets them, so they are kept.
PARAMETER_NAMES = ("year", "province", "peers", "lang")
# What the notebooks bind check_params' result to: a stand-in even in a kernel that never had it,
# so that the later cells of a first run stop with one line too (not a NameError's traceback).
RESULT_NAME = "p"
STOPPED = ("stopped: the parameter check above failed, so this cell has nothing to show; "
           "correct the parameter and run all cells again")


class StoppedByParameterCheck(Exception):
    """Raised by any use of a result left from an earlier run after a failed check."""

    def _render_traceback_(self) -> list[str]:
        """The STOPPED line alone, which IPython shows in place of a traceback."""
        return [STOPPED]  # IPython shows this line instead of a traceback


class _Stale:
    """Stands in for an earlier run's result: reading, calling, iterating, comparing or
    printing it raises StoppedByParameterCheck."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        """A stand-in for the earlier run's variable `name`."""
        object.__setattr__(self, "_name", name)

    def _stop(self, *args, **kwargs):
        """Raise StoppedByParameterCheck, whatever the arguments: every use ends here."""
        raise StoppedByParameterCheck(STOPPED)

    def __getattr__(self, attribute):
        """Reading any attribute raises StoppedByParameterCheck."""
        self._stop()

    __call__ = __getitem__ = __iter__ = __len__ = __bool__ = __contains__ = _stop
    __lt__ = __le__ = __gt__ = __ge__ = _stop  # (== and hash stay: Python's own machinery)
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = _stop
    __and__ = __rand__ = __or__ = __ror__ = __invert__ = __neg__ = _stop
    __str__ = __format__ = __index__ = __int__ = __float__ = __fspath__ = _stop

    def __repr__(self) -> str:  # shown by a debugger or the variable inspector, never a value
        """The variable's name and that it was stopped, for a debugger; it raises nothing."""
        return f"<{self._name}: stopped by the failed parameter check>"


def _is_kept(name: str, value, hidden) -> bool:
    """Whether `forget_previous_results` leaves `name` alone: a private or IPython (`hidden`) name,
    a parameter, a module, class or function, or already a stand-in."""
    return (name.startswith("_") or name in PARAMETER_NAMES or name in hidden
            or isinstance(value, (types.ModuleType, type, types.FunctionType,
                                  types.BuiltinFunctionType, _Stale)))


def forget_previous_results(namespace: dict | None = None) -> list[str]:
    """In an IPython kernel (or in `namespace`), replace every variable an earlier run left
    (`p`, tables, sources, figures…; not the parameters, modules, functions, classes or
    IPython's own names) by a stand-in that stops the cell using it with one line. Returns the
    names replaced; outside IPython, without `namespace`, does nothing."""
    hidden: set | dict = set()
    if namespace is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return []
        shell = get_ipython()
        if shell is None:
            return []
        namespace, hidden = shell.user_ns, shell.user_ns_hidden
    names = [name for name, value in list(namespace.items())
             if not _is_kept(name, value, hidden)]
    names += [RESULT_NAME] if RESULT_NAME not in namespace else []
    for name in names:
        namespace[name] = _Stale(name)
    return names


@dataclass(frozen=True)
class Params:
    """Checked notebook parameters: canonical names, the peers to show, a DTI edition, a language."""

    year: int
    province: str
    peers: tuple[str, ...]
    lang: str


# --- One rule per parameter, for the notebooks and for `python -m analysis run` ----------------
# `name` is how the user gave the value: a notebook parameter ("year") or a command-line option
# ("--years", "-p peers"); `analysis.errors.given` turns it into the start of the message. Each
# returns (the canonical value, None) or (None, one line saying what is wrong and what is valid).


def check_year(year, editions: list[int], name: str = "year",
               also_valid: str = "") -> tuple[int | None, str | None]:
    """A DTI edition with data (an int, or its digits as text); None means the latest.
    `also_valid` adds a word the caller accepts as well (the command line's "all")."""
    valid = ", ".join(str(e) for e in editions) + (f", or {also_valid}" if also_valid else "")
    if year is None:
        return editions[-1], None
    value = None
    if isinstance(year, int) and not isinstance(year, bool):
        value = year
    elif isinstance(year, str) and year.strip().isdigit():
        value = int(year.strip())
    elif isinstance(year, float) and year.is_integer():
        value = int(year)
    if value in editions:
        return value, None
    if value is None:
        return None, f"{given(name, year)} is not a year; valid: {valid}"
    closest = min(editions, key=lambda e: (abs(e - value), -e))
    return None, (f"{given(name, year)} is not a DTI edition with data; valid: {valid}; "
                  f"closest: {closest}")


def check_lang(lang, name: str = "lang") -> tuple[str | None, str | None]:
    """A language of the briefs, in any case and spacing ("EN " -> "en"); None means 'vi'."""
    if lang is None:
        return DEFAULT_LANG, None
    text = str(lang).strip().lower()
    if text in LANGS:
        return text, None
    close = difflib.get_close_matches(text, LANGS, n=1, cutoff=0.3) if text else []
    closest = f"; closest: {', '.join(close)}" if close else ""
    return None, (f"{given(name, lang)} is not a language of the briefs; "
                  f"valid: {', '.join(LANGS)}{closest}")


def check_province(province, data_dir=None,
                   name: str = "province") -> tuple[str | None, str | None]:
    """One of the 63 provinces, by any known spelling; a former one names its successor."""
    try:
        return data.resolve_province(province, data_dir, parameter=name), None
    except UserError as error:
        return None, str(error)


def _unknown_peer(peer, data_dir) -> str:
    """How an unknown peer is named in the message: with its successor, else its closest."""
    former = data.former_province(peer, data_dir) if isinstance(peer, str) else None
    if former is not None:
        return (f"{peer!r} (a former province, now part of {former[0]}: use {former[0]!r}; "
                f"source: {data.source_citation(former[1], data_dir)})")
    close = data.province_resolver(data_dir).suggestions(str(peer))
    return f"{peer!r} (closest: {', '.join(close) or 'none close'})"


def resolve_peers(peers: list | tuple, data_dir=None,
                  name: str = "peers") -> tuple[list[str] | None, str | None]:
    """Each name of `peers` as its canonical province, in the order given; or one line naming
    every unknown name with its closest (or its successor)."""
    names, bad = [], []
    for peer in peers:
        resolved, _ = check_province(peer, data_dir, name)
        if resolved is None:
            bad.append(_unknown_peer(peer, data_dir))
        names.append(resolved)
    if bad:
        return None, f"{given(name)} has unknown provinces: {'; '.join(bad)}; {VALID_PROVINCES}"
    return names, None


def _check_peers(peers, province: str | None,
                 data_dir) -> tuple[tuple[str, ...] | None, str | None]:
    """The peers a notebook shows: canonical, each once, without the province itself; none
    given, the other provinces of its region."""
    if peers is None or (isinstance(peers, (list, tuple)) and len(peers) == 0) or peers == "":
        if province is None:
            return (), None
        return tuple(comparisons.default_peers(province, data.load_provinces(data_dir))), None
    if isinstance(peers, str):
        peers = [p for p in peers.split(",") if p.strip()]
    if not isinstance(peers, (list, tuple)):
        return None, (f"{given('peers', peers)} is not a list of province names; "
                      "valid: a list such as [\"Hải Phòng\", \"Hưng Yên\"], or [] for the "
                      "province's region")
    names, problem = resolve_peers(peers, data_dir)
    if problem:
        return None, problem
    return tuple(dict.fromkeys(n for n in names if n != province)), None


def check_params(year=None, province=None, peers=None, lang=None, data_dir=None) -> Params:
    """Canonical parameters, or a UserError with one line per bad one.

    year: a DTI edition (default: the latest); province: any known spelling of one of the 63
    provinces (default Hải Dương); peers: province names (default, None or []: the other
    provinces of the province's region); lang: 'vi' or 'en' (default 'vi').
    """
    problems = []
    year_value, problem = check_year(year, data.editions(data_dir))
    problems.append(problem)
    province_value, problem = check_province(DEFAULT_PROVINCE if province is None else province,
                                             data_dir)
    problems.append(problem)
    peers_value, problem = _check_peers(peers, province_value, data_dir)
    problems.append(problem)
    lang_value, problem = check_lang(lang)
    problems.append(problem)
    problems = [p for p in problems if p]
    if problems:
        forget_previous_results()
        raise UserError("\n".join(problems))
    return Params(year=year_value, province=province_value, peers=peers_value, lang=lang_value)
