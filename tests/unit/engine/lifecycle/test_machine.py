"""The lifecycle machine's rules that matter most to people, one by one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from engine.domain import EventSource, LifecycleEvent, Permission, UnitState
from engine.lifecycle import EventRequest, LifecycleMachine, TransitionRefused, UnitSnapshot

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
E, S = LifecycleEvent, UnitState


def req(event: LifecycleEvent, **kw: object) -> EventRequest:
    from engine.lifecycle import event_source

    base = EventRequest(event=event, source=event_source(event), actor="alice", now=NOW)
    return replace(base, **kw)  # type: ignore[arg-type]


def unit(state: UnitState, pms: UnitState | None = None, **kw: object) -> UnitSnapshot:
    return UnitSnapshot("u-7", state, pms or state, **kw)  # type: ignore[arg-type]


@pytest.fixture
def machine() -> LifecycleMachine:
    return LifecycleMachine(emergency_max=timedelta(hours=2))


def test_refusal_names_unit_state_event_and_source(machine: LifecycleMachine) -> None:
    with pytest.raises(TransitionRefused) as info:
        machine.decide(unit(S.OCCUPIED), req(E.MOVE_IN))
    assert str(info.value).startswith("unit `u-7` in state `occupied` refuses `move_in` from pms")


def test_portal_cannot_send_pms_events(machine: LifecycleMachine) -> None:
    with pytest.raises(TransitionRefused) as info:
        machine.decide(unit(S.GATELOCK), req(E.CURRENT, source=EventSource.PORTAL))
    assert "`current` is a pms event" in info.value.message
    assert info.value.help
    assert "PMS" in info.value.help


def test_pms_cannot_set_lien_states(machine: LifecycleMachine) -> None:
    with pytest.raises(TransitionRefused, match="is a portal event"):
        machine.decide(unit(S.GATELOCK), req(E.MARK_PENDING_AUCTION, source=EventSource.PMS))


class TestEmergency:
    perms = frozenset({Permission.LIEN_EMERGENCY})

    def test_needs_reason_permission_and_expiry(self, machine: LifecycleMachine) -> None:
        with pytest.raises(TransitionRefused) as info:
            machine.decide(unit(S.OCCUPIED), req(E.MARK_PENDING_AUCTION))
        reason = info.value.reason
        assert "lacks permission `lien.emergency`" in reason
        assert "needs a reason" in reason
        assert "needs an expiry" in reason

    def test_expiry_beyond_bound_is_refused(self, machine: LifecycleMachine) -> None:
        request = req(
            E.MARK_PENDING_AUCTION,
            permissions=self.perms,
            reason="phone locked in unit",
            expires_at=NOW + timedelta(hours=2, seconds=1),
        )
        with pytest.raises(TransitionRefused, match="bound"):
            machine.decide(unit(S.OCCUPIED), request)

    def test_valid_emergency_moves_to_pending_auction(self, machine: LifecycleMachine) -> None:
        request = req(
            E.MARK_PENDING_AUCTION,
            permissions=self.perms,
            reason="phone locked in unit",
            expires_at=NOW + timedelta(hours=2),
        )
        out = machine.decide(unit(S.OCCUPIED), request)
        assert (out.to_state, out.pms_status) == (S.PENDING_AUCTION, S.OCCUPIED)

    def test_emergency_permission_does_not_cover_delinquent_units(
        self, machine: LifecycleMachine
    ) -> None:
        request = req(E.MARK_PENDING_AUCTION, permissions=self.perms, reason="x")
        with pytest.raises(TransitionRefused, match=r"lien\.mark_pending_auction"):
            machine.decide(unit(S.GATELOCK), request)

    def test_emergency_pending_auction_cannot_be_sold(self, machine: LifecycleMachine) -> None:
        request = req(
            E.RECORD_AUCTION_SALE,
            permissions=frozenset(Permission),
            grantee="p",
            window_start=NOW,
            window_end=NOW + timedelta(days=1),
        )
        emergency = unit(S.PENDING_AUCTION, S.OCCUPIED, emergency_until=NOW + timedelta(hours=1))
        with pytest.raises(TransitionRefused, match="emergency"):
            machine.decide(emergency, request)

    def test_expiry_returns_to_pms_status_only_after_the_end(
        self, machine: LifecycleMachine
    ) -> None:
        running = unit(S.PENDING_AUCTION, S.OCCUPIED, emergency_until=NOW + timedelta(seconds=1))
        with pytest.raises(TransitionRefused, match="no emergency has reached its expiry"):
            machine.decide(running, req(E.EMERGENCY_EXPIRED))
        ended = replace(running, emergency_until=NOW)
        assert machine.decide(ended, req(E.EMERGENCY_EXPIRED)).to_state is S.OCCUPIED


@pytest.mark.parametrize("pms", [S.OCCUPIED, S.GATELOCK, S.OVERLOCK])
def test_restore_returns_to_the_pms_status(machine: LifecycleMachine, pms: UnitState) -> None:
    out = machine.decide(
        unit(S.PENDING_AUCTION, pms),
        req(E.RESTORE, permissions=frozenset({Permission.LIEN_RESTORE})),
    )
    assert out.to_state is pms


@pytest.mark.parametrize(
    ("event", "pms_after"),
    [(E.DELINQUENT_GATE, S.GATELOCK), (E.DELINQUENT_OVER, S.OVERLOCK), (E.CURRENT, S.OCCUPIED)],
)
def test_next_sync_returns_pending_auction_to_pms_status(
    machine: LifecycleMachine, event: LifecycleEvent, pms_after: UnitState
) -> None:
    out = machine.decide(unit(S.PENDING_AUCTION, S.GATELOCK), req(event))
    assert out.to_state is pms_after


def test_auction_survives_delinquency_updates_and_records_pms_status(
    machine: LifecycleMachine,
) -> None:
    out = machine.decide(unit(S.AUCTION, S.GATELOCK), req(E.DELINQUENT_OVER))
    assert not out.changed
    assert out.pms_status is S.OVERLOCK


def test_pms_current_in_auction_is_a_conflict(machine: LifecycleMachine) -> None:
    out = machine.decide(unit(S.AUCTION, S.OVERLOCK), req(E.CURRENT))
    assert out.conflict is not None
    assert out.to_state is S.AUCTION


def test_auction_sale_needs_a_window_in_the_future(machine: LifecycleMachine) -> None:
    request = req(
        E.RECORD_AUCTION_SALE,
        permissions=frozenset({Permission.AUCTION_RECORD_SALE}),
        grantee="winner",
        window_start=NOW - timedelta(days=2),
        window_end=NOW - timedelta(days=1),
    )
    with pytest.raises(TransitionRefused, match="already ended"):
        machine.decide(unit(S.PENDING_AUCTION, S.OVERLOCK), request)


@pytest.mark.parametrize("state", list(UnitState))
def test_vacate_always_ends_available(machine: LifecycleMachine, state: UnitState) -> None:
    pms = S.OVERLOCK if state.is_lien else state
    assert machine.decide(unit(state, pms), req(E.VACATE)).to_state is S.AVAILABLE
