"""Code grants as desired codes: the `code_grant` table's temporary, vendor and reservation
codes, and the auction grants' winner and clean-out windows (`auction_grant`, reused, not
copied), each with its window on the lock (`engine.codes._windows`).

The policy is asked for each, through the `keypad` channel, as it stands inside the window:
- an auction grant as its holder (winner or clean-out employee) through that grant's own
  relation to the unit, which also says which doors it reaches (the unit's lock and the
  entry points serving it);
- a code grant as the employee who gave it, on each of its doors: the policy has no
  relation for a visitor or vendor, so a grant lends its holder the giver's keypad access
  at that door and never more (no code on an occupied tenant's unit, none on a delinquent
  unit, none where the giver lost their role).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from engine.access import AccessPoint, Caller, SiteFacts
from engine.access._facts import door_site
from engine.codes._desired import Entitled, entitled_at_door, inside_hours
from engine.codes._windows import GrantTiming, Window, first_window, lock_window
from engine.domain import Channel
from engine.persistence import table_of
from engine.persistence.tables import AuctionGrant, CodeGrant, Person, Unit
from engine.policy import CompiledPolicy

__all__ = [
    "MAX_BUFFER",
    "GrantSource",
    "desired_at_door",
    "facility_grants",
    "granted_at_door",
    "with_grants",
]

MAX_BUFFER = timedelta(hours=24)
"""The longest buffer before or after a grant (the API refuses more)."""

_code, _auction, _unit, _person = (
    table_of(CodeGrant),
    table_of(AuctionGrant),
    table_of(Unit),
    table_of(Person),
)


@dataclass(frozen=True, slots=True)
class GrantSource:
    """One grant that wants a code at the facility now."""

    via: str
    """`code_grant:<id>` or `auction:<id>`."""
    person_id: str
    name: str
    reference: str
    phone: str | None
    window: Window
    asked_as: Caller
    """Whom the policy is asked about."""
    doors: frozenset[str] | None
    """A code grant's doors; None: an auction grant (its relation finds its doors)."""


def facility_grants(
    conn: Connection, facility_id: str, company_id: str, now: datetime, timing: GrantTiming
) -> list[GrantSource]:
    """Every grant of the facility whose code belongs on a lock at `now`."""
    out: list[GrantSource] = []
    oldest = now - timing.delete_after - MAX_BUFFER
    latest = now + timing.load_ahead + MAX_BUFFER
    rows = conn.execute(
        select(_code).where(
            _code.c.facility_id == facility_id,
            _code.c.ends_at > oldest,
            _code.c.starts_at <= latest,
        )
    ).mappings()
    for g in rows:
        window = lock_window(
            g["starts_at"],
            g["ends_at"],
            timedelta(minutes=g["buffer_before_minutes"]),
            timedelta(minutes=g["buffer_after_minutes"]),
            g["cancelled_at"],
            timing,
        )
        if window is None or not window.on_lock(now):
            continue
        giver = str(g["created_by"]).removeprefix("person:")
        out.append(
            GrantSource(
                f"code_grant:{g['id']}",
                g["person_id"],
                g["holder_name"],
                g["reference"],
                g["holder_phone"],
                window,
                Caller(giver, company_id, "employee"),
                frozenset(g["door_ids"]),
            )
        )
    auctions = conn.execute(
        select(_auction, _person.c.name, _person.c.mobile)
        .join(_unit, _unit.c.id == _auction.c.unit_id)
        .join(_person, _person.c.id == _auction.c.person_id)
        .where(
            _unit.c.facility_id == facility_id,
            _auction.c.revoked_at.is_(None),
            _auction.c.window_end > now - timing.delete_after,
            _auction.c.window_start <= now + timing.load_ahead,
        )
    ).mappings()
    for a in auctions:
        window = lock_window(
            a["window_start"], a["window_end"], timedelta(0), timedelta(0), None, timing
        )
        if window is None or not window.on_lock(now):
            continue
        role = "employee" if a["kind"] == "cleanout" else "auction_winner"
        out.append(
            GrantSource(
                f"auction:{a['id']}",
                a["person_id"],
                a["name"],
                f"A-{str(a['id'])[:8]}",
                a["mobile"],
                window,
                Caller(a["person_id"], company_id, role),
                None,
            )
        )
    return out


def _permitted(
    conn: Connection,
    access: AccessPoint,
    policy: CompiledPolicy,
    site: SiteFacts,
    source: GrantSource,
    now: datetime,
) -> bool | None:
    """The policy's keypad answer for the grant at the door; None: it does not reach it."""
    evaluations = access.evaluate(conn, source.asked_as, site, Channel.KEYPAD, policy, now)
    if source.doors is not None:
        return any(policy.decide(inside_hours(ev.candidate.request)).allowed for ev in evaluations)
    grant = "grant:" + source.via.removeprefix("auction:")
    own = [ev for ev in evaluations if ev.candidate.via == grant]
    if not own:
        return None
    return any(
        policy.decide(inside_hours(ev.candidate.request, grant_active=True)).allowed for ev in own
    )


def granted_at_door(
    conn: Connection,
    access: AccessPoint,
    policy: CompiledPolicy,
    site: SiteFacts,
    sources: list[GrantSource],
    now: datetime,
    on_lock: set[str],
) -> list[Entitled]:
    """Each grant holder at the door with the policy's answer and their code's window
    (`on_lock`: people whose code is on this lock, the only ones a cancelled grant keeps)."""
    found: dict[str, list[tuple[GrantSource, bool]]] = defaultdict(list)
    for source in sources:
        if source.doors is not None and site.id not in source.doors:
            continue
        if source.window.cancelled and source.person_id not in on_lock:
            continue  # a cancelled grant only keeps a code until it is deleted
        answer = _permitted(conn, access, policy, site, source, now)
        if answer is not None:
            found[source.person_id].append((source, answer))
    out: list[Entitled] = []
    for person, answers in found.items():
        allowed = [s for s, ok in answers if ok]
        window = first_window([s.window for s in allowed], now)
        first = min(allowed or [s for s, _ in answers], key=lambda s: s.window.starts_at)
        out.append(
            Entitled(
                person,
                first.name,
                first.via,
                first.reference,
                first.phone,
                window is not None,
                window.starts_at if window is not None else None,
                window.ends_at if window is not None else None,
            )
        )
    return out


def with_grants(entitled: list[Entitled], granted: list[Entitled]) -> list[Entitled]:
    """The door's people from rentals and shares and from grants, one each: an ongoing
    code the policy permits wins over a grant's window; a grant the policy permits over a
    relation it denies."""
    out = {e.person_id: e for e in entitled}
    for g in granted:
        have = out.get(g.person_id)
        if have is None or (g.permitted and not have.permitted):
            out[g.person_id] = g
    return list(out.values())


def desired_at_door(
    conn: Connection,
    access: AccessPoint,
    policy: CompiledPolicy,
    door_id: str,
    sources: list[GrantSource],
    now: datetime,
    on_lock: set[str],
) -> list[Entitled]:
    """Everyone who may want a code at the door: rentals and shares (`entitled_at_door`)
    and the facility's grants reaching it (`with_grants`)."""
    found = entitled_at_door(conn, access, policy, door_id, now)
    if not sources:
        return found
    site = door_site(conn, door_id)
    if site is None:
        return found
    return with_grants(found, granted_at_door(conn, access, policy, site, sources, now, on_lock))
