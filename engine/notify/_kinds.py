"""What unitgate tells people, over which channels, and the order of delivery statuses."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ALWAYS_SENT", "STATUS_RANK", "Channel", "MessageKind", "MessageStatus"]


class Channel(StrEnum):
    """How a message travels."""

    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"
    """A signed POST of JSON to an operator's system (alerts)."""


class MessageKind(StrEnum):
    """What a message is about; also the name of its template (`<kind>.<channel>.txt`)."""

    ACTIVATION = "activation"
    """Seed 000: the app link and activation code (SMS), or link and temporary PIN (email)."""
    EMPLOYEE_OPENED_UNIT = "employee_opened_unit"
    """An employee opened the tenant's unit (emergency or a share the tenant made)."""
    SHARE_FIRST_USED = "share_first_used"
    """A key the tenant shared was used for the first time."""
    ACCESS_CHANGED = "access_changed"
    """The tenant's access changed because of delinquency (gatelock, overlock, restored)."""
    BACKUP_CODE = "backup_code"
    """Seed 003: the person's code was not set on a lock in time; the backup code that works."""
    CODES_HEALTH = "codes_health"
    """To the operator: the daily health check found codes not set (and what it did)."""
    KEYPAD_LOCK_FULL = "keypad_lock_full"
    """To the operator: a keypad lock is full and codes wait for space."""
    KEYPAD_CODE_NOT_REMOVED = "keypad_code_not_removed"
    """To the operator, a security alarm: a code still on a lock after it had to leave."""
    ALERT = "alert"
    """An alert rule raised an incident (to employees by role, and the facility's webhook)."""

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The channels it is sent over (its templates exist for these)."""
        if self is MessageKind.ALERT:
            return (Channel.SMS, Channel.EMAIL, Channel.WEBHOOK)
        return (Channel.SMS, Channel.EMAIL)


class MessageStatus(StrEnum):
    """Where a message is. `queued` until a provider accepts it."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    GIVEN_UP = "given_up"
    UNDELIVERABLE = "undeliverable"


STATUS_RANK: dict[MessageStatus, int] = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.UNDELIVERED: 2,
    MessageStatus.FAILED: 2,
    MessageStatus.GIVEN_UP: 2,
    MessageStatus.UNDELIVERABLE: 2,
}
"""A delivery report moves a message only to a higher rank: a late `sent` after `delivered`
changes nothing."""


ALWAYS_SENT = frozenset(
    {
        MessageKind.ACTIVATION,
        MessageKind.BACKUP_CODE,
        MessageKind.CODES_HEALTH,
        MessageKind.KEYPAD_LOCK_FULL,
        MessageKind.KEYPAD_CODE_NOT_REMOVED,
    }
)
"""Kinds a facility cannot turn off: a person must get the code that works (seed 003), and
the operator's alarms are not optional."""
