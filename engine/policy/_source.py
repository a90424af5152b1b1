"""A loaded policy: its rules and parameters with where each was written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.domain import DenialReason
from engine.policy._boxes import Matcher
from engine.policy._errors import SourceLocation
from engine.policy._model import Conditions
from engine.policy._resolve import ParameterValue

__all__ = ["DEFAULT_DENY_REASON", "Parameter", "PolicySource", "Rule"]

DEFAULT_DENY_REASON = "no rule gives you access to this door; ask the facility office"


@dataclass(frozen=True)
class Rule:
    """One rule as loaded; `matcher` is None when the rule is switched off."""

    id: str
    effect: Literal["permit", "forbid"]
    description: str
    reason: str | None
    location: SourceLocation
    when: Conditions
    unless: Conditions | None
    enabled: bool
    enabled_by: str | None
    """The `$parameter` that switches the rule, if any."""
    matcher: Matcher | None
    code: DenialReason | None = None
    """A forbid's denial code; None for a permit."""

    @property
    def shown_reason(self) -> str:
        """What a person at the door is told when this rule decides."""
        return self.reason or self.description


@dataclass(frozen=True)
class Parameter:
    """A named value; `value` is the one in force, `file_value` the one written."""

    name: str
    value: ParameterValue
    file_value: ParameterValue
    description: str
    location: SourceLocation

    @property
    def overridden(self) -> bool:
        """True when the facility set a value other than the file's."""
        return self.value != self.file_value


@dataclass(frozen=True)
class PolicySource:
    """Every file of one policy, merged, checked and linked."""

    origin: str
    """The directory or file it was read from."""
    files: tuple[tuple[str, str], ...]
    """`(name, sha256)` of each file, in load order."""
    rules: tuple[Rule, ...]
    parameters: tuple[Parameter, ...]
    deny_reason: str
    version: str
    """Content hash of the files and parameter values: identifies the policy everywhere."""

    def rule(self, rule_id: str) -> Rule:
        """The rule called `rule_id` (KeyError if none)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def parameter_values(self) -> dict[str, ParameterValue]:
        """Parameter values in force, by name."""
        return {p.name: p.value for p in self.parameters}
