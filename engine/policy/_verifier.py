"""Prove invariants over every reachable request of a compiled policy's decision table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from engine.policy._boxes import Box, box_cells, box_has
from engine.policy._compiler import CompiledPolicy
from engine.policy._errors import PolicyError, PolicyIssue, SourceLocation
from engine.policy._files import read_policy_file
from engine.policy._loader import parse_model
from engine.policy._model import InvariantFileSpec, InvariantSpec
from engine.policy._reach import reachability
from engine.policy._request import Decision
from engine.policy._resolve import ResolveError, conditions_box
from engine.policy._source import Rule
from engine.policy._space import SPACE
from engine.policy._yaml import Located, read_yaml

__all__ = [
    "Counterexample",
    "Invariant",
    "InvariantResult",
    "VerifyReport",
    "load_invariants",
    "verify_policy",
]


@dataclass(frozen=True)
class Invariant:
    """An invariant as loaded, with its boxes resolved."""

    spec: InvariantSpec
    location: str
    when: Box
    only_if: tuple[Box, ...]

    @property
    def id(self) -> str:
        """The invariant's id."""
        return self.spec.id


@dataclass(frozen=True)
class Counterexample:
    """The smallest request that breaks an invariant, and the rules that made it so."""

    cell: int
    attributes: dict[str, str]
    decision: Decision
    responsible: tuple[Rule, ...]
    """Permits that let it through, or forbids that kept it out (empty: no permit matches)."""


@dataclass(frozen=True)
class InvariantResult:
    """The outcome for one invariant."""

    invariant: Invariant
    status: Literal["proved", "violated", "not_applicable", "system"]
    checked: int
    """Reachable requests the invariant speaks about, all of them examined."""
    violations: int
    counterexample: Counterexample | None = None
    note: str = ""


@dataclass(frozen=True)
class VerifyReport:
    """Every invariant's result for one policy version."""

    policy_version: str
    results: tuple[InvariantResult, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        """True when no invariant is violated."""
        return all(r.status != "violated" for r in self.results)

    @property
    def failures(self) -> tuple[InvariantResult, ...]:
        """The violated invariants."""
        return tuple(r for r in self.results if r.status == "violated")


def _locator(located: Located, base: tuple[str | int, ...]) -> Callable[[str], SourceLocation]:
    return lambda attr: located.location((*base, attr))


def load_invariants(path: Path | str) -> tuple[Invariant, ...]:
    """Load `specs/invariants.yaml` (or another file of the same format)."""
    path = Path(path)
    if not path.is_file():
        raise PolicyError([PolicyIssue("error", "not-found", f"no invariants file at `{path}`")])
    located = read_yaml(read_policy_file(path), str(path))
    spec = parse_model(InvariantFileSpec, located)
    issues: list[PolicyIssue] = []
    out: list[Invariant] = []
    seen: set[str] = set()
    for i, inv in enumerate(spec.invariants):
        base: tuple[str | int, ...] = ("invariants", i)
        where = located.location(base)
        if inv.id in seen:
            issues.append(
                PolicyIssue(
                    "error", "duplicate-invariant", f"invariant id `{inv.id}` is used twice", where
                )
            )
        seen.add(inv.id)
        if inv.check == "policy" and (inv.require is None) == (inv.allow_only_if is None):
            issues.append(
                PolicyIssue(
                    "error",
                    "invariant-form",
                    f"invariant `{inv.id}` needs exactly one of `require` or `allow_only_if`",
                    where,
                )
            )
            continue
        if inv.check == "system" and not inv.tested_by:
            issues.append(
                PolicyIssue(
                    "error",
                    "invariant-form",
                    f"system invariant `{inv.id}` names no test in `tested_by`",
                    where,
                )
            )
            continue
        try:
            when = conditions_box(inv.when, {}, _locator(located, (*base, "when")))
            only = tuple(
                conditions_box(c, {}, _locator(located, (*base, "allow_only_if", k)))
                for k, c in enumerate(inv.allow_only_if or ())
            )
        except ResolveError as exc:
            issues.append(exc.issue)
            continue
        out.append(Invariant(inv, str(where), when, only))
    if issues:
        raise PolicyError(issues)
    return tuple(out)


def _size_key(cell: int) -> tuple[int, int, int]:
    indexes = SPACE.decode(cell)
    perms = indexes[SPACE.position["permissions"]].bit_count()
    flags = sum(indexes[i] for i, d in enumerate(SPACE.dimensions) if d.kind == "bool")
    return perms, flags, cell


def _check(policy: CompiledPolicy, inv: Invariant) -> InvariantResult:
    spec = inv.spec
    if spec.check == "system":
        return InvariantResult(inv, "system", 0, 0, note="tested by " + ", ".join(spec.tested_by))
    params = policy.parameters
    for name, wanted in spec.given.items():
        if name not in params:
            return InvariantResult(
                inv,
                "violated",
                0,
                0,
                note=f"the policy has no parameter `{name}` this invariant depends on",
            )
        if params[name] != wanted:
            # Said plainly: a facility setting this parameter gives the invariant up.
            return InvariantResult(
                inv,
                "not_applicable",
                0,
                0,
                note=(
                    f"given up: this policy sets `{name}` to {params[name]!r}, and the "
                    f"invariant holds only with {wanted!r}"
                ),
            )
    flags = reachability().flags
    table, allowed = policy.table, policy.allowed_codes
    cells = [c for c in box_cells(inv.when) if flags[c]]
    if spec.require == "deny":
        bad = [c for c in cells if allowed[table[c]]]
    elif spec.require == "permit":
        bad = [c for c in cells if not allowed[table[c]]]
    else:
        permitted = [c for c in cells if allowed[table[c]]]
        bad = [c for c in permitted if not any(box_has(b, SPACE.decode(c)) for b in inv.only_if)]
    if not bad:
        return InvariantResult(inv, "proved", len(cells), 0)
    cell = min(bad, key=_size_key)
    decision = policy.decisions[table[cell]]
    matched = policy.matching_rules(cell)
    wanted_effect = "permit" if decision.allowed else "forbid"
    responsible = tuple(r for r in matched if r.effect == wanted_effect)
    example = Counterexample(cell, SPACE.describe(cell), decision, responsible)
    return InvariantResult(inv, "violated", len(cells), len(bad), example)


def verify_policy(policy: CompiledPolicy, invariants: tuple[Invariant, ...]) -> VerifyReport:
    """Check every invariant on every reachable request of `policy`."""
    started = time.perf_counter()
    results = tuple(_check(policy, inv) for inv in invariants)
    return VerifyReport(policy.version, results, time.perf_counter() - started)
