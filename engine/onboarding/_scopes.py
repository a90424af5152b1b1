"""What an entry point serves, as values: one unit, or a building, a floor, a building's floor."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlmodel import Session, col, select

from engine.errors import InvalidInputError
from engine.persistence.tables import DoorScope, Unit

__all__ = ["Scope", "describe_scopes", "replace_scopes", "scopes_of"]


@dataclass(frozen=True)
class Scope:
    """A part of a facility: `unit_id` alone, or `building` and/or `floor`."""

    building: str | None = None
    floor: str | None = None
    unit_id: str | None = None

    def sort_key(self) -> tuple[bool, str, str, str]:
        """Scopes in a stable order: buildings and floors, then units."""
        return (self.unit_id is not None, self.building or "", self.floor or "", self.unit_id or "")

    def check(self) -> Scope:
        """This scope, if it names one unit or a building and/or floor (else 400)."""
        if self.unit_id is not None and (self.building is not None or self.floor is not None):
            raise InvalidInputError(
                "a scope names a unit, or a building and/or floor, not both",
                help="write `{unit: A101}` or `{building: B, floor: '2'}`",
            )
        if self.unit_id is None and self.building is None and self.floor is None:
            raise InvalidInputError(
                "an empty scope serves nothing",
                help="name a `unit`, `building` or `floor`; no scopes at all serve everything",
            )
        return self


def scopes_of(session: Session, door_ids: Iterable[str]) -> dict[str, list[Scope]]:
    """Door id → its scopes, sorted (a door without scopes serves the whole facility)."""
    ids = list(door_ids)
    out: dict[str, list[Scope]] = defaultdict(list)
    if not ids:
        return out
    rows = session.exec(select(DoorScope).where(col(DoorScope.door_id).in_(ids))).all()
    for r in rows:
        out[r.door_id].append(Scope(r.building, r.floor, r.unit_id))
    for scopes in out.values():
        scopes.sort(key=Scope.sort_key)
    return out


def replace_scopes(session: Session, door_id: str, scopes: Iterable[Scope]) -> None:
    """Make `scopes` the door's only scopes."""
    session.execute(delete(DoorScope).where(col(DoorScope.door_id) == door_id))
    for scope in sorted(set(scopes), key=Scope.sort_key):
        session.add(
            DoorScope(
                door_id=door_id, building=scope.building, floor=scope.floor, unit_id=scope.unit_id
            )
        )


def describe_scopes(session: Session, scopes: Iterable[Scope]) -> str:
    """`all` for no scopes, else `building B, floor 2 of building A, unit A101`."""
    parts = []
    for scope in sorted(set(scopes), key=Scope.sort_key):
        if scope.unit_id is not None:
            unit = session.get(Unit, scope.unit_id)
            parts.append(f"unit {unit.number if unit else scope.unit_id}")
        elif scope.building is not None and scope.floor is not None:
            parts.append(f"floor {scope.floor} of building {scope.building}")
        elif scope.building is not None:
            parts.append(f"building {scope.building}")
        else:
            parts.append(f"floor {scope.floor}")
    return ", ".join(parts) or "all"
