"""`/docs` renders with no network beyond loopback: headless Chromium, with every other host
blocked, loads the docs from the real server and shows every operation of the API.

Facilities run on locked-down networks; docs whose script came from a CDN were a blank page
there. Chromium comes from Debian's `chromium` package (`.ci/run` installs it).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.chromium import CHROMIUM, rendered_dom
from tests.support.service import Service, start_service

pytestmark = pytest.mark.slow

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
    dom = rendered_dom(f"{service.base}/docs", tmp_path / "chromium")
    shown = {(method, html.unescape(path)) for method, path in _OPERATION.findall(dom)}
    assert shown == expected, f"missing {expected - shown}, extra {shown - expected}"
    assert ("POST", "/v1/doors/{door_id}/access-requests") in shown
    assert ">RequestAccess</div>" in dom  # the access-request route's summary
