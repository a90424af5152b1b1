"""When a person's app last called unitgate (seed 000 step 8), noted at most once a minute
per person so that the access request path pays nothing for it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, update

from engine.clock import Clock
from engine.persistence import Database, table_of
from engine.persistence.tables import Person

__all__ = ["APP_SEEN_EVERY", "AppSeen"]

APP_SEEN_EVERY = timedelta(minutes=1)
"""`person.app_seen_at` is at most this old while the app is in use."""

_person = table_of(Person)
_NOTE = (
    update(_person)
    .where(
        _person.c.id == bindparam("person"),
        or_(_person.c.app_seen_at.is_(None), _person.c.app_seen_at < bindparam("before")),
    )
    .values(app_seen_at=bindparam("now"))
)


class AppSeen:
    """Notes app calls in `person.app_seen_at`.

    The conditional UPDATE keeps it to one write a minute per person across every process;
    what this process noted last (a bounded map) spares even that statement in between. A
    second replica needs nothing of it: it only writes a little more often.
    """

    # Not a dataclass: Litestar would try to parse a dataclass dependency as input.
    def __init__(self, db: Database, clock: Clock, max_kept: int = 10_000) -> None:
        self.db, self.clock, self.max_kept = db, clock, max_kept
        self._noted: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def due(self, person_id: str) -> datetime | None:
        """Now, when `person_id` has not been noted by this process for a minute; else None."""
        now = self.clock.now()
        with self._lock:
            last = self._noted.get(person_id)
            if last is not None and now - last < APP_SEEN_EVERY:
                return None
            if len(self._noted) >= self.max_kept:
                self._noted.clear()
            self._noted[person_id] = now
        return now

    def write(self, person_id: str, now: datetime) -> None:
        """Set the person's `app_seen_at` to `now` unless it is less than a minute old."""
        params = {"person": person_id, "before": now - APP_SEEN_EVERY, "now": now}
        with self.db.transaction() as s:
            s.connection().execute(_NOTE, params)

    def note(self, person_id: str) -> None:
        """`write` when `due` (synchronous callers)."""
        now = self.due(person_id)
        if now is not None:
            self.write(person_id, now)
