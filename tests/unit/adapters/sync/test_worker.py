"""The worker and reconcile against the simulated PMS over HTTP: the store ends as the PMS is."""

from __future__ import annotations

from sqlmodel import select

from adapters.pms.sim import Faults, PmsModel, Simulator
from adapters.sync import SyncWorker, WorkerConfig, next_facility, reconcile
from engine.audit import verify_chain
from engine.persistence.tables import SyncState
from engine.runtime import Runtime
from tests.support.pms import link_facility, pms_view, served, store_view


def _converge(worker: SyncWorker, rt: Runtime, sim: Simulator, fid: str, rounds: int = 60) -> None:
    for _ in range(rounds):
        worker.run_once()
        if store_view(rt, fid) == pms_view(sim.model.snapshot("F1")) and not sim.injector.held:
            return


def test_worker_brings_the_store_to_the_pms_under_every_fault(runtime: Runtime) -> None:
    sim = Simulator(PmsModel.build(["F1"], 40, seed=11, occupancy=0.5))
    linked = link_facility(runtime, sim.model, "F1")
    sim.injector.configure(
        Faults(
            timeout=0.05,
            timeout_seconds=0.6,
            server_error=0.15,
            truncated=0.15,
            duplicate=0.2,
            out_of_order=0.2,
            unknown_unit=0.2,
            malformed=0.2,
            seed=5,
        )
    )
    with served(sim) as connector:
        connector.page_size = 40
        worker = SyncWorker(runtime, connector, WorkerConfig(name="w1", page_size=40))
        sim.advance(250)
        _converge(worker, runtime, sim, linked.facility_id)
        sim.injector.configure(Faults())
        report = reconcile(runtime, linked.facility_id, "F1", connector)
    assert store_view(runtime, linked.facility_id) == pms_view(sim.model.snapshot("F1"))
    assert report.behind == 0
    assert (report.diverged, report.missing) == ([], [])
    outcomes = worker.totals
    assert outcomes["applied"] > 50
    assert outcomes["stale"] > 0  # out-of-order deliveries were recorded and skipped
    assert outcomes["quarantined"] > 0  # the unknown units
    with runtime.db.read() as s:
        assert verify_chain(s, runtime.audit, linked.facility_id).ok
        state = s.get(SyncState, linked.facility_id)
    assert state is not None
    assert state.last_worker == "w1"
    assert state.cursor == str(len(sim.model.log))


def test_reconcile_reports_and_repairs_drift(runtime: Runtime) -> None:
    sim = Simulator(PmsModel.build(["F1"], 30, seed=3, occupancy=0.6))
    linked = link_facility(runtime, sim.model, "F1")
    with served(sim) as connector:
        first = reconcile(runtime, linked.facility_id, "F1", connector)
        assert first.behind == 30
        assert store_view(runtime, linked.facility_id) == pms_view(sim.model.snapshot("F1"))
        sim.advance(40)  # changes the store has not seen
        with runtime.db.transaction() as s:  # a unit the PMS does not list
            from engine.sites import add_unit

            add_unit(s, linked.facility_id, "LOCAL-1", runtime.clock.now(), pms_ref="LOCAL-1")
        second = reconcile(runtime, linked.facility_id, "F1", connector)
        third = reconcile(runtime, linked.facility_id, "F1", connector)
    changed = {r["unit_ref"] for ref, r in sim.model.log[-40:]}
    assert second.behind == len(changed)
    assert second.missing == ["LOCAL-1"]
    assert not second.in_sync
    assert store_view(runtime, linked.facility_id) == {
        **pms_view(sim.model.snapshot("F1")),
        "LOCAL-1": ("available", None, None, None, None, None),
    }
    assert (third.behind, third.outcomes.total()) == (0, 0)


def test_workers_share_facilities_and_skip_one_held(runtime: Runtime) -> None:
    sim = Simulator(PmsModel.build(["F1", "F2"], 3, seed=1))
    f1 = link_facility(runtime, sim.model, "F1", "A").facility_id
    f2 = link_facility(runtime, sim.model, "F2", "B").facility_id
    first = next_facility(runtime.db, "w1", runtime.clock.now())
    second = next_facility(runtime.db, "w2", runtime.clock.now())
    assert first is not None
    assert second is not None
    assert {first.facility_id, second.facility_id} == {f1, f2}  # the one polled longest ago
    with runtime.db.read() as s:
        workers = {st.facility_id: st.last_worker for st in s.exec(select(SyncState)).all()}
    assert workers == {first.facility_id: "w1", second.facility_id: "w2"}


def test_a_worker_for_some_facilities_claims_only_those(runtime: Runtime) -> None:
    """`sync run --facility REF`: facilities on another PMS are left to their own worker."""
    sim = Simulator(PmsModel.build(["F1", "F2"], 3, seed=1))
    link_facility(runtime, sim.model, "F1", "A")
    f2 = link_facility(runtime, sim.model, "F2", "B").facility_id
    only = frozenset({"F2"})
    first = next_facility(runtime.db, "w1", runtime.clock.now(), only)
    assert first is not None
    assert first.facility_id == f2
    # F2 is held by the claim's transaction no more, but it was polled last: F2 still comes
    # next for this worker, never F1.
    again = next_facility(runtime.db, "w1", runtime.clock.now(), only)
    assert again is not None
    assert again.facility_id == f2
    assert next_facility(runtime.db, "w1", runtime.clock.now(), frozenset({"F9"})) is None
