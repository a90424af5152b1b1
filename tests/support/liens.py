"""Units in liens that end by themselves, made through the real events (for expiry tests)."""

from __future__ import annotations

from datetime import timedelta

from engine.domain import LifecycleEvent
from tests.support.world import World

E = LifecycleEvent


def sold(world: World, unit_id: str, window: timedelta) -> None:
    """An overlocked unit sold at auction; the manager may clear it for `window` from now."""
    now = world.rt.clock.now()
    world.pms(unit_id, E.MOVE_IN)
    world.pms(unit_id, E.DELINQUENT_OVER)
    world.portal(unit_id, E.MARK_PENDING_AUCTION, reason="lien sale")
    world.portal(
        unit_id,
        E.RECORD_AUCTION_SALE,
        grantee=world.manager_id,
        window_start=now,
        window_end=now + window,
    )


def emergency(world: World, unit_id: str, length: timedelta) -> None:
    """An occupied unit in an emergency pending auction ending after `length`."""
    world.pms(unit_id, E.MOVE_IN)
    world.portal(
        unit_id,
        E.MARK_PENDING_AUCTION,
        reason="phone locked inside",
        expires_at=world.rt.clock.now() + length,
    )
