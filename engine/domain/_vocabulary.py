"""The finite vocabulary shared by the lifecycle, the policy language and the API."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "PMS_STATUSES",
    "Channel",
    "DoorKind",
    "EventSource",
    "LifecycleEvent",
    "Permission",
    "PrincipalKind",
    "Relation",
    "UnitState",
]


class UnitState(StrEnum):
    """A unit's lifecycle state: four PMS statuses and two lien overlays."""

    AVAILABLE = "available"
    OCCUPIED = "occupied"
    GATELOCK = "gatelock"
    OVERLOCK = "overlock"
    PENDING_AUCTION = "pending_auction"
    AUCTION = "auction"

    @property
    def is_lien(self) -> bool:
        """True for the states only the portal sets (pending_auction, auction)."""
        return self in (UnitState.PENDING_AUCTION, UnitState.AUCTION)

    @property
    def is_delinquent(self) -> bool:
        """True for the PMS delinquency states (gatelock, overlock)."""
        return self in (UnitState.GATELOCK, UnitState.OVERLOCK)


PMS_STATUSES: frozenset[UnitState] = frozenset(
    {UnitState.AVAILABLE, UnitState.OCCUPIED, UnitState.GATELOCK, UnitState.OVERLOCK}
)
"""The states the PMS owns; a unit's `pms_status` is always one of these."""


class EventSource(StrEnum):
    """Where a lifecycle event comes from. Sources are never mixed."""

    PMS = "pms"
    """The property management software: tenant, unit and delinquency facts."""
    PORTAL = "portal"
    """A person acting in the web portal: lien statuses, with a permission."""
    SYSTEM = "system"
    """The clock: an access window or an emergency reaching its stated end."""


class LifecycleEvent(StrEnum):
    """Every event the unit lifecycle machine accepts."""

    MOVE_IN = "move_in"
    DELINQUENT_GATE = "delinquent_gate"
    DELINQUENT_OVER = "delinquent_over"
    CURRENT = "current"
    VACATE = "vacate"
    MARK_PENDING_AUCTION = "mark_pending_auction"
    RECORD_AUCTION_SALE = "record_auction_sale"
    ASSIGN_CLEANOUT_ACCESS = "assign_cleanout_access"
    RESTORE = "restore"
    ACCESS_EXPIRED = "access_expired"
    EMERGENCY_EXPIRED = "emergency_expired"


class DoorKind(StrEnum):
    """What a door is: an entry point of the facility or one unit's lock."""

    GATE = "gate"
    BUILDING_DOOR = "building_door"
    ELEVATOR = "elevator"
    UNIT_LOCK = "unit_lock"

    @property
    def is_entry_point(self) -> bool:
        """True for gates, building doors and elevators."""
        return self is not DoorKind.UNIT_LOCK


class PrincipalKind(StrEnum):
    """Who is asking to open a door."""

    TENANT = "tenant"
    SHARED_USER = "shared_user"
    EMPLOYEE = "employee"
    AUCTION_WINNER = "auction_winner"


class Relation(StrEnum):
    """How a principal relates to the unit behind a door."""

    TENANT = "tenant"
    SHARED = "shared"
    WINNER = "winner"
    CLEANOUT = "cleanout"
    NONE = "none"


class Channel(StrEnum):
    """How an unlock reaches the lock."""

    PHONE_RELAY = "phone_relay"
    REMOTE = "remote"
    KEYPAD = "keypad"


class Permission(StrEnum):
    """What a role may do. Employees hold permissions through roles."""

    ENTRY_OPEN = "entry.open"
    UNITS_OPEN_AVAILABLE = "units.open_available"
    UNITS_AUCTION_ACCESS = "units.auction_access"
    UNITS_REMOTE_UNLOCK = "units.remote_unlock"
    LIEN_MARK_PENDING_AUCTION = "lien.mark_pending_auction"
    LIEN_EMERGENCY = "lien.emergency"
    LIEN_RESTORE = "lien.restore"
    AUCTION_RECORD_SALE = "auction.record_sale"
    AUCTION_ASSIGN_CLEANOUT = "auction.assign_cleanout"
    AUDIT_READ = "audit.read"
    ROLES_MANAGE = "roles.manage"
    POLICY_MANAGE = "policy.manage"
    SYNC_MANAGE = "sync.manage"
    FACILITY_VIEW = "facility.view"
    SITES_MANAGE = "sites.manage"
    CODES_MANAGE = "codes.manage"
    ALERTS_MANAGE = "alerts.manage"

    @property
    def description(self) -> str:
        """What the permission allows, for people choosing a role's permissions."""
        return _PERMISSION_TEXT[self]


_PERMISSION_TEXT: dict[Permission, str] = {
    Permission.ENTRY_OPEN: "Pass the facility's entry points (gates, doors, elevators).",
    Permission.UNITS_OPEN_AVAILABLE: "Open units that are available (not rented).",
    Permission.UNITS_AUCTION_ACCESS: (
        "Open units in pending_auction and auction (the auction permission)."
    ),
    Permission.UNITS_REMOTE_UNLOCK: "Unlock a door remotely through its gateway.",
    Permission.LIEN_MARK_PENDING_AUCTION: "Move a delinquent unit to pending_auction.",
    Permission.LIEN_EMERGENCY: (
        "Move an occupied unit to a logged, auto-expiring emergency pending_auction."
    ),
    Permission.LIEN_RESTORE: "Return a pending_auction unit to its PMS status.",
    Permission.AUCTION_RECORD_SALE: "Record an auction sale with its winner and access window.",
    Permission.AUCTION_ASSIGN_CLEANOUT: (
        "Give an employee a clean-out access window on a pending_auction unit."
    ),
    Permission.AUDIT_READ: "Read and verify the audit log and explain decisions.",
    Permission.ROLES_MANAGE: "Create roles and assign them.",
    Permission.POLICY_MANAGE: "Load a new access policy.",
    Permission.SYNC_MANAGE: "See and operate PMS sync.",
    Permission.FACILITY_VIEW: "See facilities, units, doors and locks.",
    Permission.SITES_MANAGE: (
        "Create and edit facilities, units, doors and locks; invite employees."
    ),
    Permission.CODES_MANAGE: (
        "Give, change and cancel keypad code grants (temporary, vendor, reservation), "
        "on doors the holder could open as the giver."
    ),
    Permission.ALERTS_MANAGE: "See, acknowledge and resolve alerts; set the alert webhook.",
}
