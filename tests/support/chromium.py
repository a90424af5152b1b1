"""Headless Chromium for pages a person looks at: the DOM after scripts ran, with nothing
but loopback reachable (Debian's `chromium` package; `.ci/run` installs it)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def _closed_port() -> int:
    """A loopback port nothing listens on: the proxy every off-host request is sent to."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rendered_dom(url: str, profile: Path) -> str:
    """The DOM of `url` after its scripts ran, in headless Chromium that reaches loopback
    only (names resolve to nothing, other hosts go to a proxy on a closed port)."""
    done = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--proxy-server=http://127.0.0.1:{_closed_port()}",
            "--proxy-bypass-list=127.0.0.1",
            "--virtual-time-budget=20000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout
