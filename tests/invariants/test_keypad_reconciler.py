"""The keypad reconciler against a simulated lock service failing at random (refusals,
outages, failing calls, offline devices, delays in setting), with codes created, edited and
deleted outside unitgate, factory resets and clock advances, while the PMS moves tenants in,
out and through delinquency and tenants share keys.

After every round: no unmanaged code was edited or deleted; no lock holds more codes than
its model allows; every code unitgate set fits its lock model's rules; a delinquent or
departed person's code is off every lock the round reached (else the round reported a failed
removal). Once the faults stop: every lock holds exactly the codes the policy permits, one
number per person on every lock, every unmanaged code still there.

Code grants (reservations with buffers on the gate and on unit locks, given and cancelled
at random): no managed code stays on a lock the round reached past its deletion bound (24 h
after the window plus buffer closed, or after the cancellation); once the faults stop each
holder's code is on exactly the locks the policy lets their grant reach while it is due,
with its window on the lock: start minus buffer to end plus buffer, or to the cancellation.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlmodel import select

from engine.clock import ManualClock
from engine.codes import RoundReport, cancel_grant, check_code
from engine.domain import LifecycleEvent
from engine.persistence.tables import CodeGrant, KeypadCode
from engine.runtime import Runtime
from tests.conftest import AUDIT_KEY
from tests.invariants.test_lifecycle_streams import migrated_copy
from tests.support.keypad import GATE, KeypadWorld, keypad_world

UNITS = 2
UNIT_MODELS = ("schlage_encode", "tedee_keypad")
DEVICES = (GATE, *(f"kp-u{i}" for i in range(UNITS)))


LOAD_AHEAD, DELETE_AFTER = timedelta(days=3), timedelta(hours=24)


@dataclass
class _Grant:
    """The test's own account of a grant (one holder each)."""

    id: str
    person: str
    devices: tuple[str, ...]
    units: tuple[int, ...]
    opens: datetime
    closes: datetime
    cancelled: datetime | None = None

    @property
    def window(self) -> tuple[datetime, datetime] | None:
        """The code's window on the lock (None: never loaded)."""
        if self.cancelled is None:
            return self.opens, self.closes
        if self.cancelled < self.opens - LOAD_AHEAD:
            return None
        end = min(self.closes, self.cancelled)
        return min(self.opens, end), end

    def deletion_bound(self) -> datetime | None:
        window = self.window
        return window[1] + DELETE_AFTER if window is not None else None

    def due(self, now: datetime) -> bool:
        window = self.window
        return window is not None and window[0] - LOAD_AHEAD <= now < window[1] + DELETE_AFTER


