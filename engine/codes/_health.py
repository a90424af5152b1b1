"""The daily health check of keypad codes (seed 003), at each facility's local
`codes_health_check_at`, once a day: every code that must be active in the next 24 hours
and is not set on its lock gets a backup code from the lock's pool (the person is sent the
number that works), and the operator gets an email of what was found and done.

A run is claimed by inserting the facility's row for the local date: it is durable (a
restart does not repeat it, a second process does not run it too) and a day whose time
came while nothing ran is checked as soon as something does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from engine.codes._backup import PoolHealth, code_window, pool_health, pull_backup
from engine.codes._operators import facility_payload, notify_operators
from engine.notify import MessageKind, Outgoing, contact_route, enqueue
from engine.persistence import Database
from engine.persistence.tables import (
    Door,
    Facility,
    KeypadBackup,
    KeypadCode,
    KeypadHealthRun,
    KeypadLock,
    Person,
    Rental,
)

__all__ = ["HealthResult", "due_facilities", "run_health_check"]

_AHEAD = timedelta(hours=24)


@dataclass
class HealthResult:
    """What one facility's health check found and did."""

    facility_id: str
    day: str
    checked: int = 0
    not_set: int = 0
    backups_given: int = 0
    without_backup: int = 0
    messages: list[str] = field(default_factory=list)
    """Outbox ids written (the operator's email, the people's backup codes)."""


def local_day(now: datetime, timezone: str) -> str:
    """The facility's local date at `now` (ISO)."""
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()


def due_facilities(db: Database, now: datetime) -> list[str]:
    """Facilities with keypad locks whose check time has come today (local) and that were
    not checked today."""
    with db.read() as s:
        ids = set(
            s.exec(select(KeypadLock.facility_id).where(col(KeypadLock.facility_id).is_not(None)))
        )
        out = []
        for f in s.exec(
            select(Facility).where(col(Facility.id).in_(ids)).order_by(col(Facility.id))
        ):
            local = now.astimezone(ZoneInfo(f.timezone))
            if local.time() < f.codes_health_check_at:
                continue
            if s.get(KeypadHealthRun, (f.id, local.date().isoformat())) is None:
                out.append(f.id)
    return out


def _claim(db: Database, facility_id: str, day: str, now: datetime, force: bool) -> bool:
    try:
        with db.transaction() as s:
            run = s.get(KeypadHealthRun, (facility_id, day))
            if run is not None:
                if not force:
                    return False
                run.started_at, run.finished_at = now, None
                s.add(run)
            else:
                s.add(KeypadHealthRun(facility_id=facility_id, day=day, started_at=now))
    except IntegrityError:
        return False  # another process claimed the day first
    return True


def run_health_check(
    db: Database, facility_id: str, now: datetime, pool_size: int, *, force: bool = False
) -> HealthResult | None:
    """Check the facility's codes for today (local); None when today's check already ran
    (unless `force`: the CLI's on-demand run, which gives no backup twice either)."""
    with db.read() as s:
        facility = s.get(Facility, facility_id)
        if facility is None:
            return None
        timezone, country = facility.timezone, facility.country
    day = local_day(now, timezone)
    if not _claim(db, facility_id, day, now, force):
        return None
    result = HealthResult(facility_id, day)
    with db.transaction() as s:
        problems = _check(s, facility_id, now, country, result)
        locks = list(
            s.exec(select(KeypadLock.device_id).where(col(KeypadLock.facility_id) == facility_id))
        )
        pools = pool_health(s, pool_size, locks)
        if problems:
            payload = {
                "day": day,
                "problems": problems,
                "backups_given": result.backups_given,
                "without_backup": result.without_backup,
                "pools": [_pool_line(s, p) for p in pools.values()],
            }
            key = f"codes_health/{facility_id}/{day}"
            result.messages += notify_operators(
                s, facility_id, MessageKind.CODES_HEALTH, key, payload, now
            )
        run = s.get(KeypadHealthRun, (facility_id, day))
        assert run is not None  # INVARIANT: claimed above.
        run.checked, run.not_set = result.checked, result.not_set
        run.backups_given, run.without_backup = result.backups_given, result.without_backup
        run.finished_at = now
        s.add(run)
    return result


