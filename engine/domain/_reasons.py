"""Why a door stayed shut: the stable reason codes every denial carries."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DenialReason"]


class DenialReason(StrEnum):
    """One classified cause of a denial, stable across policy versions and wording.

    Portals, alert rules and metrics key on these values; the human reason beside them may
    change with the policy text.
    """

    GATELOCKED = "gatelocked"
    OVERLOCKED = "overlocked"
    LIEN = "lien"
    """The unit is in pending_auction or auction (the lien process)."""
    LEASE_NOT_STARTED = "lease_not_started"
    OUTSIDE_SCHEDULE = "outside_schedule"
    OUTSIDE_AREA = "outside_area"
    SHARE_REVOKED = "share_revoked"
    SHARE_EXPIRED = "share_expired"
    GRANT_EXPIRED = "grant_expired"
    """An auction winner's, clean-out or code grant's window is not (or no longer) open."""
    NO_ROLE_OR_RENTAL = "no_role_or_rental"
    CHANNEL_NOT_PERMITTED = "channel_not_permitted"
    INVALID_KEY = "invalid_key"
    OFFLINE_KEY_EXPIRED = "offline_key_expired"
    INVALID_CODE = "invalid_code"
    ANTI_PASSBACK = "anti_passback"
    """A gate with anti-passback: an entry with no exit since the last one (a door rule
    checked after the policy permits)."""
