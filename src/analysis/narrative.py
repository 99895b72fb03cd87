"""The words of a brief, generated from the data, in Vietnamese (`lang='vi'`) or English ('en').

Every function here is pure: it takes frames from `analysis.data` (or `analysis.comparisons`)
and returns strings (or a small display frame). No figure is typed into a sentence: ranks, scores,
counts and dates all come from the frames. A figure the sources did not give produces an explicit
"not published" / "chưa công bố" sentence, never a guess.

Numbers follow the language: Vietnamese writes 0,6383 and 1.000; English 0.6383 and 1,000.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import pandas as pd

from analysis import comparisons, data
from analysis.errors import UserError
from analysis.measures import (
    FIRST_EDITION,
    FIRST_YEAR_OF_EIGHT_INDICATORS,
    HOME_PROVINCE,
    INDICATORS,
    LANGS,
    OVERALL,
    PILLARS,
    label,
)

RESOLUTION = "06-NQ/TU"
UNITS_BEFORE_MERGER, UNITS_AFTER_MERGER = 63, 34

NOT_PUBLISHED = {"vi": "chưa công bố", "en": "not published"}


def _check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def _missing(value) -> bool:
    return value is None or value is pd.NA or bool(pd.isna(value))


# --- numbers ----------------------------------------------------------------------------------

def format_number(value, lang: str = "vi", decimals: int = 4) -> str:
    """`0.6383` -> "0,6383" (vi) / "0.6383" (en); thousands "1.000" / "1,000"; NA -> not published."""
    _check_lang(lang)
    if _missing(value):
        return NOT_PUBLISHED[lang]
    text = f"{float(value):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_value(value, lang: str = "vi", max_decimals: int = 2) -> str:
    """A value with no needless decimals: 20.0 -> "20", 17.5 -> "17,5" (vi), 1000 -> "1.000"."""
    if _missing(value):
        return format_number(value, lang)
    for decimals in range(max_decimals + 1):
        if round(float(value), decimals) == round(float(value), max_decimals):
            return format_number(value, lang, decimals)
    return format_number(value, lang, max_decimals)


def format_percent(share, lang: str = "vi", decimals: int = 0) -> str:
    """A share in [0, 1] as a percentage: 0.806 -> "81%"; with decimals=1, "80,6%" (vi)."""
    if _missing(share):
        return format_number(share, lang)
    return format_number(float(share) * 100, lang, decimals) + "%"


def format_rank(rank, lang: str = "vi") -> str:
    """13 -> "thứ 13" (vi) / "13th" (en)."""
    _check_lang(lang)
    if _missing(rank):
        return NOT_PUBLISHED[lang]
    rank = int(rank)
    if lang == "vi":
        return f"thứ {rank}"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


_EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]


def format_date(iso: str, lang: str = "vi") -> str:
    """"2022-12-31" -> "31/12/2022" (vi) / "31 December 2022" (en); other text unchanged."""
    _check_lang(lang)
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", str(iso).strip())
    if not match:
        return str(iso)
    year, month, day = match[1], int(match[2]), match[3]
    if lang == "vi":
        return f"{int(day)}/{month}/{year}" if day else f"{month}/{year}"
    return f"{int(day)} {_EN_MONTHS[month - 1]} {year}" if day else f"{_EN_MONTHS[month - 1]} {year}"


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " và " if lang == "vi" else " and "
    return ", ".join(items[:-1]) + last + items[-1]


# --- fixed texts -------------------------------------------------------------------------------

HEADINGS = {
    "key_figures": ("Số liệu chính", "Key figures"),
    "narrative": ("Tóm tắt", "Summary"),
    "profile": ("Thứ hạng các trụ cột và chỉ số thành phần", "Pillar and indicator ranks"),
    "peers": ("So sánh với các tỉnh lân cận và trung bình cấp tỉnh",
              "Compared with neighbouring provinces and the provincial average"),
    "indicator_profile": ("Chỉ số thành phần so với các tỉnh lân cận",
                          "Indicators against neighbouring provinces"),
    "heatmap": ("Thứ hạng qua các kỳ", "Ranks across editions"),
    "trajectories": ("Diễn biến thứ hạng", "Rank trajectories"),
    "percentiles": ("Phân vị qua đợt sáp nhập 2025", "Percentiles across the 2025 merger"),
    "changes": ("Thay đổi thứ hạng", "Rank changes"),
    "coverage": ("Mức độ đầy đủ của số liệu", "Data coverage"),
    "conflicts": ("Số liệu các nguồn không thống nhất", "Figures on which sources disagree"),
    "targets": ("Các chỉ tiêu của Nghị quyết", "The Resolution's targets"),
    "revisions": ("Đề xuất điều chỉnh chỉ tiêu", "Proposed target revisions"),
    "progress": ("Tiến độ đã báo cáo", "Progress reported"),
    "status": ("Tình hình thực hiện", "Implementation status"),
    "rank_target": ("Thứ hạng DTI so với chỉ tiêu", "DTI rank against its target"),
    "sources": ("Nguồn", "Sources"),
    "method": ("Phương pháp", "Method"),
    "precedence": ("Quy tắc chọn nguồn", "Which source wins"),
}


def heading(key: str, lang: str = "vi", level: int = 2) -> str:
    """A Markdown section heading in the chosen language."""
    vi, en = HEADINGS[key]
    return f"{'#' * level} {vi if _check_lang(lang) == 'vi' else en}"


def title(notebook: str, province: str = HOME_PROVINCE, year: int | None = None,
          lang: str = "vi") -> str:
    """The brief's title as Markdown (level-1 heading), with the parameter values in it."""
    _check_lang(lang)
    name = re.sub(r"^\d+_|\.ipynb$", "", str(notebook).rsplit("/", 1)[-1])
    if name == "year_profile":
        text = (f"Hồ sơ DTI {year}: {province}" if lang == "vi"
                else f"{province}: DTI {year} profile")
    elif name == "trends":
        text = (f"Diễn biến DTI {FIRST_EDITION}–{year}: {province}" if lang == "vi"
                else f"{province}: DTI trends, {FIRST_EDITION}–{year}")
    elif name == "target_revisions":
        text = (f"Nghị quyết {RESOLUTION} của Tỉnh ủy {HOME_PROVINCE}: chỉ tiêu, điều chỉnh và "
                f"tiến độ (đến {year})" if lang == "vi"
                else f"{HOME_PROVINCE}'s Resolution {RESOLUTION}: targets, revisions and progress "
                     f"(as of {year})")
    else:
        raise ValueError(f"unknown notebook {notebook!r}")
    return f"# {text}"


