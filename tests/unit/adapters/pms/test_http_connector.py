"""The JSON connector against the PMS simulator over real HTTP, with every injected fault."""

from __future__ import annotations

import pytest

from adapters.pms import HttpPmsConnector, PmsError, PmsUnavailable, RetryPolicy
from adapters.pms.sim import Faults, PmsModel, Simulator
from tests.support.pms import served


def _sim(units: int = 30, steps: int = 0) -> Simulator:
    sim = Simulator(PmsModel.build(["F1"], units, seed=7, occupancy=0.6))
    sim.advance(steps)
    return sim


def _snapshot(connector: HttpPmsConnector) -> dict[str, int]:
    out = {}
    for page in connector.snapshot("F1"):
        assert not page.rejected
        out.update({r.unit_ref: r.seq for r in page.records})
    return out


def _all_changes(connector: HttpPmsConnector, rounds: int = 3) -> list[tuple[str, int]]:
    """Every change the feed gives, following cursors, plus a few calls at the end
    (records held back for out-of-order delivery arrive with a later call)."""
    got, cursor, idle = [], None, 0
    while idle < rounds:
        page = connector.changes("F1", cursor, 25)
        got.extend((r.unit_ref, r.seq) for r in page.records)
        cursor = page.cursor
        idle = 0 if page.more else idle + 1
    return got


def test_snapshot_follows_pages() -> None:
    sim = _sim(units=55, steps=40)
    with served(sim) as connector:
        connector.page_size = 7
        got = _snapshot(connector)
    assert got == {r["unit_ref"]: r["seq"] for r in sim.model.snapshot("F1")}


def test_changes_follow_the_cursor_in_pms_order() -> None:
    sim = _sim(steps=60)
    with served(sim) as connector:
        got = _all_changes(connector)
    expected = [(r["unit_ref"], r["seq"]) for ref, r in sim.model.log if ref == "F1"]
    assert got == expected


@pytest.mark.parametrize(
    "faults",
    [
        Faults(server_error=0.5, seed=1),
        Faults(timeout=0.3, timeout_seconds=0.8, seed=2),
        Faults(truncated=0.5, seed=3),
    ],
    ids=["5xx", "timeouts", "truncated pages"],
)
def test_transient_faults_are_retried_and_nothing_is_lost(faults: Faults) -> None:
    sim = _sim(units=40, steps=50)
    sim.injector.configure(faults)
    with served(sim) as connector:
        connector.page_size = 10
        snapshot = _snapshot(connector)
        changes = _all_changes(connector)
        retries = connector.retries
    assert snapshot == {r["unit_ref"]: r["seq"] for r in sim.model.snapshot("F1")}
    assert changes == [(r["unit_ref"], r["seq"]) for ref, r in sim.model.log if ref == "F1"]
    assert retries > 0


def test_a_pms_that_keeps_failing_is_reported_unavailable() -> None:
    sim = _sim()
    sim.injector.configure(Faults(server_error=1.0))
    with served(sim) as connector:
        connector.retry = RetryPolicy(attempts=3, base_delay=0.001, max_delay=0.001)
        with pytest.raises(PmsUnavailable, match="failed 3 times; last: HTTP 503"):
            connector.changes("F1", None, 10)
        assert connector.retries == 2


def test_timeouts_count_as_failures() -> None:
    sim = _sim()
    sim.injector.configure(Faults(timeout=1.0, timeout_seconds=0.6))
    with served(sim) as connector:
        connector.retry = RetryPolicy(attempts=2, base_delay=0.001, max_delay=0.001)
        with pytest.raises(PmsUnavailable, match="ReadTimeout"):
            connector.changes("F1", None, 10)


def test_an_unknown_facility_or_cursor_is_an_error_not_retried() -> None:
    with served(_sim()) as connector:
        with pytest.raises(PmsError, match="HTTP 404"):
            connector.changes("nope", None, 10)
        with pytest.raises(PmsError, match=r"HTTP 400.*is not a cursor"):
            connector.changes("F1", "yesterday", 10)
        assert connector.retries == 0


def test_duplicates_and_out_of_order_records_are_delivered_as_sent() -> None:
    sim = _sim(steps=80)
    sim.injector.configure(Faults(duplicate=0.3, out_of_order=0.3, seed=4))
    with served(sim) as connector:
        got = _all_changes(connector)
    expected = [(r["unit_ref"], r["seq"]) for ref, r in sim.model.log if ref == "F1"]
    assert sorted(set(got)) == sorted(expected)  # every change arrives
    assert len(got) > len(expected)  # some twice
    assert got != expected  # not in the PMS's order


def test_unknown_units_and_malformed_records_come_back_separately() -> None:
    sim = _sim(steps=5)
    sim.injector.configure(Faults(unknown_unit=1.0, malformed=1.0))
    with served(sim) as connector:
        page = connector.changes("F1", None, 500)
    assert any(r.unit_ref.startswith("GHOST-") for r in page.records)
    assert len(page.rejected) == 1
    bad = page.rejected[0]
    assert bad.where.startswith("changes after start record ")
    assert "`unit_ref`" in bad.error
    assert "`seq`" in bad.error
