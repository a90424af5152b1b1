"""A background duty of `unitgate serve` in a thread of its own while the app serves."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Protocol

__all__ = ["Duty", "duty_thread"]

_JOIN_SECONDS = 30.0
"""How long shutdown waits for the round in progress."""


class Duty(Protocol):
    """What a duty offers: rounds until stopped."""

    def run(self) -> None: ...

    def stop(self) -> None: ...


@contextlib.asynccontextmanager
async def duty_thread(duty: Duty, name: str) -> AsyncIterator[None]:
    """Run `duty` in a daemon thread named `name` while the block runs; then stop it and
    wait (off the event loop) for its round in progress."""
    thread = threading.Thread(target=duty.run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        duty.stop()
        await asyncio.to_thread(thread.join, _JOIN_SECONDS)
