"""Every (state, event, source) of specs/lifecycle-table.md, driven through the real machine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from engine.domain import EventSource, LifecycleEvent, Permission, UnitState
from engine.lifecycle import EventRequest, LifecycleMachine, TransitionRefused, UnitSnapshot

TABLE = Path(__file__).parents[4] / "specs" / "lifecycle-table.md"
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
MACHINE = LifecycleMachine()


def _rows() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in TABLE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0] in {s.value for s in UnitState}:
            state, event, source, outcome, requires = cells
            rows.append((state, event, source, outcome, requires))
    return rows


ROWS = _rows()


def test_table_covers_every_triple() -> None:
    triples = {(s, e, src) for s, e, src, _, _ in ROWS}
    expected = {
        (s.value, e.value, src.value)
        for s in UnitState
        for e in LifecycleEvent
        for src in EventSource
    }
    assert triples == expected
    assert len(ROWS) == len(expected)


def _happy(event: LifecycleEvent, source: EventSource) -> EventRequest:
    """A request that satisfies every non-status guard."""
    return EventRequest(
        event=event,
        source=source,
        actor="tester",
        now=NOW,
        permissions=frozenset(Permission),
        reason="tenant locked their phone inside",
        expires_at=NOW + timedelta(hours=1),
        grantee="person-1",
        window_start=NOW,
        window_end=NOW + timedelta(days=3),
    )


def _unit(state: UnitState, pms_status: UnitState, event: LifecycleEvent) -> UnitSnapshot:
    ended = NOW - timedelta(minutes=1)
    return UnitSnapshot(
        unit_id="u-1",
        state=state,
        pms_status=pms_status,
        emergency_until=ended if event is LifecycleEvent.EMERGENCY_EXPIRED else None,
        access_until=ended if event is LifecycleEvent.ACCESS_EXPIRED else None,
    )


def _pms_statuses(state: UnitState) -> list[UnitState]:
    if state.is_lien:
        return [UnitState.OCCUPIED, UnitState.GATELOCK, UnitState.OVERLOCK]
    return [state]


@pytest.mark.parametrize(("state", "event", "source", "outcome", "requires"), ROWS, ids=lambda v: v)
def test_machine_matches_table(
    state: str, event: str, source: str, outcome: str, requires: str
) -> None:
    st, ev, src = UnitState(state), LifecycleEvent(event), EventSource(source)
    request = _happy(ev, src)
    reached = set()
    for pms_status in _pms_statuses(st):
        unit = _unit(st, pms_status, ev)
        if outcome.startswith("refused"):
            with pytest.raises(TransitionRefused) as info:
                MACHINE.decide(unit, request)
            assert (info.value.state, info.value.event, info.value.source) == (st, ev, src)
            assert info.value.unit_id == "u-1"
            if outcome == "refused: wrong source":
                assert f"is a {ev_source(ev)} event" in info.value.reason
            continue
        try:
            result = MACHINE.decide(unit, request)
        except TransitionRefused:
            continue  # a status guard picks another alternative for this pms_status
        if outcome == "conflict":
            assert result.conflict
            assert result.to_state is st
            reached.add("conflict")
        elif result.changed:
            reached.add(f"-> {result.to_state}")
        else:
            reached.add("stays")
    if not outcome.startswith("refused"):
        assert reached == set(outcome.split("; ")), f"{state}/{event}/{source}"


def ev_source(event: LifecycleEvent) -> str:
    from engine.lifecycle import event_source

    return event_source(event).value


GUARDED = [r for r in ROWS if "may_" in r[4] or "emergency_is_valid" in r[4]]


@pytest.mark.parametrize(
    ("state", "event", "source", "outcome", "requires"), GUARDED, ids=lambda v: v
)
def test_guarded_rows_refuse_without_permissions(
    state: str, event: str, source: str, outcome: str, requires: str
) -> None:
    """Permission-gated rows refuse an actor with no permissions, naming the missing one."""
    st, ev = UnitState(state), LifecycleEvent(event)
    request = replace(_happy(ev, EventSource(source)), permissions=frozenset())
    for pms_status in _pms_statuses(st):
        with pytest.raises(TransitionRefused, match="lacks permission"):
            MACHINE.decide(_unit(st, pms_status, ev), request)
