"""Every table of unitgate, in one import."""

from engine.persistence._tables_people import (
    AuctionGrant,
    KeyShare,
    Person,
    Rental,
    Role,
    RoleAssignment,
)
from engine.persistence._tables_records import (
    AccessDecisionRecord,
    AuditEntry,
    AuditHead,
    SyncConflict,
    TransitionRecord,
)
from engine.persistence._tables_site import AccessGroup, Company, Door, Facility, Unit
from engine.persistence._tables_sync import PmsInboxEntry, PmsRejection, SyncState
from engine.persistence._tables_webhook import PmsRefusalTally, PmsWebhookSecret

__all__ = [
    "AccessDecisionRecord",
    "AccessGroup",
    "AuctionGrant",
    "AuditEntry",
    "AuditHead",
    "Company",
    "Door",
    "Facility",
    "KeyShare",
    "Person",
    "PmsInboxEntry",
    "PmsRefusalTally",
    "PmsRejection",
    "PmsWebhookSecret",
    "Rental",
    "Role",
    "RoleAssignment",
    "SyncConflict",
    "SyncState",
    "TransitionRecord",
    "Unit",
]
