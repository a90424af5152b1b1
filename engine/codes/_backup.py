"""Backup codes (seed 003): a pool of codes unitgate sets on each keypad lock ahead of time,
reserved for the day a person's own code is not set in time.

Pooled codes count against the lock's capacity and are never given a person's number. The
daily health check pulls one for a person (its window becomes that of their code); the
upkeep after every reconcile round takes off the lock each backup that must leave (its
window ended, its person lost the right, its lock was unmatched, or the lock is full and
people's codes wait for the space), follows the ones still being set, and refills every
matched lock's pool to its size where space is left for the codes wanted there.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from engine.codes._check import check_name
from engine.codes._claims import claim_locks, release_locks
from engine.codes._pick import NoCodeFits, choose_code
from engine.codes._port import AccessCode, CodeRejected, LockService, LockServiceDown
from engine.codes._rules import model_named
from engine.codes._windows import GrantTiming, lock_window
from engine.persistence import Database
from engine.persistence.tables import (
    AuctionGrant,
    CodeGrant,
    KeypadBackup,
    KeypadCode,
    KeypadLock,
    KeypadPin,
    KeyShare,
    Rental,
)

__all__ = ["PoolHealth", "code_window", "pool_health", "pull_backup", "upkeep_pools"]

log = logging.getLogger("unitgate.codes")

LIVE = ("pooled", "assigned", "retiring")
"""Backup states whose code is (or may still be) on the lock."""


@dataclass(frozen=True, slots=True)
class PoolHealth:
    """A lock's backup pool: codes ready (set), still being set, and its target size."""

    device_id: str
    size: int
    ready: int
    setting: int
    assigned: int

    @property
    def health(self) -> str:
        """`full` (every place ready), `partial` or `empty` (none ready)."""
        if self.ready >= self.size:
            return "full"
        return "empty" if self.ready == 0 else "partial"


def code_window(s: Session, via: str) -> tuple[datetime | None, datetime | None]:
    """The window of the grant behind a code (`rental:`, `share:`, `code_grant:`, `auction:`
    and an id): when it began and when it ends (None: open)."""
    kind, _, ident = via.partition(":")
    if kind == "rental":
        rental = s.get(Rental, ident)
        return (rental.started_at, rental.ended_at) if rental is not None else (None, None)
    if kind == "share":
        share = s.get(KeyShare, ident)
        return (share.created_at, share.expires_at) if share is not None else (None, None)
    if kind == "code_grant":
        grant = s.get(CodeGrant, ident)
        if grant is None:
            return None, None
        window = lock_window(
            grant.starts_at,
            grant.ends_at,
            timedelta(minutes=grant.buffer_before_minutes),
            timedelta(minutes=grant.buffer_after_minutes),
            grant.cancelled_at,
            GrantTiming(),
        )
        return (window.starts_at, window.ends_at) if window is not None else (None, None)
    if kind == "auction":
        auction = s.get(AuctionGrant, ident)
        if auction is None:
            return None, None
        return auction.window_start, auction.revoked_at or auction.window_end
    return None, None


def pool_health(
    s: Session, size: int, device_ids: list[str] | None = None
) -> dict[str, PoolHealth]:
    """Every lock's pool (or those of `device_ids`)."""
    query = select(KeypadLock.device_id)
    if device_ids is not None:
        query = query.where(col(KeypadLock.device_id).in_(device_ids))
    out = {d: PoolHealth(d, size, 0, 0, 0) for d in s.exec(query)}
    backups = select(KeypadBackup).where(col(KeypadBackup.state).in_(("pooled", "assigned")))
    for b in s.exec(backups):
        found = out.get(b.device_id)
        if found is None:
            continue
        ready, setting, assigned = found.ready, found.setting, found.assigned
        if b.state == "assigned":
            assigned += 1
        elif b.status == "set":
            ready += 1
        else:
            setting += 1
        out[b.device_id] = PoolHealth(b.device_id, size, ready, setting, assigned)
    return out


def pull_backup(
    s: Session, device_id: str, original: KeypadCode, now: datetime
) -> KeypadBackup | None:
    """Give the lock's best pooled backup (set first, then oldest) to the person of
    `original`, with the window of their code; None when the pool is empty."""
    pooled = s.exec(
        select(KeypadBackup).where(
            col(KeypadBackup.device_id) == device_id, col(KeypadBackup.state) == "pooled"
        )
    ).all()
    if not pooled:
        return None
    backup = min(pooled, key=lambda b: (b.status != "set", b.created_at, b.id))
    starts, ends = code_window(s, original.via)
    backup.state, backup.keypad_code_id, backup.person_id = (
        "assigned",
        original.id,
        original.person_id,
    )
    backup.starts_at, backup.ends_at, backup.assigned_at = starts, ends, now
    s.add(backup)
    return backup


@dataclass
class _Lock:
    row: KeypadLock
    backups: list[KeypadBackup]
    waiting: int
    """The lock's wanted codes not on it (they come before backups)."""
    actual: list[AccessCode] | None = None


def _must_leave(
    b: KeypadBackup, lock: KeypadLock, codes: dict[str, KeypadCode], now: datetime
) -> str | None:
    if b.state == "retiring":
        return b.last_error or "must leave the lock"
    if lock.door_id is None:
        return "lock unmatched"
    if b.state == "assigned":
        original = codes.get(b.keypad_code_id or "")
        if original is None or original.state != "active":
            return "its person may no longer open here"
        if b.ends_at is not None and b.ends_at <= now:
            return "its window ended"
    return None


