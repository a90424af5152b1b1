"""The outgoing alert webhook: the rendered JSON POSTed to the facility's URL, signed like
delivery reports (HMAC-SHA256 over `<timestamp>.<body>` with the facility's secret) so the
operator's system can check it came from unitgate, and when."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx

from adapters.notify._port import Envelope, SendResult
from adapters.notify._signing import sign_report
from adapters.notify._sms import IDEMPOTENCY_KEY_HEADER, RETRIED_4XX

__all__ = ["WEBHOOK_SIGNATURE_HEADER", "WEBHOOK_TIMESTAMP_HEADER", "WebhookSender"]

WEBHOOK_SIGNATURE_HEADER = "X-Unitgate-Signature"
"""`v1=<hex>`: HMAC-SHA256 of `<timestamp>.<body>` under the facility's webhook secret."""
WEBHOOK_TIMESTAMP_HEADER = "X-Unitgate-Timestamp"
"""The Unix time it was signed (receivers refuse old ones: `verify_report`)."""


class WebhookSender:
    """POSTs each message's body to its recipient URL; 2xx accepted, 4xx failed, else retry."""

    def __init__(
        self,
        secret_of: Callable[[str], str | None],
        *,
        timeout: float = 10.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.name = "webhook"
        self._secret_of = secret_of
        self._now = now
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def send(self, envelope: Envelope) -> SendResult:
        """Sign and post one webhook."""
        if envelope.facility_id is None:
            return SendResult.failed("a webhook needs its facility")
        secret = await asyncio.to_thread(self._secret_of, envelope.facility_id)
        if secret is None:
            return SendResult.failed("the facility has no alert webhook any more")
        body = envelope.content.text.encode()
        stamp = int(self._now())
        headers = {
            "Content-Type": "application/json",
            WEBHOOK_SIGNATURE_HEADER: sign_report(secret.encode(), stamp, body),
            WEBHOOK_TIMESTAMP_HEADER: str(stamp),
            IDEMPOTENCY_KEY_HEADER: envelope.idempotency_key,
        }
        try:
            answer = await self._client.post(envelope.recipient, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult.retry(f"webhook unreachable: {type(exc).__name__} {exc}")
        if answer.is_success:
            return SendResult.accepted(f"webhook:{envelope.message_id}")
        reason = f"webhook {answer.status_code}: {answer.text[:200]}"
        if 400 <= answer.status_code < 500 and answer.status_code not in RETRIED_4XX:
            return SendResult.failed(reason)
        return SendResult.retry(reason)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
