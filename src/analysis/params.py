"""Validation of notebook parameters, called in the cell after the `parameters` cell.

`check_params` returns the canonical values, or raises one UserError carrying one line per bad
parameter: the value given, the valid values, and the closest matches. In a notebook that
UserError shows as those lines alone (no traceback), so a researcher sees what to type instead.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from analysis import comparisons, data
from analysis.measures import HOME_PROVINCE as DEFAULT_PROVINCE
from analysis.measures import LANGS

DEFAULT_LANG = "vi"


@dataclass(frozen=True)
class Params:
    """Checked notebook parameters: canonical names, the peers to show, a DTI edition, a language."""

    year: int
    province: str
    peers: tuple[str, ...]
    lang: str


def _check_year(year, editions: list[int]) -> tuple[int | None, str | None]:
    valid = ", ".join(str(e) for e in editions)
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
        return None, f"parameter year={year!r} is not a year; valid: {valid}"
    closest = min(editions, key=lambda e: (abs(e - value), -e))
    return None, (f"parameter year={year!r} has no DTI edition; valid: {valid}; "
                  f"closest: {closest}")


def _check_lang(lang) -> tuple[str | None, str | None]:
    if lang is None:
        return DEFAULT_LANG, None
    text = str(lang).strip().lower()
    if text in LANGS:
        return text, None
    close = difflib.get_close_matches(text, LANGS, n=1, cutoff=0.3) if text else []
    closest = f"; closest: {', '.join(close)}" if close else ""
    return None, f"parameter lang={lang!r} is not a supported language; valid: vi, en{closest}"


def _resolve(name, parameter: str, data_dir) -> tuple[str | None, str | None]:
    try:
        return data.resolve_province(name, data_dir, parameter=parameter), None
    except data.UserError as error:
        return None, str(error)


def _check_peers(peers, province: str | None, data_dir) -> tuple[tuple[str, ...] | None, str | None]:
    if peers is None or (isinstance(peers, (list, tuple)) and len(peers) == 0) or peers == "":
        if province is None:
            return (), None
        return tuple(comparisons.default_peers(province, data.load_provinces(data_dir))), None
    if isinstance(peers, str):
        peers = [p for p in peers.split(",") if p.strip()]
    if not isinstance(peers, (list, tuple)):
        return None, (f"parameter peers={peers!r} is not a list of province names; "
                      "valid: a list such as [\"Hải Phòng\", \"Hưng Yên\"], or [] for the "
                      "province's region")
    names, bad = [], []
    for peer in peers:
        resolved, _ = _resolve(peer, "peers", data_dir)
        if resolved is None:
            close = data.province_resolver(data_dir).suggestions(str(peer))
            bad.append(f"{peer!r} (closest: {', '.join(close) or 'none close'})")
        elif resolved != province and resolved not in names:
            names.append(resolved)
    if bad:
        return None, (f"parameter peers has unknown provinces: {'; '.join(bad)}; "
                      "valid: the 63 names in data/processed/provinces.csv")
    return tuple(names), None


def check_params(year=None, province=None, peers=None, lang=None, data_dir=None) -> Params:
    """Canonical parameters, or a UserError with one line per bad one.

    year: a DTI edition (default: the latest); province: any known spelling of one of the 63
    provinces (default Hải Dương); peers: province names (default, None or []: the other
    provinces of the province's region); lang: 'vi' or 'en' (default 'vi').
    """
    problems = []
    year_value, problem = _check_year(year, data.editions(data_dir))
    problems.append(problem)
    province_value, problem = _resolve(DEFAULT_PROVINCE if province is None else province,
                                       "province", data_dir)
    problems.append(problem)
    peers_value, problem = _check_peers(peers, province_value, data_dir)
    problems.append(problem)
    lang_value, problem = _check_lang(lang)
    problems.append(problem)
    problems = [p for p in problems if p]
    if problems:
        raise data.UserError("\n".join(problems))
    return Params(year=year_value, province=province_value, peers=peers_value, lang=lang_value)
