"""Delivery-report signatures: HMAC-SHA256 over `<timestamp>.<body>` with the provider's
secret, in `X-SMS-Signature: v1=<hex>`, the Unix time in `X-SMS-Timestamp`. The outgoing
alert webhook is signed the same way (`_webhook`, its own header names)."""

from __future__ import annotations

import hashlib
import hmac

from adapters._signed_time import signed_at

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "CallbackSignatureError",
    "sign_report",
    "verify_report",
]

SIGNATURE_HEADER = "X-SMS-Signature"
TIMESTAMP_HEADER = "X-SMS-Timestamp"
TOLERANCE_SECONDS = 300
"""A report signed further than this from now is refused (a captured one cannot be replayed
later)."""


class CallbackSignatureError(ValueError):
    """A report whose signature is missing, malformed, wrong or too old."""


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign_report(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (Unix seconds)."""
    return f"v1={_mac(secret, timestamp, body)}"


def verify_report(
    secret: bytes, signature: str | None, timestamp: str | None, body: bytes, now: float
) -> None:
    """Raise `CallbackSignatureError` unless `signature` signs `body` at a recent time."""
    sent = signed_at(
        signature,
        timestamp,
        now,
        headers=(SIGNATURE_HEADER, TIMESTAMP_HEADER),
        tolerance=TOLERANCE_SECONDS,
        error=CallbackSignatureError,
    )
    offered = (signature or "").strip().removeprefix("v1=")
    if not hmac.compare_digest(_mac(secret, sent, body), offered):
        raise CallbackSignatureError("signature does not match the body")