def precedence_rule(lang: str = "vi") -> str:
    """The rule that picks one figure where sources disagree (analysis.sources.PRECEDENCE_RULE)."""
    if _check_lang(lang) == "en":
        from analysis.sources import PRECEDENCE_RULE
        return PRECEDENCE_RULE
    return ("Khi các nguồn không thống nhất, số liệu hiển thị được lấy theo thứ tự ưu tiên: cổng "
            "DTI chính thức trước, sau đó đến báo hoặc cổng thông tin của chính tỉnh đó, rồi đến "
            "báo chí khác, cuối cùng là các bản tổng hợp của bên thứ ba; trong cùng một nhóm, "
            "trang công bố gần đây nhất được ưu tiên.")


def method_note(lang: str = "vi") -> str:
    """What the DTI measures, its structure over editions, the 2025 merger and percentiles."""
    pillars = _join([label(m, lang) for m in PILLARS], lang)
    indicators = _join([label(m, lang) for m in INDICATORS], lang)
    if _check_lang(lang) == "vi":
        return (
            "Chỉ số đánh giá chuyển đổi số cấp tỉnh (DTI) do Bộ Thông tin và Truyền thông (từ "
            "2025 là Bộ Khoa học và Công nghệ) công bố hằng năm; kỳ \"DTI N\" đo năm N và được "
            "công bố vào năm sau hoặc muộn hơn. Điểm số nằm trong thang 0–1; thứ hạng tính trong "
            "63 tỉnh, thành phố. Chỉ số gồm ba trụ cột (" + pillars + "). Từ DTI "
            f"{FIRST_YEAR_OF_EIGHT_INDICATORS}, có tám chỉ số chính (" + indicators + "); DTI "
            f"{FIRST_EDITION} dùng cấu trúc khác nên số liệu chỉ số thành phần của kỳ đó không so "
            "sánh được với các kỳ sau, còn điểm tổng thể và trụ cột thì so sánh được. "
            "Ngày 1/7/2025, 63 tỉnh, thành phố được sắp xếp thành 34 đơn vị hành chính cấp tỉnh; "
            f"{HOME_PROVINCE} trở thành một phần của Hải Phòng. DTI 2024 được công bố cho cả 63 "
            "tỉnh cũ và 34 đơn vị mới; điểm của một đơn vị mới là trung bình các chỉ số chính của "
            "các tỉnh cũ hợp thành. Thứ hạng trong 34 và trong 63 đơn vị không so sánh trực tiếp "
            "được, nên bộ tài liệu dùng phân vị 1 − (hạng − 1)/(N − 1): tỷ lệ số đơn vị còn lại "
            "xếp sau (1 = đứng đầu, 0 = đứng cuối). Số liệu không có trong các nguồn đã thu thập "
            "được ghi là \"chưa công bố\", không bao giờ được ước tính."
        )
    return (
        "The provincial Digital Transformation Index (DTI) is published yearly by the Ministry of "
        "Information and Communications (from 2025 the Ministry of Science and Technology); "
        "edition \"DTI N\" measures year N and is published the year after or later. Scores are "
        "on a 0–1 scale; ranks are among the 63 provinces. The index has three pillars ("
        + pillars + f"). From DTI {FIRST_YEAR_OF_EIGHT_INDICATORS} there are eight main "
        "indicators (" + indicators + f"); DTI {FIRST_EDITION} used another structure, so its "
        "indicator figures do not compare with later editions, while its overall and pillar "
        "figures do. On 1 July 2025 the 63 provinces became 34 provincial units; "
        f"{HOME_PROVINCE} became part of Hải Phòng. DTI 2024 was published for both the 63 old "
        "provinces and the 34 new units; a new unit's score is the average of its old provinces' "
        "main indicators. A rank among 34 and a rank among 63 do not compare as they stand, so "
        "the suite uses the percentile 1 − (rank − 1)/(N − 1): the share of the other units "
        "ranked below (1 = first, 0 = last). A figure absent from the sources collected is "
        "shown as \"not published\", never estimated."
    )


# --- sentences ---------------------------------------------------------------------------------

