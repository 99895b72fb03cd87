"""The one rule for dates in the data: ISO 8601 calendar dates, as precise as the source is.

Why one rule: the precedence rule (`analysis.data.preferred_dti`) compares dates published as
text, which is date order only for zero-padded ISO dates; a brief formats them
(`analysis.i18n.date`); the build, the schemas, `validate` and `import-dti` check them. Four
rules had grown apart: the importer refused "2023", the schema let "2023-02-30" through, and the
brief then failed on it. Every one of them now asks this module.

What is a date (`parse`):

- `YYYY-MM-DD`, a day, checked against the calendar (2024-02-29 yes, 2023-02-29 no);
- `YYYY-MM`, a month, 01 to 12;
- `YYYY`, a year alone. A source is dated as precisely as it dates itself: the registry holds two
  pages dated only by their year ("mid-2021", "c. 2025" in the reference notes), and nothing is
  invented to give them a month. The precedence rule counts a month or a year from its first day.

Four-digit years, zero-padded months and days, nothing around them (no spaces, no time of day).
An empty cell means "not stated" where a column allows it. Where only a day will do (the day a
page was read, the day a proposal was made), the caller asks for `DAY` precision.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

YEAR, MONTH, DAY = 1, 2, 3  # precisions, coarsest first
FORMS = {DAY: "YYYY-MM-DD", MONTH: "YYYY-MM", YEAR: "YYYY"}
EXAMPLE = "2023-07-12"
_SHAPE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class IsoDate:
    """A date as the data states it: a year, maybe a month, maybe a day."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> int:
        """DAY, MONTH or YEAR: how much of the date is stated."""
        return YEAR if self.month is None else MONTH if self.day is None else DAY

    @property
    def first_day(self) -> dt.date:
        """The day the date starts on (a month or a year counts from its first day)."""
        return dt.date(self.year, 1 if self.month is None else self.month,
                       1 if self.day is None else self.day)


def parse(text) -> IsoDate | None:
    """The date `text` states, or None when it is not an ISO date of the calendar (see above)."""
    match = _SHAPE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:  # month 00 or 13, 30 February, year 0000: not in the calendar
        dt.date(year, 1 if month is None else month, 1 if day is None else day)
    except ValueError:
        return None
    return IsoDate(year, month, day)


def allowed(finest_required: int = YEAR, blank: bool = False) -> str:
    """What a check with these options accepts, in the words its error message uses."""
    forms = [FORMS[p] for p in (DAY, MONTH, YEAR) if p >= finest_required]
    listed = forms[0] if len(forms) == 1 else f"{', '.join(forms[:-1])} or {forms[-1]}"
    return (f"must be a calendar date {listed} (e.g. {EXAMPLE})"
            + (", or blank" if blank else ""))


def problem(text, finest_required: int = YEAR, blank: bool = False) -> str | None:
    """None when `text` is a date at least as precise as `finest_required` (or blank, when
    `blank` allows it); else the rule it breaks, saying what is allowed."""
    if blank and (text is None or text == ""):  # spaces are not blank: they sort before digits
        return None
    date = parse(text)
    if date is None or date.precision < finest_required:
        return allowed(finest_required, blank)
    return None


def is_valid(text, finest_required: int = YEAR, blank: bool = False) -> bool:
    """True when `problem` finds nothing wrong with `text` under the same options."""
    return problem(text, finest_required, blank) is None