def upkeep_pools(
    db: Database, service: LockService, size: int, now: datetime, rng: random.Random
) -> dict[str, PoolHealth]:
    """Take off, follow and refill every lock's backups (see the module); the pools after."""
    with db.read() as s:
        locks = {r.device_id: _Lock(r, [], 0) for r in s.exec(select(KeypadLock))}
        for b in s.exec(select(KeypadBackup).where(col(KeypadBackup.state).in_(LIVE))):
            if b.device_id in locks:
                locks[b.device_id].backups.append(b)
        codes = {c.id: c for c in s.exec(select(KeypadCode))}
    for c in codes.values():
        if c.state == "active" and c.access_code_id is None and c.device_id in locks:
            locks[c.device_id].waiting += 1
    todo = [lk for lk in locks.values() if _needs_work(lk, codes, size, now)]
    by_facility: dict[str | None, list[_Lock]] = {}
    for lk in todo:
        by_facility.setdefault(lk.row.facility_id, []).append(lk)
    for group in by_facility.values():
        ids = [lk.row.device_id for lk in group]
        if not claim_locks(db, ids, now):
            continue  # a reconcile round holds them: the next upkeep does it
        try:
            for lk in group:
                _upkeep_lock(db, service, lk, codes, size, now, rng)
        finally:
            release_locks(db, ids)
    with db.read() as s:
        return pool_health(s, size)


def _needs_work(lk: _Lock, codes: dict[str, KeypadCode], size: int, now: datetime) -> bool:
    if any(_must_leave(b, lk.row, codes, now) for b in lk.backups):
        return True
    if any(b.status != "set" for b in lk.backups):
        return True
    pooled = sum(1 for b in lk.backups if b.state == "pooled")
    if lk.row.full and pooled:
        return True
    return (
        lk.row.door_id is not None
        and lk.row.facility_id is not None
        and not lk.row.full
        and pooled < size
    )


def _upkeep_lock(
    db: Database,
    service: LockService,
    lk: _Lock,
    codes: dict[str, KeypadCode],
    size: int,
    now: datetime,
    rng: random.Random,
) -> None:
    device = lk.row.device_id
    changed: list[KeypadBackup] = []
    pooled = [b for b in lk.backups if b.state == "pooled"]
    reclaim = {b.id for b in pooled[: lk.waiting]} if lk.row.full else set()
    reclaim |= {b.id for b in pooled[size:]}
    try:
        for b in lk.backups:
            why = _must_leave(b, lk.row, codes, now) or (
                "space needed for people's codes" if b.id in reclaim else None
            )
            if why is not None:
                _take_off(service, b, why, now)
                changed.append(b)
        live = [b for b in lk.backups if b.state in LIVE]
        if any(b.status != "set" for b in live) or _short(lk, live, size):
            lk.actual = service.list_codes(device)
            on_lock = {a.access_code_id: a for a in lk.actual}
            for b in live:
                found = on_lock.get(b.access_code_id or "")
                if found is None:
                    b.state, b.access_code_id, b.retired_at = "retired", None, now
                    b.last_error = "gone from the lock"
                elif found.status != b.status:
                    b.status = found.status
                changed.append(b)
            live = [b for b in live if b.state in LIVE]
            if _short(lk, live, size):
                changed += _refill(db, service, lk, live, size, now, rng)
    except LockServiceDown as exc:
        log.warning("backup pool of %s not kept up (%s)", device, exc.kind)
    finally:
        with db.transaction() as s:
            for b in changed:
                s.merge(b)


def _short(lk: _Lock, live: list[KeypadBackup], size: int) -> bool:
    pooled = sum(1 for b in live if b.state == "pooled")
    matched = lk.row.door_id is not None and lk.row.facility_id is not None
    return matched and not lk.row.full and pooled < size


def _take_off(service: LockService, b: KeypadBackup, why: str, now: datetime) -> None:
    try:
        if b.access_code_id is not None:
            service.delete_code(b.access_code_id)
    except (LockServiceDown, CodeRejected) as exc:
        kind = exc.kind if isinstance(exc, LockServiceDown) else exc.reason
        b.state, b.last_error = "retiring", f"failed to remove ({kind}): {why}"
        return
    b.state, b.access_code_id, b.retired_at, b.last_error = "retired", None, now, why


def _refill(
    db: Database,
    service: LockService,
    lk: _Lock,
    live: list[KeypadBackup],
    size: int,
    now: datetime,
    rng: random.Random,
) -> list[KeypadBackup]:
    assert lk.actual is not None
    assert lk.row.facility_id is not None
    model = model_named(lk.row.model)
    with db.read() as s:
        query = select(KeypadPin.code).where(col(KeypadPin.facility_id) == lk.row.facility_id)
        pins = set(s.exec(query))
    taken = [a.code for a in lk.actual]
    names = [a.name for a in lk.actual]
    spare = model.max_codes - len(lk.actual) - lk.waiting
    missing = min(size - sum(1 for b in live if b.state == "pooled"), spare)
    made: list[KeypadBackup] = []
    for _ in range(max(0, missing)):
        try:
            code, _source = choose_code([model], taken, rng, avoid=pins)
        except NoCodeFits:
            break
        name = f"backup-{secrets.token_hex(3)}"
        if check_name(name, model, names):
            break
        try:
            got = service.create_code(lk.row.device_id, code, name)
        except CodeRejected as exc:
            log.info("backup code refused on %s: %s", lk.row.device_id, exc.reason)
            break
        taken.append(code)
        names.append(name)
        made.append(
            KeypadBackup(
                device_id=lk.row.device_id,
                code=code,
                name=name,
                access_code_id=got.access_code_id,
                status=got.status,
                created_at=now,
            )
        )
    return made