def not_published_sentence(province: str, year: int, lang: str = "vi", what: str | None = None) -> str:
    """An explicit sentence for a figure no source gave. `what`: None (all DTI figures),
    'rank', 'score', or 'profile' (pillar and indicator ranks)."""
    _check_lang(lang)
    if lang == "vi":
        if what == "profile":
            return (f"Thứ hạng các trụ cột và chỉ số thành phần của {province} trong DTI {year} "
                    "chưa được công bố trong các nguồn đã thu thập.")
        subject = {None: "Chỉ số DTI", "rank": "Thứ hạng DTI", "score": "Điểm DTI"}[what]
        return f"{subject} {year} của {province} chưa được công bố trong các nguồn đã thu thập."
    subject = {None: "figures", "rank": "rank", "score": "score",
               "profile": "pillar and indicator ranks"}[what]
    verb = "was" if what in ("rank", "score") else "were"
    return f"{province}'s DTI {year} {subject} {verb} not published in the sources collected."


def _unit_words(unit_system, lang: str) -> str:
    if not _missing(unit_system) and int(unit_system) == UNITS_AFTER_MERGER:
        return "đơn vị cấp tỉnh sau sáp nhập" if lang == "vi" else "post-merger provincial units"
    return "tỉnh, thành phố" if lang == "vi" else "provinces and cities"


def _n_units(unit_system) -> int:
    return UNITS_BEFORE_MERGER if _missing(unit_system) else int(unit_system)


def _row(pref: pd.DataFrame, unit: str, year: int, measure: str = OVERALL,
         unit_system: int | None = UNITS_BEFORE_MERGER) -> pd.Series | None:
    mask = pref["unit"].eq(unit) & pref["year"].eq(year) & pref["measure"].eq(measure)
    if unit_system is not None:
        mask &= pref["unit_system"].eq(unit_system).fillna(False)
    rows = pref[mask.fillna(False)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return None if _missing(row["rank"]) and _missing(row["score"]) else row


def _publisher(sources: pd.DataFrame | None, source_id) -> str:
    if sources is None or _missing(source_id) or not source_id:
        return ""
    match = sources.loc[sources["source_id"].eq(source_id), "publisher"]
    return str(match.iloc[0]) if len(match) and str(match.iloc[0]) else str(source_id)


def _percentile_phrase(rank, unit_system, lang: str) -> str:
    share = comparisons.percentile(rank, _n_units(unit_system))
    if _missing(share):
        return ""
    return (f"đứng trên {format_percent(share, lang)} số đơn vị còn lại" if lang == "vi"
            else f"ahead of {format_percent(share, lang)} of the other units")


def rank_phrase(row: pd.Series, lang: str = "vi") -> str:
    """"thứ 13/63 tỉnh, thành phố (đứng trên 81% số đơn vị còn lại)" from a preferred row."""
    n = _n_units(row["unit_system"])
    words = _unit_words(row["unit_system"], lang)
    if lang == "vi":
        text = f"thứ {int(row['rank'])}/{n} {words}"
    else:
        text = f"{format_rank(row['rank'], 'en')} of {n} {words}"
    position = _percentile_phrase(row["rank"], row["unit_system"], lang)
    return f"{text} ({position})" if position else text


def _figure_sentence(unit: str, year: int, row: pd.Series, lang: str,
                     sources: pd.DataFrame | None, edition: str | None = None) -> str:
    has_rank, has_score = not _missing(row["rank"]), not _missing(row["score"])
    edition = edition or f"DTI {year}"
    if lang == "vi":
        parts = [f"Trong {edition}, {unit}"]
        parts.append(f" xếp {rank_phrase(row, lang)}" if has_rank else " có thứ hạng chưa được công bố")
        if has_score:
            parts.append(f", điểm {format_number(row['score'], lang)}")
        else:
            parts.append("; điểm số chưa được công bố trong các nguồn đã thu thập")
    else:
        parts = [f"In {edition}, {unit}"]
        parts.append(f" ranked {rank_phrase(row, lang)}" if has_rank
                     else "'s rank was not published")
        if has_score:
            parts.append(f", with a score of {format_number(row['score'], lang)}")
        else:
            parts.append("; its score was not published in the sources collected")
    source = _publisher(sources, row["source_id"])
    if source:
        parts.append(f" (nguồn: {source})" if lang == "vi" else f" (source: {source})")
    return "".join(parts) + "."


def successor(province: str, provinces: pd.DataFrame | None) -> str | None:
    """The post-2025 unit a province became part of, or None if the table does not know it."""
    if provinces is None:
        return None
    try:
        return comparisons.successor_unit(province, provinces)
    except UserError:
        return None


def _provinces_or_registry(provinces: pd.DataFrame | None) -> pd.DataFrame:
    # The merger is part of every brief; without a table given, the project's own is used.
    return data.load_provinces() if provinces is None else provinces


def _members(unit: str, provinces: pd.DataFrame | None) -> list[str]:
    if provinces is None or "unit_2025" not in provinces:
        return []
    return sorted(provinces.loc[provinces["unit_2025"].eq(unit), "name"].astype(str))


def merged_sentence(pref: pd.DataFrame, province: str, year: int, provinces: pd.DataFrame,
                    lang: str = "vi", sources: pd.DataFrame | None = None) -> str | None:
    """For an edition published for the 34 post-merger units: the rank of the unit the province
    became part of, clearly labelled as that unit's figure. None if the edition has no such
    figure for it."""
    _check_lang(lang)
    unit = successor(province, provinces)
    if not unit:
        return None
    row = _row(pref, unit, year, unit_system=UNITS_AFTER_MERGER)
    if row is None:
        return None
    members = _members(unit, provinces)
    if unit != province:
        lead = (f"Sau đợt sáp nhập năm 2025, {province} là một phần của {unit}. "
                if lang == "vi" else
                f"After the 2025 merger, {province} is part of {unit}. ")
    else:
        lead = ""
    made_of = (f" (hợp thành từ {_join(members, lang)})" if lang == "vi"
               else f" (formed from {_join(members, lang)})") if len(members) > 1 else ""
    edition = (f"DTI {year} công bố cho {UNITS_AFTER_MERGER} đơn vị mới" if lang == "vi"
               else f"DTI {year} as published for the {UNITS_AFTER_MERGER} new units")
    figure = _figure_sentence(unit + made_of, year, row, lang, sources, edition)
    if lang == "vi":
        note = (f" Đây là số liệu của đơn vị sau sáp nhập {unit}, không phải của riêng {province}."
                if unit != province else
                f" Đây là số liệu của đơn vị sau sáp nhập, trong {UNITS_AFTER_MERGER} đơn vị.")
        return lead + figure + note
    note = (f" This is the figure of the post-merger unit {unit}, not of {province} alone."
            if unit != province else
            f" This is the post-merger unit's figure, among {UNITS_AFTER_MERGER} units.")
    return lead + figure + note


def overall_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                     sources: pd.DataFrame | None = None) -> str:
    """The overall DTI rank and score of the province in the edition (among 63), or a
    "not published" sentence."""
    _check_lang(lang)
    row = _row(pref, province, year)
    if row is None:
        return not_published_sentence(province, year, lang)
    return _figure_sentence(province, year, row, lang, sources)


