"""Errors a user can act on. The command line prints them as one line each, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one place: file, line (1-based, header = 1), column, value, rule."""

    file: str
    line: int | None
    column: str | None
    value: object
    rule: str

    def __str__(self) -> str:
        """"file, line n, column c: 'value': rule"; line, column and value left out when unknown."""
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f", column {self.column}"
        value = "" if self.value is None else f": {self.value!r}"
        return f"{where}{value}: {self.rule}"


def given(name: str, *value) -> str:
    """How a message names what the user gave: `parameter year=2019` for a notebook parameter,
    `--years: '2019'` for a command-line option (a name starting with "-"); without a value,
    the name alone (`parameter peers`, `-p peers`)."""
    option = name.startswith("-")
    if not value:
        return name if option else f"parameter {name}"
    return f"{name}: {value[0]!r}" if option else f"parameter {name}={value[0]!r}"


class UserError(Exception):
    """A mistake in a file or parameter the user gave; carries every problem found."""

    def __init__(self, problems: list[Problem] | str):
        """An error with a message of its own (no problems), or with the problems, one a line."""
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            message = problems
        else:
            self.problems = list(problems)
            message = "\n".join(str(p) for p in self.problems)
        super().__init__(message)

    def _render_traceback_(self) -> list[str]:
        """The message alone, one line per problem, in place of IPython's traceback."""
        # IPython calls this instead of printing a traceback: a notebook stopped by a bad
        # parameter shows the message alone, one line per problem.
        return [f"{type(self).__name__}: {line}" for line in str(self).splitlines()]
