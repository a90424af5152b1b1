"""Domain vocabulary: unit states, events, sources, door kinds, principals, permissions."""

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
    "PMS_STATUSES",
    "Channel",
    "DoorKind",
    "EventSource",
    "LifecycleEvent",
    "Permission",
    "PrincipalKind",
    "Relation",
    "UnitState",
    "refuse_nul",
    "storable",
]
