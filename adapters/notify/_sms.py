"""SMS through an HTTP provider in the shape real SMS APIs have: `POST /v1/messages` with
the message, an `Idempotency-Key` header, a provider message id back; delivery reports
come later to the `status_callback` URL (see `_callbacks`)."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import httpx

from adapters.notify._port import Envelope, SendResult

__all__ = ["IDEMPOTENCY_KEY_HEADER", "RETRIED_4XX", "HttpSmsProvider"]

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per message otherwise
RETRIED_4XX = frozenset({408, 409, 425, 429})
"""4xx answers that say "later", not "never"."""


class HttpSmsProvider:
    """POSTs `{to, body, reference, status_callback}`; the answer is `{id, status}`, or an
    error `{error}` whose 4xx means this message can never be sent (e.g. not a mobile)."""

    def __init__(
        self, base_url: str, *, api_key: str | None = None, timeout: float = 10.0, pools: int = 4
    ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.name = "http"
        # Several small pools: httpx's pool scans every connection per request, which made
        # one pool of 64 ~3x slower than 4 pools of 4 (a few hundred vs ~800 messages/s).
        self._clients = [
            httpx.AsyncClient(
                base_url=base_url.rstrip("/"),
                headers=headers,
                timeout=timeout,
                limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
            )
            for _ in range(pools)
        ]
        self._next = itertools.cycle(self._clients)

    async def send(self, envelope: Envelope) -> SendResult:
        """Submit one SMS; 2xx accepted, 4xx failed with the provider's reason, else retry."""
        body: dict[str, Any] = {
            "to": envelope.recipient,
            "body": envelope.content.text,
            "reference": envelope.message_id,
            "status_callback": envelope.status_callback,
        }
        headers = {IDEMPOTENCY_KEY_HEADER: envelope.idempotency_key}
        try:
            answer = await next(self._next).post("/v1/messages", json=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult.retry(f"sms provider unreachable: {type(exc).__name__} {exc}")
        said = _said(answer)
        if answer.is_success:
            provider_id = said.get("id")
            if not isinstance(provider_id, str) or not provider_id:
                return SendResult.retry("sms provider answered without a message id")
            return SendResult.accepted(provider_id)
        reason = f"sms provider {answer.status_code}: {said.get('error') or answer.text[:200]}"
        if 400 <= answer.status_code < 500 and answer.status_code not in RETRIED_4XX:
            return SendResult.failed(reason)
        return SendResult.retry(reason)

    async def close(self) -> None:
        """Close the connection pool."""
        for client in self._clients:
            await client.aclose()


def _said(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
