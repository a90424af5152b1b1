"""The outbox in the running service: `serve`'s duty delivers email over SMTP (aiosmtpd) and
SMS to `unitgate sms-sim`, whose signed delivery reports come back to the service; on
PostgreSQL, `unitgate outbox run` workers share the outbox, one is SIGKILLed after the
provider took its messages and before it marked them. Status is read over HTTP."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.notify import SimFaults, SmsSimulator, sms_sim_app
from adapters.pms.sim import BackgroundServer
from engine.domain import Permission
from engine.notify import Channel
from engine.persistence import Database, upgrade
from engine.sites import add_person, assign_role, create_company, create_facility, create_role
from tests.support.outbox import SMS_SECRET, queue
from tests.support.service import (
    UNITGATE,
    Service,
    database,
    free_port,
    service_env,
    start_service,
    wait_for,
)
from tests.support.smtp import Inbox, smtp_server

MANAGER = "outbox-manager@example.com"
UNDELIVERED = "+14155550177"
REJECTED = "+14155550188"


@dataclass
class Site:
    """A company and facility written into the service's database, and its manager."""

    company_id: str
    facility_id: str
    db: Database


def _migrated(url: str) -> str:
    """`url` migrated in this process (a `unitgate db upgrade` process takes seconds)."""
    db = Database(url)
    upgrade(db)
    db.dispose()
    return url


def _site(url: str) -> Site:
    db = Database(url)
    now = datetime.now(UTC)
    with db.transaction() as s:
        company = create_company(s, "Outbox Storage", now)
        facility = create_facility(s, company.id, "Outbox Central", now)
        role = create_role(s, company.id, "Manager", list(Permission))
        person = add_person(s, "Olga Outbox", now, email=MANAGER)
        assign_role(s, person.id, role.id)
    return Site(company.id, facility.id, db)


def _messages(service: Service, site: Site, **params: Any) -> list[dict[str, Any]]:
    who = service.as_(MANAGER, site.company_id, "employee")
    got: list[dict[str, Any]] = service.get(
        f"/v1/facilities/{site.facility_id}/messages", who, params={"limit": 1000, **params}
    )
    return got


@contextmanager
def _sim(*, callbacks: bool = True, **faults: Any) -> Iterator[tuple[httpx.Client, int]]:
    """The SMS provider simulator (`unitgate sms-sim`'s app) on a loopback port, and a
    client of its control routes."""
    sim = SmsSimulator(SMS_SECRET.encode(), callbacks=callbacks, faults=SimFaults(**faults))
    with BackgroundServer(sms_sim_app(sim)) as url, httpx.Client(base_url=url, timeout=10) as c:
        yield c, int(url.rsplit(":", 1)[1])


def _env(sms_port: int, port: int, **extra: str) -> dict[str, str]:
    return {
        "UNITGATE_PORT": str(port),
        "UNITGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "UNITGATE_SMS_PROVIDER": "http",
        "UNITGATE_SMS_URL": f"http://127.0.0.1:{sms_port}",
        "UNITGATE_SMS_SECRET": SMS_SECRET,
        "UNITGATE_OUTBOX_POLL_SECONDS": "0.2",
        **extra,
    }


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with smtp_server() as served:
        yield served


