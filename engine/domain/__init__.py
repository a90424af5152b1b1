"""Domain vocabulary: unit states, events, sources, door kinds, principals, permissions."""

from engine.domain._places import COUNTRIES, check_country, check_timezone
from engine.domain._reasons import DenialReason
from engine.domain._text import refuse_nul, storable
from engine.domain._vocabulary import (
    PMS_STATUSES,
    Channel,
    DoorKind,
    EventSource,
    LifecycleEvent,
    Permission,
    PrincipalKind,
    Relation,
    UnitState,
)

__all__ = [
    "COUNTRIES",
    "PMS_STATUSES",
    "Channel",
    "DenialReason",
    "DoorKind",
    "EventSource",
    "LifecycleEvent",
    "Permission",
    "PrincipalKind",
    "Relation",
    "UnitState",
    "check_country",
    "check_timezone",
    "refuse_nul",
    "storable",
]
