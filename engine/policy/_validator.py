"""Find rules that cannot do what their author meant: dead, shadowed or without effect."""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.policy._compiler import CompiledPolicy
from engine.policy._errors import PolicyIssue
from engine.policy._source import PolicySource, Rule
from engine.policy._space import SPACE

__all__ = ["validate_policy"]

_PARAM_REF = re.compile(r"\$([a-z][a-z0-9_]*)")


def _permit_only_allowed(policy: CompiledPolicy, cells: Mapping[str, list[int]]) -> bytearray:
    """Per reachable cell: 1 where some enabled permit matches (forbids ignored)."""
    allowed = bytearray(SPACE.cells)
    for rule in policy.active:
        if rule.effect == "permit":
            for cell in cells[rule.id]:
                allowed[cell] = 1
    return allowed


def _forbid_counts(forbids: list[tuple[Rule, list[int]]]) -> bytearray:
    counts = bytearray(SPACE.cells)
    for _, cells in forbids:
        for cell in cells:
            counts[cell] = min(counts[cell] + 1, 255)
    return counts


def _referenced_parameters(source: PolicySource) -> set[str]:
    names: set[str] = set()
    for rule in source.rules:
        if rule.enabled_by:
            names.add(rule.enabled_by[1:])
        for conditions in (rule.when, rule.unless):
            if conditions is not None:
                names.update(_PARAM_REF.findall(repr(conditions)))
    return names


def validate_policy(policy: CompiledPolicy) -> list[PolicyIssue]:
    """Issues of a compiled policy: errors for dead rules, warnings for ineffective ones."""
    issues: list[PolicyIssue] = []
    rule_cells = policy.rule_cells()
    stats = policy.rule_statistics(rule_cells)
    forbids = [(r, rule_cells[r.id]) for r in policy.active if r.effect == "forbid"]
    permitted = _permit_only_allowed(policy, rule_cells)
    counts = _forbid_counts(forbids)
    for rule in policy.active:
        matched, lost = stats[rule.id]
        if matched == 0:
            issues.append(
                PolicyIssue(
                    "error",
                    "never-matches",
                    f"rule `{rule.id}` matches no possible request",
                    rule.location,
                    "its conditions contradict each other or the request space "
                    "(e.g. permissions for a non-employee); see `unitgate policy check --help`",
                )
            )
        elif rule.effect == "permit" and lost == matched:
            issues.append(
                PolicyIssue(
                    "warning",
                    "permit-shadowed",
                    f"permit `{rule.id}` never decides: a forbid overrides it on every request",
                    rule.location,
                    "narrow the forbids or delete the permit",
                )
            )
    for rule, cells in forbids:
        if cells and not any(permitted[c] and counts[c] == 1 for c in cells):
            issues.append(
                PolicyIssue(
                    "warning",
                    "forbid-without-effect",
                    f"forbid `{rule.id}` changes no decision: no permit it overrides, "
                    "or another forbid always does the same",
                    rule.location,
                    "deny is the default; keep it only as documentation of intent",
                )
            )
    used = _referenced_parameters(policy.source)
    for param in policy.source.parameters:
        if param.name not in used:
            issues.append(
                PolicyIssue(
                    "warning",
                    "unused-parameter",
                    f"parameter `{param.name}` is used by no rule",
                    param.location,
                    f"refer to it as `${param.name}` or delete it",
                )
            )
    return issues
