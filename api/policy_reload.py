"""Hot reload of the access policy and of the alert rules: poll the files, swap in what is
valid atomically.

The poller outlives whatever a reload raises: a refusal is logged with its reason (file,
line, field), anything else with its traceback, both are recorded in the store, and polling
goes on, so the next valid edit is picked up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from litestar import Litestar

from engine.alerts import AlertRulesStore
from engine.policy import PolicyRejected, PolicyStore

__all__ = ["Reloadable", "alert_rules_reloader", "file_reloader", "policy_reloader"]


class _Versioned(Protocol):
    @property
    def version(self) -> str: ...


class Reloadable(Protocol):
    """A store of something read from files: `PolicyStore`, `AlertRulesStore`."""

    @property
    def current(self) -> _Versioned: ...

    def reload(self) -> bool: ...

    def record_failure(self, error: BaseException) -> PolicyRejected: ...


def file_reloader(
    store: Reloadable, every_seconds: float, what: str, log: logging.Logger
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan that reloads `store` (`what` in the log) every `every_seconds`
    (0: never)."""

    async def poll() -> None:
        while True:
            await asyncio.sleep(every_seconds)
            try:
                if await asyncio.to_thread(store.reload):
                    log.info("%s reloaded: version %s", what, store.current.version)
            except PolicyRejected as exc:
                # Only an unforeseen failure's traceback helps; bad files are told by reason.
                trace = exc if exc.code == "internal-error" else None
                log.error(
                    "%s reload refused, still serving %s: %s",
                    what,
                    store.current.version,
                    exc,
                    exc_info=trace,
                )
            except Exception as exc:  # outside the store (the thread hop): record it too
                store.record_failure(exc)
                log.exception("%s reload failed, still serving %s", what, store.current.version)

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


def policy_reloader(
    store: PolicyStore, every_seconds: float
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan that reloads the policy every `every_seconds` (0: never)."""
    return file_reloader(store, every_seconds, "policy", logging.getLogger("unitgate.policy"))


def alert_rules_reloader(
    store: AlertRulesStore, every_seconds: float
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan that reloads the alert rules every `every_seconds` (0: never)."""
    return file_reloader(store, every_seconds, "alert rules", logging.getLogger("unitgate.alerts"))
