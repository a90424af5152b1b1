"""The simulators the README names, as processes of their own on loopback for e2e tests."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from tests.support.service import UNITGATE, free_port, wait_for

STARTUP_SECONDS = 90.0
"""How long a simulator may take to answer: a loaded machine takes tens of seconds."""


def control_answers(url: str) -> bool:
    """Whether a simulator at `url` answers on its control API (`GET /control/state`)."""
    try:
        return httpx.get(f"{url}/control/state", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextmanager
def _started(logs: Path, name: str, *args: str) -> Iterator[str]:
    """`unitgate NAME ARGS --port P` on a free loopback port, stopped at the end (output in
    `logs/NAME.log`); its base URL, before it answers."""
    port = free_port()
    with (logs / f"{name}.log").open("wb") as log:
        cmd = [*UNITGATE, name, *args, "--port", str(port)]
        proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            proc.wait(timeout=15)


@contextmanager
def lock_sim(logs: Path) -> Iterator[str]:
    """`unitgate lock-sim`; its base URL once it answers."""
    with _started(logs, "lock-sim") as url:
        wait_for(lambda: control_answers(url), timeout=STARTUP_SECONDS, what="lock-sim")
        yield url


@contextmanager
def lock_and_sms_sims(logs: Path, sms_secret: str) -> Iterator[tuple[str, str]]:
    """`unitgate lock-sim` and `unitgate sms-sim --secret SMS_SECRET`, started together;
    their base URLs once both answer."""
    with ExitStack() as stack:
        urls = (
            stack.enter_context(_started(logs, "lock-sim")),
            stack.enter_context(_started(logs, "sms-sim", "--secret", sms_secret)),
        )
        wait_for(
            lambda: all(control_answers(url) for url in urls),
            timeout=STARTUP_SECONDS,
            what="lock-sim and sms-sim",
        )
        yield urls
