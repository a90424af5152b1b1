"""Webhook signatures (`v2`): HMAC-SHA256 over the timestamp, the company and facility the
push is for, and the exact body bytes.

Binding the signature to unitgate's company and facility ids (both are in what the PMS is
configured with: the secret comes with its company id, the URL names the facility) means a
push captured at one facility's URL verifies nowhere else, even within the timestamp window
and under a secret several facilities share.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Sequence

from adapters._signed_time import signed_at

__all__ = [
    "SCHEME",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "SignatureError",
    "sign",
    "signed_facility",
    "signed_headers",
    "verify",
]

SIGNATURE_HEADER = "X-PMS-Signature"
TIMESTAMP_HEADER = "X-PMS-Timestamp"
SCHEME = "v2"
TOLERANCE_SECONDS = 300
"""Signed requests further than this from now are refused (a captured one cannot be replayed)."""
_LEGACY = "sha256="
_MAX_SIGNATURES = 4
"""A header may carry several signatures (one per secret during a rotation); more are ignored."""


class SignatureError(ValueError):
    """A webhook whose signature is missing, malformed, wrong or too old."""


def _mac(secret: bytes, timestamp: int, company_id: str, facility_id: str, body: bytes) -> str:
    message = f"{timestamp}.{company_id}.{facility_id}.".encode() + body
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign(secret: bytes, timestamp: int, company_id: str, facility_id: str, body: bytes) -> str:
    """The signature header value for `body` pushed at `timestamp` (Unix seconds) to the
    facility `facility_id` of company `company_id` (unitgate's ids)."""
    return f"{SCHEME}={_mac(secret, timestamp, company_id, facility_id, body)}"


def signed_headers(
    secret: bytes, company_id: str, facility_id: str, body: bytes, now: float | None = None
) -> dict[str, str]:
    """The headers of a JSON push of `body` signed now (or at `now`, Unix seconds) for the
    facility `facility_id` of company `company_id`."""
    stamp = int(time.time() if now is None else now)
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, stamp, company_id, facility_id, body),
        TIMESTAMP_HEADER: str(stamp),
    }


def verify(
    secrets: Sequence[bytes],
    signature: str | None,
    timestamp: str | None,
    company_id: str,
    facility_id: str,
    body: bytes,
    now: float,
) -> None:
    """Raise `SignatureError` unless one of the header's signatures signs `body` for this
    company and facility at a recent `timestamp`, under one of `secrets`."""
    sent = _timestamp(signature, timestamp, now)
    offered = _offered(signature)
    for secret in secrets:
        expected = _mac(secret, sent, company_id, facility_id, body)
        if any(hmac.compare_digest(expected, mac) for mac in offered):
            return
    raise SignatureError("signature does not match this facility and the body")


def signed_facility(
    secrets: Sequence[bytes],
    signature: str | None,
    timestamp: str | None,
    company_id: str,
    facility_ids: Iterable[str],
    body: bytes,
) -> str | None:
    """Which of `facility_ids` the (refused) signature was made for, if any: tells a push
    replayed to another facility's URL from a wrong secret or an altered body."""
    try:
        sent = int(timestamp or "")
        offered = _offered(signature)
    except (ValueError, SignatureError):
        return None
    for facility_id in facility_ids:
        for secret in secrets:
            expected = _mac(secret, sent, company_id, facility_id, body)
            if any(hmac.compare_digest(expected, mac) for mac in offered):
                return facility_id
    return None


def _timestamp(signature: str | None, timestamp: str | None, now: float) -> int:
    return signed_at(
        signature,
        timestamp,
        now,
        headers=(SIGNATURE_HEADER, TIMESTAMP_HEADER),
        tolerance=TOLERANCE_SECONDS,
        error=SignatureError,
    )


def _offered(signature: str | None) -> list[str]:
    """The `v2` MACs in the header (`v2=<hex>`, comma-separated when several)."""
    parts = [p.strip() for p in (signature or "").split(",")][:_MAX_SIGNATURES]
    macs = [p.removeprefix(f"{SCHEME}=") for p in parts if p.startswith(f"{SCHEME}=")]
    if macs:
        return macs
    if any(p.startswith(_LEGACY) for p in parts):
        raise SignatureError(
            f"`{_LEGACY}` signatures are not accepted: they are not bound to a facility "
            f"(sign `{SCHEME}=` over timestamp, company, facility and body)"
        )
    raise SignatureError(f"no `{SCHEME}=` signature in `{SIGNATURE_HEADER}`")
