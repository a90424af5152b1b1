"""Seed 003's health check in the running service, over HTTP only: `serve` keeps a backup
pool on a keypad lock of `unitgate lock-sim`; a tenant's code the lock refuses is found by
the day's health check (the facility's `codes_health_check_at`, set by `PATCH`), the tenant
gets a backup code that is set on the lock, and the operator an email, both through the
outbox to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.demo import DEMO_COMPANY_ID
from tests.e2e.test_keypad_codes import lock_sim  # noqa: F401  (the module's fixture)
from tests.support.service import DEMO_MANAGER, Service, demo_copy_service, wait_for
from tests.support.smtp import Inbox, smtp_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mail() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as served:
        yield served


@pytest.fixture(scope="module")
def health_service(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    service_kind: str,
    lock_sim: str,  # noqa: F811
    mail: tuple[Inbox, int],
) -> Iterator[Service]:
    with demo_copy_service(
        request.getfixturevalue("demo_database"),
        tmp_path_factory.mktemp(f"keypad-health-{service_kind}"),
        service_kind,
        UNITGATE_LOCK_SERVICE_URL=lock_sim,
        UNITGATE_LOCK_POLL_IN_SERVE="false",
        UNITGATE_CODES_FULL_SECONDS="1",
        UNITGATE_CODES_BACKUP_POOL="2",
        UNITGATE_SMTP_HOST="127.0.0.1",
        UNITGATE_SMTP_PORT=str(mail[1]),
    ) as served:
        yield served


def _codes(sim_url: str, device: str) -> list[dict[str, Any]]:
    return list(httpx.get(f"{sim_url}/control/state", timeout=10).json()["devices"][device])


def test_health_check_gives_backup_code_and_emails_operator(
    health_service: Service,
    lock_sim: str,  # noqa: F811
    mail: tuple[Inbox, int],
) -> None:
    service, inbox = health_service, mail[0]
    manager = service.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
    tag = f"h{uuid.uuid4().hex[:8]}"
    device = f"kp-{tag}-gate"
    httpx.post(f"{lock_sim}/control/devices", json={"device_id": device, "model": "generic_keypad"})
    body = {"key": tag, "name": f"Health {tag}", "timezone": "UTC", "country": "US"}
    body |= {"access_opens": "00:00", "access_closes": "00:00", "pms_ref": f"pms-{tag}"}
    fid = service.post("/v1/facilities", body, manager)["id"]
    later = service.http.patch(
        f"/v1/facilities/{fid}", json={"codes_health_check_at": "23:59"}, headers=manager
    )
    assert later.status_code == 200, later.text
    service.post(
        f"/v1/facilities/{fid}/doors", {"name": "Gate", "kind": "gate", "lock_ref": device}, manager
    )
    service.post(f"/v1/facilities/{fid}/units", {"number": "U1", "pms_ref": f"{tag}-U1"}, manager)

    def pool_ready() -> bool:
        locks = service.get(f"/v1/facilities/{fid}/keypad-locks", manager)
        return bool(locks) and locks[0]["backup_pool"]["health"] == "full"

    wait_for(pool_ready, timeout=30, what="the lock's backup pool set")
    faults = {"reject_next": {device: 1}}
    assert httpx.post(f"{lock_sim}/control/faults", json=faults).status_code == 200
    secret = service.post("/v1/pms/webhook-secrets", {}, manager)["secret"]
    email = f"hal.{tag}@keypad.example"
    record = {
        "unit_ref": f"{tag}-U1",
        "seq": 1,
        "status": "occupied",
        "tenant_ref": f"T-{tag}",
        "rental_ref": f"R-{tag}",
        "first_name": "Hal",
        "last_name": "Health",
        "email": email,
        "lease_start": (datetime.now(UTC) - timedelta(days=3)).date().isoformat(),
    }
    assert service.push_pms(fid, [record], secret).status_code == 202

    def refused() -> bool:
        [lock] = service.get(f"/v1/facilities/{fid}/keypad-locks", manager)
        codes = service.get(f"/v1/keypad-locks/{lock['device_id']}/codes", manager)
        return bool(codes) and codes[0]["failures"] == 1

    wait_for(refused, timeout=30, what="the tenant's code refused")
    now = service.http.patch(
        f"/v1/facilities/{fid}", json={"codes_health_check_at": "00:00"}, headers=manager
    )
    assert now.status_code == 200, now.text

    subject = f"Keypad codes not set at Health {tag} ({datetime.now(UTC).date().isoformat()})"

    def mails() -> tuple[Any, Any] | None:
        ours = [
            m
            for m in inbox.mails.values()
            if str(m["Subject"]) == subject and str(m["To"]) == DEMO_MANAGER
        ]
        backup = [
            m
            for m in inbox.mails.values()
            if str(m["To"]) == email and "access code" in str(m["Subject"])
        ]
        return (ours[0], backup[0]) if ours and backup else None

    operator, tenant = wait_for(mails, timeout=60, what="the health check's emails")
    assert str(operator["To"]) == DEMO_MANAGER
    report = operator.get_body(("plain",))
    assert report is not None and "Hal Health" in report.get_content()
    text = tenant.get_body(("plain",))
    assert text is not None
    on_lock = {c["code"]: c for c in _codes(lock_sim, device)}
    [given] = [code for code in on_lock if code in text.get_content()]
    assert on_lock[given]["status"] == "set" and on_lock[given]["name"].startswith("backup-")
    [lock] = service.get(f"/v1/facilities/{fid}/keypad-locks", manager)
    assert lock["backup_pool"]["assigned"] == 1
    wait_for(
        lambda: (
            service.get(f"/v1/facilities/{fid}/keypad-locks", manager)[0]["backup_pool"]["ready"]
            == 2
        ),
        timeout=30,
        what="the pool refilled",
    )
