"""Webhook pushes from the simulated PMS: each change POSTed, signed, to its facility's URL."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters.pms._signature import signed_headers

__all__ = ["WebhookPusher", "WebhookTarget"]


@dataclass(frozen=True)
class WebhookTarget:
    """Where one facility's changes are pushed, and the ids its signatures are bound to."""

    url: str
    company_id: str
    facility_id: str

    @classmethod
    def at(cls, base_url: str, company_id: str, facility_id: str) -> WebhookTarget:
        """The facility's webhook route on the unitgate at `base_url`."""
        return cls(f"{base_url.rstrip('/')}/v1/pms/webhooks/{facility_id}", company_id, facility_id)


@dataclass
class WebhookPusher:
    """Sends changes in the background, in order, each to its facility's target (by the
    PMS's facility ref), retrying a failed POST 3 times."""

    targets: Mapping[str, WebhookTarget]
    secret: bytes
    sent: list[float] = field(default_factory=list)
    """When each push was answered 2xx (monotonic seconds), for latency measurements."""
    unrouted: int = 0
    """Changes of facilities without a target: not pushed."""

    def __post_init__(self) -> None:
        self._queue: queue.Queue[tuple[str, dict[str, Any], float] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, daemon=True, name="pms-sim-webhooks")
        self._thread.start()

    def push(self, facility_ref: str, record: dict[str, Any]) -> None:
        """Queue one change for sending."""
        if facility_ref not in self.targets:
            self.unrouted += 1
            return
        self._queue.put((facility_ref, record, time.monotonic()))

    def close(self) -> None:
        """Send what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        with httpx.Client(timeout=5) as client:
            while (item := self._queue.get()) is not None:
                facility_ref, record, _queued = item
                target = self.targets[facility_ref]
                body = json.dumps({"facility_ref": facility_ref, "records": [record]}).encode()
                for _attempt in range(3):
                    ids = (target.company_id, target.facility_id)
                    headers = signed_headers(self.secret, *ids, body)
                    try:
                        if client.post(target.url, content=body, headers=headers).is_success:
                            self.sent.append(time.monotonic())
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.2)