def _previous_edition(pref: pd.DataFrame, year: int) -> int | None:
    years = sorted(int(y) for y in pref["year"].dropna().unique() if int(y) < int(year))
    return years[-1] if years else None


def change_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi") -> str | None:
    """The overall rank's change since the previous edition (positive = improved), or why it
    cannot be given. None when the edition's own rank is missing (already said elsewhere)."""
    _check_lang(lang)
    row = _row(pref, province, year)
    if row is None or _missing(row["rank"]):
        return None
    previous = _previous_edition(pref, year)
    if previous is None:
        return (f"DTI {year} là kỳ đầu tiên trong dữ liệu; không có kỳ trước để so sánh."
                if lang == "vi" else
                f"DTI {year} is the first edition in the data; there is no earlier one to compare.")
    before = _row(pref, province, previous)
    if before is None or _missing(before["rank"]):
        return (f"Thứ hạng DTI {previous} của {province} chưa được công bố trong các nguồn đã thu "
                f"thập, nên không tính được thay đổi so với kỳ trước." if lang == "vi" else
                f"{province}'s DTI {previous} rank was not published in the sources collected, so "
                f"no change since the previous edition can be given.")
    changes = comparisons.rank_changes(pref, province)
    match = changes[changes["year"].eq(year) & changes["measure"].eq(OVERALL)
                    & changes["previous_year"].eq(previous)]
    change = (int(match["change"].iloc[0]) if len(match) and not _missing(match["change"].iloc[0])
              else int(before["rank"]) - int(row["rank"]))
    was = format_rank(before["rank"], lang)
    if lang == "vi":
        if change > 0:
            verb = f"tăng {change} bậc"
        elif change < 0:
            verb = f"giảm {-change} bậc"
        else:
            verb = "giữ nguyên thứ hạng"
        return f"So với DTI {previous} ({was}), {province} {verb}."
    if change > 0:
        verb = f"rose {change} place{'s' if change > 1 else ''}"
    elif change < 0:
        verb = f"fell {-change} place{'s' if change < -1 else ''}"
    else:
        verb = "kept the same rank"
    return f"Compared with DTI {previous} ({was}), {province} {verb}."


def last_published_sentence(pref: pd.DataFrame, province: str, year: int,
                            lang: str = "vi") -> str | None:
    """The province's last published overall rank before `year`, with its percentile, so that a
    later rank among a different number of units can be set beside it."""
    _check_lang(lang)
    mask = (pref["unit"].eq(province) & pref["measure"].eq(OVERALL) & pref["rank"].notna()
            & pref["year"].lt(year)).fillna(False)
    rows = pref[mask].sort_values("year")
    if rows.empty:
        return None
    row = rows.iloc[-1]
    if lang == "vi":
        return (f"Thứ hạng gần nhất được công bố của riêng {province} là DTI {int(row['year'])}: "
                f"{rank_phrase(row, lang)}.")
    return (f"{province}'s own last published rank is from DTI {int(row['year'])}: "
            f"{rank_phrase(row, lang)}.")


