"""The lock service over HTTP (Seam's access-code and events routes): implements
`engine.codes.LockService`.

Timeouts and 5xx answers are `LockServiceDown` (nothing known to have changed); 4xx answers
with an error type are `CodeRejected`. One `httpx.Client`, shared by the reconciler's threads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from adapters.lockservice._wire import code_from, device_from, event_from, time_to
from engine.codes import AccessCode, CodeRejected, DeviceInfo, KeypadEvent, LockServiceDown

__all__ = ["HttpLockService"]


class HttpLockService:
    """A lock service at `base_url`."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, api_key: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=base_url, timeout=timeout, headers=headers)

    def close(self) -> None:
        """Close the connections."""
        self._http.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            got = self._http.post(path, json=body)
        except httpx.TimeoutException as exc:
            raise LockServiceDown("timeout", f"{path}: no answer in time") from exc
        except httpx.TransportError as exc:
            raise LockServiceDown("provider_outage", f"{path}: {exc}") from exc
        try:
            data: dict[str, Any] = got.json()
        except ValueError:
            data = {}
        kind = str((data.get("error") or {}).get("type") or "")
        message = str((data.get("error") or {}).get("message") or "")
        if got.status_code >= 500 or kind in ("provider_outage", "device_offline"):
            raise LockServiceDown(kind or "failed", message or f"{path}: {got.status_code}")
        if got.status_code >= 400:
            raise CodeRejected(kind or "failed_to_set", message)
        return data

    def list_devices(self) -> list[DeviceInfo]:
        """Every device of the account."""
        return [device_from(d) for d in self._post("/devices/list", {})["devices"]]

    def list_codes(self, device_id: str) -> list[AccessCode]:
        """Every code on the device."""
        found = self._post("/access_codes/list", {"device_id": device_id})["access_codes"]
        return [code_from(c) for c in found]

    def create_code(
        self,
        device_id: str,
        code: str,
        name: str,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> AccessCode:
        """Put a code on the device (time-bound when `starts_at` and `ends_at` are given)."""
        body = {"device_id": device_id, "code": code, "name": name}
        body |= _window(starts_at, ends_at)
        return code_from(self._post("/access_codes/create", body)["access_code"])

    def update_code(
        self,
        access_code_id: str,
        code: str,
        name: str,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> AccessCode:
        """Change a managed code (its window too: None, None makes it ongoing)."""
        body = {"access_code_id": access_code_id, "code": code, "name": name}
        body |= _window(starts_at, ends_at)
        return code_from(self._post("/access_codes/update", body)["access_code"])

    def delete_code(self, access_code_id: str) -> None:
        """Remove a managed code."""
        self._post("/access_codes/delete", {"access_code_id": access_code_id})

    def list_events(self, since: datetime | None) -> list[KeypadEvent]:
        """Keypad events at or after `since` (`/events/list`), oldest first; other event
        types are left out."""
        found = self._post("/events/list", {"since": time_to(since)})["events"]
        events = [event_from(e) for e in found]
        return sorted((e for e in events if e is not None), key=lambda e: e.occurred_at)


def _window(starts_at: datetime | None, ends_at: datetime | None) -> dict[str, Any]:
    return {"starts_at": time_to(starts_at), "ends_at": time_to(ends_at)}
