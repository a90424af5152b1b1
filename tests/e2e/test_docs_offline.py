"""`/docs` renders with no network beyond loopback: headless Chromium, with every other host
blocked, loads the docs from the real server and shows every operation of the API.

Facilities run on locked-down networks; docs whose script came from a CDN were a blank page
there. Chromium comes from Debian's `chromium` package (`.ci/run` installs it).
"""

from __future__ import annotations

import html
import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.service import Service, start_service

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
# One operation as Swagger UI renders it: its method, then its path.
_OPERATION = re.compile(
    r'class="opblock-summary-method">([A-Z]+)</span>.*?class="opblock-summary-path" '
    r'data-path="([^"]+)"',
    re.DOTALL,
)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """`unitgate serve` on SQLite (the docs do not depend on the database or the demo)."""
    workdir = tmp_path_factory.mktemp("docs-offline")
    with start_service(workdir, f"sqlite:///{workdir / 'unitgate.db'}", demo=False) as served:
        yield served


def _closed_port() -> int:
    """A loopback port nothing listens on: the proxy every off-host request is sent to."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rendered_dom(url: str, profile: Path) -> str:
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


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)")
def test_docs_render_every_operation_with_only_loopback_reachable(
    service: Service, tmp_path: Path
) -> None:
    spec = service.get("/docs/openapi.json")
    expected = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    dom = _rendered_dom(f"{service.base}/docs", tmp_path / "chromium")
    shown = {(method, html.unescape(path)) for method, path in _OPERATION.findall(dom)}
    assert shown == expected, f"missing {expected - shown}, extra {shown - expected}"
    assert ("POST", "/v1/doors/{door_id}/access-requests") in shown
    assert ">RequestAccess</div>" in dom  # the access-request route's summary
