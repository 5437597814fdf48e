"""Errors of the flow language: one root, a kind for bad flow files and one for bad expressions."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from frontdesk import FrontdeskError


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding about a flows file, located by file and line."""

    file: str
    line: int
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        tag = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.file}:{self.line}: {tag}{self.message}"


class FlowError(FrontdeskError):
    """Root of every error the flow language raises on purpose."""


class FlowFileError(FlowError):
    """A flows file has errors; `problems` lists all of them (and the warnings found alongside)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        errors = [p for p in problems if p.severity is Severity.ERROR]
        super().__init__("\n".join(str(p) for p in errors))


class ExpressionSyntaxError(FlowError):
    """An expression or template cannot be read; `column` is 1-based within its text."""

    def __init__(self, reason: str, column: int) -> None:
        self.reason = reason
        self.column = column
        super().__init__(f"{reason} at column {column}")


class FlowRunError(FlowError):
    """A flow run was driven wrongly (for instance started twice)."""
