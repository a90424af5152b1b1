"""Access requests and decisions, the evaluator's input and output."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.domain import Channel, DoorKind, Permission, PrincipalKind, Relation, UnitState
from engine.errors import InvalidInputError
from engine.policy._reach import CONSTRAINTS, reachability
from engine.policy._space import ACCESS_PERMISSIONS, NO_UNIT, SPACE

__all__ = ["AccessRequest", "Decision"]


def _offsets(name: str) -> dict[object, int]:
    dim = SPACE.dimension(name)
    stride = SPACE.strides[SPACE.position[name]]
    return {value: i * stride for i, value in enumerate(dim.values)}


_PRINCIPAL = _offsets("principal")
_RELATION = _offsets("relation")
_DOOR = _offsets("door")
_STATE = _offsets("unit_state")
_STATE[None] = _STATE[NO_UNIT]
_CHANNEL = _offsets("channel")
_S_PERMS, _S_LEASE, _S_HOURS, _S_GRANT, _S_OTHER = (
    SPACE.strides[SPACE.position[n]]
    for n in (
        "permissions",
        "lease_started",
        "within_access_hours",
        "grant_active",
        "other_unit_delinquent",
    )
)
_PERMISSION_BITS = tuple((p, 1 << i) for i, p in enumerate(ACCESS_PERMISSIONS))
_PERMISSION_CACHE: dict[frozenset[Permission], int] = {}
_PERMISSION_CACHE_LIMIT = 4096


def _permission_offset(held: frozenset[Permission]) -> int:
    offset = _PERMISSION_CACHE.get(held)
    if offset is None:
        offset = sum(bit for p, bit in _PERMISSION_BITS if p in held) * _S_PERMS
        if len(_PERMISSION_CACHE) < _PERMISSION_CACHE_LIMIT:
            _PERMISSION_CACHE[held] = offset
    return offset


@dataclass(frozen=True, slots=True)
class AccessRequest:
    """Someone asks to open a door; every attribute the policy may look at.

    Building one checks that it is a real request (only employees hold permissions, a unit
    lock belongs to a unit, ...), so every decision lies in the space the proofs cover.
    """

    principal: PrincipalKind
    door: DoorKind
    unit_state: UnitState | None
    """The state of the unit the request is about; None for an entry point with no unit."""
    relation: Relation = Relation.NONE
    permissions: frozenset[Permission] = frozenset()
    """Every permission the principal holds at the facility; non-access ones are ignored."""
    lease_started: bool = False
    within_access_hours: bool = False
    grant_active: bool = False
    """The share, auction or clean-out grant relating the principal to the unit is in force."""
    other_unit_delinquent: bool = False
    channel: Channel = Channel.PHONE_RELAY
    cell: int = field(init=False, repr=False, compare=False)
    """The request's cell in the decision table."""

    def __post_init__(self) -> None:
        try:
            cell = (
                _PRINCIPAL[self.principal]
                + _permission_offset(self.permissions)
                + _RELATION[self.relation]
                + _DOOR[self.door]
                + _STATE[self.unit_state]
                + self.lease_started * _S_LEASE
                + self.within_access_hours * _S_HOURS
                + self.grant_active * _S_GRANT
                + self.other_unit_delinquent * _S_OTHER
                + _CHANNEL[self.channel]
            )
        except KeyError as exc:
            raise InvalidInputError(f"access request: unknown value `{exc.args[0]}`") from exc
        if not reachability().flags[cell]:
            raise InvalidInputError(
                "access request: not a possible request",
                help="; ".join(reason for reason, _ in CONSTRAINTS),
            )
        object.__setattr__(self, "cell", cell)


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request: allowed or not, which rule decided, and what to say."""

    allowed: bool
    rule: str | None
    """The deciding rule's id; None when no rule permits (deny by default)."""
    reason: str
    """For the person at the door: why, and what they can do."""
    policy_version: str
