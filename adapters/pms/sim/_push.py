"""Webhook pushes from the simulated PMS: each change POSTed, signed, to a URL."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters.pms._signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

__all__ = ["WebhookPusher"]


@dataclass
class WebhookPusher:
    """Sends changes to `url` in the background, in order, retrying a failed POST 3 times."""

    url: str
    secret: bytes
    sent: list[float] = field(default_factory=list)
    """When each push was answered 2xx (monotonic seconds), for latency measurements."""

    def __post_init__(self) -> None:
        self._queue: queue.Queue[tuple[str, dict[str, Any], float] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True, name="pms-sim-webhooks")
        self._thread.start()

    def push(self, facility_ref: str, record: dict[str, Any]) -> None:
        """Queue one change for sending."""
        self._queue.put((facility_ref, record, time.monotonic()))

    def close(self) -> None:
        """Send what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while (item := self._queue.get()) is not None:
                facility_ref, record, _queued = item
                body = json.dumps({"facility_ref": facility_ref, "records": [record]}).encode()
                for _attempt in range(3):
                    now = int(time.time())
                    headers = {
                        SIGNATURE_HEADER: sign(self.secret, now, body),
                        TIMESTAMP_HEADER: str(now),
                        "Content-Type": "application/json",
                    }
                    try:
                        if client.post(self.url, content=body, headers=headers).is_success:
                            self.sent.append(time.monotonic())
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.2)
