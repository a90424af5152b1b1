"""The timestamp check every signed request shares: both headers present, Unix seconds,
close enough to now that a captured request cannot be replayed later."""

from __future__ import annotations

__all__ = ["signed_at"]


def signed_at(
    signature: str | None,
    timestamp: str | None,
    now: float,
    *,
    headers: tuple[str, str],
    tolerance: float,
    error: type[Exception],
) -> int:
    """The Unix time `timestamp` states; raises `error` when the signature or timestamp
    header (`headers`: their names) is missing, malformed or further than `tolerance`
    seconds from `now`."""
    if not signature or not timestamp:
        raise error(f"missing `{headers[0]}` or `{headers[1]}` header")
    try:
        sent = int(timestamp)
    except ValueError:
        raise error(f"timestamp `{timestamp[:40]}` is not Unix seconds") from None
    if abs(now - sent) > tolerance:
        raise error(f"timestamp `{sent}` is more than {tolerance:g} s from now")
    return sent
