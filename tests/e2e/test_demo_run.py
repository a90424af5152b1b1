"""`unitgate demo run` against the real server, over HTTP only: the seeds' stories pass on
a server with the demo (SMS and keypad lock simulators beside it), pass again on the same
server, and a server whose policy has one forbid rule altered fails naming the step."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.demo import DEMO_COMPANY_ID
from engine.policy import default_policy_path
from tests.support import sims
from tests.support.outbox import SMS_SECRET
from tests.support.service import (
    DEMO_MANAGER,
    UNITGATE,
    Service,
    demo_copy_service,
    free_port,
)

pytestmark = pytest.mark.slow

_FAST = {
    "UNITGATE_OUTBOX_POLL_SECONDS": "0.2",
    "UNITGATE_EXPIRY_POLL_SECONDS": "0.2",
    "UNITGATE_LOCK_POLL_IN_SERVE": "false",
}
"""Duties that act within a fraction of a second; no polls of the run's unreachable hub."""


@pytest.fixture(scope="module")
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, service_kind: str
) -> Iterator[tuple[Service, str, str]]:
    """`unitgate serve` on a copy of the demo database, sending SMS through `unitgate
    sms-sim` and reconciling keypad codes with `unitgate lock-sim`: the server and both
    simulators' URLs."""
    workdir = tmp_path_factory.mktemp(f"demo-run-{service_kind}")
    port = free_port()
    with sims.lock_and_sms_sims(workdir, SMS_SECRET) as (locks, sms):
        env = {
            "UNITGATE_PORT": str(port),
            "UNITGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "UNITGATE_SMS_PROVIDER": "http",
            "UNITGATE_SMS_URL": sms,
            "UNITGATE_SMS_SECRET": SMS_SECRET,
            "UNITGATE_LOCK_SERVICE_URL": locks,
            **_FAST,
        }
        template = request.getfixturevalue("demo_database")
        with demo_copy_service(template, workdir, service_kind, **env) as service:
            yield service, sms, locks


def _demo_run(service: Service, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*UNITGATE, "demo", "run", "--url", service.base, *args],
        env=service.env,
        cwd=service.workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _runs_so_far(service: Service) -> int:
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
    return sum(f["name"].startswith("Demo run ") for f in service.get("/v1/facilities", manager))


def test_demo_run_plays_the_stories_and_every_decision_is_the_expected_one(
    stack: tuple[Service, str, str],
) -> None:
    service, sms, locks = stack
    done = _demo_run(service, "--sms-sim", sms, "--lock-sim", locks)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    for step in ("move-in", "activation", "gatelock", "payment", "auction-sale", "vacate"):
        assert f"ok   a rental from move-in to vacate / {step}: " in out, out
    assert "-- a tenant's phone locked in the unit (seed 001)\n" in out, out
    assert "ok   a tenant's phone locked in the unit / emergency: " in out, out
    assert "FAIL" not in out and "steps as expected\n" in out, out
    # The door decisions and their reasons, indented under their step.
    assert (
        "       gate   tara     app    denied  lien-unit-keeps-tenant-out-of-facility "
        "[gatelocked]: Your unit has a balance due." in out
    ), out
    assert "alert: a delinquent tenant tried a door (gatelocked)" in out, out
    # Through the simulators: the code in the SMS redeemed, the keypad code on and off.
    assert "with code " in out and "redeemed, the app is signed in" in out, out
    assert "code ****" in out and " suspended, " in out and " removed, " in out, out
    assert "skipped" not in out, out


def test_a_second_run_on_the_same_server_passes_too(stack: tuple[Service, str, str]) -> None:
    service, sms, locks = stack
    if _runs_so_far(service) == 0:  # this test alone: a first run
        assert _demo_run(service).returncode == 0
    before = _runs_so_far(service)
    done = _demo_run(service, "--sms-sim", sms, "--lock-sim", locks, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == '{"ok": true, "failed": []}'
    assert _runs_so_far(service) == before + 1


@pytest.fixture(scope="module")
def broken(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, service_kind: str
) -> Iterator[Service]:
    """The server on a copy of policy/ where the forbid `auction-window-closed` no longer
    asks whether the window is open: it keeps winners out always (every invariant still
    holds, so the server serves it)."""
    workdir = tmp_path_factory.mktemp(f"demo-run-broken-{service_kind}")
    policy = Path(shutil.copytree(default_policy_path(), workdir / "policy"))
    auctions = policy / "auctions.yaml"
    text = auctions.read_text(encoding="utf-8")
    window = "      relation: [winner, cleanout]\n      grant_active: false\n"
    assert text.count(window) == 1, "auction-window-closed changed: update this test"
    auctions.write_text(text.replace(window, "      relation: [winner, cleanout]\n"))
    template = request.getfixturevalue("demo_database")
    with demo_copy_service(
        template, workdir, service_kind, UNITGATE_POLICY_PATH=str(policy), **_FAST
    ) as service:
        yield service


def test_a_broken_policy_rule_fails_the_run_naming_the_step(broken: Service) -> None:
    done = _demo_run(broken)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "FAIL a rental from move-in to vacate / auction-sale: " in out, out
    assert "win      app    denied  auction-window-closed" in out, out
    assert "<- expected allowed; expected rule winner-or-cleanout-opens-auctioned-unit" in out
    summary = out.splitlines()[-1]
    assert "; failed: a rental from move-in to vacate / auction-sale, " in summary, summary
    # Without the simulators the keypad is skipped, said so; the steps before still pass.
    assert "keypad codes: skipped (no lock simulator: --lock-sim URL)" in out, out
    assert "ok   a rental from move-in to vacate / pending-auction: " in out, out


def test_no_server_at_the_url_is_an_error_naming_it() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    done = subprocess.run(
        [*UNITGATE, "demo", "run", "--url", url],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"error: POST {url}/v1/dev/tokens: "), done.stderr
