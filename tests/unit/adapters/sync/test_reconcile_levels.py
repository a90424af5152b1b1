"""Full reconcile maps PMS access-level names as the inbox does, and corrects a level that
differs alone (same sequence number, status and tenant); a second reconcile changes nothing."""

from __future__ import annotations

from sqlmodel import select

from adapters.pms.sim import PmsModel, Simulator
from adapters.sync import reconcile
from engine.onboarding import EditContext, LevelSpec, put_level
from engine.persistence.tables import AccessLevel, Facility, Rental, SyncConflict
from engine.runtime import Runtime
from engine.units import resolve_conflict
from tests.support.pms import LinkedFacility, link_facility, served

REFS = [f"F1-{i:06d}" for i in range(1, 5)]


def _sim(*names: str) -> Simulator:
    """Four units, all rented; move-ins get `names` in turn."""
    return Simulator(PmsModel.build(["F1"], 4, seed=2, occupancy=1.0, access_levels=names))


def _put_level(rt: Runtime, fid: str, name: str, *pms_names: str) -> str:
    """Create the level `name`, or give it other `pms_names`; its id."""
    with rt.db.transaction() as s:
        facility = s.get(Facility, fid)
        assert facility is not None
        level = s.exec(
            select(AccessLevel).where(AccessLevel.facility_id == fid, AccessLevel.name == name)
        ).first()
        ctx = EditContext(s, rt.audit, rt.clock.now(), "test")
        return put_level(ctx, facility, LevelSpec(name, pms_names=pms_names), level).id


def _levels(rt: Runtime, linked: LinkedFacility) -> dict[str, str | None]:
    """Unit ref → its active rental's level id."""
    with rt.db.read() as s:
        rentals = s.exec(select(Rental).where(Rental.ended_at == None)).all()  # noqa: E711
    by_unit = {r.unit_id: r.access_level_id for r in rentals}
    return {ref: by_unit.get(uid) for ref, uid in linked.unit_ids.items()}


def _conflicts(rt: Runtime, fid: str) -> list[SyncConflict]:
    with rt.db.read() as s:
        rows = s.exec(select(SyncConflict).where(SyncConflict.facility_id == fid)).all()
        return sorted(rows, key=lambda c: c.id or 0)


def _open(rt: Runtime, linked: LinkedFacility) -> list[tuple[str, str]]:
    refs = {uid: ref for ref, uid in linked.unit_ids.items()}
    return sorted(
        (refs[c.unit_id], c.detail.split("`")[1])
        for c in _conflicts(rt, linked.facility_id)
        if c.resolved_at is None and c.event == "access_level"
    )


def test_reconcile_maps_names_and_reports_unknown_ones_once(runtime: Runtime) -> None:
    sim = _sim("Gold 24h", "Platinum")
    linked = link_facility(runtime, sim.model, "F1")
    gold = _put_level(runtime, linked.facility_id, "gold", "gold 24H")
    with served(sim) as connector:
        first = reconcile(runtime, linked.facility_id, "F1", connector)
        assert first.behind == 4
        # Mapped as the records applied (behind): not a same-seq correction.
        assert first.levels_changed == []
        assert first.unmapped_levels == {REFS[1]: "Platinum", REFS[3]: "Platinum"}
        assert _levels(runtime, linked) == {
            REFS[0]: gold,
            REFS[1]: None,
            REFS[2]: gold,
            REFS[3]: None,
        }
        assert _open(runtime, linked) == [(REFS[1], "Platinum"), (REFS[3], "Platinum")]
        raised = len(_conflicts(runtime, linked.facility_id))
        second = reconcile(runtime, linked.facility_id, "F1", connector)
    assert (second.behind, second.levels_changed, second.outcomes.total()) == (0, [], 0)
    assert second.in_sync
    assert second.unmapped_levels == first.unmapped_levels  # still listed, not raised again
    assert len(_conflicts(runtime, linked.facility_id)) == raised
    assert _levels(runtime, linked)[REFS[0]] == gold


