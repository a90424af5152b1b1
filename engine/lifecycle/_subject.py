"""The model the `transitions` machine drives: state plus guard methods named in the spec."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from engine.domain import Permission, UnitState
from engine.lifecycle._requests import EventRequest, UnitSnapshot

__all__ = ["Subject"]


class Subject:
    """One decision's view of a unit; guards append why they failed to `refusals`."""

    state: str

    def __init__(self, emergency_max: timedelta) -> None:
        self.emergency_max = emergency_max
        self.unit: UnitSnapshot
        self.request: EventRequest
        self.refusals: list[str] = []

    def load(self, unit: UnitSnapshot, request: EventRequest) -> None:
        """Point the subject at a new decision."""
        self.unit = unit
        self.request = request
        self.refusals = []

    def _refuse(self, reason: str) -> bool:
        self.refusals.append(reason)
        return False

    def _holds(self, permission: Permission) -> bool:
        if permission in self.request.permissions:
            return True
        return self._refuse(f"actor `{self.request.actor}` lacks permission `{permission}`")

    # --- guards named in _definition.TRANSITIONS (transitions passes an EventData) ---

    def actor_may_mark_pending_auction(self, _: Any = None) -> bool:
        return self._holds(Permission.LIEN_MARK_PENDING_AUCTION)

    def actor_may_record_sale(self, _: Any = None) -> bool:
        return self._holds(Permission.AUCTION_RECORD_SALE)

    def actor_may_assign_cleanout(self, _: Any = None) -> bool:
        return self._holds(Permission.AUCTION_ASSIGN_CLEANOUT)

    def actor_may_restore(self, _: Any = None) -> bool:
        return self._holds(Permission.LIEN_RESTORE)

    def emergency_is_valid(self, _: Any = None) -> bool:
        r = self.request
        ok = self._holds(Permission.LIEN_EMERGENCY)
        if not (r.reason and r.reason.strip()):
            ok = self._refuse("an emergency needs a reason")
        if r.expires_at is None:
            return self._refuse("an emergency needs an expiry")
        if r.expires_at <= r.now:
            ok = self._refuse(f"the emergency expiry `{r.expires_at.isoformat()}` has passed")
        elif r.expires_at - r.now > self.emergency_max:
            ok = self._refuse(
                f"the emergency expiry is more than {self.emergency_max} away (the bound)"
            )
        return ok

    def is_not_emergency(self, _: Any = None) -> bool:
        if self.unit.emergency_until is None:
            return True
        return self._refuse("the unit is in an emergency pending auction, not a lien")

    def grant_is_valid(self, _: Any = None) -> bool:
        r = self.request
        ok = True
        if not r.grantee:
            ok = self._refuse("a grantee is required")
        if r.window_start is None or r.window_end is None:
            return self._refuse("an access window (start and end) is required")
        if r.window_end <= r.window_start:
            ok = self._refuse("the access window ends before it starts")
        if r.window_end <= r.now:
            ok = self._refuse("the access window has already ended")
        return ok

    def window_has_ended(self, _: Any = None) -> bool:
        until = self.unit.access_until
        if until is not None and until <= self.request.now:
            return True
        return self._refuse("the access window has not ended")

    def emergency_has_ended(self, _: Any = None) -> bool:
        until = self.unit.emergency_until
        if until is not None and until <= self.request.now:
            return True
        return self._refuse("no emergency has reached its expiry")

    # Status guards pick the destination among alternatives; they explain nothing.
    def pms_status_is_occupied(self, _: Any = None) -> bool:
        return self.unit.pms_status is UnitState.OCCUPIED

    def pms_status_is_gatelock(self, _: Any = None) -> bool:
        return self.unit.pms_status is UnitState.GATELOCK

    def pms_status_is_overlock(self, _: Any = None) -> bool:
        return self.unit.pms_status is UnitState.OVERLOCK