def _door_name(s: Session, device_id: str) -> str:
    lock = s.get(KeypadLock, device_id)
    door = s.get(Door, lock.door_id) if lock is not None and lock.door_id else None
    return door.name if door is not None else device_id


def _pool_line(s: Session, p: PoolHealth) -> dict[str, object]:
    name = _door_name(s, p.device_id)
    return {
        "door_name": name,
        "device_id": p.device_id,
        "ready": p.ready,
        "size": p.size,
        "health": p.health,
    }


def _check(
    s: Session, facility_id: str, now: datetime, country: str | None, result: HealthResult
) -> list[dict[str, str]]:
    locks = select(KeypadLock.device_id).where(col(KeypadLock.facility_id) == facility_id)
    rows = s.exec(
        select(KeypadCode)
        .where(col(KeypadCode.device_id).in_(locks), col(KeypadCode.state) == "active")
        .order_by(col(KeypadCode.device_id), col(KeypadCode.person_id))
    ).all()
    covered = {
        b.keypad_code_id
        for b in s.exec(select(KeypadBackup).where(col(KeypadBackup.state) == "assigned"))
    }
    problems: list[dict[str, str]] = []
    for row in rows:
        starts, ends = code_window(s, row.via)
        if (starts is not None and starts > now + _AHEAD) or (ends is not None and ends <= now):
            continue
        if (row.flag or "").startswith("deleted outside"):
            continue  # the operator deleted it in the lock's app: no backup either (seed 003)
        result.checked += 1
        if row.status == "set" and row.access_code_id is not None:
            continue
        result.not_set += 1
        person = s.get(Person, row.person_id)
        line = {
            "door_name": _door_name(s, row.device_id),
            "device_id": row.device_id,
            "person_name": person.name if person is not None else row.name,
            "status": row.status if row.access_code_id else "not on the lock",
            "error": row.last_error or "",
        }
        if row.id in covered:
            line["outcome"] = "already has a backup code"
        else:
            backup = pull_backup(s, row.device_id, row, now)
            if backup is None:
                result.without_backup += 1
                line["outcome"] = "no backup code left on this lock"
            else:
                result.backups_given += 1
                masked = "*" * (len(backup.code) - 2) + backup.code[-2:]
                line["outcome"] = f"backup code {masked} given"
                result.messages.append(
                    _send_backup(s, facility_id, row, backup, line, country, now)
                )
        problems.append(line)
    return problems


def _send_backup(
    s: Session,
    facility_id: str,
    row: KeypadCode,
    backup: KeypadBackup,
    line: dict[str, str],
    country: str | None,
    now: datetime,
) -> str:
    person = s.get(Person, row.person_id)
    mobile, phone, email = (
        (person.mobile, None, person.email) if person is not None else (None, None, None)
    )
    kind, _, ident = row.via.partition(":")
    rental = s.get(Rental, ident) if kind == "rental" else None
    if rental is not None:
        mobile, phone, email = rental.mobile, rental.phone, rental.email or email
    route = contact_route(mobile, phone, email, country)
    ends = backup.ends_at
    valid = (
        f"valid until {ends:%Y-%m-%d %H:%M} UTC"
        if ends is not None
        else "valid while your access lasts"
    )
    message = Outgoing(
        facility_id=facility_id,
        kind=MessageKind.BACKUP_CODE,
        channel=route.channel,
        recipient=route.recipient,
        idempotency_key=f"backup_code/{backup.id}",
        person_id=row.person_id,
        payload={
            **facility_payload(s, facility_id),
            "person_name": line["person_name"],
            "door_name": line["door_name"],
            "valid": valid,
        },
        secret=backup.code,
        problem=route.problem,
    )
    return enqueue(s, message, now)