def strengths_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi",
                       n: int = 2) -> str:
    """Strongest and weakest indicators (or pillars, where indicators are not published)."""
    _check_lang(lang)
    table = comparisons.strongest_and_weakest(pref, province, year, n=n)
    if table is None or table.empty:
        return not_published_sentence(province, year, lang, what="profile")
    # The eight indicators where they are published, else the three pillars.
    is_pillar = not table["group"].eq("indicator").any()
    table = table[table["group"].eq("pillar" if is_pillar else "indicator")]

    def listing(position: str) -> str:
        part = table[table["position"].eq(position)]
        return _join([f"{label(m, lang)} ({format_rank(r, lang)})"
                       for m, r in zip(part["measure"], part["rank"])], lang)

    strong, weak = listing("strongest"), listing("weakest")
    if lang == "vi":
        kind = "trụ cột" if is_pillar else "chỉ số thành phần"
        text = f"Trong DTI {year}, {kind} mạnh nhất của {province}: {strong}; yếu nhất: {weak}."
        if is_pillar and int(year) >= FIRST_YEAR_OF_EIGHT_INDICATORS:
            text += " Thứ hạng tám chỉ số thành phần chưa được công bố trong các nguồn đã thu thập."
        return text
    kind = "pillars" if is_pillar else "indicators"
    text = f"In DTI {year}, {province}'s strongest {kind}: {strong}; weakest: {weak}."
    if is_pillar and int(year) >= FIRST_YEAR_OF_EIGHT_INDICATORS:
        text += " The eight indicators' ranks were not published in the sources collected."
    return text


def gap_sentence(pref: pd.DataFrame, province: str, year: int, lang: str = "vi") -> str:
    """The overall score against the provincial average (and pillars, where both are published)."""
    _check_lang(lang)
    gaps = comparisons.gap_to_national(pref, province, year)
    rows = gaps[gaps["gap"].notna()] if gaps is not None and not gaps.empty else pd.DataFrame()
    if rows.empty:
        overall = gaps[gaps["measure"].eq(OVERALL)] if gaps is not None else gaps
        if overall is not None and len(overall) and _missing(overall["score"].iloc[0]):
            return (f"Điểm DTI {year} của {province} chưa được công bố trong các nguồn đã thu thập, "
                    "nên chưa so sánh được với trung bình cấp tỉnh." if lang == "vi" else
                    f"{province}'s DTI {year} score was not published in the sources collected, so "
                    "it cannot be set against the provincial average.")
        return (f"Trung bình cấp tỉnh của DTI {year} chưa được công bố trong các nguồn đã thu "
                f"thập, nên chưa so sánh được điểm của {province}." if lang == "vi" else
                f"The provincial average of DTI {year} was not published in the sources "
                f"collected, so {province}'s score cannot be set against it.")
    clauses = []
    for _, row in rows.iterrows():
        gap = float(row["gap"])
        what = label(row["measure"], lang)
        score, average = format_number(row["score"], lang), format_number(row["national_average"], lang)
        amount = format_number(abs(gap), lang)
        if lang == "vi":
            side = "cao hơn" if gap > 0 else ("thấp hơn" if gap < 0 else "bằng")
            rel = f"{side} trung bình cấp tỉnh ({average})" + (f" {amount}" if gap else "")
            clauses.append(f"{what}: {score}, {rel}")
        else:
            side = "above" if gap > 0 else ("below" if gap < 0 else "equal to")
            rel = (f"{amount} {side}" if gap else side) + f" the provincial average ({average})"
            clauses.append(f"{what}: {score}, {rel}")
    if lang == "vi":
        return f"Điểm số DTI {year} của {province} — " + "; ".join(clauses) + "."
    return f"{province}'s DTI {year} scores — " + "; ".join(clauses) + "."


_STATUS_NUMBER = re.compile(r"(\d+)pct")


def status_sentence(target_status: pd.DataFrame, lang: str = "vi") -> str | None:
    """The reported implementation status of the Resolution's targets (e.g. at end 2022)."""
    _check_lang(lang)
    if target_status is None or target_status.empty:
        return None
    latest = target_status[target_status["as_of"].eq(target_status["as_of"].max())]
    total = int(latest["of_total"].iloc[0])
    when = format_date(latest["as_of"].iloc[0], lang)
    parts = []
    for status, count in zip(latest["status"], latest["n_targets"]):
        count = int(count)
        number = _STATUS_NUMBER.search(str(status))
        pct = f"{number[1]}%" if number else ""
        if lang == "vi":
            phrase = {"completed": f"hoàn thành {count}/{total} chỉ tiêu",
                      "initially_deployed": f"{count} chỉ tiêu mới bước đầu triển khai"}.get(status)
            if phrase is None and number:
                at_least = "từ " if "at_least" in status else ""
                phrase = f"{count} chỉ tiêu đạt {at_least}{pct}" + (" trở lên" if at_least else "")
        else:
            phrase = {"completed": f"completed {count} of the {total} targets",
                      "initially_deployed": f"{count} had only been initially deployed"}.get(status)
            if phrase is None and number:
                at_least = "at least " if "at_least" in status else ""
                phrase = f"{count} had reached {at_least}{pct}"
        parts.append(phrase or f"{status}: {count}")
    if lang == "vi":
        return (f"Theo báo cáo, đến {when}, {HOME_PROVINCE} đã " + "; ".join(parts)
                + f" (Nghị quyết {RESOLUTION}).")
    return (f"As reported, by {when} {HOME_PROVINCE} had " + "; ".join(parts)
            + f" (Resolution {RESOLUTION}).")


