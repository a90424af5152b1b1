"""Anti-passback at an entry gate: a door rule checked after the policy permits. A person
whose last pass through a counted gate (within the on-site bound) was an entry is refused
another entry until they pass an exit: one badge cannot let two people in."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from engine.access._facts import SiteFacts
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
    site: SiteFacts,
    person_id: str,
    now: datetime,
    hours: float,
    policy_version: str,
) -> Decision | None:
    """The refusal when the door of `site` is an entry gate with anti-passback and the
    person is inside by the counted gates; None when the policy's permit stands."""
    if not site.anti_passback or site.direction != "in":
        return None  # no query for the other doors: their facts came with the door's read
    last = conn.execute(
        select(_door.c.direction)
        .select_from(_decision.join(_door, _door.c.id == _decision.c.door_id))
        .where(
            _decision.c.facility_id == site.facility_id,
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