class KeypadMachine(RuleBasedStateMachine):
    """The store, the lock service and the reconciler, with a model of who may pass."""

    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="unitgate-keypad-")
        self.clock = ManualClock()
        self.rt = Runtime.create(migrated_copy(Path(self.folder)), AUDIT_KEY, clock=self.clock)
        self.kw: KeypadWorld = keypad_world(
            self.rt, gate_model="nuki_keypad", unit_model=UNIT_MODELS, units=UNITS
        )
        self.tenant: dict[int, str | None] = dict.fromkeys(range(UNITS))
        self.delinquent: dict[int, bool] = dict.fromkeys(range(UNITS), False)
        self.shared: dict[int, list[str]] = defaultdict(list)
        self.generation = 0
        self.unmanaged: dict[str, set[str]] = defaultdict(set)
        self.last: RoundReport | None = None
        self.last_at = self.clock.now()
        self.dirty = False
        """Who may pass changed since the last round."""
        self.grants: list[_Grant] = []

    def teardown(self) -> None:
        self.rt.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize()
    def first_round(self) -> None:
        self.kw.reconcile()

    # --- the PMS and the tenants ---------------------------------------------------------

    @rule(unit=st.integers(0, UNITS - 1))
    def move_in(self, unit: int) -> None:
        self.dirty = True
        if self.tenant[unit] is not None:
            return
        self.generation += 1
        key = f"t{self.generation}"
        self.tenant[unit] = self.kw.move_in(unit, key)
        self.kw.world.people[self.tenant[unit] or ""] = key
        self.delinquent[unit] = False

    @rule(unit=st.integers(0, UNITS - 1))
    def vacate(self, unit: int) -> None:
        self.dirty = True
        if self.tenant[unit] is None:
            return
        self.kw.pms(unit, LifecycleEvent.VACATE, self._key(unit))
        self.tenant[unit], self.delinquent[unit] = None, False
        self.shared[unit] = []

    @rule(unit=st.integers(0, UNITS - 1), event=st.sampled_from(["gate", "over", "current"]))
    def delinquency(self, unit: int, event: str) -> None:
        self.dirty = True
        if self.tenant[unit] is None:
            return
        which = {
            "gate": LifecycleEvent.DELINQUENT_GATE,
            "over": LifecycleEvent.DELINQUENT_OVER,
            "current": LifecycleEvent.CURRENT,
        }[event]
        self.kw.pms(unit, which, self._key(unit))
        self.delinquent[unit] = event != "current"

    @rule(unit=st.integers(0, UNITS - 1))
    def share(self, unit: int) -> None:
        self.dirty = True
        tenant = self.tenant[unit]
        if tenant is None or len(self.shared[unit]) >= 2:
            return
        self.generation += 1
        self.shared[unit].append(self.kw.share(unit, tenant, f"Friend {self.generation}"))

    @rule(
        starts=st.sampled_from([-120, 5, 60, 3 * 24 * 60 + 30]),
        lasts=st.sampled_from([180, 600]),
        before=st.sampled_from([0, 15]),
        after=st.sampled_from([0, 30]),
        unit=st.sampled_from([None, *range(UNITS)]),
    )
    def give_grant(
        self, starts: int, lasts: int, before: int, after: int, unit: int | None
    ) -> None:
        if len(self.grants) >= 4:
            return
        self.dirty = True
        self.generation += 1
        doors = (self.kw.world.gate_id,) + ((self.kw.unit_door(unit),) if unit is not None else ())
        g = self.kw.grant(
            "reservation",
            timedelta(minutes=starts),
            timedelta(minutes=lasts),
            doors=doors,
            before=before,
            after=after,
            name=f"Guest {self.generation}",
        )
        devices = (GATE,) + ((f"kp-u{unit}",) if unit is not None else ())
        units = (unit,) if unit is not None else ()
        opens = g.starts_at - timedelta(minutes=before)
        closes = g.ends_at + timedelta(minutes=after)
        self.grants.append(_Grant(g.id, g.person_id, devices, units, opens, closes))

    @rule(pick=st.integers(0, 10))
    def cancel_a_grant(self, pick: int) -> None:
        live = [g for g in self.grants if g.cancelled is None]
        if not live:
            return
        self.dirty = True
        grant = live[pick % len(live)]
        now = self.clock.now()
        with self.rt.db.transaction() as s:
            row = s.get(CodeGrant, grant.id)
            assert row is not None
            cancel_grant(s, self.rt.audit, row, self.kw.world.manager, now)
        grant.cancelled = now

    def _key(self, unit: int) -> str:
        return self.kw.world.people[self.tenant[unit] or ""]

    # --- outside unitgate ----------------------------------------------------------------

    @rule(device=st.sampled_from(DEVICES), code=st.integers(100_000, 999_999))
    def someone_adds_a_code(self, device: str, code: int) -> None:
        number = str(code)
        if any(c.code == number for c in self.kw.codes(device)):
            return
        self.unmanaged[device].add(self.kw.sim.external_create(device, number, f"hand {code}"))

    @rule(
        device=st.sampled_from(DEVICES), pick=st.integers(0, 50), code=st.integers(100_000, 999_999)
    )
    def someone_edits_our_code(self, device: str, pick: int, code: int) -> None:
        ours = [c for c in self.kw.codes(device) if c.is_managed]
        if ours:
            self.kw.sim.external_update(ours[pick % len(ours)].access_code_id, str(code), None)

    @rule(device=st.sampled_from(DEVICES), pick=st.integers(0, 50))
    def someone_deletes_our_code(self, device: str, pick: int) -> None:
        ours = [c for c in self.kw.codes(device) if c.is_managed]
        if ours:
            self.kw.sim.external_delete(ours[pick % len(ours)].access_code_id)

    @rule(device=st.sampled_from(DEVICES))
    def factory_reset(self, device: str) -> None:
        self.kw.sim.wipe(device)
        self.unmanaged[device] = set()

    # --- faults and time -----------------------------------------------------------------

    @rule(
        reject=st.sampled_from([0.0, 0.3, 1.0]),
        fail=st.sampled_from([0.0, 0.2]),
        outage=st.booleans(),
        offline=st.sets(st.sampled_from(DEVICES), max_size=2),
        delay=st.sampled_from([0.0, 120.0]),
    )
    def faults(
        self, reject: float, fail: float, outage: bool, offline: set[str], delay: float
    ) -> None:
        f = self.kw.sim.faults
        f.reject_rate, f.fail_rate, f.outage, f.offline = reject, fail, outage, offline
        f.set_delay_seconds = f.remove_delay_seconds = delay

    @rule(minutes=st.sampled_from([1, 30, 90, 60 * 25]))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    @rule()
    def reconcile(self) -> None:
        self.last = self.kw.reconciler.run_once()
        self.last_at = self.clock.now()
        self.dirty = False

    @precondition(lambda self: self.last is not None)
    @rule()
    def faults_stop_and_it_converges(self) -> None:
        f = self.kw.sim.faults
        f.reject_rate = f.fail_rate = f.set_delay_seconds = f.remove_delay_seconds = 0.0
        f.outage, f.offline = False, set()
        self.clock.advance(timedelta(hours=25))  # every retry is due
        for _ in range(4):
            report = self.kw.reconciler.run_once()
            if not report.again and report.total("pending") == 0:
                break
        self.last, self.last_at, self.dirty = report, self.clock.now(), False
        self._converged()

    # --- what must hold -------------------------------------------------------------------

    def _permitted(self) -> dict[str, set[str]]:
        """Device → people the policy lets through it (DESIGN invariants 1 and 2)."""
        out: dict[str, set[str]] = {d: set() for d in DEVICES}
        for unit in range(UNITS):
            tenant = self.tenant[unit]
            if tenant is None or self.delinquent[unit]:
                continue
            people = {tenant, *self.shared[unit]}
            out[GATE] |= people
            out[f"kp-u{unit}"] |= people
        return out

    def _grant_reaches(self, grant: _Grant, device: str) -> bool:
        """The policy lets the grant's giver (the manager) through the door: the gate
        always, a unit's lock only while the unit is available."""
        if device not in grant.devices:
            return False
        return device == GATE or all(self.tenant[u] is None for u in grant.units)

    def _converged(self) -> None:
        permitted = self._permitted()
        now = self.clock.now()
        numbers: dict[str, set[str]] = defaultdict(set)
        for device in DEVICES:
            managed = self.kw.managed(device)
            reached = {g.person for g in self.grants if self._grant_reaches(g, device)}
            due = {g.person for g in self.grants if g.due(now) and g.person in reached}
            kept = {g.person for g in self.grants if g.cancelled is not None and g.person in due}
            assert permitted[device] | (due - kept) <= set(managed), device
            assert set(managed) <= permitted[device] | due, device
            for grant in self.grants:
                code = self._code_of(device, grant.person)
                if code is not None:
                    assert (code.starts_at, code.ends_at) == grant.window, (device, grant)
            for person, number in managed.items():
                numbers[person].add(number)
            assert all(c.status == "set" for c in self.kw.codes(device))
        assert all(len(n) == 1 for n in numbers.values()), numbers  # one number per person

    def _code_of(self, device: str, person: str):  # type: ignore[no-untyped-def]
        with self.rt.db.read() as s:
            row = s.exec(
                select(KeypadCode).where(
                    KeypadCode.device_id == device, KeypadCode.person_id == person
                )
            ).first()
        if row is None or row.access_code_id is None:
            return None
        found = [c for c in self.kw.codes(device) if c.access_code_id == row.access_code_id]
        return found[0] if found and found[0].status != "removing" else None

    @invariant()
    def no_grant_code_stays_past_its_deletion_bound(self) -> None:
        if self.last is None:
            return
        reached = {r.device_id for r in self.last.locks if r.down is None and not r.failed_removals}
        for device in reached:
            on_lock = set(self.kw.managed(device, removing=False))
            for grant in self.grants:
                bound = grant.deletion_bound()
                if grant.person in on_lock and (bound is None or bound <= self.last_at):
                    raise AssertionError((device, grant, self.last_at))

    @invariant()
    def unmanaged_codes_are_never_edited_or_deleted(self) -> None:
        assert self.kw.sim.unmanaged_touched == []
        snapshot = self.kw.sim.snapshot()
        for device, ids in self.unmanaged.items():
            present = {c.access_code_id for c in snapshot[device]}
            assert ids <= present, device

    @invariant()
    def no_lock_over_capacity_and_every_code_fits_its_model(self) -> None:
        for device, codes in self.kw.sim.snapshot().items():
            model = self.kw.sim.model_of(device)
            assert len(codes) <= model.max_codes
            with self.rt.db.read() as s:
                rows = s.exec(select(KeypadCode).where(KeypadCode.device_id == device)).all()
            ours = {r.access_code_id: r.code for r in rows if r.access_code_id}
            for c in codes:  # what unitgate set (an outside edit may set anything)
                if c.is_managed and ours.get(c.access_code_id) == c.code:
                    assert {v.rule for v in check_code(c.code, model)} <= {"unique_prefix"}

    @invariant()
    def nobody_unentitled_keeps_a_code_on_a_lock_the_round_reached(self) -> None:
        if self.last is None:
            return
        permitted = self._permitted()
        if self.dirty:
            return  # the PMS changed who may pass since the last round
        reached = {r.device_id for r in self.last.locks if r.down is None and not r.failed_removals}
        for device in reached:
            extra = set(self.kw.managed(device, removing=False)) - permitted[device]
            extra -= {
                g.person
                for g in self.grants
                if g.due(self.last_at) and self._grant_reaches(g, device)
            }
            assert not extra, (device, extra)


KeypadMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestKeypadReconciler = KeypadMachine.TestCase