def targets_identified_sentence(targets: pd.DataFrame, target_status: pd.DataFrame | None,
                                lang: str = "vi") -> str:
    """How many of the Resolution's targets the sources identify."""
    _check_lang(lang)
    found = int(targets["target_id"].nunique())
    total = (int(target_status["of_total"].iloc[0])
             if target_status is not None and not target_status.empty else None)
    if lang == "vi":
        of = f"{found}/{total}" if total else f"{found}"
        return (f"Các nguồn đã thu thập xác định được {of} chỉ tiêu của Nghị quyết {RESOLUTION}; "
                "các chỉ tiêu còn lại chưa được công bố trong các nguồn này.")
    of = f"{found} of the {total}" if total else f"{found}"
    return (f"The sources collected identify {of} targets of Resolution {RESOLUTION}; the others "
            "were not published in these sources.")


def rank_target_sentence(pref: pd.DataFrame, targets: pd.DataFrame, year: int,
                         lang: str = "vi", province: str = HOME_PROVINCE) -> str:
    """The edition's overall rank against the Resolution's rank target(s)."""
    _check_lang(lang)
    table = comparisons.rank_against_target(pref, targets, province=province)
    rows = table[table["year"].eq(year) & table["rank"].notna()] if not table.empty else table
    if rows.empty:
        return (f"Chưa đối chiếu được thứ hạng DTI {year} với chỉ tiêu của Nghị quyết {RESOLUTION}: "
                f"thứ hạng của riêng {province} chưa được công bố trong các nguồn đã thu thập."
                if lang == "vi" else
                f"{province}'s DTI {year} rank cannot be checked against the Resolution "
                f"{RESOLUTION} target: its own rank was not published in the sources collected.")
    rank = int(rows["rank"].iloc[0])
    clauses = []
    for _, row in rows.sort_values("target_horizon").iterrows():
        if _missing(row["target_rank"]):
            continue
        top, horizon = int(row["target_rank"]), int(row["target_horizon"])
        inside = bool(row["within_target"])
        if lang == "vi":
            clauses.append(f"{'đã nằm trong' if inside else 'chưa đạt'} chỉ tiêu năm {horizon} "
                           f"(nhóm {top} dẫn đầu)")
        else:
            clauses.append(f"{'within' if inside else 'short of'} the {horizon} target "
                           f"(among the leading {top})")
    if not clauses:
        return (f"Chỉ tiêu thứ hạng của Nghị quyết {RESOLUTION} chưa được công bố trong các nguồn "
                "đã thu thập." if lang == "vi" else
                f"The rank target of Resolution {RESOLUTION} was not published in the sources "
                "collected.")
    disputed = _rank_target_disputed(targets)
    if lang == "vi":
        text = (f"Thứ hạng DTI {year} ({format_rank(rank, lang)}) "
                + _join(clauses, lang) + f" của Nghị quyết {RESOLUTION}.")
        if disputed:
            text += " Các nguồn không thống nhất về giá trị chỉ tiêu này (xem ghi chú bảng chỉ tiêu)."
        return text
    text = (f"The DTI {year} rank ({format_rank(rank, lang)}) is "
            + _join(clauses, lang) + f" of Resolution {RESOLUTION}.")
    if disputed:
        text += " Sources disagree on this target's value (see the note in the targets table)."
    return text


def _rank_target_disputed(targets: pd.DataFrame) -> bool:
    if "note" not in targets or "comparator" not in targets:
        return False
    notes = targets.loc[targets["comparator"].eq("top_n"), "note"].astype(str)
    return bool(notes.str.contains("CONFLICT").any())


def target_sentences(pref: pd.DataFrame, targets: pd.DataFrame | None,
                     target_status: pd.DataFrame | None, year: int, lang: str = "vi",
                     province: str = HOME_PROVINCE) -> list[str]:
    """Rank against the Resolution's rank target, and the reported status of its targets.
    Only for the province whose Resolution it is."""
    _check_lang(lang)
    if province != HOME_PROVINCE or targets is None:
        return []
    sentences = [rank_target_sentence(pref, targets, year, lang, province)]
    status = status_sentence(target_status, lang)
    if status:
        sentences.append(status)
    return sentences


def key_sentences(pref: pd.DataFrame, sources: pd.DataFrame | None, targets: pd.DataFrame | None,
                  target_status: pd.DataFrame | None, province: str, year: int,
                  lang: str = "vi", provinces: pd.DataFrame | None = None) -> list[str]:
    """The key sentences of a brief on one province and one edition, in order: overall rank and
    score, change since the previous edition, the post-merger unit (DTI 2024), strongest and
    weakest indicators, gap to the provincial average, and (Hải Dương) the Resolution's targets.
    `provinces` (load_provinces()) gives the 2025 merger; default: the project's table."""
    _check_lang(lang)
    provinces = _provinces_or_registry(provinces)
    sentences = [overall_sentence(pref, province, year, lang, sources)]
    own = _row(pref, province, year)
    merged = merged_sentence(pref, province, year, provinces, lang, sources)
    if own is not None:
        change = change_sentence(pref, province, year, lang)
        if change:
            sentences.append(change)
    if merged:
        sentences.append(merged)
        if own is None:
            last = last_published_sentence(pref, province, year, lang)
            if last:
                sentences.append(last)
    if own is not None or not comparisons.strongest_and_weakest(pref, province, year).empty:
        sentences.append(strengths_sentence(pref, province, year, lang))
    if own is not None:
        sentences.append(gap_sentence(pref, province, year, lang))
    sentences.extend(target_sentences(pref, targets, target_status, year, lang, province))
    return sentences


