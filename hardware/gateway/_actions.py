"""Remote actions on locks (Seam's shape): pending → success | error, confirmed by device."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid4

from hardware.clock import Clock
from hardware.driver import (
    LockDriver,
    LockRefused,
    LockReplyInvalid,
    LockTimeout,
    LockUnreachable,
)
from hardware.protocol import Action

__all__ = ["ActionOutcome", "ActionRecord", "ActionStatus", "Actions"]


class ActionStatus(StrEnum):
    """Where an action is."""

    PENDING = "pending"
    SUCCESS = "success"
    ERROR = "error"


class ActionOutcome(StrEnum):
    """Why an action ended in error, beyond a lock refusal's own code."""

    LOCK_OFFLINE = "lock_offline"
    TIMEOUT = "timeout"
    INVALID_REPLY = "invalid_reply"
    REFUSED = "refused"


@dataclass
class ActionRecord:
    """One remote action and how it ended."""

    action_id: UUID
    """Its id."""
    lock_id: UUID
    """The lock."""
    action: Action
    """Unlock or lock."""
    command_id: UUID
    """The signed command's id (the same command id never makes two actions)."""
    created_at: datetime
    """When the gateway took it."""
    status: ActionStatus = ActionStatus.PENDING
    """pending → success | error."""
    confirmed_by_device: bool = False
    """Success confirmed by the lock's own signature (proof holds the frame)."""
    error: str | None = None
    """An `ActionOutcome`, or `refused`; None on success."""
    lock_code: str | None = None
    """The lock's error code when it refused (e.g. `expired`)."""
    message: str | None = None
    """A sentence for people."""
    proof: bytes | None = None
    """The lock-signed frame that settled it (COMPLETE, ERROR), for the server to check."""
    finished_at: datetime | None = None
    """When it settled."""


@dataclass
class Actions:
    """The gateway's actions by id, each run once in the background."""

    clock: Clock
    """Stamps the records."""
    records: dict[UUID, ActionRecord] = field(default_factory=dict)
    """Every action."""
    _by_command: dict[UUID, UUID] = field(default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def start(
        self,
        driver: LockDriver,
        action: Action,
        command_id: UUID,
        frame: bytes,
        done: Callable[[], None],
    ) -> ActionRecord:
        """Take an action and relay `frame` in the background; the same command id twice
        returns the first action."""
        existing = self._by_command.get(command_id)
        if existing is not None:
            return self.records[existing]
        record = ActionRecord(
            uuid4(), driver.identity.lock_id, action, command_id, self.clock.now()
        )
        self.records[record.action_id] = record
        self._by_command[command_id] = record.action_id
        task = asyncio.get_running_loop().create_task(self._run(record, driver, frame, done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return record

    async def _run(
        self, record: ActionRecord, driver: LockDriver, frame: bytes, done: Callable[[], None]
    ) -> None:
        try:
            outcome = await driver.relay(frame, record.command_id, record.action)
        except LockRefused as exc:
            self._end(record, ActionOutcome.REFUSED, str(exc), exc.report.frame())
            record.lock_code = exc.code.name.lower()
        except LockUnreachable as exc:
            self._end(record, ActionOutcome.LOCK_OFFLINE, str(exc))
        except LockTimeout as exc:
            self._end(record, ActionOutcome.TIMEOUT, str(exc))
        except LockReplyInvalid as exc:
            self._end(record, ActionOutcome.INVALID_REPLY, str(exc))
        else:
            record.status = ActionStatus.SUCCESS
            record.confirmed_by_device = outcome.confirmed_by_device
            record.proof = outcome.proof
            record.finished_at = self.clock.now()
        finally:
            done()

    def _end(
        self, record: ActionRecord, error: ActionOutcome, message: str, proof: bytes | None = None
    ) -> None:
        record.status = ActionStatus.ERROR
        record.error = error.value
        record.message = message
        record.proof = proof
        record.finished_at = self.clock.now()
