"""The reconciler: the codes the store and the policy want on every keypad lock, the codes
the lock service holds, a pure plan per lock, applied with bounded concurrency; its state
(numbers, managed codes, retries) in the `keypad_*` tables.

A round reads each lock's codes (in parallel), works out who is entitled at each door and
what the policy says for them, keeps or changes each person's number, plans every lock,
applies the plans (in parallel, `concurrency` locks at once) and records the outcomes in one
transaction per facility.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from engine.access import AccessPoint
from engine.audit import AuditLog, PendingEntry
from engine.clock import Clock
from engine.codes._apply import Applied, apply_plan
from engine.codes._audit import Before, code_entries
from engine.codes._claims import claim_locks, release_locks
from engine.codes._desired import Entitled
from engine.codes._discover import match_devices
from engine.codes._grants import desired_at_door, facility_grants
from engine.codes._pins import PinNeed, ensure_pins
from engine.codes._plan import Held, LockPlan, Want, plan_lock
from engine.codes._port import AccessCode, LockService, LockServiceDown
from engine.codes._record import record_outcomes
from engine.codes._report import LockReport, RoundReport
from engine.codes._rules import CodeModel, model_named
from engine.codes._windows import GrantTiming
from engine.errors import NotFoundError
from engine.persistence import Database
from engine.persistence.tables import Facility, KeypadCode, KeypadLock
from engine.policy import CompiledPolicy

__all__ = ["LockReport", "ReconcileConfig", "Reconciler", "RoundReport"]

log = logging.getLogger("unitgate.codes")


@dataclass(frozen=True)
class ReconcileConfig:
    """How the reconciler works."""

    concurrency: int = 8
    """Locks talked to at once."""
    retry_gap: timedelta = timedelta(hours=1)
    """Between the attempts of the day of a first refusal (then one a day)."""
    from_phone: bool = False
    """A person's number is the last digits of their phone where it fits (else random)."""
    seed: int | None = None
    """Random numbers' seed (tests); None: the system's randomness."""
    timing: GrantTiming = field(default_factory=GrantTiming)
    """When code grants' codes are loaded ahead and deleted after their window."""


@dataclass
class _Lock:
    row: KeypadLock
    model: CodeModel
    actual: list[AccessCode] | None = None
    down: str | None = None


@dataclass
class Reconciler:
    """Reconciles the keypad locks of the store with the lock service."""

    db: Database
    service: LockService
    access: AccessPoint
    policy: Callable[[], CompiledPolicy]
    clock: Clock
    config: ReconcileConfig = field(default_factory=ReconcileConfig)
    audit: AuditLog | None = None
    """Where every code change is written (None: nowhere, e.g. a bench's planning)."""
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = (
            random.Random(self.config.seed)
            if self.config.seed is not None
            else random.SystemRandom()
        )

    def run_once(self, device_ids: set[str] | None = None) -> RoundReport:
        """One round over every keypad lock (or those of `device_ids`)."""
        now, started = self.clock.now(), time.monotonic()
        report = RoundReport()
        try:
            devices = self.service.list_devices()
            with self.db.transaction() as s:
                match_devices(s, devices, now)
        except LockServiceDown as exc:
            log.warning("lock service down (%s): reconciling the locks known", exc.kind)
        with self.db.read() as s:
            rows = list(s.exec(select(KeypadLock).order_by(col(KeypadLock.device_id))))
        locks = [
            _Lock(r, model_named(r.model))
            for r in rows
            if device_ids is None or r.device_id in device_ids
        ]
        by_facility: dict[str | None, list[_Lock]] = defaultdict(list)
        for lock in locks:
            by_facility[lock.row.facility_id].append(lock)
        for facility_id, group in sorted(by_facility.items(), key=lambda kv: kv[0] or ""):
            if not claim_locks(self.db, [lk.row.device_id for lk in group], now):
                report.locks += [LockReport(lk.row.device_id, down="leased") for lk in group]
                continue  # another reconciler has this facility's locks now
            try:
                self._fetch(group)
                self._facility(facility_id, group, now, report)
            except BaseException:
                release_locks(self.db, [lk.row.device_id for lk in group])
                raise
        report.seconds = time.monotonic() - started
        return report

    def resync(self, device_id: str) -> RoundReport:
        """Restore every code unitgate wants on the lock (after a factory reset, or codes
        deleted by hand that were kept deleted): those missing are set again at once, retry
        schedules and kept outside deletions forgotten. `NotFoundError` for an unknown lock."""
        with self.db.read() as s:
            if s.get(KeypadLock, device_id) is None:
                raise NotFoundError(f"no keypad lock `{device_id}`")
        present = {c.access_code_id for c in self.service.list_codes(device_id)}
        with self.db.transaction() as s:
            query = select(KeypadCode).where(col(KeypadCode.device_id) == device_id)
            for row in s.exec(query):
                if row.access_code_id not in present:
                    row.access_code_id, row.status, row.flag = None, "unset", None
                row.failures, row.failure_day, row.next_attempt_at = 0, None, None
                s.add(row)
        return self.run_once({device_id})

    def _fetch(self, locks: list[_Lock]) -> None:
        def fetch(lock: _Lock) -> None:
            try:
                lock.actual = self.service.list_codes(lock.row.device_id)
            except LockServiceDown as exc:
                lock.down = exc.kind
            except Exception as exc:  # a lock the service no longer knows: skip it
                lock.down = type(exc).__name__

        with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
            list(pool.map(fetch, locks))

    def _facility(
        self, facility_id: str | None, locks: list[_Lock], now: datetime, report: RoundReport
    ) -> None:
        policy = self.policy()
        entitled: dict[str, list[Entitled]] = {}
        held: dict[str, list[KeypadCode]] = defaultdict(list)
        with self.db.read() as s:
            timezone = "UTC"
            facility = s.get(Facility, facility_id) if facility_id is not None else None
            timezone = facility.timezone if facility is not None else "UTC"
            conn = s.connection()
            held_rows = list(
                s.exec(
                    select(KeypadCode).where(
                        col(KeypadCode.device_id).in_([lk.row.device_id for lk in locks])
                    )
                )
            )
            for h in held_rows:
                held[h.device_id].append(h)
            sources = (
                facility_grants(conn, facility.id, facility.company_id, now, self.config.timing)
                if facility is not None
                else []
            )
            for lock in locks:
                door, device = lock.row.door_id, lock.row.device_id
                on_lock = {h.person_id for h in held[device] if h.access_code_id is not None}
                entitled[device] = (
                    desired_at_door(conn, self.access, policy, door, sources, now, on_lock)
                    if door
                    else []
                )
        reachable = [lk for lk in locks if lk.actual is not None]
        pins: dict[str, str] = {}
        if facility_id is not None:
            with self.db.transaction() as s:
                pins, _ = ensure_pins(
                    s,
                    facility_id,
                    _needs(reachable, entitled, held),
                    now,
                    self._rng,
                    from_phone=self.config.from_phone,
                )
        plans: dict[str, LockPlan] = {}
        for lock in reachable:
            assert lock.actual is not None  # INVARIANT: filtered above.
            wants = [
                Want(
                    e.person_id,
                    pins[e.person_id],
                    e.name,
                    e.reference,
                    e.via,
                    e.starts_at,
                    e.ends_at,
                )
                for e in entitled[lock.row.device_id]
                if e.permitted and e.person_id in pins
            ]
            plans[lock.row.device_id] = plan_lock(
                lock.model,
                lock.actual,
                [_held(h) for h in held[lock.row.device_id]],
                wants,
                now,
                keep_external_edits=lock.row.keep_external_edits,
            )
        results = self._apply(plans)
        with self.db.transaction() as s:
            for lock in locks:
                device = lock.row.device_id
                lock_report = LockReport(device, down=lock.down)
                report.locks.append(lock_report)
                if lock.actual is None:
                    _note_down(s, device, lock.down)
                    continue
                again = record_outcomes(
                    s,
                    lock.row,
                    entitled[device],
                    pins,
                    lock.actual,
                    plans[device],
                    results[device],
                    (now, timezone, self.config.retry_gap),
                    lock_report,
                )
                report.again = report.again or again
            if self.audit is not None and facility_id is not None:
                entries = _entries(s, locks, held, results, now)
                if entries:
                    self.audit.append_many(s, facility_id, entries)
            release_locks(s, [lk.row.device_id for lk in locks])  # the next round may take them

    def _apply(self, plans: dict[str, LockPlan]) -> dict[str, list[Applied]]:
        def run(item: tuple[str, LockPlan]) -> tuple[str, list[Applied]]:
            device, plan = item
            return device, apply_plan(self.service, device, plan) if not plan.empty else []

        with ThreadPoolExecutor(max_workers=self.config.concurrency) as pool:
            return dict(pool.map(run, plans.items()))


