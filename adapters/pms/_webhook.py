"""Webhook payloads: a signed JSON body naming records of one facility."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    secrets: Sequence[bytes],
    signature: str | None,
    timestamp: str | None,
    company_id: str,
    facility_id: str,
    body: bytes,
    now: float,
) -> RecordPage:
    """The records of a webhook body pushed to `facility_id` after its signature is verified
    (under any of `secrets`, for this company and facility).

    Raises `SignatureError` for a bad signature and `WebhookError` for a body that is not
    `{"records": [...]}`; records inside that fail validation come back as rejected.
    """
    verify(secrets, signature, timestamp, company_id, facility_id, body, now)
    if len(body) > MAX_WEBHOOK_BYTES:
        raise WebhookError(f"body of {len(body)} bytes is over {MAX_WEBHOOK_BYTES}")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise WebhookError(f"body is not JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise WebhookError('body must be an object `{"records": [...]}`')
    return read_records((f"webhook record {i + 1}", r) for i, r in enumerate(data["records"]))
