"""Compile a loaded policy to a complete decision table, and evaluate by lookup.

Table entry = code of the deciding rule: 0 for deny by default, `k` for `rules[k - 1]`.
The deciding rule is the first matching forbid in file order, else the first matching
permit: forbid wins, deny by default, and the order of rules never changes a decision.

Every denial carries a `DenialReason`: a forbid's is its `code:`; a deny by default is
classified from the table itself: `channel_not_permitted` when the same request through
another channel is permitted, else `no_role_or_rental`.
"""

from __future__ import annotations

from array import array
from collections.abc import Mapping
from dataclasses import dataclass, replace

from engine.domain import DenialReason
from engine.policy._boxes import box_has, decision_regions, matcher_cells
from engine.policy._reach import reachability
from engine.policy._request import AccessRequest, Decision
from engine.policy._source import PolicySource, Rule
from engine.policy._space import SPACE

__all__ = ["CompiledPolicy", "Explanation", "compile_policy"]

_CHANNEL_STRIDE = SPACE.strides[SPACE.position["channel"]]
_CHANNELS = SPACE.dimension("channel").size


@dataclass(frozen=True)
class Explanation:
    """Why a request was decided as it was."""

    request: AccessRequest
    decision: Decision
    matched: tuple[Rule, ...]
    """Every enabled rule whose conditions hold, in file order."""

    @property
    def deciding(self) -> Rule | None:
        """The rule that decided; None for deny by default."""
        for rule in self.matched:
            if rule.id == self.decision.rule:
                return rule
        return None


class CompiledPolicy:
    """A policy as a decision table over every request of the space."""

    def __init__(self, source: PolicySource) -> None:
        self.source = source
        self.version = source.version
        self.active: tuple[Rule, ...] = tuple(r for r in source.rules if r.matcher is not None)
        # Priority order: forbids, then permits, each in file order.
        order = [i for i, r in enumerate(self.active) if r.effect == "forbid"]
        order += [i for i, r in enumerate(self.active) if r.effect == "permit"]
        matchers = [self.active[i].matcher for i in order]
        table = array("H", bytes(2 * SPACE.cells))
        for start, length, first in decision_regions([m for m in matchers if m is not None]):
            if first >= 0:
                table[start : start + length] = array("H", [order[first] + 1]) * length
        self.table = table
        self.active_ids = tuple(r.id for r in self.active)
        deny = Decision(
            False, None, source.deny_reason, source.version, DenialReason.NO_ROLE_OR_RENTAL
        )
        self.channel_denial = replace(deny, reason_code=DenialReason.CHANNEL_NOT_PERMITTED)
        """The deny by default of a request another channel would open."""
        self.decisions: tuple[Decision, ...] = (
            deny,
            *(
                Decision(r.effect == "permit", r.id, r.shown_reason, source.version, r.code)
                for r in self.active
            ),
        )
        self.allowed_codes = bytes(d.allowed for d in self.decisions)

    @property
    def parameters(self) -> dict[str, object]:
        """Parameter values in force."""
        return dict(self.source.parameter_values)

    def decide(self, request: AccessRequest) -> Decision:
        """The decision for `request`: one table lookup (a deny by default, classified)."""
        return self.decision_at(request.cell)

    def decision_at(self, cell: int) -> Decision:
        """The decision for the request at `cell`."""
        code = self.table[cell]
        if code or not self._other_channel_opens(cell):
            return self.decisions[code]
        return self.channel_denial

    def allowed_cell(self, cell: int) -> bool:
        """Whether the request at `cell` is permitted."""
        return bool(self.allowed_codes[self.table[cell]])

    def _other_channel_opens(self, cell: int) -> bool:
        """Whether the request at `cell` through some other channel is a permitted one."""
        reachable = reachability().flags
        base = cell - (cell // _CHANNEL_STRIDE) % _CHANNELS * _CHANNEL_STRIDE
        for n in range(_CHANNELS):
            other = base + n * _CHANNEL_STRIDE
            if other != cell and reachable[other] and self.allowed_codes[self.table[other]]:
                return True
        return False

    def matching_rules(self, cell: int) -> tuple[Rule, ...]:
        """Every enabled rule matching the request at `cell`, in file order."""
        indexes = SPACE.decode(cell)
        out = []
        for rule in self.active:
            m = rule.matcher
            assert m is not None
            if box_has(m.when, indexes) and not (m.unless and box_has(m.unless, indexes)):
                out.append(rule)
        return tuple(out)

    def explain(self, request: AccessRequest) -> Explanation:
        """The decision with every rule that matched."""
        return Explanation(request, self.decide(request), self.matching_rules(request.cell))

    def rule_cells(self) -> dict[str, list[int]]:
        """Per enabled rule, the reachable cells it matches (not kept: it is large)."""
        flags = reachability().flags
        return {
            rule.id: [c for c in matcher_cells(rule.matcher) if flags[c]]
            for rule in self.active
            if rule.matcher is not None
        }

    def rule_statistics(
        self, rule_cells: Mapping[str, list[int]] | None = None
    ) -> dict[str, tuple[int, int]]:
        """Per enabled rule: reachable requests it matches, and those where it does not decide.

        For a permit, the second number counts requests a forbid overrides. Pass
        `rule_cells()` when the caller has it already.
        """
        by_rule = self.rule_cells() if rule_cells is None else rule_cells
        table = self.table
        stats: dict[str, tuple[int, int]] = {}
        for code, rule in enumerate(self.active, start=1):
            cells = by_rule[rule.id]
            if rule.effect == "permit":
                lost = sum(1 for c in cells if not self.allowed_codes[table[c]])
            else:
                lost = sum(1 for c in cells if table[c] != code)
            stats[rule.id] = (len(cells), lost)
        return stats


def compile_policy(source: PolicySource) -> CompiledPolicy:
    """Compile `source` to its decision table."""
    return CompiledPolicy(source)
