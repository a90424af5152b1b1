"""A sender that writes each message as one JSON line to a file (`make run` shows them)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
from pathlib import Path

from adapters.notify._port import Envelope, SendResult

__all__ = ["LogSink"]


class LogSink:
    """Appends `{"idempotency_key", "to", "subject", "text", ...}` lines to `path`; a reader
    drops a repeated `idempotency_key` (a retry after a crash) as a provider would."""

    def __init__(self, path: Path, channel: str) -> None:
        self.path = path
        self.channel = channel
        self.name = "log"
        self._lock = threading.Lock()

    async def send(self, envelope: Envelope) -> SendResult:
        """Write the message's line; the provider id is derived from its idempotency key."""
        line = {
            "channel": self.channel,
            "message_id": envelope.message_id,
            "idempotency_key": envelope.idempotency_key,
            "to": envelope.recipient,
            "subject": envelope.content.subject,
            "text": envelope.content.text,
        }
        try:
            await asyncio.to_thread(self._append, json.dumps(line))
        except OSError as exc:
            return SendResult.retry(f"cannot write `{self.path}`: {exc.strerror}")
        digest = hashlib.sha256(envelope.idempotency_key.encode()).hexdigest()[:24]
        return SendResult.accepted(f"log-{digest}")

    def _append(self, line: str) -> None:
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")

    async def close(self) -> None:
        """Nothing to release."""
