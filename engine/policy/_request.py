"""Access requests and decisions, the evaluator's input and output."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from engine.domain import (
    Channel,
    DenialReason,
    DoorKind,
    Permission,
    PrincipalKind,
    Relation,
    UnitState,
)
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
_S_PERMS, _S_LEASE, _S_HOURS, _S_AREA, _S_GRANT, _S_OTHER = (
    SPACE.strides[SPACE.position[n]]
    for n in (
        "permissions",
        "lease_started",
        "within_schedule",
        "door_in_area",
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


class _RequestFields(NamedTuple):
    principal: PrincipalKind
    door: DoorKind
    unit_state: UnitState | None
    relation: Relation
    permissions: frozenset[Permission]
    lease_started: bool
    within_schedule: bool
    door_in_area: bool
    grant_active: bool
    other_unit_delinquent: bool
    channel: Channel
    cell: int


_REACHABLE = reachability().flags


class AccessRequest(_RequestFields):
    """Someone asks to open a door; every attribute the policy may look at.

    `unit_state` is None for an entry point with no unit; `permissions` are all those the
    principal holds at the facility (non-access ones are ignored); `grant_active` says the
    share, auction or clean-out grant relating the principal to the unit is in force;
    `door_in_area` None means: true for a unit lock (always in area), false elsewhere;
    `cell` is the request's place in the decision table, computed here.

    Building one checks that it is a real request (only employees hold permissions, a unit
    lock belongs to a unit, ...), so every decision lies in the space the proofs cover.
    An immutable tuple: building is one C call after the encoding arithmetic.
    """

    __slots__ = ()

    def __new__(
        cls,
        principal: PrincipalKind,
        door: DoorKind,
        unit_state: UnitState | None,
        relation: Relation = Relation.NONE,
        permissions: frozenset[Permission] = frozenset(),
        lease_started: bool = False,
        within_schedule: bool = False,
        door_in_area: bool | None = None,
        grant_active: bool = False,
        other_unit_delinquent: bool = False,
        channel: Channel = Channel.PHONE_RELAY,
    ) -> AccessRequest:
        if door_in_area is None:
            door_in_area = door is DoorKind.UNIT_LOCK
        try:
            cell = (
                _PRINCIPAL[principal]
                + _permission_offset(permissions)
                + _RELATION[relation]
                + _DOOR[door]
                + _STATE[unit_state]
                + _S_LEASE * (lease_started is True)
                + _S_HOURS * (within_schedule is True)
                + _S_AREA * (door_in_area is True)
                + _S_GRANT * (grant_active is True)
                + _S_OTHER * (other_unit_delinquent is True)
                + _CHANNEL[channel]
            )
        except KeyError as exc:
            raise InvalidInputError(f"access request: unknown value `{exc.args[0]}`") from exc
        if not _REACHABLE[cell]:
            raise InvalidInputError(
                "access request: not a possible request",
                help="; ".join(reason for reason, _ in CONSTRAINTS),
            )
        return tuple.__new__(
            cls,
            (
                principal,
                door,
                unit_state,
                relation,
                permissions,
                lease_started,
                within_schedule,
                door_in_area,
                grant_active,
                other_unit_delinquent,
                channel,
                cell,
            ),
        )

    def _replace(self, **changes: Any) -> AccessRequest:
        """A copy with some attributes changed (re-encoded and re-checked)."""
        fields = {name: getattr(self, name) for name in self._fields if name != "cell"}
        return AccessRequest(**(fields | changes))


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request: allowed or not, which rule decided, and what to say."""

    allowed: bool
    rule: str | None
    """The deciding rule's id; None when no rule permits (deny by default)."""
    reason: str
    """For the person at the door: why, and what they can do."""
    policy_version: str
    reason_code: DenialReason | None = None
    """The denial's stable classification (None when allowed)."""
