"""The simulators the README names, as processes of their own on loopback for e2e tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.service import UNITGATE, free_port, wait_for


def control_answers(url: str) -> bool:
    """Whether a simulator at `url` answers on its control API (`GET /control/state`)."""
    try:
        return httpx.get(f"{url}/control/state", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def lock_sim(logs: Path) -> Iterator[str]:
    """`unitgate lock-sim` on a free loopback port (its output in `logs/lock-sim.log`); its
    base URL once it answers."""
    port = free_port()
    log = (logs / "lock-sim.log").open("wb")
    proc = subprocess.Popen([*UNITGATE, "lock-sim", "--port", str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: control_answers(url), timeout=60, what="lock-sim")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
