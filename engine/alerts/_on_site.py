"""Who is on site: the last pass of each person through a counted gate (a door with a
direction) tells whether they are inside; an entry without an exit lapses after a bound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from engine.persistence.tables import AccessDecisionRecord, Door, Person

__all__ = ["OnSite", "on_site"]


@dataclass(frozen=True)
class OnSite:
    """A person inside the facility now."""

    person_id: str
    name: str
    since: datetime
    """Their last entry."""
    door_id: str
    door_name: str


def on_site(s: Session, facility_id: str, now: datetime, hours: float) -> list[OnSite]:
    """The people whose last allowed pass through a counted gate, within `hours`, was an
    entry; newest entry first."""
    a = AccessDecisionRecord
    rows = s.exec(
        select(a, col(Door.name), col(Door.direction))
        .join(Door, col(Door.id) == a.door_id)
        .where(
            a.facility_id == facility_id,
            col(a.allowed).is_(True),
            col(a.person_id).is_not(None),
            col(Door.direction).in_(("in", "out")),
            a.at >= now - timedelta(hours=hours),
            a.at <= now,
        )
        .order_by(col(a.at), col(a.id))
    ).all()
    last: dict[str, tuple[datetime, str, str, str]] = {}
    for decision, door_name, direction in rows:
        assert decision.person_id is not None  # INVARIANT: the query keeps those with one.
        last[decision.person_id] = (decision.at, decision.door_id, door_name, direction or "")
    inside = {p: v for p, v in last.items() if v[3] == "in"}
    names = (
        dict(s.exec(select(Person.id, Person.name).where(col(Person.id).in_(list(inside)))).all())
        if inside
        else {}
    )
    out = [OnSite(p, names.get(p, ""), at, d, dn) for p, (at, d, dn, _) in inside.items()]
    return sorted(out, key=lambda o: o.since, reverse=True)
