"""A gateway (hub): drivers to the locks in its range, remote actions, status polling."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from hardware.clock import Clock
from hardware.driver import LockDriver
from hardware.fleet import Fleet, LockHealth
from hardware.gateway._actions import ActionRecord, Actions
from hardware.protocol import Challenge, Command, FrameError, Status, VerifiedLog, decode_frame

__all__ = ["Gateway", "UnknownLock"]


class UnknownLock(KeyError):
    """No lock of that id is in this gateway's range."""


@dataclass
class Gateway:
    """One hub: its locks' drivers and fleet view, and the remote actions it runs."""

    gateway_id: str
    """Its name."""
    drivers: dict[UUID, LockDriver]
    """One driver per lock in range."""
    fleet: Fleet
    """Inventory and health of those locks."""
    clock: Clock
    """The hub's clock (drift is measured against it)."""
    on_close: Callable[[], Awaitable[None]] | None = None
    """Releases the radio."""

    def __post_init__(self) -> None:
        self.actions = Actions(self.clock)

    def driver(self, lock_id: UUID) -> LockDriver:
        """The driver of `lock_id`, `UnknownLock` when out of range."""
        try:
            return self.drivers[lock_id]
        except KeyError:
            raise UnknownLock(str(lock_id)) from None

    async def challenge(self, lock_id: UUID) -> Challenge:
        """A fresh challenge from the lock (the server signs a command for it)."""
        driver = self.driver(lock_id)
        try:
            return await driver.challenge()
        finally:
            self._record_tries(lock_id, driver)

    def start(self, lock_id: UUID, command: bytes) -> ActionRecord:
        """Relay a signed command as a background action (`ValueError` when malformed)."""
        driver = self.driver(lock_id)
        try:
            frame = decode_frame(command)
            parsed = Command.unpack(frame.payload)
        except FrameError as exc:
            raise ValueError(f"not a command frame: {exc}") from exc
        if parsed.lock_id != lock_id:
            raise ValueError(f"the command is for lock `{parsed.lock_id}`")
        return self.actions.start(
            driver,
            parsed.action,
            parsed.command_id,
            command,
            lambda: self._record_tries(lock_id, driver),
        )

    async def status(self, lock_id: UUID) -> tuple[Status, LockHealth]:
        """Poll the lock's signed status now, and its health."""
        driver = self.driver(lock_id)
        try:
            status = await driver.status()
        finally:
            self._record_tries(lock_id, driver)
        self.fleet.record_status(lock_id, status, self.clock.now())
        return status, self.fleet.health(lock_id)

    async def revocations(self, lock_id: UUID, frame: bytes) -> int:
        """Push a signed revocation list; the version the lock holds."""
        driver = self.driver(lock_id)
        try:
            return await driver.push_revocations(frame)
        finally:
            self._record_tries(lock_id, driver)

    async def upload_log(self, lock_id: UUID, after: int, nonce: bytes) -> VerifiedLog:
        """The lock's events after `after`, verified (the server verifies them again)."""
        driver = self.driver(lock_id)
        try:
            return await driver.upload_log(after, nonce)
        finally:
            self._record_tries(lock_id, driver)

    def _record_tries(self, lock_id: UUID, driver: LockDriver) -> None:
        self.fleet.record_tries(lock_id, driver.contacts)
        driver.contacts.clear()

    async def close(self) -> None:
        """Drop every link and release the radio."""
        for driver in self.drivers.values():
            await driver.close()
        if self.on_close is not None:
            await self.on_close()
