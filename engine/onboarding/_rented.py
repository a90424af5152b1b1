"""Whether a unit is rented: the one thing site edits must never take away from under a tenant."""

from __future__ import annotations

from sqlmodel import Session

from engine.domain import UnitState
from engine.persistence.tables import Unit
from engine.units import active_rental

__all__ = ["is_rented"]


def is_rented(session: Session, unit: Unit) -> bool:
    """True when the unit has an active rental or is not available (a lien needs a tenant)."""
    return unit.state != UnitState.AVAILABLE.value or active_rental(session, unit.id) is not None
