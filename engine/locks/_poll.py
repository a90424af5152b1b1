"""The lock duty: polls every lock with a gateway, in the running service.

Each round takes the locks due (not polled for `poll_seconds`) that no other process holds,
with a lease in `lock_device.poll_lease_until` (taken with `FOR UPDATE SKIP LOCKED` on
PostgreSQL), so `serve` and `unitgate locks poll` workers share the locks and each lock is
polled by one of them at a time. For each: its signed status through the gateway, its tries
and health (with `LockHealthEvent`s on changes and the seed's advice), its offline event
log after what the server holds (each event lands once, in the audit chain and the
tenant's feed), and the revocation list when the lock's is behind. Pending remote actions
whose process died are marked `interrupted`. Nothing is kept in memory between rounds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_
from sqlmodel import Session, col, select

from engine.audit import AuditLog
from engine.clock import Clock
from engine.locks._events import land_events
from engine.locks._health import HealthChange, health_changes
from engine.locks._port import (
    GatewayPort,
    GatewayUnavailable,
    HealthView,
    LockEvent,
    LockObservation,
    LockStatusReading,
)
from engine.locks._remote import sweep_interrupted
from engine.persistence import Database
from engine.persistence.tables import LockDevice, LockGateway, LockHealthEvent

__all__ = ["LockPollConfig", "LockPoller", "Polled", "RevocationSource"]

log = logging.getLogger("unitgate.locks")

_TRIES_KEPT = 50


@dataclass(frozen=True)
class LockPollConfig:
    """How a lock duty paces itself."""

    poll_seconds: float = 10.0
    """How often each lock is polled."""
    lease_seconds: float = 60.0
    """How long a taken lock is another process's to skip (a poller that died frees it then)."""
    batch_size: int = 32
    """Locks taken per round."""
    concurrency: int = 4
    """Locks polled at once."""
    max_backoff_seconds: float = 30.0


RevocationSource = Callable[[Session, str, datetime], "tuple[int, bytes] | None"]
"""The facility's signed revocation list `(version, frame)` now, or None without one."""


@dataclass(frozen=True, slots=True)
class _Claimed:
    lock_id: str
    facility_id: str
    public_key: str
    gateway_id: str
    url: str
    log_counter: int
    revocation_version: int
    revocations: tuple[int, bytes] | None


@dataclass
class _Result:
    reading: LockStatusReading | None = None
    error: str | None = None
    events: list[LockEvent] = field(default_factory=list)
    log_last: int | None = None
    revocation_version: int | None = None


@dataclass(frozen=True)
class Polled:
    """One lock polled: its health now and the health events written."""

    lock_id: str
    facility_id: str
    health: HealthView
    changes: list[HealthChange]
    landed: int
    """Log events recorded for the first time."""
    error: str | None


