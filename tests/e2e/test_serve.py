"""`make run` in miniature: migrate, load the demo, serve on loopback, read health and docs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

UNITGATE = [sys.executable, "-c", "from api.cli import main; main()"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "UNITGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'unitgate.db'}",
        "UNITGATE_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
        "UNITGATE_JWT_SECRET_FILE": str(tmp_path / "jwt.key"),
    }


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = _env(tmp_path)
    for step in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([*UNITGATE, *step], env=env, check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        [*UNITGATE, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_served_health_and_docs(server: str) -> None:
    health = httpx.get(f"{server}/health")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    docs = httpx.get(f"{server}/docs")
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    spec = httpx.get(f"{server}/docs/openapi.json").json()
    assert spec["info"]["title"] == "unitgate"


def test_operator_token_opens_a_gate_over_real_http(server: str, tmp_path: Path) -> None:
    """`unitgate api token` signs with the server's secret; the decision comes back logged."""
    from api.demo._load import DEMO_COMPANY_ID

    issued = subprocess.run(
        [
            *UNITGATE,
            "api",
            "token",
            "--email",
            "maria@acme-storage.example",
            "--company",
            DEMO_COMPANY_ID,
            "--role",
            "employee",
        ],
        env=_env(tmp_path),
        check=True,
        capture_output=True,
        text=True,
    )
    headers = {"Authorization": f"Bearer {issued.stdout.strip()}"}
    facilities = httpx.get(f"{server}/v1/facilities", headers=headers).json()
    doors = httpx.get(f"{server}/v1/facilities/{facilities[0]['id']}/doors", headers=headers).json()
    gate = next(d for d in doors if d["kind"] == "gate")
    decision = httpx.post(
        f"{server}/v1/doors/{gate['id']}/access-requests", json={}, headers=headers
    )
    assert decision.status_code == 201
    assert decision.json()["rule"] in ("staff-pass-entry-points", "outside-access-hours")
    unauthenticated = httpx.get(f"{server}/v1/facilities")
    assert unauthenticated.status_code == 401
