"""The expiry duty inside `unitgate serve`: a thread of its own while the app serves."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from litestar import Litestar

from api.duty_thread import duty_thread
from api.settings import Settings
from api.telemetry import Telemetry
from engine.runtime import Runtime
from engine.units import Expired, ExpiryConfig, ExpiryDuty

__all__ = ["expiry_duty", "expiry_lifespan"]


def expiry_duty(
    runtime: Runtime, poll_seconds: float, on_expired: Callable[[Expired], None]
) -> ExpiryDuty:
    """The duty for `runtime`, woken by its alarm, telling `on_expired` of each expiry."""
    return ExpiryDuty(
        runtime.db,
        runtime.lifecycle,
        ExpiryConfig(poll_seconds=poll_seconds),
        runtime.expiry_alarm,
        on_expired=on_expired,
    )


def expiry_lifespan(
    runtime: Runtime, settings: Settings, telemetry: Telemetry
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan running the expiry duty while the app serves (unless
    `expiry_in_serve` is off); its database work never blocks the event loop."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if not settings.expiry_in_serve:
            yield
            return
        duty = expiry_duty(runtime, settings.expiry_poll_seconds, telemetry.record_expiry)
        async with duty_thread(duty, "unitgate-expiry"):
            yield

    return lifespan
