"""Messages to people as the engine knows them: kinds and statuses, phone-number checks,
and the transactional outbox they are written to (`adapters.notify` delivers them)."""

from engine.notify._kinds import (
    ALWAYS_SENT,
    STATUS_RANK,
    Channel,
    MessageKind,
    MessageStatus,
)
from engine.notify._numbers import NumberCheck, check_number
from engine.notify._outbox import Outgoing, enqueue
from engine.notify._route import ContactRoute, contact_route

__all__ = [
    "ALWAYS_SENT",
    "STATUS_RANK",
    "Channel",
    "ContactRoute",
    "MessageKind",
    "MessageStatus",
    "NumberCheck",
    "Outgoing",
    "check_number",
    "contact_route",
    "enqueue",
]
