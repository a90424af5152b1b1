"""Webhook payloads: a signed JSON body naming records of one facility."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from adapters.pms._protocol import RecordPage, read_records
from adapters.pms._signature import verify

__all__ = ["WebhookError", "decode_body", "parse_webhook"]

MAX_WEBHOOK_BYTES = 1_000_000
# A `\uD800`-`\uDFFF` escape: the only way a lone surrogate (which no database text column
# takes) gets into a string decoded from valid UTF-8.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


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
    data = decode_body(body)
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise WebhookError('body must be an object `{"records": [...]}`')
    return read_records((f"webhook record {i + 1}", r) for i, r in enumerate(data["records"]))


def decode_body(body: bytes) -> object:
    """The JSON of a UTF-8 body (webhooks, and the SMS provider's delivery reports);
    WebhookError for anything else (json.loads alone takes
    UTF-16, encoded surrogates, `NaN` and overflowing numbers, and raises RecursionError
    for deep nesting)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WebhookError(f"body is not UTF-8 (byte {exc.start})") from None
    try:
        data = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise WebhookError("body nests arrays or objects too deeply") from None
    except ValueError as exc:
        raise WebhookError(f"body is not JSON ({exc})") from None
    if _SURROGATE_ESCAPE.search(text):
        try:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise WebhookError("body holds a lone surrogate escape (`\\ud800`)") from None
    return data


def _no_constant(name: str) -> float:
    raise ValueError(f"`{name}` is not JSON")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"the number `{literal[:40]}` is out of range")
    return value