def as_markdown(sentences: Iterable[str]) -> str:
    """Sentences as a Markdown bullet list."""
    return "\n".join(f"- {s}" for s in sentences)


# --- display frames ----------------------------------------------------------------------------

COLUMN_LABELS = {
    "measure": ("Chỉ số", "Measure"), "unit": ("Đơn vị", "Unit"),
    "unit_system": ("Số đơn vị xếp hạng", "Units ranked"), "score": ("Điểm", "Score"),
    "rank": ("Thứ hạng", "Rank"), "percentile": ("Phân vị", "Percentile"),
    "source_id": ("Mã nguồn", "Source id"), "published": ("Đã công bố", "Published"),
    "role": ("Vai trò", "Role"), "national_average": ("Trung bình cấp tỉnh", "Provincial average"),
    "gap": ("Chênh lệch", "Gap"), "year": ("Năm", "Year"),
    "previous_year": ("Kỳ trước", "Previous edition"), "previous_rank": ("Hạng kỳ trước", "Previous rank"),
    "change": ("Thay đổi (+ = tăng bậc)", "Change (+ = improved)"),
    "comparable": ("So sánh được", "Comparable"), "n_sources": ("Số nguồn", "Sources"),
    "source_ids": ("Mã nguồn", "Source ids"), "status": ("Tình trạng", "Status"),
    "publisher": ("Cơ quan đăng", "Publisher"), "title": ("Tiêu đề", "Title"),
    "date": ("Ngày", "Date"), "url": ("URL", "URL"), "group": ("Nhóm", "Group"),
    "position": ("Vị trí", "Position"), "target_horizon": ("Mốc chỉ tiêu", "Target horizon"),
    "target_rank": ("Chỉ tiêu thứ hạng", "Target rank"), "within_target": ("Đạt chỉ tiêu", "Within target"),
    "conflict": ("Các giá trị", "Values given"), "target_id": ("Chỉ tiêu", "Target"),
    "horizon": ("Mốc", "Horizon"), "label": ("Nội dung", "Wording"),
    "value_text": ("Giá trị", "Value"), "from_value": ("Giá trị ban đầu", "Original value"),
    "to_value": ("Đề xuất điều chỉnh", "Proposed value"), "proposed_on": ("Ngày đề xuất", "Proposed on"),
    "as_of": ("Thời điểm", "As of"), "n_targets": ("Số chỉ tiêu", "Targets"),
    "of_total": ("Trên tổng số", "Of"),
}

VALUE_LABELS = {
    "role": {"province": ("tỉnh được xem", "province"), "peer": ("tỉnh lân cận", "peer"),
             "national_average": ("trung bình cấp tỉnh", "provincial average"),
             "best": ("cao nhất", "best")},
    "position": {"strongest": ("mạnh nhất", "strongest"), "weakest": ("yếu nhất", "weakest")},
    "status": {"published": ("đã công bố", "published"),
               "not published": ("chưa công bố", "not published"),
               "rank only": ("chỉ có thứ hạng", "rank only"),
               "score only": ("chỉ có điểm", "score only"),
               "conflict": ("nguồn không thống nhất", "sources disagree"),
               "completed": ("hoàn thành", "completed"),
               "proposed": ("đề xuất", "proposed"), "adopted": ("đã thông qua", "adopted"),
               "initially_deployed": ("bước đầu triển khai", "initially deployed")},
}


def status_label(status: str, lang: str = "vi") -> str:
    """A target-status code in words; the percentage is read from the code (at_least_60pct)."""
    i = 0 if _check_lang(lang) == "vi" else 1
    known = VALUE_LABELS["status"].get(status)
    if known:
        return known[i]
    number = _STATUS_NUMBER.search(str(status))
    if not number:
        return str(status)
    if "at_least" in str(status):
        return f"đạt từ {number[1]}% trở lên" if lang == "vi" else f"at least {number[1]}%"
    return f"đạt {number[1]}%" if lang == "vi" else f"at {number[1]}%"

_SCORE_COLUMNS = ("score", "national_average", "gap")
_PERCENT_COLUMNS = ("percentile",)
_RANK_COLUMNS = ("rank", "previous_rank", "target_rank", "n_sources", "unit_system", "year",
                 "previous_year", "target_horizon", "horizon", "change", "n_targets", "of_total")


