"""Every request whose decision differs between two compiled policies, as readable rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from engine.policy._compiler import CompiledPolicy
from engine.policy._cover import Row, cover
from engine.policy._reach import reachability

__all__ = ["DiffRow", "PolicyDiff", "diff_policies"]


@dataclass(frozen=True)
class DiffRow:
    """Requests (described by `conditions`) that change the same way for the same rules."""

    before: str
    """`permit` or `deny`."""
    after: str
    before_rule: str | None
    after_rule: str | None
    conditions: Row
    requests: int


@dataclass(frozen=True)
class PolicyDiff:
    """How `new` decides differently from `old`."""

    old_version: str
    new_version: str
    rows: tuple[DiffRow, ...]
    changed: int
    """Requests whose decision (permit/deny) changes."""
    reason_changed: int
    """Requests with the same decision but another deciding rule (what people are told)."""

    @property
    def empty(self) -> bool:
        """True when no decision changes."""
        return self.changed == 0


def _word(allowed: bool) -> str:
    return "permit" if allowed else "deny"


def diff_policies(old: CompiledPolicy, new: CompiledPolicy) -> PolicyDiff:
    """Compare decisions on every reachable request."""
    flags = reachability().flags
    groups: dict[tuple[bool, bool, str | None, str | None], list[int]] = defaultdict(list)
    reason_changed = 0
    for cell, reachable in enumerate(flags):
        if not reachable or (
            old.table[cell] == new.table[cell] and old.active_ids == new.active_ids
        ):
            continue
        before, after = old.decisions[old.table[cell]], new.decisions[new.table[cell]]
        if before.allowed != after.allowed:
            groups[(before.allowed, after.allowed, before.rule, after.rule)].append(cell)
        elif before.rule != after.rule:
            reason_changed += 1
    rows = [
        DiffRow(_word(b), _word(a), br, ar, row, count)
        for (b, a, br, ar), cells in sorted(groups.items(), key=lambda kv: -len(kv[1]))
        for row, count in cover(cells)
    ]
    changed = sum(len(c) for c in groups.values())
    return PolicyDiff(old.version, new.version, tuple(rows), changed, reason_changed)
