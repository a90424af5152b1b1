"""The keypad reconciler against a simulated lock service failing at random (refusals,
outages, failing calls, offline devices, delays in setting), with codes created, edited and
deleted outside unitgate, factory resets and clock advances, while the PMS moves tenants in,
out and through delinquency and tenants share keys.

After every round: no unmanaged code was edited or deleted; no lock holds more codes than
its model allows; every code unitgate set fits its lock model's rules; a delinquent or
departed person's code is off every lock the round reached (else the round reported a failed
removal). Once the faults stop: every lock holds exactly the codes the policy permits, one
number per person on every lock, every unmanaged code still there.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlmodel import select

from engine.clock import ManualClock
from engine.codes import RoundReport, check_code
from engine.domain import LifecycleEvent
from engine.persistence.tables import KeypadCode
from engine.runtime import Runtime
from tests.conftest import AUDIT_KEY
from tests.invariants.test_lifecycle_streams import migrated_copy
from tests.support.keypad import GATE, KeypadWorld, keypad_world

UNITS = 2
UNIT_MODELS = ("schlage_encode", "tedee_keypad")
DEVICES = (GATE, *(f"kp-u{i}" for i in range(UNITS)))


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
        self.dirty = False
        """Who may pass changed since the last round."""

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
        self.last, self.dirty = report, False
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

    def _converged(self) -> None:
        permitted = self._permitted()
        numbers: dict[str, set[str]] = defaultdict(set)
        for device in DEVICES:
            managed = self.kw.managed(device)
            assert set(managed) == permitted[device], device
            for person, number in managed.items():
                numbers[person].add(number)
            assert all(c.status == "set" for c in self.kw.codes(device))
        assert all(len(n) == 1 for n in numbers.values()), numbers  # one number per person

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
            assert not extra, (device, extra)


KeypadMachine.TestCase.settings = settings(
    max_examples=15,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestKeypadReconciler = KeypadMachine.TestCase
