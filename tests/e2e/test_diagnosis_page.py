"""The diagnosis page for the office: an employee asks for a signed link, headless Chromium
(nothing but loopback reachable) opens it from the real server, and the page shows the same
checklist, statuses and likely cause as the API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from api.demo import DEMO_COMPANY_ID
from tests.support.chromium import CHROMIUM, rendered_dom
from tests.support.service import DEMO_MANAGER, Service

pytestmark = pytest.mark.slow

_ROW = re.compile(r'<tr class="check (pass|fail|unknown)" data-check="([a-z_]+)">')


def _statuses(diagnosis: dict[str, Any]) -> list[str]:
    return [c["status"] for s in diagnosis["sections"] for c in s["checks"]]


# SQLite only: the page renders what the API answers, and the API runs on both databases in
# its own tests; one server less in the suite's time budget.
@pytest.mark.parametrize("service_kind", ["sqlite"], scope="session")
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)")
def test_the_office_page_shows_the_checklist_the_api_gives(
    service: Service, tmp_path: Path
) -> None:
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
    tenant = "olivia@mail.example"  # rents at Riverside and at Bolt Storage
    # Her app calls unitgate: the diagnosis sees it (seed 000 step 8).
    service.get("/v1/me", service.as_(tenant, DEMO_COMPANY_ID))
    api = service.get(f"/v1/tenants/{tenant}/diagnosis", manager)
    assert {c["status"] for s in api["sections"] for c in s["checks"] if c["name"] == "app"} == {
        "pass"
    }
    link = service.post(f"/v1/tenants/{tenant}/diagnosis/link", None, manager)
    assert link["url"].startswith(f"/portal/tenants/{api['person_id']}/diagnosis?t=")
    dom = rendered_dom(service.base + link["url"], tmp_path / "chromium")
    assert "<h1>Diagnosis: Olivia Park</h1>" in dom
    after = service.get(f"/v1/tenants/{tenant}/diagnosis", manager)
    rows = _ROW.findall(dom)
    assert [name for _, name in rows] == [c["name"] for s in api["sections"] for c in s["checks"]]
    assert len(rows) == 12 * len(api["sections"])
    # The lock duty polls while the page renders: a live check may change in between.
    for (status, name), *seen in zip(rows, *(_statuses(d) for d in (api, after)), strict=True):
        assert status in seen, (name, status, seen)
    for i, (one, two) in enumerate(zip(api["sections"], after["sections"], strict=True), 1):
        causes = {s["likely_cause"]["step"] if s["likely_cause"] else None for s in (one, two)}
        shown = re.search(rf'id="likely-cause-{i}"><strong>Likely cause \(step (\d+), ', dom)
        assert (int(shown.group(1)) if shown else None) in causes
        if shown is None:
            assert "No check fails." in dom
    # Once opened, the link is no API token.
    token = link["url"].split("t=", 1)[1]
    refused = service.http.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
