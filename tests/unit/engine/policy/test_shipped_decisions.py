"""Decisions of the shipped policy on the findings of issue 20, as a reviewer would ask them."""

from __future__ import annotations

from typing import Any

import pytest

from engine.domain import Channel, DoorKind, Permission, PrincipalKind, Relation, UnitState
from engine.policy import AccessRequest, CompiledPolicy

MANAGER = frozenset({Permission.UNITS_REMOTE_UNLOCK, Permission.ENTRY_OPEN})


def _remote(**changes: Any) -> AccessRequest:
    """A manager holding the tenant's live share remotely unlocking the occupied unit."""
    fields: dict[str, Any] = {
        "principal": PrincipalKind.EMPLOYEE,
        "door": DoorKind.UNIT_LOCK,
        "unit_state": UnitState.OCCUPIED,
        "relation": Relation.SHARED,
        "permissions": MANAGER,
        "lease_started": True,
        "within_schedule": True,
        "grant_active": True,
        "channel": Channel.REMOTE,
    } | changes
    return AccessRequest(**fields)


def test_a_manager_holding_the_share_and_remote_unlock_opens_the_unit_remotely(
    default_policy: CompiledPolicy,
) -> None:
    """Seed 001: the tenant shares a key with the manager so they can help next time."""
    decision = default_policy.decide(_remote())
    assert (decision.allowed, decision.rule) == (True, "shared-key-holder-unlocks-remotely")


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"relation": Relation.NONE, "grant_active": False}, None),  # no share (invariant 6)
        ({"grant_active": False}, "share-not-in-force"),  # revoked or expired (invariant 8)
        ({"unit_state": UnitState.GATELOCK}, "delinquent-unit-opens-for-no-one"),
        ({"unit_state": UnitState.OVERLOCK}, "delinquent-unit-opens-for-no-one"),
        ({"unit_state": UnitState.PENDING_AUCTION}, "lien-unit-closed-to-tenant"),
        ({"unit_state": UnitState.AUCTION}, "lien-unit-closed-to-tenant"),
        ({"permissions": frozenset({Permission.ENTRY_OPEN})}, "remote-unlock-needs-permission"),
        ({"within_schedule": False}, "outside-schedule"),
        ({"lease_started": False}, "no-access-before-lease-start"),
    ],
    ids=[
        "no share",
        "revoked share",
        "gatelock",
        "overlock",
        "pending auction",
        "auction",
        "no remote permission",
        "outside hours",
        "before lease",
    ],
)
def test_the_remote_unlock_through_a_share_stays_inside_the_invariants(
    default_policy: CompiledPolicy, changes: dict[str, Any], rule: str | None
) -> None:
    decision = default_policy.decide(_remote(**changes))
    assert (decision.allowed, decision.rule) == (False, rule)


def test_a_tenant_with_another_unit_delinquent_is_kept_out_at_the_gate(
    default_policy: CompiledPolicy,
) -> None:
    """DESIGN invariant 2 at every facility: no parameter switches it off any more."""
    request = AccessRequest(
        PrincipalKind.TENANT,
        DoorKind.GATE,
        UnitState.OCCUPIED,
        relation=Relation.TENANT,
        lease_started=True,
        within_schedule=True,
        door_in_area=True,
        other_unit_delinquent=True,
    )
    decision = default_policy.decide(request)
    assert (decision.allowed, decision.rule) == (False, "any-delinquent-unit-locks-every-gate")
    assert "delinquency_locks_every_gate" not in default_policy.parameters
