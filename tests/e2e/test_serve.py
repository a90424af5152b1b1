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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {
        **os.environ,
        "UNITGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'unitgate.db'}",
        "UNITGATE_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
    }
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
