"""Two replicas of `unitgate serve` on one PostgreSQL: denials decided by the second one
raise the alert in the first one's duty within seconds, woken by `NOTIFY`, though its poll
is 30 s (and the second one evaluates no alerts itself)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from api.demo import DEMO_COMPANY_ID
from tests.e2e.conftest import DemoDatabases
from tests.support.service import Service, database, start_service, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.pg]

MARIA = ("maria@acme-storage.example", DEMO_COMPANY_ID, "employee")
ADA = ("ada@acme-storage.example", DEMO_COMPANY_ID, "employee")
"""The auditor: the gate refuses her."""


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, demo_databases: DemoDatabases
) -> Iterator[tuple[Service, Service]]:
    """The alerting replica (poll 30 s) and a replica that only decides, on one database."""
    template = demo_databases.url("postgresql")
    first, second = tmp_path_factory.mktemp("replica-a"), tmp_path_factory.mktemp("replica-b")
    with (
        database("postgresql", first, template) as url,
        start_service(first, url, prepared=True, UNITGATE_ALERTS_POLL_SECONDS="30") as alerting,
        start_service(second, url, prepared=True, UNITGATE_ALERTS_IN_SERVE="false") as deciding,
    ):
        yield alerting, deciding


def _riverside_gate(service: Service, who: dict[str, str]) -> tuple[str, str]:
    facilities: list[dict[str, Any]] = service.get("/v1/facilities", who)
    facility = next(f["id"] for f in facilities if f["name"] == "Riverside Self Storage")
    doors: list[dict[str, Any]] = service.get(f"/v1/facilities/{facility}/doors", who)
    return facility, next(d["id"] for d in doors if d["name"] == "Main gate")


def test_denials_at_another_replica_raise_the_alert_within_seconds(
    replicas: tuple[Service, Service],
) -> None:
    alerting, deciding = replicas
    maria, ada = alerting.as_(*MARIA), deciding.as_(*ADA)
    facility, gate = _riverside_gate(alerting, maria)
    assert alerting.get(f"/v1/facilities/{facility}/alerts", maria) == []
    time.sleep(1.0)  # the alerting replica's first round is over: its next poll is in ~30 s
    for _ in range(5):
        assert deciding.post(f"/v1/doors/{gate}/access-requests", {}, ada)["allowed"] is False
    denied_at = time.monotonic()

    def raised() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = alerting.get(f"/v1/facilities/{facility}/alerts", maria)
        return [a for a in found if a["rule"] == "repeated_denials_person"]

    [alert] = wait_for(raised, timeout=10, every=0.05, what="the alert in the other replica")
    assert time.monotonic() - denied_at < 5, "seen on the poll, not woken by NOTIFY"
    assert alert["status"] == "open" and alert["subject"].startswith("person:")
    assert "alert listener lost" not in alerting.log()
