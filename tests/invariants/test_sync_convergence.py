"""Invariant 12 through the sync inbox: any interleaving, duplication and reordering of a PMS
change stream ends in the same store as applying the stream once, in order."""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from adapters.pms import PmsRecord, RecordPage
from adapters.pms.sim import PmsModel
from adapters.sync import process_pending, receive
from engine.audit import verify_chain
from engine.clock import ManualClock
from engine.persistence.tables import TransitionRecord, Unit
from engine.runtime import Runtime
from tests.conftest import AUDIT_KEY
from tests.invariants.test_lifecycle_streams import migrated_copy
from tests.support.pms import LinkedFacility, link_facility, pms_view, store_view


def _store(folder: str, name: str, model: PmsModel) -> tuple[Runtime, LinkedFacility]:
    directory = Path(folder) / name
    directory.mkdir()
    rt = Runtime.create(migrated_copy(directory), AUDIT_KEY, clock=ManualClock())
    return rt, link_facility(rt, model, "F1")


def _deliver(rt: Runtime, facility_id: str, records: list[dict[str, Any]]) -> None:
    page = RecordPage([PmsRecord.model_validate(r) for r in records])
    with rt.db.transaction() as s:
        receive(s, facility_id, page, "poll", rt.clock.now())


def _units(rt: Runtime, facility_id: str) -> dict[str, tuple[str, int]]:
    with rt.db.read() as s:
        rows = s.exec(select(Unit).where(Unit.facility_id == facility_id)).all()
        return {u.number: (u.state, u.last_pms_seq) for u in rows}


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[PmsModel, list[list[int]], list[int]]:
    """A PMS stream, and its delivery: every change at least once, some again, in any order,
    cut into batches, with a number of events applied after each batch."""
    model = PmsModel.build(["F1"], 4, seed=draw(st.integers(0, 10_000)), occupancy=0.5)
    for _ in range(draw(st.integers(1, 40))):
        model.step()
    n = len(model.log)
    repeats = draw(st.lists(st.integers(0, n - 1), max_size=n))
    order = draw(st.permutations(list(range(n)) + repeats))
    cuts = sorted(draw(st.lists(st.integers(0, len(order)), max_size=8)))
    bounds = [0, *cuts, len(order)]
    batches = [order[a:b] for a, b in itertools.pairwise(bounds)]
    applied = [draw(st.integers(0, 12)) for _ in batches]
    return model, batches, applied


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(deliveries())
def test_any_delivery_converges_to_the_in_order_result(
    delivery: tuple[PmsModel, list[list[int]], list[int]],
) -> None:
    model, batches, applied = delivery
    stream = [record for _, record in model.log]
    with tempfile.TemporaryDirectory() as folder:
        once, a = _store(folder, "once", model)
        mixed, b = _store(folder, "mixed", model)
        try:
            for record in stream:  # the reference: each change once, in order
                _deliver(once, a.facility_id, [record])
                process_pending(once, a.facility_id)
            for batch, limit in zip(batches, applied, strict=True):
                _deliver(mixed, b.facility_id, [stream[i] for i in batch])
                if limit:
                    process_pending(mixed, b.facility_id, limit=limit)
            while process_pending(mixed, b.facility_id).taken:
                pass
            assert store_view(mixed, b.facility_id) == store_view(once, a.facility_id)
            assert _units(mixed, b.facility_id) == _units(once, a.facility_id)
            assert store_view(once, a.facility_id) == pms_view(model.snapshot("F1"))
            with mixed.db.read() as s:
                seqs = Counter(
                    (t.unit_id, t.pms_seq, t.event) for t in s.exec(select(TransitionRecord)).all()
                )
                assert verify_chain(s, mixed.audit, b.facility_id).ok
            assert max(seqs.values(), default=1) == 1, "an event was applied twice"
        finally:
            once.db.dispose()
            mixed.db.dispose()
