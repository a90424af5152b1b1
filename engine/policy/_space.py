"""The request attribute space: eleven finite dimensions, their values and the cell encoding.

Every access request is one cell of a mixed-radix space. A compiled policy stores one
entry per cell, so evaluation is arithmetic and a lookup, and proofs enumerate every cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import prod

from engine.domain import Channel, DoorKind, Permission, PrincipalKind, Relation, UnitState

__all__ = [
    "ACCESS_PERMISSIONS",
    "DIMENSIONS",
    "DISPLAY_ORDER",
    "NO_UNIT",
    "SPACE",
    "Dimension",
    "Space",
]

ACCESS_PERMISSIONS: tuple[Permission, ...] = (
    Permission.ENTRY_OPEN,
    Permission.UNITS_OPEN_AVAILABLE,
    Permission.UNITS_AUCTION_ACCESS,
    Permission.UNITS_REMOTE_UNLOCK,
)
"""The permissions that govern doors; a request's other permissions do not affect access."""

NO_UNIT = "none"
"""The `unit_state` of a request that concerns no unit (an employee at a gate)."""


@dataclass(frozen=True)
class Dimension:
    """One attribute of a request: its name in policy files and its finite values."""

    name: str
    kind: str
    """`enum`, `bool` or `set` (a set of access permissions, one value per subset)."""
    values: tuple[str, ...]
    """Value names in order; for `set`, the member names (cells are subsets as bitmasks)."""
    description: str
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """Named groups a policy may use in place of listing values (`entry_point`)."""

    @property
    def size(self) -> int:
        """How many cells this dimension spans."""
        return 1 << len(self.values) if self.kind == "set" else len(self.values)

    @property
    def full_mask(self) -> int:
        """The bitmask of every value index of this dimension."""
        return (1 << self.size) - 1

    @property
    def names(self) -> tuple[str, ...]:
        """Every name a condition may use: the values, then the group names."""
        return (*self.values, *(g for g, _ in self.groups))

    def expand(self, name: str) -> tuple[str, ...]:
        """The values a name stands for: a group's members, or the value itself."""
        return dict(self.groups).get(name, (name,))

    def index(self, value: str) -> int:
        """The index of an `enum` or `bool` value name."""
        return self.values.index(value)

    def label(self, index: int) -> str:
        """A readable name of the value at `index`."""
        if self.kind != "set":
            return self.values[index]
        held = [name for bit, name in enumerate(self.values) if index >> bit & 1]
        return "{" + ", ".join(held) + "}"


_BOOL = ("false", "true")

DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "within_schedule",
        "bool",
        _BOOL,
        "now is inside the schedule of one of the principal's access levels at the facility"
        " whose area holds the door (any of their levels for a unit lock)",
    ),
    Dimension(
        "door_in_area",
        "bool",
        _BOOL,
        "the door is in the access area of one of the principal's access levels (a unit"
        " lock is always in area: the unit decides who opens it)",
    ),
    Dimension(
        "channel",
        "enum",
        tuple(Channel),
        "how the unlock reaches the lock: phone_relay, remote (gateway) or keypad",
    ),
    Dimension(
        "door",
        "enum",
        tuple(DoorKind),
        "the door: an entry point (gate, building_door, elevator) or a unit_lock",
        groups=(("entry_point", (DoorKind.GATE, DoorKind.BUILDING_DOOR, DoorKind.ELEVATOR)),),
    ),
    Dimension(
        "unit_state",
        "enum",
        (*tuple(UnitState), NO_UNIT),
        "the lifecycle state of the unit the request is about, or none",
        groups=(
            ("delinquent", (UnitState.GATELOCK, UnitState.OVERLOCK)),
            ("lien", (UnitState.PENDING_AUCTION, UnitState.AUCTION)),
            (
                "rented",
                (
                    UnitState.OCCUPIED,
                    UnitState.GATELOCK,
                    UnitState.OVERLOCK,
                    UnitState.PENDING_AUCTION,
                    UnitState.AUCTION,
                ),
            ),
        ),
    ),
    Dimension(
        "relation",
        "enum",
        tuple(Relation),
        "how the principal relates to the unit: its tenant, a shared key, the auction winner,"
        " an employee with clean-out access, or none",
    ),
    Dimension(
        "principal",
        "enum",
        tuple(PrincipalKind),
        "the kind of account asking: tenant, shared_user, employee or auction_winner",
    ),
    Dimension("lease_started", "bool", _BOOL, "the rental's lease start date has passed"),
    Dimension(
        "grant_active",
        "bool",
        _BOOL,
        "the share or auction/clean-out grant relating the principal to the unit is in force",
    ),
    Dimension(
        "other_unit_delinquent",
        "bool",
        _BOOL,
        "another unit of the same tenant at the facility is in gatelock or overlock",
    ),
    Dimension(
        "permissions",
        "set",
        tuple(ACCESS_PERMISSIONS),
        "the access permissions an employee holds through roles at the facility",
    ),
)


DISPLAY_ORDER: tuple[str, ...] = (
    "principal",
    "permissions",
    "relation",
    "door",
    "unit_state",
    "lease_started",
    "door_in_area",
    "within_schedule",
    "grant_active",
    "other_unit_delinquent",
    "channel",
)
"""The order people read attributes in; `DIMENSIONS` is ordered for compact compiling."""


class Space:
    """Mixed-radix encoding of the dimensions: cell = sum(value index × stride)."""

    def __init__(self, dimensions: tuple[Dimension, ...]) -> None:
        self.dimensions = dimensions
        self.names = tuple(d.name for d in dimensions)
        self.sizes = tuple(d.size for d in dimensions)
        strides = []
        step = 1
        for size in reversed(self.sizes):
            strides.append(step)
            step *= size
        self.strides = tuple(reversed(strides))
        self.cells = prod(self.sizes)
        self.position = {name: i for i, name in enumerate(self.names)}

    def dimension(self, name: str) -> Dimension:
        """The dimension called `name`."""
        return self.dimensions[self.position[name]]

    def span(self, depth: int) -> int:
        """The number of cells under one value prefix of length `depth`."""
        return self.strides[depth - 1] if depth else self.cells

    def encode(self, indexes: tuple[int, ...]) -> int:
        """The cell of a tuple of value indexes."""
        return sum(i * s for i, s in zip(indexes, self.strides, strict=True))

    def decode(self, cell: int) -> tuple[int, ...]:
        """The value indexes of a cell."""
        out = []
        for stride in self.strides:
            index, cell = divmod(cell, stride)
            out.append(index)
        return tuple(out)

    def describe(self, cell: int) -> dict[str, str]:
        """A cell as readable attribute values, in `DISPLAY_ORDER`."""
        indexes = self.decode(cell)
        return {
            name: str(self.dimension(name).label(indexes[self.position[name]]))
            for name in DISPLAY_ORDER
        }

    @cached_property
    def full_box(self) -> tuple[int, ...]:
        """The box covering every cell."""
        return tuple(d.full_mask for d in self.dimensions)


SPACE = Space(DIMENSIONS)
"""The one request space every policy compiles over."""