def display_table(frame: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """A copy for display: labels in the language, numbers formatted in its convention, and
    every missing figure written "chưa công bố" / "not published". Never used for computing."""
    _check_lang(lang)
    i = 0 if lang == "vi" else 1
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if column == "measure":
            out[column] = [label(m, lang) for m in values]
        elif column == "status":
            out[column] = [status_label(v, lang) for v in values]
        elif column in VALUE_LABELS:
            mapping = VALUE_LABELS[column]
            out[column] = [mapping[v][i] if v in mapping else v for v in values]
        elif column in _SCORE_COLUMNS:
            out[column] = [format_number(v, lang) for v in values]
        elif column in _PERCENT_COLUMNS:
            out[column] = [format_percent(v, lang) for v in values]
        elif column in ("previous_year", "target_horizon", "horizon", "unit_system"):
            out[column] = ["—" if _missing(v) else f"{int(v)}" for v in values]
        elif column in _RANK_COLUMNS:
            out[column] = [NOT_PUBLISHED[lang] if _missing(v) else f"{int(v)}" for v in values]
        elif column in ("from_value", "to_value"):
            out[column] = [format_value(v, lang) for v in values]
        elif values.dtype == bool or column in ("published", "comparable", "within_target"):
            yes, no = ("có", "không") if lang == "vi" else ("yes", "no")
            out[column] = ["" if _missing(v) else (yes if bool(v) else no) for v in values]
        else:
            out[column] = ["" if _missing(v) else v for v in values]
    out.columns = [COLUMN_LABELS[c][i] if c in COLUMN_LABELS else c for c in out.columns]
    return out.reset_index(drop=True)


def sources_table(sources: pd.DataFrame, source_ids: Iterable[str], lang: str = "vi") -> pd.DataFrame:
    """The source-registry rows behind the figures shown: publisher, title, date, URL (as text)."""
    wanted = []
    for value in source_ids:
        if _missing(value):
            continue
        for sid in str(value).split(";"):
            sid = sid.strip()
            if sid and sid not in wanted:
                wanted.append(sid)
    rows = sources[sources["source_id"].isin(wanted)].copy()
    rows["date"] = [p if str(p) else s for p, s in zip(rows["date_published"], rows["date_shown"])]
    rows = rows[["publisher", "title", "date", "url"]].sort_values(["publisher", "date"])
    return display_table(rows, lang)


def table_html(frame: pd.DataFrame, link_column: str | None = None) -> str:
    """A display table as HTML without pandas' row numbers and with nothing cut short; the cells
    of `link_column` become links to themselves. Every cell is escaped: text from data stays text."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, value in zip(frame.columns, record):
            text = html.escape(str(value))
            if column == link_column and str(value).startswith(("http://", "https://")):
                text = f'<a href="{html.escape(str(value), quote=True)}">{text}</a>'
            cells.append(f"<td>{text}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<table class="dataframe"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def sources_html(sources: pd.DataFrame, source_ids: Iterable[str], lang: str = "vi") -> str:
    """`sources_table` as HTML, each URL a link to the page (a link, never a loaded resource)."""
    table = sources_table(sources, source_ids, lang)
    return table_html(table, link_column=table.columns[-1])


def trend_sentences(pref: pd.DataFrame, province: str, years: Iterable[int], lang: str = "vi",
                    sources: pd.DataFrame | None = None,
                    provinces: pd.DataFrame | None = None) -> list[str]:
    """Edition by edition: the overall rank (or "not published") and its change; for an edition
    published for the 34 post-merger units, the unit the province became part of."""
    _check_lang(lang)
    provinces = _provinces_or_registry(provinces)
    sentences = []
    for year in years:
        own = _row(pref, province, year)
        sentences.append(overall_sentence(pref, province, year, lang, sources))
        if own is not None:
            change = change_sentence(pref, province, year, lang)
            if change:
                sentences.append(change)
        merged = merged_sentence(pref, province, year, provinces, lang, sources)
        if merged:
            sentences.append(merged)
    return sentences


def wide_table(frame: pd.DataFrame, index: str, columns: str, values: str,
               lang: str = "vi") -> pd.DataFrame:
    """A tidy frame spread for reading (e.g. measure x unit ranks), formatted like
    `display_table`; a cell nobody published reads "chưa công bố" / "not published"."""
    _check_lang(lang)
    if frame.empty:
        return display_table(frame, lang)
    keys = list(dict.fromkeys(frame[index]))
    cols = list(dict.fromkeys(frame[columns]))
    spread = frame.drop_duplicates([index, columns]).set_index([index, columns])[values]
    shown = display_table(spread.reset_index()[[values]], lang)[COLUMN_LABELS.get(
        values, (values, values))[0 if lang == "vi" else 1]]
    shown.index = spread.index
    out = pd.DataFrame({c: [shown.get((k, c), NOT_PUBLISHED[lang]) for k in keys] for c in cols})
    out.insert(0, index, keys)
    out = display_table(out[[index]], lang).join(out.drop(columns=[index]))
    out.columns = [str(c) for c in out.columns]
    return out


def targets_table(targets: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """The Resolution's targets as identified: id, horizon, wording in the language (the other
    language's wording where the sources give only that one), value, unit, source."""
    _check_lang(lang)
    first, second = ("label_vi", "label_en") if lang == "vi" else ("label_en", "label_vi")
    words = [a if isinstance(a, str) and a else (b if isinstance(b, str) else "")
             for a, b in zip(targets[first], targets[second])]
    frame = pd.DataFrame({"target_id": targets["target_id"], "horizon": targets["horizon"],
                          "label": words, "value_text": targets["value_text"],
                          "unit": targets["unit"], "source_id": targets["source_id"]})
    out = display_table(frame, lang)
    return out


def progress_table(progress: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Reported progress: target, when, value (a number in the language's convention where the
    source gave one, else its words), unit, source."""
    _check_lang(lang)
    values = [format_value(v, lang) if not _missing(v) else ("" if _missing(t) else str(t))
              for v, t in zip(progress["value"], progress["value_text"])]
    frame = pd.DataFrame({"target_id": progress["target_id"], "as_of": progress["as_of"],
                          "value_text": values, "unit": progress["unit"],
                          "source_id": progress["source_id"]})
    return display_table(frame, lang)
