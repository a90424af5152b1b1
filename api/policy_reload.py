"""Hot reload of the access policy: poll the files, swap in a proven policy atomically.

The poller outlives whatever a reload raises: a refusal is logged with its reason, anything
else with its traceback, both are recorded in the store's status, and polling goes on, so
the next valid edit is picked up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from litestar import Litestar

from engine.policy import PolicyRejected, PolicyStore

__all__ = ["policy_reloader"]

log = logging.getLogger("unitgate.policy")


def policy_reloader(
    store: PolicyStore, every_seconds: float
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan that reloads `store` every `every_seconds` (0: never)."""

    async def poll() -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                if await asyncio.to_thread(store.reload):
                    log.info("policy reloaded: version %s", store.current.version)
            except PolicyRejected as exc:
                # Only an unforeseen failure's traceback helps; bad files are told by reason.
                trace = exc if exc.code == "internal-error" else None
                log.error(
                    "policy reload refused, still serving %s: %s",
                    store.current.version,
                    exc,
                    exc_info=trace,
                )
            except Exception as exc:  # outside the store (the thread hop): record it too
                store.record_failure(exc)
                log.exception("policy reload failed, still serving %s", store.current.version)

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        task = asyncio.create_task(poll()) if every_seconds > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan
