"""`unitgate diagnose TENANT`: the checklist printed, exit 1 when a check fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from engine.clock import ManualClock
from engine.runtime import Runtime
from tests.support.diagnosis import EMAIL, TENANT_REF, Healthy, break_lease, healthy_tenant


@pytest.fixture
def healthy(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Healthy]:
    """The healthy tenant an hour and a few seconds before the wall clock the CLI reads."""
    monkeypatch.setenv("UNITGATE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("UNITGATE_AUDIT_KEY", "cli-test-key")
    start = datetime.now(UTC) - timedelta(hours=1, seconds=5)
    rt = Runtime.create(sqlite_url, b"cli-test-key", clock=ManualClock(start))
    yield healthy_tenant(rt)
    rt.db.dispose()


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["diagnose", *args], catch_exceptions=False)


def test_every_check_passes_by_email_and_by_pms_ref(healthy: Healthy) -> None:
    done = run(EMAIL)
    assert done.exit_code == 0, done.output
    assert "Acme Central, unit U001" in done.output
    assert done.output.count("[pass]") == 12
    assert "contact support" in done.output
    assert run(TENANT_REF, "--facility", healthy.world.facility_id).exit_code == 0


def test_a_failing_check_is_named_with_its_fix_and_exits_1(healthy: Healthy) -> None:
    break_lease(healthy)
    done = run(healthy.person_id)
    assert done.exit_code == 1
    assert "[FAIL] step  6  Lease start: the lease starts" in done.output
    assert "likely cause: step 6, Lease start: Confirm the lease start in the PMS" in done.output
    as_json = json.loads(run(healthy.person_id, "--json").output)
    assert as_json["sections"][0]["likely_cause"]["name"] == "lease"


def test_an_unknown_tenant_is_an_error(healthy: Healthy) -> None:
    done = CliRunner().invoke(cli, ["diagnose", "nobody@x.example"])
    assert done.exit_code == 2
    assert "`nobody@x.example` is not a tenant of any company" in done.output
