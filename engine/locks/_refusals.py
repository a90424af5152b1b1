"""A lock's own refusal of a key, classified as a `DenialReason`.

The lock checks what the phone brings it (specs/lock-protocol.md §4.4) and logs a REFUSED
event with its error code; the upload lands it (`land_events`) with this code beside it.
An offline key (`key_id` not 0) past its window is `offline_key_expired`; any other key or
relayed command the lock does not accept (not signed by a trusted key, revoked, another
lock's, malformed, a stale or wrong challenge, a relayed command past its window or
carried out already) is `invalid_key`. A lockout after many refusals and the motor's
failures are no verdict on the key: no code.
"""

from __future__ import annotations

from engine.domain import DenialReason

__all__ = ["refusal_reason"]

_KEY_REFUSED = frozenset(
    {
        "not_authorised",
        "bad_challenge",
        "stale_challenge",
        "expired",
        "replayed",
        "wrong_lock",
        "time_not_allowed",
        "malformed",
        "revoked",
    }
)
_OUT_OF_WINDOW = frozenset({"expired", "time_not_allowed"})


def refusal_reason(code: str | None, key_id: int) -> DenialReason | None:
    """The code of a lock's refusal `code` (its error code's lower-case name) of offline
    key `key_id` (0: an online command); None when it is not a key refused."""
    if code not in _KEY_REFUSED:
        return None
    if key_id and code in _OUT_OF_WINDOW:
        return DenialReason.OFFLINE_KEY_EXPIRED
    return DenialReason.INVALID_KEY
