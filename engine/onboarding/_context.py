"""One batch of site changes: who makes them, when, and what each one changed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from engine.audit import AuditLog
from engine.errors import ConflictError
from engine.persistence.tables import Facility

__all__ = ["Change", "EditContext", "shown"]


@dataclass(frozen=True)
class Change:
    """One change, as `unitgate site apply` prints it and the audit log keeps it."""

    kind: str
    """The audit entry kind, e.g. `unit_added`."""
    subject: str
    """The id of what changed (a facility, unit, door, role or person)."""
    text: str
    """`+ unit A101 (riverside)`, `~ door Main gate (riverside): lock a -> b`, `- unit A199 …`."""


@dataclass
class EditContext:
    """Site changes made in one transaction by one actor; each is audited as it is made.

    A change to a facility goes into that facility's chain; a change to the whole company
    (a role, a company-wide assignment) into the chain of each of its facilities.
    """

    session: Session
    audit: AuditLog
    now: datetime
    actor: str
    """`person:<id>` for the API, `site-file:<name>` for `unitgate site apply`."""
    changes: list[Change] = field(default_factory=list)

    def record(
        self,
        facility_ids: Iterable[str],
        kind: str,
        subject: str,
        text: str,
        payload: dict[str, Any],
    ) -> Change:
        """Audit a change in each facility's chain and remember it."""
        change = Change(kind, subject, text)
        for facility_id in sorted(set(facility_ids)):
            self.audit.append(
                self.session,
                facility_id=facility_id,
                at=self.now,
                kind=kind,
                actor=self.actor,
                subject=subject,
                payload={"change": text, **payload},
            )
        self.changes.append(change)
        return change

    def company_facilities(self, company_id: str) -> list[str]:
        """Ids of every facility of the company (the chains a company-wide change goes to)."""
        return list(
            self.session.exec(select(Facility.id).where(Facility.company_id == company_id)).all()
        )

    def flush(self, what: str) -> None:
        """Write pending rows now; a unique key another writer took first is a conflict."""
        with self.guarded(what):
            pass

    @contextmanager
    def guarded(self, what: str) -> Iterator[None]:
        """Writes inside (and a flush after them) that lose a race for a unique key (the
        checks before them passed, another writer committed first) are a conflict (409)."""
        try:
            yield
            self.session.flush()
        except IntegrityError as exc:
            raise ConflictError(
                f"{what} changed meanwhile", help="read it again and retry"
            ) from exc


def shown(value: object) -> str:
    """A value in a change line (`none` for None)."""
    return "none" if value is None or value == "" else str(value)
