"""The inventory of locks and gateways, their keys, last status and health."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime
from uuid import UUID

from hardware.clock import unix_seconds
from hardware.fleet._health import (
    ADVICE_HUB_WIFI,
    ADVICE_MOVE_HUB,
    Connectivity,
    LockHealth,
    assess,
)
from hardware.protocol import LockIdentity, PublicKey, Status

__all__ = ["HUB_WIFI_THRESHOLD", "Fleet", "GatewayRecord", "LockRecord"]

HUB_WIFI_THRESHOLD = 2
"""Disconnected locks on one gateway from which the advice is the hub's Wi-Fi, not range."""


@dataclass(frozen=True, slots=True)
class GatewayRecord:
    """A gateway (hub) the server reaches over HTTP."""

    gateway_id: str
    """Its name."""
    url: str
    """Its base URL."""


@dataclass(frozen=True, slots=True)
class LockRecord:
    """A lock as installed: id, Bluetooth address, device key, gateway in range."""

    lock_id: UUID
    """Its id (commands name it)."""
    name: str
    """What the facility calls it (e.g. the unit number)."""
    address: str
    """Bluetooth address."""
    public_key: PublicKey
    """The public half of its device key."""
    gateway_id: str | None = None
    """The gateway within range (None: phone relay only)."""

    @property
    def identity(self) -> LockIdentity:
        """What verifies its replies."""
        return LockIdentity(self.lock_id, self.public_key)


@dataclass
class _Observed:
    status: Status | None = None
    status_at: int | None = None
    tries: list[bool] = field(default_factory=list)


class Fleet:
    """Locks and gateways of one facility, what was last seen of each, and their health."""

    def __init__(self, locks: list[LockRecord], gateways: tuple[GatewayRecord, ...] = ()) -> None:
        self._locks = {lock.lock_id: lock for lock in locks}
        self._gateways = {g.gateway_id: g for g in gateways}
        self._observed: dict[UUID, _Observed] = defaultdict(_Observed)

    @property
    def locks(self) -> list[LockRecord]:
        """Every lock."""
        return list(self._locks.values())

    def lock(self, lock_id: UUID) -> LockRecord:
        """The lock `lock_id` (`KeyError` when unknown)."""
        return self._locks[lock_id]

    def gateway(self, gateway_id: str) -> GatewayRecord:
        """The gateway `gateway_id` (`KeyError` when unknown)."""
        return self._gateways[gateway_id]

    def record_status(self, lock_id: UUID, status: Status, seen_at: datetime) -> None:
        """Keep a signed status (checked against the lock's key first)."""
        self.lock(lock_id).identity.check(status)
        observed = self._observed[lock_id]
        observed.status, observed.status_at = status, unix_seconds(seen_at)

    def record_tries(self, lock_id: UUID, tries: list[bool]) -> None:
        """Add tries (True: the lock answered) to the lock's connection history."""
        self.lock(lock_id)
        history = self._observed[lock_id].tries
        history.extend(tries)
        del history[:-50]

    def health(self, lock_id: UUID) -> LockHealth:
        """One lock's health, with the facility-wide view of its gateway folded in."""
        observed = self._observed[lock_id]
        health = assess(observed.status, observed.tries, observed.status_at)
        gateway = self.lock(lock_id).gateway_id
        if gateway is not None and health.connectivity is Connectivity.DISCONNECTED:
            down = sum(
                1
                for other in self._locks.values()
                if other.gateway_id == gateway
                and assess(None, self._observed[other.lock_id].tries, None).connectivity
                is Connectivity.DISCONNECTED
            )
            if down >= HUB_WIFI_THRESHOLD:
                advice = tuple(a for a in health.advice if a != ADVICE_MOVE_HUB)
                health = replace(health, advice=(*advice, ADVICE_HUB_WIFI))
        return health