@dataclass
class LockPoller:
    """Polls the locks that are due, sharing them with other pollers on the database."""

    db: Database
    port: GatewayPort
    audit: AuditLog
    clock: Clock
    config: LockPollConfig = field(default_factory=LockPollConfig)
    revocations: RevocationSource | None = None
    on_polled: Callable[[Polled], None] | None = None
    """Told of each lock polled (serve records the metrics, the CLI prints it)."""
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)

    # -- running -----------------------------------------------------------------------

    def run(self) -> None:
        """Poll until `stop()`; a failed round is logged and retried with backoff."""
        failures = 0
        loop = asyncio.new_event_loop()
        try:
            while not self._stopping.is_set():
                try:
                    polled = loop.run_until_complete(self.round())
                    failures = 0
                    sleep = 0.05 if len(polled) >= self.config.batch_size else self._sleep()
                except Exception as exc:  # a duty must outlive a bad round
                    failures += 1
                    sleep = min(self.config.max_backoff_seconds, 0.25 * 2 ** min(failures, 8))
                    log.warning("lock poll round failed (retry in %.1f s): %s", sleep, exc)
                self._stopping.wait(sleep)
        finally:
            loop.close()

    def _sleep(self) -> float:
        return min(1.0, self.config.poll_seconds / 4)

    def stop(self) -> None:
        """End `run()` after the round in progress."""
        self._stopping.set()

    async def round(self) -> list[Polled]:
        """Sweep interrupted actions, then poll every lock due now that nobody else holds."""
        now = self.clock.now()
        claimed = await asyncio.to_thread(self._claim, now)
        limit = asyncio.Semaphore(self.config.concurrency)

        async def one(item: _Claimed) -> Polled:
            async with limit:
                result = await self._poll(item)
            return await asyncio.to_thread(self._record, item, result)

        done = await asyncio.gather(*(one(c) for c in claimed), return_exceptions=True)
        polled = []
        for item, got in zip(claimed, done, strict=True):
            if isinstance(got, BaseException):
                log.warning("polling lock %s failed: %s", item.lock_id, got)
                continue
            polled.append(got)
            if self.on_polled is not None:
                self.on_polled(got)
        return polled

    # -- claiming ----------------------------------------------------------------------

    def _claim(self, now: datetime) -> list[_Claimed]:
        lease = now + timedelta(seconds=self.config.lease_seconds)
        with self.db.transaction() as s:
            swept = sweep_interrupted(s, now)
            if swept:
                log.warning("%d remote action(s) interrupted with their process", swept)
            locks = s.exec(
                select(LockDevice)
                .where(
                    col(LockDevice.gateway_id).is_not(None),
                    or_(
                        col(LockDevice.poll_lease_until).is_(None),
                        col(LockDevice.poll_lease_until) <= now,
                    ),
                )
                .order_by(col(LockDevice.poll_lease_until).asc().nulls_first(), col(LockDevice.id))
                .limit(self.config.batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            out = []
            lists: dict[str, tuple[int, bytes] | None] = {}
            for lock in locks:
                gateway = s.get(LockGateway, lock.gateway_id)
                if gateway is None:
                    continue
                if self.revocations is not None and lock.facility_id not in lists:
                    lists[lock.facility_id] = self.revocations(s, lock.facility_id, now)
                lock.poll_lease_until = lease
                s.add(lock)
                out.append(
                    _Claimed(
                        lock.id,
                        lock.facility_id,
                        lock.public_key,
                        gateway.id,
                        gateway.url,
                        lock.log_counter,
                        lock.revocation_version,
                        lists.get(lock.facility_id),
                    )
                )
            return out

    # -- the gateway exchange ------------------------------------------------------------

    async def _poll(self, item: _Claimed) -> _Result:
        result = _Result()
        try:
            result.reading = await self.port.status(item.url, item.lock_id, item.public_key)
        except GatewayUnavailable as exc:
            result.error = exc.kind
            return result
        reading = result.reading
        try:
            if reading.counter > item.log_counter:
                events, last = await self.port.upload_log(
                    item.url, item.lock_id, item.public_key, item.log_counter
                )
                result.events, result.log_last = events, last
            behind = item.revocations is not None and item.revocations[0] > max(
                reading.revocation_version, item.revocation_version
            )
            if behind and item.revocations is not None:
                result.revocation_version = await self.port.push_revocations(
                    item.url, item.lock_id, item.revocations[1]
                )
        except GatewayUnavailable as exc:  # the status stands; the rest next round
            log.info("lock %s: %s", item.lock_id, exc)
        return result

    # -- recording -----------------------------------------------------------------------

    def _record(self, item: _Claimed, result: _Result) -> Polled:
        now = self.clock.now()
        with self.db.transaction() as s:
            lock = s.exec(
                select(LockDevice).where(LockDevice.id == item.lock_id).with_for_update()
            ).one()
            gateway = s.get(LockGateway, item.gateway_id)
            if gateway is not None:
                gateway.reachable = result.error != "gateway_down"
                if gateway.reachable:
                    gateway.last_seen_at = now
                s.add(gateway)
            lock.tries = [*lock.tries, result.reading is not None][-_TRIES_KEPT:]
            if result.reading is not None:
                lock.status = result.reading.values
                lock.status_at = now
                lock.last_contact_at = now
                lock.revocation_version = max(
                    lock.revocation_version,
                    result.reading.revocation_version,
                    result.revocation_version or 0,
                )
            landed = land_events(s, self.audit, lock, result.events, via="gateway", now=now)
            if result.log_last is not None:
                lock.log_counter = max(lock.log_counter, result.log_last)
            health = self.port.assess(_observed(lock), self._peers(s, lock))
            changes = health_changes(lock.health, health)
            for change in changes:
                s.add(
                    LockHealthEvent(
                        facility_id=lock.facility_id,
                        lock_id=lock.id,
                        at=now,
                        kind=change.kind,
                        detail=change.detail[:300],
                        advice=change.advice[:300] if change.advice else None,
                    )
                )
            lock.health = health.as_json()
            lock.poll_lease_until = now + timedelta(seconds=self.config.poll_seconds)
            s.add(lock)
        return Polled(lock.id, lock.facility_id, health, changes, len(landed), result.error)

    @staticmethod
    def _peers(s: Session, lock: LockDevice) -> list[LockObservation]:
        others = s.exec(
            select(LockDevice).where(
                LockDevice.gateway_id == lock.gateway_id, LockDevice.id != lock.id
            )
        ).all()
        return [_observed(o) for o in others]


def _observed(lock: LockDevice) -> LockObservation:
    return LockObservation(
        lock.id, lock.public_key, lock.gateway_id, lock.status, lock.status_at, list(lock.tries)
    )
