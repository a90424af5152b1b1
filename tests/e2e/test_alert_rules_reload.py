"""Hot reload of the alert rules file on the real server: an edit changes which denials
raise an alert, and a broken file is refused in the log naming file, line and field while
the old rules serve."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.demo import DEMO_COMPANY_ID
from engine.alerts import default_alert_rules_path
from tests.e2e.conftest import DemoDatabases
from tests.support.service import Service, demo_copy_service, wait_for

pytestmark = pytest.mark.slow

MARIA = ("maria@acme-storage.example", DEMO_COMPANY_ID, "employee")
ADA = ("ada@acme-storage.example", DEMO_COMPANY_ID, "employee")
"""The auditor: the gate refuses her."""
SHIPPED = "    count: 5\n    minutes: 10\n    severity: warning\n"
"""The person rule's threshold in the shipped file (its first rule)."""


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, demo_databases: DemoDatabases
) -> Iterator[tuple[Service, Path]]:
    """The server on SQLite with its own copy of the rules, looked at every 0.2 s."""
    workdir = tmp_path_factory.mktemp("alert-rules-reload")
    rules = Path(shutil.copyfile(default_alert_rules_path(), workdir / "rules.yaml"))
    with demo_copy_service(
        demo_databases.url("sqlite"),
        workdir,
        "sqlite",
        UNITGATE_ALERT_RULES_PATH=str(rules),
        UNITGATE_POLICY_RELOAD_SECONDS="0.2",
    ) as service:
        yield service, rules


def test_an_edit_changes_the_alerts_and_a_broken_file_keeps_the_old_rules(
    served: tuple[Service, Path],
) -> None:
    service, rules = served
    maria, ada = service.as_(*MARIA), service.as_(*ADA)
    facilities: list[dict[str, Any]] = service.get("/v1/facilities", maria)
    facility = next(f["id"] for f in facilities if f["name"] == "Riverside Self Storage")
    doors: list[dict[str, Any]] = service.get(f"/v1/facilities/{facility}/doors", maria)
    gate = next(d["id"] for d in doors if d["name"] == "Main gate")

    def deny(times: int) -> None:
        for _ in range(times):
            assert service.post(f"/v1/doors/{gate}/access-requests", {}, ada)["allowed"] is False

    def person_alerts() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = service.get(f"/v1/facilities/{facility}/alerts", maria)
        return [a for a in found if a["rule"] == "repeated_denials_person"]

    deny(2)
    time.sleep(2.5)  # two of the duty's 1 s polls
    assert person_alerts() == [], "two denials are below the shipped rule's five"

    text = rules.read_text()
    assert SHIPPED in text
    rules.write_text(
        text.replace(SHIPPED, SHIPPED.replace("5", "2").replace("warning", "critical"), 1)
    )
    wait_for(lambda: "alert rules reloaded" in service.log(), what="the reload in the log")
    deny(1)
    [alert] = wait_for(person_alerts, what="the alert under the edited rule")
    assert alert["severity"] == "critical"

    lines = rules.read_text().splitlines()
    at = lines.index("    count: 2") + 1
    rules.write_text("\n".join([*lines[:at], "    bogus: 1", *lines[at:]]) + "\n")
    refusal = wait_for(
        lambda: next(
            (ln for ln in service.log().splitlines() if "alert rules reload refused" in ln), None
        ),
        what="the refusal in the log",
    )
    assert f"rules.yaml:{at + 1}" in refusal and "unknown field `bogus`" in refusal
    # The edited rules still serve: once resolved, a fourth denial is a new incident (the
    # shipped rule would want five).
    service.post(f"/v1/alerts/{alert['id']}/resolve", {"note": "test"}, maria, 200)
    deny(1)
    again = wait_for(
        lambda: [a for a in person_alerts() if a["status"] == "open"], what="a new alert"
    )
    assert [a["severity"] for a in again] == ["critical"]