def test_a_level_differing_alone_is_corrected_at_the_same_seq(runtime: Runtime) -> None:
    """The name was unknown when the records applied; mapped since, reconcile corrects the
    levels without a newer record and closes the reports; then nothing more changes."""
    sim = _sim("Gold 24h")
    linked = link_facility(runtime, sim.model, "F1")
    gold = _put_level(runtime, linked.facility_id, "gold")
    with served(sim) as connector:
        reconcile(runtime, linked.facility_id, "F1", connector)
        assert set(_levels(runtime, linked).values()) == {None}
        assert len(_open(runtime, linked)) == 4
        _put_level(runtime, linked.facility_id, "gold", "Gold 24h")
        fixed = reconcile(runtime, linked.facility_id, "F1", connector)
        assert (fixed.behind, fixed.diverged, fixed.outcomes.total()) == (0, [], 0)
        assert fixed.levels_changed == REFS
        assert not fixed.in_sync  # the store held other levels than the PMS said
        assert fixed.unmapped_levels == {}
        assert _levels(runtime, linked) == dict.fromkeys(REFS, gold)
        assert _open(runtime, linked) == []
        closed = [c for c in _conflicts(runtime, linked.facility_id) if c.resolved_at]
        assert {(c.resolved_by, c.resolution) for c in closed} == {
            ("pms", "the PMS access level `Gold 24h` maps onto level `gold` (seq 2)")
        }
        again = reconcile(runtime, linked.facility_id, "F1", connector)
        assert again.in_sync and again.levels_changed == []
        # A level set in the store by hand differs from the PMS's: corrected back.
        with runtime.db.transaction() as s:
            rental = s.exec(
                select(Rental).where(
                    Rental.unit_id == linked.unit_ids[REFS[0]],
                    Rental.ended_at == None,  # noqa: E711
                )
            ).one()
            rental.access_level_id = None
            s.add(rental)
        assert reconcile(runtime, linked.facility_id, "F1", connector).levels_changed == REFS[:1]
        # The PMS clears one unit's level (empty), and stops sending the field on another.
        sim.set_access_level("F1", REFS[1], "")
        sim.set_access_level("F1", REFS[2], None)
        changed = reconcile(runtime, linked.facility_id, "F1", connector)
    assert (changed.behind, changed.levels_changed) == (2, [])
    assert _levels(runtime, linked) == {REFS[0]: gold, REFS[1]: None, REFS[2]: gold, REFS[3]: gold}


def test_a_report_a_person_resolved_is_not_raised_again_by_the_same_record(
    runtime: Runtime,
) -> None:
    sim = _sim("Platinum")
    linked = link_facility(runtime, sim.model, "F1")
    with served(sim) as connector:
        reconcile(runtime, linked.facility_id, "F1", connector)
        first = _conflicts(runtime, linked.facility_id)[0]
        with runtime.db.transaction() as s:
            assert first.id is not None
            resolve_conflict(s, runtime.audit, first.id, "person:x", "known", runtime.clock.now())
        reconcile(runtime, linked.facility_id, "F1", connector)
        assert len(_open(runtime, linked)) == 3
        # A later record naming it again is a new report.
        sim.set_access_level("F1", _ref(linked, first.unit_id), "Platinum")
        reconcile(runtime, linked.facility_id, "F1", connector)
    assert len(_open(runtime, linked)) == 4


def _ref(linked: LinkedFacility, unit_id: str) -> str:
    return next(ref for ref, uid in linked.unit_ids.items() if uid == unit_id)


def test_a_record_of_another_tenant_maps_nothing_without_repair(runtime: Runtime) -> None:
    """Diverged at the same seq (the store has another tenant): that tenant keeps their
    level; `--repair` restates the unit, then its level is the PMS's."""
    sim = _sim("Gold 24h")
    linked = link_facility(runtime, sim.model, "F1")
    gold = _put_level(runtime, linked.facility_id, "gold", "Gold 24h")
    with served(sim) as connector:
        reconcile(runtime, linked.facility_id, "F1", connector)
        # The store's rental came from elsewhere: another tenant at the PMS's own seq.
        with runtime.db.transaction() as s:
            rental = s.exec(
                select(Rental).where(
                    Rental.unit_id == linked.unit_ids[REFS[0]],
                    Rental.ended_at == None,  # noqa: E711
                )
            ).one()
            rental.access_level_id, rental.pms_tenant_ref = None, "T-elsewhere"
            s.add(rental)
        plain = reconcile(runtime, linked.facility_id, "F1", connector)
        assert plain.diverged == REFS[:1] and plain.levels_changed == []
        assert _levels(runtime, linked)[REFS[0]] is None
        repaired = reconcile(runtime, linked.facility_id, "F1", connector, repair=True)
    assert repaired.repaired == 1
    assert _levels(runtime, linked)[REFS[0]] == gold
