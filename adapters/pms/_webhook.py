"""Webhook payloads: a signed JSON body naming records of one facility."""

from __future__ import annotations

import json
from dataclasses import dataclass

from adapters.pms._protocol import RecordPage, read_records
from adapters.pms._signature import verify

__all__ = ["WebhookError", "parse_webhook"]

MAX_WEBHOOK_BYTES = 1_000_000


@dataclass(frozen=True)
class WebhookError(ValueError):
    """A webhook body that carries no records we can read at all."""

    message: str

    def __str__(self) -> str:
        return self.message


def parse_webhook(
    secret: bytes, signature: str | None, timestamp: str | None, body: bytes, now: float
) -> RecordPage:
    """The records of a webhook body after its signature is verified.

    Raises `SignatureError` for a bad signature and `WebhookError` for a body that is not
    `{"records": [...]}`; records inside that fail validation come back as rejected.
    """
    verify(secret, signature, timestamp, body, now)
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookError(f"body of {len(body)} bytes is over {MAX_WEBHOOK_BYTES}")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise WebhookError(f"body is not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise WebhookError('body must be an object `{"records": [...]}`')
    return read_records((f"webhook record {i + 1}", r) for i, r in enumerate(data["records"]))
