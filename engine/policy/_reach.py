"""Which cells are real requests. Proofs, diffs and reports range over these cells only.

`AccessRequest` refuses to be built for an unreachable cell, so every decision the service
makes lies in the space the proofs cover.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import accumulate

from engine.domain import DoorKind, PrincipalKind, Relation
from engine.policy._boxes import Box, box_cells
from engine.policy._space import NO_UNIT, SPACE, Space

__all__ = ["CONSTRAINTS", "Reachability", "box_of", "reachability"]


def box_of(allowed: Mapping[str, Iterable[int | str]], space: Space = SPACE) -> Box:
    """A box from per-dimension allowed values (names, or indexes for `set` dimensions)."""
    box = list(space.full_box)
    for name, values in allowed.items():
        dim = space.dimension(name)
        mask = 0
        for value in values:
            mask |= 1 << (value if isinstance(value, int) else dim.index(value))
        box[space.position[name]] = mask
    return tuple(box)


def _others(name: str, *excluded: str) -> list[str]:
    return [v for v in SPACE.dimension(name).values if v not in excluded]


CONSTRAINTS: tuple[tuple[str, Box], ...] = (
    (
        "only employees hold permissions",
        box_of(
            {
                "principal": _others("principal", PrincipalKind.EMPLOYEE),
                "permissions": range(1, SPACE.dimension("permissions").size),
            }
        ),
    ),
    (
        "only a tenant account rents a unit",
        box_of({"relation": [Relation.TENANT], "principal": _others("principal", "tenant")}),
    ),
    (
        "clean-out access is given to employees",
        box_of({"relation": [Relation.CLEANOUT], "principal": _others("principal", "employee")}),
    ),
    (
        "employees do not win auctions",
        box_of({"relation": [Relation.WINNER], "principal": [PrincipalKind.EMPLOYEE]}),
    ),
    (
        "a request about no unit has no relation to one",
        box_of({"unit_state": [NO_UNIT], "relation": _others("relation", Relation.NONE)}),
    ),
    (
        "a unit lock always belongs to a unit",
        box_of({"unit_state": [NO_UNIT], "door": [DoorKind.UNIT_LOCK]}),
    ),
    (
        "a unit lock is always in area (the unit decides who opens it)",
        box_of({"door": [DoorKind.UNIT_LOCK], "door_in_area": ["false"]}),
    ),
)
"""Combinations that no real request has, each with the reason."""


@dataclass(frozen=True)
class Reachability:
    """A byte per cell (1 = reachable) and prefix sums for counting ranges."""

    flags: bytearray
    prefix: array[int]

    def count(self, start: int, length: int) -> int:
        """Reachable cells in `[start, start + length)`."""
        return self.prefix[start + length] - self.prefix[start]

    @property
    def total(self) -> int:
        """Reachable cells in the whole space."""
        return self.prefix[-1]


@cache
def reachability() -> Reachability:
    """The reachable cells of `SPACE` (computed once per process)."""
    flags = bytearray(b"\x01") * SPACE.cells
    for _, box in CONSTRAINTS:
        for cell in box_cells(box):
            flags[cell] = 0
    prefix = array("q", accumulate(flags, initial=0))
    return Reachability(flags, prefix)
