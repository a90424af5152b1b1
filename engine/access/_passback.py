"""Anti-passback at an entry gate: a door rule checked after the policy permits. A person
whose last pass through a counted gate (within the on-site bound) was an entry is refused
another entry until they pass an exit: one badge cannot let two people in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from engine.domain import DenialReason
from engine.persistence import table_of
from engine.persistence.tables import AccessDecisionRecord, Door
from engine.policy import Decision

__all__ = ["ANTI_PASSBACK_RULE", "passback_denial"]

ANTI_PASSBACK_RULE = "door:anti_passback"
"""The deciding rule a refusal by anti-passback names (not a policy rule)."""

_door = table_of(Door)
_decision = table_of(AccessDecisionRecord)


def passback_denial(
    conn: Connection,
    door_id: str,
    person_id: str,
    now: datetime,
    hours: float,
    policy_version: str,
) -> Decision | None:
    """The refusal when `door_id` is an entry gate with anti-passback and the person is
    inside by the counted gates; None when the policy's permit stands."""
    gate = conn.execute(
        select(_door.c.direction, _door.c.anti_passback, _door.c.facility_id).where(
            _door.c.id == door_id
        )
    ).first()
    if gate is None or not gate.anti_passback or gate.direction != "in":
        return None
    last = conn.execute(
        select(_door.c.direction)
        .select_from(_decision.join(_door, _door.c.id == _decision.c.door_id))
        .where(
            _decision.c.facility_id == gate.facility_id,
            _decision.c.person_id == person_id,
            _decision.c.allowed.is_(True),
            _door.c.direction.in_(("in", "out")),
            _decision.c.at >= now - timedelta(hours=hours),
        )
        .order_by(_decision.c.at.desc(), _decision.c.id.desc())
        .limit(1)
    ).scalar()
    if last != "in":
        return None
    return Decision(
        False,
        ANTI_PASSBACK_RULE,
        "anti-passback: no exit since your last entry; leave through an exit gate first",
        policy_version,
        DenialReason.ANTI_PASSBACK,
    )