def test_serve_delivers_email_and_sms_and_applies_signed_reports(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, smtp_port = smtp
    with _sim(undelivered=[UNDELIVERED], rejected=[REJECTED]) as (control, sms_port):
        env = _env(
            sms_port, free_port(), UNITGATE_SMTP_HOST="127.0.0.1", UNITGATE_SMTP_PORT=str(smtp_port)
        )
        with (
            database("sqlite", tmp_path) as url,
            start_service(tmp_path, _migrated(url), prepared=True, **env) as service,
        ):
            _deliver_and_report(service, url, control, inbox)


def _deliver_and_report(service: Service, url: str, control: httpx.Client, inbox: Inbox) -> None:
    site = _site(url)
    now = datetime.now(UTC)
    ok = queue(site.db, site.facility_id, now, prefix="ok")[0]
    lost = queue(site.db, site.facility_id, now, prefix="lost", recipient=UNDELIVERED)[0]
    refused = queue(site.db, site.facility_id, now, prefix="no", recipient=REJECTED)[0]
    mail = queue(
        site.db,
        site.facility_id,
        now,
        prefix="mail",
        channel=Channel.EMAIL,
        recipient="ada@example.com",
    )[0]
    landline = queue(
        site.db,
        site.facility_id,
        now,
        prefix="land",
        problem="`+14155550100` is a landline: no SMS can go to it",
    )[0]
    final = {ok: "delivered", lost: "undelivered", refused: "failed", mail: "sent"}

    def settled() -> dict[str, dict[str, Any]] | None:
        got = {m["id"]: m for m in _messages(service, site)}
        done = all(got[i]["status"] == s for i, s in final.items())
        return got if done else None

    got = wait_for(settled, timeout=60, what="messages delivered and reported")
    assert "cannot send to this number" in got[refused]["status_reason"]
    assert got[lost]["status_reason"] == "provider: handset unreachable"
    assert got[landline]["status"] == "undeliverable"
    assert got[landline]["attempts"] == 0
    state = control.get("/control/state").json()
    assert sorted(m["reference"] for m in state["messages"]) == sorted([ok, lost])
    assert list(inbox.mails) == ["mail/0"]
    assert "483920" in str(inbox.mails["mail/0"].get_body(("plain",)).get_content())

    # The number is fixed at the provider; an employee sends the failed message again.
    control.put("/control/faults", json={"rejected": []})
    who = service.as_(MANAGER, site.company_id, "employee")
    service.post(f"/v1/facilities/{site.facility_id}/messages/{refused}/retry", {}, who, 200)
    wait_for(
        lambda: _messages(service, site, status="delivered", kind="activation")[1:],
        timeout=60,
        what="the retried message delivered",
    )


@pytest.mark.pg
def test_workers_share_the_outbox_and_a_killed_one_costs_one_duplicate_per_message(
    tmp_path: Path,
) -> None:
    # No delivery reports: one arriving before the kill would mark the message, and a
    # message the provider reported is not sent again (no duplicate at all).
    with _sim(callbacks=False) as (control, sms_port):
        env = _env(
            sms_port,
            free_port(),
            UNITGATE_OUTBOX_IN_SERVE="false",
            UNITGATE_OUTBOX_LEASE_SECONDS="6",
        )
        with database("postgresql", tmp_path) as url:
            site = _site(_migrated(url))
            # The provider takes each message and holds its answer: the worker is killed
            # with every message taken and none marked. It starts while the server does.
            control.put("/control/faults", json={"delay_seconds": 300})
            first = queue(site.db, site.facility_id, datetime.now(UTC), count=30, prefix="a")
            with (tmp_path / "worker-doomed.log").open("wb") as log:
                doomed = subprocess.Popen(
                    [*UNITGATE, "outbox", "run"],
                    env=service_env(tmp_path, url, **env),
                    cwd=tmp_path,
                    stdout=log,
                    stderr=log,
                )
            try:
                with start_service(tmp_path, url, prepared=True, **env) as service:
                    _crash_and_share(service, site, control, doomed, first)
            finally:
                doomed.kill()
                doomed.wait(10)


def _crash_and_share(
    service: Service,
    site: Site,
    control: httpx.Client,
    doomed: subprocess.Popen[bytes],
    first: list[str],
) -> None:
    wait_for(
        lambda: len(control.get("/control/state").json()["messages"]) == 30,
        timeout=60,
        what="the provider to take 30 messages",
    )
    # The workers that take over start now (a process takes seconds to start): they find
    # every message leased to the doomed one until its lease ends.
    for name in ("worker-b", "worker-c"):
        service.start_worker("outbox", "run", name=name)
    doomed.kill()
    doomed.wait(10)
    assert {m["status"] for m in _messages(service, site)} == {"queued"}
    control.put("/control/faults", json={})
    wait_for(
        lambda: all(m["status"] == "sent" for m in _messages(service, site)),
        timeout=90,
        what="the killed worker's messages sent after their lease",
    )
    state = control.get("/control/state").json()
    assert len(state["messages"]) == 30  # none lost; the receiver kept each once
    assert state["duplicates"] == 30  # each sent again once, dropped by its key
    assert {m["attempts"] for m in _messages(service, site)} == {2}

    # Without a crash, two workers never send one message twice.
    more = queue(site.db, site.facility_id, datetime.now(UTC), count=100, prefix="b")
    wait_for(
        lambda: len(_messages(service, site, status="sent")) == 130,
        timeout=120,
        what="130 messages sent",
    )
    state = control.get("/control/state").json()
    assert len(state["messages"]) == 130
    assert state["duplicates"] == 30
    keys = {m["reference"] for m in state["messages"]}
    assert keys == set(first) | set(more)
