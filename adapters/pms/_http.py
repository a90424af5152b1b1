"""The JSON-over-HTTP PMS connector (the API `specs/pms-api.md` documents), with retries."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from adapters.pms._protocol import ChangePage, PmsError, PmsUnavailable, RecordPage, read_records

__all__ = ["HttpPmsConnector", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failing PMS call is repeated."""

    attempts: int = 6
    """Calls in all, the first included."""
    base_delay: float = 0.05
    """Seconds before the first retry; doubles each time (with jitter)."""
    max_delay: float = 2.0
    """No wait between retries is longer than this."""

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed call number `attempt` (1-based), with full jitter."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


class _Retry(Exception):
    """A failure worth another try (timeout, 5xx, truncated or unreadable page)."""


@dataclass
class HttpPmsConnector:
    """Reads a facility's units and changes from a PMS's JSON API."""

    base_url: str
    api_key: str | None = None
    timeout: float = 5.0
    """Seconds a call may take before it counts as failed (and is retried)."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    page_size: int = 1000

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url.rstrip("/"), timeout=self.timeout, headers=headers
        )
        self.retries = 0
        """Calls repeated since this connector was made (for tests and metrics)."""

    def close(self) -> None:
        """Close the HTTP connections."""
        self._client.close()

    def snapshot(self, facility_ref: str) -> Iterator[RecordPage]:
        """Every unit of the facility, page by page (`next_page_token` links the pages)."""
        token: str | None = None
        page_no = 0
        while True:
            page_no += 1
            params = {"limit": str(self.page_size), **({"page_token": token} if token else {})}
            body = self._get(f"/v1/facilities/{facility_ref}/units", params)
            yield _page(body, f"units page {page_no}")
            token = body.get("next_page_token")
            if not token:
                return

    def changes(self, facility_ref: str, cursor: str | None, limit: int) -> ChangePage:
        """Up to `limit` changes after `cursor`."""
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        body = self._get(f"/v1/facilities/{facility_ref}/changes", params)
        page = _page(body, f"changes after {cursor or 'start'}")
        next_cursor = body.get("next_cursor")
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise PmsError(f"`next_cursor` must be a string, got `{next_cursor!r}`")
        return ChangePage(
            page.records, page.rejected, next_cursor or cursor, bool(body.get("has_more"))
        )

    def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        last = ""
        for attempt in range(1, self.retry.attempts + 1):
            try:
                return self._get_once(path, params)
            except _Retry as exc:
                last = str(exc)
            except httpx.TransportError as exc:  # timeouts, refused or reset connections
                last = f"{type(exc).__name__}: {exc}"
            if attempt < self.retry.attempts:
                self.retries += 1
                self.sleep(self.retry.delay(attempt))
        raise PmsUnavailable(f"`{path}` failed {self.retry.attempts} times; last: {last}")

    def _get_once(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        response = self._client.get(path, params=params)
        if response.status_code >= 500 or response.status_code == 429:
            raise _Retry(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            raise PmsError(f"`{path}` answered HTTP {response.status_code}: {response.text[:200]}")
        try:
            body = json.loads(response.content)
        except ValueError as exc:
            raise _Retry(f"unreadable JSON ({exc})") from None
        if not isinstance(body, dict) or not isinstance(body.get("records"), list):
            raise PmsError(f"`{path}` did not answer an object with a `records` list")
        count = body.get("count")
        if isinstance(count, int) and count != len(body["records"]):
            raise _Retry(f"truncated page: {len(body['records'])} of {count} records")
        return body


def _page(body: dict[str, Any], where: str) -> RecordPage:
    return read_records((f"{where} record {i + 1}", r) for i, r in enumerate(body["records"]))