def _entries(
    s: Session,
    locks: list[_Lock],
    held: dict[str, list[KeypadCode]],
    results: dict[str, list[Applied]],
    now: datetime,
) -> list[PendingEntry]:
    """The audit entries of what the round did on the facility's reached locks, from the
    records before the round and as the session holds them now (one query)."""
    reached = [lk for lk in locks if lk.actual is not None]
    after: dict[str, list[KeypadCode]] = defaultdict(list)
    query = select(KeypadCode).where(
        col(KeypadCode.device_id).in_([lk.row.device_id for lk in reached])
    )
    for row in s.exec(query):
        after[row.device_id].append(row)
    out: list[PendingEntry] = []
    for lock in reached:
        assert lock.actual is not None  # INVARIANT: filtered above.
        device = lock.row.device_id
        before = {
            h.person_id: Before(h.state, h.status, h.access_code_id, h.code, h.name, h.flag)
            for h in held[device]
        }
        out += code_entries(now, device, before, after[device], lock.actual, results[device])
    return out


def _held(row: KeypadCode) -> Held:
    return Held(
        row.person_id,
        row.code,
        row.name,
        row.access_code_id,
        row.status,
        row.next_attempt_at,
        use_reference=row.name == row.reference,
    )


def _needs(
    locks: list[_Lock], entitled: dict[str, list[Entitled]], held: dict[str, list[KeypadCode]]
) -> list[PinNeed]:
    """Per person permitted somewhere: their locks' models and the numbers taken there by
    codes that are not theirs."""
    models: dict[str, list[CodeModel]] = defaultdict(list)
    taken: dict[str, set[str]] = defaultdict(set)
    phone: dict[str, str | None] = {}
    for lock in locks:
        assert lock.actual is not None  # INVARIANT: reachable locks only.
        owner = {h.access_code_id: h.person_id for h in held[lock.row.device_id]}
        for e in entitled[lock.row.device_id]:
            if not e.permitted:
                continue
            models[e.person_id].append(lock.model)
            phone.setdefault(e.person_id, e.phone)
            taken[e.person_id] |= {
                a.code for a in lock.actual if owner.get(a.access_code_id) != e.person_id
            }
    return [PinNeed(p, tuple(ms), frozenset(taken[p]), phone.get(p)) for p, ms in models.items()]


def _note_down(s: Session, device_id: str, why: str | None) -> None:
    row = s.get(KeypadLock, device_id)
    if row is not None:
        row.last_error = f"unreachable: {why}"
        row.online = False if why == "device_offline" else row.online
        s.add(row)
