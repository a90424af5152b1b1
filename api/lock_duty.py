"""The lock duty inside `unitgate serve` (a thread of its own while the app serves), and the
remote actions the app runs in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime

from litestar import Litestar
from sqlmodel import Session

from api.duty_thread import duty_thread
from api.locks import HardwareGateways, HardwareSigner
from api.settings import Settings
from api.telemetry import Telemetry
from engine.locks import (
    GatewayPort,
    LockPollConfig,
    LockPoller,
    LockSigner,
    Polled,
    RemoteUnlock,
    carry_out,
    material,
    revocation_frame,
)
from engine.persistence.tables import FacilityLockKey
from engine.runtime import Runtime

__all__ = ["RemoteActions", "lock_lifespan", "lock_poller", "signed_revocations"]

log = logging.getLogger("unitgate.locks")
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per lock poll otherwise


def signed_revocations(
    signer: LockSigner,
) -> Callable[[Session, str, datetime], tuple[int, bytes] | None]:
    """The facility's current revocation list, signed with its key (None: nothing revoked)."""

    def source(session: Session, facility_id: str, now: datetime) -> tuple[int, bytes] | None:
        row = session.get(FacilityLockKey, facility_id)
        if row is None or row.revocation_version == 0:
            return None
        version, _, frame = revocation_frame(session, signer, material(row), facility_id, now)
        return version, frame

    return source


def lock_poller(
    runtime: Runtime,
    settings: Settings,
    on_polled: Callable[[Polled], None] | None,
    *,
    port: GatewayPort | None = None,
    signer: LockSigner | None = None,
) -> LockPoller:
    """The lock duty for `runtime`, telling `on_polled` of each lock polled."""
    return LockPoller(
        runtime.db,
        port or HardwareGateways(),
        runtime.audit,
        runtime.clock,
        LockPollConfig(poll_seconds=settings.lock_poll_seconds),
        revocations=signed_revocations(signer or HardwareSigner()),
        on_polled=on_polled,
    )


def lock_lifespan(
    runtime: Runtime, settings: Settings, telemetry: Telemetry
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan running the lock duty while the app serves (unless
    `lock_poll_in_serve` is off)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        actions: RemoteActions = app.state["lock_actions"]
        async with contextlib.AsyncExitStack() as duties:
            if settings.lock_poll_in_serve:

                def on_polled(polled: Polled) -> None:
                    telemetry.record_lock_poll(polled)
                    if polled.landed:
                        runtime.alerts_alarm.ring()  # new lock events: alerts look now

                poller = lock_poller(runtime, settings, on_polled)
                await duties.enter_async_context(duty_thread(poller, "unitgate-locks"))
            try:
                yield
            finally:
                await actions.drain()  # before the poller stops, as before

    return lifespan


@dataclass
class RemoteActions:
    """Remote actions carried out in the background of the app's event loop."""

    runtime: Runtime
    telemetry: Telemetry
    deadline: float
    """Seconds a remote action waits for the lock to confirm."""
    port: GatewayPort = field(default_factory=HardwareGateways)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def start(self, signer: LockSigner, job: RemoteUnlock) -> None:
        """Carry out `job` in the background; its outcome lands on its action."""
        task = asyncio.get_running_loop().create_task(self._run(signer, job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, signer: LockSigner, job: RemoteUnlock) -> None:
        try:
            outcome = await carry_out(
                self.runtime.db, self.port, signer, self.runtime.clock, job, deadline=self.deadline
            )
            self.telemetry.record_lock_action(outcome.status, outcome.error)
        except Exception:  # the duty marks it interrupted; the service goes on
            log.exception("remote action %s failed to record", job.action_id)

    async def drain(self, timeout: float = 15.0) -> None:
        """Let the actions in progress settle (shutdown), up to `timeout` seconds."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
