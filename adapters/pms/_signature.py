"""Webhook signatures: HMAC-SHA256 over the timestamp and the exact body bytes."""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "SignatureError", "sign", "verify"]

SIGNATURE_HEADER = "X-PMS-Signature"
TIMESTAMP_HEADER = "X-PMS-Timestamp"
TOLERANCE_SECONDS = 300
"""Signed requests further than this from now are refused (a captured one cannot be replayed)."""


class SignatureError(ValueError):
    """A webhook whose signature is missing, malformed, wrong or too old."""


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify(
    secret: bytes, signature: str | None, timestamp: str | None, body: bytes, now: float
) -> None:
    """Raise `SignatureError` unless `signature` signs `body` at a recent `timestamp`."""
    if not signature or not timestamp:
        raise SignatureError(f"missing `{SIGNATURE_HEADER}` or `{TIMESTAMP_HEADER}` header")
    try:
        sent = int(timestamp)
    except ValueError:
        raise SignatureError(f"timestamp `{timestamp[:40]}` is not Unix seconds") from None
    if abs(now - sent) > TOLERANCE_SECONDS:
        raise SignatureError(f"timestamp `{sent}` is more than {TOLERANCE_SECONDS} s from now")
    if not hmac.compare_digest(sign(secret, sent, body), signature):
        raise SignatureError("signature does not match the body")
