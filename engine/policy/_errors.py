"""Errors of the policy package. Every issue carries where in which file it was found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from engine.errors import InvalidInputError, UnitgateError

__all__ = [
    "PolicyError",
    "PolicyIssue",
    "PolicyRejected",
    "SourceLocation",
]


@dataclass(frozen=True)
class SourceLocation:
    """A place in a policy or invariants file; `field` is the dotted path of the value."""

    file: str
    line: int
    column: int
    field: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class PolicyIssue:
    """One finding of the loader or the validator."""

    severity: Literal["error", "warning"]
    code: str
    """A stable kebab-case name, e.g. `unknown-attribute`, for filtering and docs."""
    message: str
    """Short, lowercase, user input in backticks."""
    location: SourceLocation | None = None
    help: str | None = None

    def render(self) -> str:
        """`file:line:col: severity[code]: message` with field and help lines below."""
        where = f"{self.location}: " if self.location else ""
        lines = [f"{where}{self.severity}[{self.code}]: {self.message}"]
        if self.location and self.location.field:
            lines.append(f"  --> field `{self.location.field}`")
        if self.help:
            lines.append(f"  = help: {self.help}")
        return "\n".join(lines)


class PolicyError(InvalidInputError):
    """A policy or invariants file cannot be used; `issues` lists every error found."""

    title = "invalid policy"

    def __init__(self, issues: Sequence[PolicyIssue]) -> None:
        self.issues = tuple(issues)
        first = self.issues[0]
        more = len(self.issues) - 1
        suffix = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
        where = f"{first.location}: " if first.location else ""
        super().__init__(f"{where}{first.message}{suffix}", help=first.help)

    def render(self) -> str:
        """Every issue, one block each."""
        return "\n".join(issue.render() for issue in self.issues)


class PolicyRejected(UnitgateError):
    """A new policy was refused: invalid, or an invariant does not hold. The old one serves.

    `code` says why in one word (a `PolicyIssue` code, `invariant-violated`, or
    `internal-error` for a failure unitgate did not foresee); `file` is the base name of the
    file at fault, when one is.
    """

    title = "policy rejected"

    def __init__(
        self, message: str, *, code: str, file: str | None = None, help: str | None = None
    ) -> None:
        super().__init__(message, help=help)
        self.code = code
        self.file = file

    @classmethod
    def of(cls, prefix: str, error: PolicyError) -> PolicyRejected:
        """The refusal of a policy whose files have `error`; the message starts `prefix: `."""
        first = error.issues[0]
        file = PurePath(first.location.file).name if first.location else None
        return cls(f"{prefix}: {error.message}", code=first.code, file=file, help=error.help)
