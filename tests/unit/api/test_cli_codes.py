"""`unitgate codes reconcile|keep-outside-edits|resync` against the simulated lock service
served over HTTP on loopback (the real client, the simulator's real app)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.lockservice import HttpLockService
from adapters.lockservice.sim import lock_service_app
from adapters.pms.sim import BackgroundServer
from api.cli import cli
from engine.clock import SystemClock
from engine.codes import CodeRejected, LockServiceDown
from engine.persistence import Database, upgrade
from engine.runtime import Runtime
from tests.support.keypad import GATE, KeypadWorld, keypad_world

KEY = "cli-codes-audit-key"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[KeypadWorld, str]]:
    url = f"sqlite:///{tmp_path / 'unitgate.db'}"
    upgrade(Database(url))
    rt = Runtime.create(url, KEY.encode(), clock=SystemClock())
    kw = keypad_world(rt, gate_model="nuki_keypad", units=1)
    kw.move_in(0, "a")
    with BackgroundServer(lock_service_app(kw.sim)) as base:
        monkeypatch.setenv("UNITGATE_DATABASE_URL", url)
        monkeypatch.setenv("UNITGATE_AUDIT_KEY", KEY)
        monkeypatch.setenv("UNITGATE_LOCK_SERVICE_URL", base)
        yield kw, base
    rt.db.dispose()


def test_reconcile_once_sets_the_codes_and_says_what_it_did(
    served: tuple[KeypadWorld, str],
) -> None:
    kw, _ = served
    done = run("codes", "reconcile", "--once")
    assert done.exit_code == 0, done.output
    assert "2 locks, created 2, updated 0, deleted 0" in done.output
    assert len(kw.managed(GATE)) == 1 and len(kw.managed("kp-u0")) == 1
    again = run("codes", "reconcile", "--once")
    assert "created 0, updated 0, deleted 0, refused 0, pending 0" in again.output


def test_a_wiped_lock_keeping_outside_edits_comes_back_with_resync(
    served: tuple[KeypadWorld, str],
) -> None:
    kw, _ = served
    run("codes", "reconcile", "--once")
    before = kw.managed(GATE)
    kept = run("codes", "keep-outside-edits", GATE)
    assert f"{GATE}: outside edits kept and flagged" in kept.output
    kw.sim.wipe(GATE)
    run("codes", "reconcile", "--once")
    assert kw.codes(GATE) == []
    resynced = run("codes", "resync", GATE)
    assert resynced.exit_code == 0, resynced.output
    assert kw.managed(GATE) == before
    missing = run("codes", "resync", "kp-nope")
    assert missing.exit_code == 2 and "no keypad lock `kp-nope`" in missing.output


def test_an_outage_changes_nothing_and_the_next_round_catches_up(
    served: tuple[KeypadWorld, str],
) -> None:
    kw, _ = served
    run("codes", "reconcile", "--once")  # the locks are known from here on
    kw.sim.wipe(GATE)
    kw.sim.faults.outage = True
    done = run("codes", "reconcile", "--once")
    assert done.exit_code == 0, done.output
    assert "created 0" in done.output and "unreachable 2" in done.output
    kw.sim.faults.outage = False
    assert kw.codes(GATE) == []
    assert "created 1" in run("codes", "reconcile", "--once").output


def test_the_client_maps_the_services_errors(served: tuple[KeypadWorld, str]) -> None:
    kw, base = served
    client = HttpLockService(base, timeout=0.5)
    try:
        client.create_code(GATE, "345678", "Desk")
        with pytest.raises(CodeRejected) as taken:
            client.create_code(GATE, "345678", "Other")
        assert taken.value.reason == "duplicate_code_on_device"
        with pytest.raises(CodeRejected) as broken:
            client.create_code(GATE, "120000", "Zero")
        assert broken.value.reason == "code_constraints_violated"
        kw.sim.faults.offline = {GATE}
        with pytest.raises(LockServiceDown) as offline:
            client.list_codes(GATE)
        assert offline.value.kind == "device_offline"
        kw.sim.faults.offline, kw.sim.faults.slow_seconds = set(), 2.0
        with pytest.raises(LockServiceDown) as slow:
            client.list_devices()
        assert slow.value.kind == "timeout"
    finally:
        kw.sim.faults.slow_seconds = 0.0
        client.close()


def test_health_check_gives_a_backup_code_to_a_code_not_set(
    served: tuple[KeypadWorld, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kw, _ = served
    monkeypatch.setenv("UNITGATE_CODES_BACKUP_POOL", "0")
    kw.sim.faults.reject_next[GATE] = 1
    run("codes", "reconcile", "--once")  # today's check ran in it: no pool, no backup
    assert kw.managed(GATE) == {}
    monkeypatch.setenv("UNITGATE_CODES_BACKUP_POOL", "2")
    checked = run("codes", "health-check", "--facility", kw.world.facility_id)
    assert checked.exit_code == 0, checked.output
    assert "1 not set, 1 backup codes given, 0 without a backup" in checked.output
    assert f"{GATE}: backup pool 2/2 ready (full)" in checked.output
    again = run("codes", "health-check")  # on demand: again, but no second backup
    assert "1 not set, 0 backup codes given" in again.output
    missing = run("codes", "health-check", "--facility", "nope")
    assert missing.exit_code == 2 and "no facility `nope`" in missing.output
