"""Every table of unitgate, in one import."""

from engine.persistence._tables_alerts import AlertCursor, AlertRecord, AlertWebhook
from engine.persistence._tables_codes import KeypadCode, KeypadLock, KeypadPin
from engine.persistence._tables_codes_health import (
    KeypadAlarm,
    KeypadBackup,
    KeypadHealthRun,
    KeypadPending,
)
from engine.persistence._tables_grants import CodeGrant
from engine.persistence._tables_keypad_events import KeypadEventCursor, KeypadEventRecord
from engine.persistence._tables_levels import AccessArea, AccessLevel, AccessSchedule
from engine.persistence._tables_locks import (
    FacilityLockKey,
    LockAction,
    LockDevice,
    LockEventRecord,
    LockGateway,
    LockHealthEvent,
    OfflineKeyRecord,
)
from engine.persistence._tables_notify import Activation, DeliveryReport, OutboxMessage
from engine.persistence._tables_people import (
    AuctionGrant,
    Invitation,
    KeyShare,
    Person,
    Rental,
    Role,
    RoleAssignment,
)
from engine.persistence._tables_records import (
    AccessDecisionRecord,
    AuditChain,
    AuditEntry,
    AuditHead,
    AuditRegistry,
    SyncConflict,
    TransitionRecord,
)
from engine.persistence._tables_site import (
    AccessGroup,
    Company,
    Door,
    DoorScope,
    Facility,
    Unit,
)
from engine.persistence._tables_sync import PmsInboxEntry, PmsRejection, SyncState
from engine.persistence._tables_webhook import PmsRefusalTally, PmsWebhookSecret

__all__ = [
    "AccessArea",
    "AccessDecisionRecord",
    "AccessGroup",
    "AccessLevel",
    "AccessSchedule",
    "Activation",
    "AlertCursor",
    "AlertRecord",
    "AlertWebhook",
    "AuctionGrant",
    "AuditChain",
    "AuditEntry",
    "AuditHead",
    "AuditRegistry",
    "CodeGrant",
    "Company",
    "DeliveryReport",
    "Door",
    "DoorScope",
    "Facility",
    "FacilityLockKey",
    "Invitation",
    "KeyShare",
    "KeypadAlarm",
    "KeypadBackup",
    "KeypadCode",
    "KeypadEventCursor",
    "KeypadEventRecord",
    "KeypadHealthRun",
    "KeypadLock",
    "KeypadPending",
    "KeypadPin",
    "LockAction",
    "LockDevice",
    "LockEventRecord",
    "LockGateway",
    "LockHealthEvent",
    "OfflineKeyRecord",
    "OutboxMessage",
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
