"""The gateway process (`unitgate locks gateway`) over loopback HTTP, as the server uses it:
remote unlock success, lock offline, gateway down, timeout; status polling with advice; and
a gateway whose lock runs in another process, linked by bumble's TCP controllers."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from hardware.gateway import GatewayClient
from hardware.protocol import Action, Challenge, LockIdentity, PublicKey, RevocationIssuer
from tests.support.locks import Rig
from tests.support.service import UNITGATE, free_port, wait_for

pytestmark = pytest.mark.slow

RIG = Rig()
TRUST = f"{RIG.facility.key_id}:{RIG.facility.secret.public.raw.hex()}"


@contextmanager
def _process(*args: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _up(url: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, process.stdout.read() if process.stdout else ""
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def _gateway(*extra: str) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [*UNITGATE, "locks", "gateway", "--port", str(port), "--trust", TRUST, *extra]
    with _process(*args) as process:
        wait_for(lambda: _up(url, process), timeout=30, what="the gateway")
        yield url


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    with _gateway("--locks", "4", "--seed", "11") as url:
        yield url


def _locks(url: str) -> list[LockIdentity]:
    return [
        LockIdentity(UUID(lock["lock_id"]), PublicKey(bytes.fromhex(lock["public_key"])))
        for lock in httpx.get(f"{url}/v1/locks", timeout=5).json()
    ]


def _issue(command_id: UUID):  # type: ignore[no-untyped-def]
    def issue(challenge: Challenge) -> bytes:
        # the gateway's locks keep wall time (the rig's clock is a test's): sign for theirs
        lock_now = challenge.lock_time
        return RIG.issuer.issue(
            challenge.lock_id, Action.UNLOCK, challenge.nonce, lock_now, lock_now + 30, command_id
        )

    return issue


def _sim(url: str, lock: LockIdentity, **control: Any) -> dict[str, Any]:
    response = httpx.post(f"{url}/v1/sim/locks/{lock.lock_id}", json=control, timeout=5)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_remote_unlock_success_is_confirmed_by_the_device_and_idempotent(gateway: str) -> None:
    lock = _locks(gateway)[0]
    command_id = uuid4()
    client = GatewayClient(gateway)
    attempt = asyncio.run(client.remote_action(lock, command_id, _issue(command_id)))
    assert (attempt.status, attempt.error, attempt.confirmed_by_device) == ("success", None, True)
    again = asyncio.run(client.remote_action(lock, command_id, _issue(command_id)))
    assert again.action_id == attempt.action_id  # the same command id is the same action
    assert _sim(gateway, lock)["unlocks"] == 1
    polled = httpx.get(f"{gateway}/v1/actions/{attempt.action_id}", timeout=5).json()
    assert polled["status"] == "success"
    assert polled["confirmed_by_device"] is True


def test_remote_unlock_to_a_lock_out_of_range_is_lock_offline(gateway: str) -> None:
    lock = _locks(gateway)[1]
    _sim(gateway, lock, offline=True)
    command_id = uuid4()
    attempt = asyncio.run(
        GatewayClient(gateway).remote_action(lock, command_id, _issue(command_id))
    )
    assert (attempt.status, attempt.error) == ("error", "lock_offline")
    assert attempt.action_id is None
    _sim(gateway, lock, offline=False)
    health = httpx.get(f"{gateway}/v1/locks", timeout=5).json()[1]["health"]
    assert health["connectivity"] == "disconnected"
    assert "move the hub closer to the lock" in health["advice"]


def test_remote_unlock_that_does_not_settle_in_time_is_a_timeout(gateway: str) -> None:
    lock = _locks(gateway)[2]
    _sim(gateway, lock, motor_seconds=2.0)  # the hasp under tension: the motor is slow
    command_id = uuid4()
    client = GatewayClient(gateway, poll_interval=0.05)
    attempt = asyncio.run(client.remote_action(lock, command_id, _issue(command_id), deadline=1))
    assert (attempt.status, attempt.error, attempt.confirmed_by_device) == (
        "error",
        "timeout",
        False,
    )
    assert attempt.action_id is not None

    # the gateway's own record settles later, within its bounds, and says so
    def settled() -> dict[str, Any] | None:
        action: dict[str, Any] = httpx.get(
            f"{gateway}/v1/actions/{attempt.action_id}", timeout=5
        ).json()
        return action if action["status"] != "pending" else None

    final = wait_for(settled, timeout=10, what="the action to settle")
    assert (final["status"], final["confirmed_by_device"]) == ("success", True)
    _sim(gateway, lock, motor_seconds=0)


def test_remote_unlock_through_a_gateway_that_is_down() -> None:
    lock = LockIdentity(uuid4(), RIG.facility.secret.public)
    command_id = uuid4()
    client = GatewayClient(f"http://127.0.0.1:{free_port()}", request_timeout=1)
    attempt = asyncio.run(client.remote_action(lock, command_id, _issue(command_id)))
    assert (attempt.status, attempt.error, attempt.confirmed_by_device) == (
        "error",
        "gateway_down",
        False,
    )


def test_status_polling_revocations_and_a_verified_log_upload(gateway: str) -> None:
    lock = _locks(gateway)[3]
    _sim(gateway, lock, battery=15)
    polled = asyncio.run(GatewayClient(gateway).status(lock.lock_id))  # polled now
    assert polled["status"]["battery"] == 15
    assert polled["health"]["battery"] == "low"
    assert polled["health"]["advice"] == ["replace the battery"]
    client = GatewayClient(gateway)
    listed = RevocationIssuer(RIG.facility).issue(3, int(RIG.clock.now().timestamp()), (41,))
    assert asyncio.run(client.push_revocations(lock.lock_id, listed)) == 3
    log = asyncio.run(client.upload_log(lock, 0))  # verified here, against our own nonce
    assert [e.kind.name for e in log.events][-1] == "REVOCATIONS_UPDATED"
    assert log.last == log.events[-1].counter
    missing = httpx.get(f"{gateway}/v1/locks/{uuid4()}/status", timeout=5)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_a_gateway_and_its_lock_in_separate_processes_over_tcp_controllers() -> None:
    gateway_hci, lock_hci, port = free_port(), free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    controllers = [
        sys.executable,
        "-m",
        "bumble.apps.controllers",
        f"tcp-server:_:{gateway_hci}",
        f"tcp-server:_:{lock_hci}",
    ]
    lock_process = [*UNITGATE, "locks", "sim", "--hci", f"tcp-client:127.0.0.1:{lock_hci}"]
    gateway_process = [
        *UNITGATE,
        "locks",
        "gateway",
        "--hci",
        f"tcp-client:127.0.0.1:{gateway_hci}",
        "--locks",
        "1",
        "--seed",
        "5",
        "--port",
        str(port),
        "--trust",
        TRUST,
    ]
    with (
        _process(*controllers),
        _process(*lock_process, "--seed", "5", "--trust", TRUST) as sim,
        _process(*gateway_process) as gateway,
    ):
        # all three start at once (imports take seconds); the gateway dials when asked
        wait_for(lambda: _up(url, gateway), timeout=40, what="the gateway")
        lock = _locks(url)[0]
        command_id = uuid4()
        client = GatewayClient(url)

        def settled() -> Any:
            assert sim.poll() is None
            attempt = asyncio.run(client.remote_action(lock, command_id, _issue(command_id)))
            return attempt if attempt.error != "lock_offline" else None

        attempt = wait_for(settled, timeout=30, what="the lock process to advertise")
        assert (attempt.status, attempt.confirmed_by_device) == ("success", True)
