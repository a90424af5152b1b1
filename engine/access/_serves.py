"""Which units an entry point serves: its scopes (buildings, floors, units), else all of them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, ColumnElement, FromClause, and_, bindparam, exists, or_
from sqlmodel import Session, col, select

from engine.persistence import table_of
from engine.persistence.tables import Door, DoorScope, Unit

__all__ = ["doors_of_unit", "serves"]

_scope, _door, _unit = table_of(DoorScope), table_of(Door), table_of(Unit)


def serves(door_id: ColumnElement[Any] | Any, unit: FromClause) -> ColumnElement[bool]:
    """SQL: the door `door_id` (a column or bound parameter) serves the row of `unit`.

    A door without scopes serves the whole facility; otherwise a scope names the unit, or a
    building and/or floor the unit is in (a unit without a building is in none).
    """
    unscoped = ~exists().where(_scope.c.door_id == door_id).correlate_except(_scope)
    matched = (
        exists()
        .where(
            _scope.c.door_id == door_id,
            or_(
                _scope.c.unit_id == unit.c.id,
                and_(
                    _scope.c.unit_id.is_(None),
                    or_(_scope.c.building.is_(None), _scope.c.building == unit.c.building),
                    or_(_scope.c.floor.is_(None), _scope.c.floor == unit.c.floor),
                ),
            ),
        )
        .correlate_except(_scope)
    )
    return or_(unscoped, matched)


# Built once (bound parameters): the app's unit list and the diagnosis ask it per unit.
_UNIT_ID: BindParameter[str] = bindparam("unit_id")
_DOORS_OF_UNIT = (
    select(Door)
    .join(Unit, col(Unit.id) == _UNIT_ID)
    .where(
        col(Door.facility_id) == bindparam("facility_id"),
        col(Door.removed_at).is_(None),
        or_(
            col(Door.unit_id) == _UNIT_ID,
            and_(col(Door.unit_id).is_(None), serves(_door.c.id, _unit)),
        ),
    )
    .order_by(col(Door.kind), col(Door.name))
)


def doors_of_unit(session: Session, unit: Unit) -> list[Door]:
    """The unit's own lock and the facility's entry points that serve it, by kind and name
    (doors taken out of service excluded)."""
    params = {"unit_id": unit.id, "facility_id": unit.facility_id}
    return list(session.exec(_DOORS_OF_UNIT, params=params).all())
