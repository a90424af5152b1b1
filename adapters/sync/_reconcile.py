"""Full reconcile: diff the PMS's snapshot against the store and apply what the PMS says."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, select

from adapters.pms import PmsConnector, PmsRecord, RecordPage, UnitStatus, to_event
from adapters.sync._claims import lock_state
from adapters.sync._drain import drain
from adapters.sync._inbox import Receipt, receive, unit_ids_by_ref
from adapters.sync._levels import map_access_levels
from adapters.sync._metrics import SyncMetrics
from engine.lifecycle import PMS_STATUS_AFTER
from engine.persistence import table_of
from engine.persistence.tables import Rental, Unit
from engine.runtime import Runtime
from engine.units import PmsOutcome, apply_pms_event

__all__ = ["DriftReport", "reconcile"]

_unit, _rental = table_of(Unit), table_of(Rental)
_STORE = (
    select(_unit.c.pms_ref, _unit.c.pms_status, _unit.c.last_pms_seq, _rental.c.pms_tenant_ref)
    .select_from(
        _unit.outerjoin(
            _rental, and_(_rental.c.unit_id == _unit.c.id, _rental.c.ended_at.is_(None))
        )
    )
    .where(_unit.c.facility_id == bindparam("facility_id"), _unit.c.pms_ref.is_not(None))
)
"""Each PMS-linked unit of a facility: its PMS status, last sequence number and tenant."""
_HELD = (
    select(_unit.c.pms_ref, _unit.c.id, _unit.c.last_pms_seq, _rental.c.pms_tenant_ref)
    .select_from(
        _unit.join(_rental, and_(_rental.c.unit_id == _unit.c.id, _rental.c.ended_at.is_(None)))
    )
    .where(
        _unit.c.facility_id == bindparam("facility_id"),
        _unit.c.pms_ref.in_(bindparam("refs", expanding=True)),
    )
)
"""Rented units of a facility by PMS ref: their id, last sequence number and tenant."""


@dataclass
class DriftReport:
    """How the store differed from the PMS, and what reconciling did about it."""

    pms_units: int = 0
    behind: int = 0
    """Units where the PMS had newer changes than the store: applied now."""
    diverged: list[str] = field(default_factory=list)
    """Units whose status or tenant differ at the same sequence number (for a person)."""
    unknown: list[str] = field(default_factory=list)
    """PMS units we do not have (their records are quarantined with the reason)."""
    missing: list[str] = field(default_factory=list)
    """Our units with a PMS ref the PMS did not list."""
    repaired: int = 0
    """Diverged units restated from the snapshot (only when asked to repair)."""
    levels_changed: list[str] = field(default_factory=list)
    """Units whose rental's access level the PMS's record at the store's own sequence number
    set or cleared (e.g. its name was mapped onto a level since): corrected now."""
    unmapped_levels: dict[str, str] = field(default_factory=dict)
    """Unit → name of the PMS access-level names no level maps, each an open sync conflict:
    not drift reconciling can correct (a manager maps the name, then reconciles)."""
    received: Receipt = field(default_factory=Receipt)
    outcomes: Counter[str] = field(default_factory=Counter)

    @property
    def in_sync(self) -> bool:
        """True when the PMS and the store agreed before reconciling."""
        return not (
            self.behind or self.diverged or self.unknown or self.missing or self.levels_changed
        )


def expected_status(record: PmsRecord) -> str:
    """The PMS status (`Unit.pms_status`) a record states."""
    return PMS_STATUS_AFTER[record.event].value


def reconcile(
    rt: Runtime,
    facility_id: str,
    facility_ref: str,
    connector: PmsConnector,
    *,
    batch: int = 500,
    repair: bool = False,
    metrics: SyncMetrics | None = None,
) -> DriftReport:
    """Read the facility's snapshot, apply every unit the PMS has newer facts for, report drift.

    With `repair`, units that disagree with the PMS at a sequence number both have (the
    store's came from elsewhere, or the PMS's numbering went back) are restated from the
    snapshot too: the PMS is the source of truth. Access-level names are mapped as the inbox
    maps them (`map_access_levels`) for every unit whose record is the store's current one
    (same sequence number and tenant), so a level differing alone is corrected too.
    """
    report = DriftReport()
    diverged: list[PmsRecord] = []
    with rt.db.read() as s:
        store = {
            ref: (status, seq, tenant)
            for ref, status, seq, tenant in s.connection().execute(
                _STORE, {"facility_id": facility_id}
            )
        }
    seen: set[str] = set()
    for page in connector.snapshot(facility_ref):
        newer = []
        for record in page.records:
            report.pms_units += 1
            seen.add(record.unit_ref)
            held = store.get(record.unit_ref)
            if held is None:
                report.unknown.append(record.unit_ref)
                newer.append(record)
            elif record.seq > held[1]:
                report.behind += 1
                newer.append(record)
            elif (expected_status(record), record.tenant_ref) != (held[0], held[2]):
                report.diverged.append(record.unit_ref)
                diverged.append(record)
        with rt.db.transaction() as s:
            got = receive(
                s, facility_id, RecordPage(newer, page.rejected), "reconcile", rt.clock.now()
            )
        report.received.new += got.new
        report.received.duplicates += got.duplicates
        report.received.rejected += got.rejected
        report.outcomes.update(drain(rt, facility_id, batch_size=batch, metrics=metrics).outcomes)
        _map_levels(rt, facility_id, page.records, report)
    report.missing = sorted(set(store) - seen)
    if repair and diverged:
        report.repaired = _restate(rt, facility_id, diverged)
        _map_levels(rt, facility_id, diverged, report)
    return report


def _map_levels(
    rt: Runtime, facility_id: str, records: list[PmsRecord], report: DriftReport
) -> None:
    """Map the access-level names of the records the store now holds as current (the behind
    ones were mapped as they applied: nothing changes for them again)."""
    named = {
        r.unit_ref: r
        for r in sorted(records, key=lambda r: r.seq)
        if r.access_level is not None and r.status is UnitStatus.OCCUPIED
    }
    if not named:
        return
    with rt.db.transaction() as s:
        lock_state(s, facility_id, wait=True)  # the appliers' lock: no newer seq meanwhile
        held = s.connection().execute(_HELD, {"facility_id": facility_id, "refs": sorted(named)})
        current = {
            unit_id: named[ref]
            for ref, unit_id, seq, tenant in held
            if named[ref].seq == seq and named[ref].tenant_ref == tenant
        }
        mapped = map_access_levels(s, facility_id, current.items(), rt.clock.now())
    refs = {unit_id: record.unit_ref for unit_id, record in current.items()}
    report.levels_changed.extend(sorted(refs[u] for u in mapped.changed))
    for ref in refs.values():
        report.unmapped_levels.pop(ref, None)
    report.unmapped_levels.update((refs[u], name) for u, name in mapped.unknown)


def _restate(rt: Runtime, facility_id: str, records: list[PmsRecord]) -> int:
    """Apply `records` although their numbers are not newer; how many units changed."""
    changed = 0
    with rt.db.transaction() as s:
        lock_state(s, facility_id, wait=True)
        units = unit_ids_by_ref(s, facility_id, {r.unit_ref for r in records})
        for record in records:
            result = apply_pms_event(
                s, rt.lifecycle, to_event(record, units[record.unit_ref]), restate=True
            )
            changed += result.outcome is PmsOutcome.APPLIED
    return changed
