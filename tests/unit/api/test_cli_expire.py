"""`unitgate expire run --once`: records what is due, says so, and does nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from engine.clock import ManualClock
from engine.runtime import Runtime
from tests.support.liens import emergency, sold
from tests.support.world import build_world

KEY = "cli-expire-audit-key"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_expire_run_once_records_what_is_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'unitgate.db'}"
    monkeypatch.setenv("UNITGATE_DATABASE_URL", url)
    monkeypatch.setenv("UNITGATE_AUDIT_KEY", KEY)
    assert run("db", "upgrade").exit_code == 0
    # Liens set yesterday, by a clock of their own: over by the wall clock the CLI reads.
    yesterday = ManualClock(datetime.now(UTC) - timedelta(days=1))
    rt = Runtime.create(url, KEY.encode(), clock=yesterday)
    world = build_world(rt)
    emergency(world, world.units[0], timedelta(minutes=30))
    sold(world, world.units[1], timedelta(hours=2))
    rt.db.dispose()
    first = run("expire", "run", "--once")
    assert first.exit_code == 0, first.output
    assert f"unit {world.units[0]}: emergency_expired" in first.output
    assert f"unit {world.units[1]}: access_expired" in first.output
    assert "expiries: access_expired 1, emergency_expired 1" in first.output
    again = run("expire", "run", "--once")
    assert again.output.strip() == "expiries: none"
    assert "audit log ok" in run("audit", "verify").output
