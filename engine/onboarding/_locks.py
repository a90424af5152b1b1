"""Lock hardware ids: each lock is on at most one door of a facility."""

from __future__ import annotations

from sqlmodel import select

from engine.errors import RefusedError
from engine.onboarding._context import EditContext
from engine.onboarding._facility_edits import facility_label
from engine.persistence.tables import Door, Facility

__all__ = ["refuse_taken_lock"]


def refuse_taken_lock(
    ctx: EditContext, facility: Facility, lock_ref: str | None, own_door: str | None
) -> None:
    """Refuse (409) when another door of the facility has the lock `lock_ref`."""
    if lock_ref is None:
        return
    holder = ctx.session.exec(
        select(Door).where(Door.facility_id == facility.id, Door.lock_ref == lock_ref)
    ).first()
    if holder is not None and holder.id != own_door:
        raise RefusedError(
            f"lock `{lock_ref}` is on door `{holder.name}` of `{facility_label(facility)}`",
            help="unassign it there first",
        )
