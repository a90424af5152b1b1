"""Seed 000 in the running service: PMS webhook move-ins become activations delivered by
`serve`'s outbox duty to `unitgate sms-sim` (SMS) and to an aiosmtpd server (email), both on
loopback; the code in the message is redeemed over HTTP for a tenant token. A lease that
starts tomorrow sends nothing until the facility's local date reaches it: here the date is
moved by giving the facility a time zone a day ahead (Honolulu → Kiritimati, 24 h apart,
neither with DST), which the expiry duty sees in its next round. A tenant with an account
gets no new code and sees every facility and company in `GET /v1/me`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from engine.domain import Permission
from engine.persistence import Database
from engine.sites import (
    add_person,
    add_unit,
    assign_role,
    create_company,
    create_facility,
    create_role,
)
from tests.support.outbox import SMS_SECRET
from tests.support.service import Service, database, free_port, start_service, wait_for
from tests.support.smtp import Inbox, smtp_server

MANAGER = "act-manager@example.com"
HONOLULU = "Pacific/Honolulu"
_CODE = re.compile(r"code (\d{6})")
_PIN = re.compile(r"Temporary PIN: (\d{6})")


@dataclass
class Company:
    id: str
    facilities: list[str]


@dataclass
class Stack:
    service: Service
    sim: httpx.Client
    inbox: Inbox
    acme: Company
    bolt: Company
    seq: int = 0

    def manager(self, company: Company) -> dict[str, str]:
        return self.service.as_(MANAGER, company.id, "employee")

    def move_in(self, company: Company, facility: int, unit: str, **record: Any) -> None:
        self.seq += 1
        body = {
            "unit_ref": unit,
            "seq": self.seq,
            "status": "occupied",
            "lease_start": _today().isoformat(),
            **record,
        }
        pushed = self.service.push_pms(company.facilities[facility], [body], company_id=company.id)
        assert pushed.status_code == 202, pushed.text
        assert pushed.json()["outcomes"] == {"applied": 1}, pushed.text

    def sms_to(self, number: str) -> list[dict[str, Any]]:
        messages = self.sim.get("/control/state").json()["messages"]
        return [m for m in messages if m["to"] == number]

    def activation(self, company: Company, facility: int, unit: str) -> dict[str, Any]:
        who = self.manager(company)
        units = self.service.get(f"/v1/facilities/{company.facilities[facility]}/units", who)
        [found] = [u for u in units if u["number"] == unit]
        return self.service.get(f"/v1/units/{found['id']}/activation", who)  # type: ignore[no-any-return]

    def redeem(self, contact: str, code: str) -> dict[str, str]:
        got = self.service.post("/v1/activations/redeem", {"contact": contact, "code": code})
        return {"Authorization": f"Bearer {got['token']}"}


def _today() -> date:
    """Today at the Honolulu facilities (the test's lease dates are theirs)."""
    return datetime.now(ZoneInfo(HONOLULU)).date()


def _company(db: Database, name: str, facilities: int, manager: bool) -> Company:
    now = datetime.now(UTC)
    with db.transaction() as s:
        company = create_company(s, name, now)
        ids = []
        for f in range(facilities):
            facility = create_facility(
                s,
                company.id,
                f"{name} {f}",
                now,
                timezone=HONOLULU,
                country="US",
                pms_ref=f"{name}-{f}",
            )
            for n in range(1, 6):
                add_unit(s, facility.id, f"U{n}", now, pms_ref=f"U{n}")
            ids.append(facility.id)
        if manager:
            role = create_role(s, company.id, "Manager", list(Permission))
            person = add_person(s, "Maya Manager", now, email=MANAGER)
            assign_role(s, person.id, role.id)
    return Company(company.id, ids)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Stack]:
    """The service on a copy of the run's migrated SQLite file (no demo: its own companies)."""
    tmp = tmp_path_factory.mktemp("activation")
    sms_port, port = free_port(), free_port()
    with smtp_server() as (inbox, smtp_port):
        env = {
            "UNITGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "UNITGATE_SMS_PROVIDER": "http",
            "UNITGATE_SMS_URL": f"http://127.0.0.1:{sms_port}",
            "UNITGATE_SMS_SECRET": SMS_SECRET,
            "UNITGATE_SMTP_HOST": "127.0.0.1",
            "UNITGATE_SMTP_PORT": str(smtp_port),
            "UNITGATE_OUTBOX_POLL_SECONDS": "0.2",
            "UNITGATE_EXPIRY_POLL_SECONDS": "0.2",
        }
        with (
            database("sqlite", Path(tmp), f"sqlite:///{sqlite_template}") as url,
            start_service(Path(tmp), url, prepared=True, **env) as service,
        ):
            service.start_worker(
                "sms-sim", "--port", str(sms_port), "--secret", SMS_SECRET, name="sms-sim"
            )
            sim = httpx.Client(base_url=f"http://127.0.0.1:{sms_port}", timeout=10)
            wait_for(lambda: _up(sim), timeout=30, what="sms-sim")
            db = Database(url)
            acme = _company(db, "Acme", 3, manager=True)
            bolt = _company(db, "Bolt", 1, manager=False)
            db.dispose()
            yield Stack(service, sim, inbox, acme, bolt)
            sim.close()


def _up(sim: httpx.Client) -> bool:
    try:
        return sim.get("/control/state").status_code == 200
    except httpx.TransportError:
        return False


def _tenant(ref: str, **contact: str) -> dict[str, str]:
    return {"tenant_ref": ref, "first_name": "Tess", "last_name": ref.title(), **contact}


def test_a_move_in_today_texts_the_mobile_and_the_code_opens_the_app(stack: Stack) -> None:
    mobile = "+14155552601"
    stack.move_in(stack.acme, 0, "U1", **_tenant("t1", mobile=mobile, phone="+14155552699"))
    [sms] = wait_for(lambda: stack.sms_to(mobile), timeout=30, what="activation sms")
    assert "/activate?a=" in sms["body"] and "U1" in sms["body"]
    assert stack.sms_to("+14155552699") == []
    code = _CODE.search(sms["body"])
    assert code is not None, sms["body"]
    me = stack.service.get("/v1/me", stack.redeem(mobile, code.group(1)))
    assert [f["facility_id"] for f in me["facilities"]] == [stack.acme.facilities[0]]
    state = stack.activation(stack.acme, 0, "U1")
    assert (state["status"], state["channel"], state["recipient"]) == ("sent", "sms", mobile)
    assert state["redeemed_at"] is not None


def test_without_a_mobile_the_primary_phone_gets_it(stack: Stack) -> None:
    phone = "+14155552602"
    stack.move_in(stack.acme, 0, "U2", **_tenant("t2", phone="(415) 555-2602"))
    [sms] = wait_for(lambda: stack.sms_to(phone), timeout=30, what="sms to the phone")
    assert _CODE.search(sms["body"])


def test_an_email_registration_gets_the_link_and_a_pin_by_email(stack: Stack) -> None:
    stack.move_in(stack.acme, 0, "U3", **_tenant("t3", email="Tess.T3@mail.example"))

    def mail() -> Any:
        return [m for m in stack.inbox.mails.values() if m["To"] == "tess.t3@mail.example"]

    [got] = wait_for(mail, timeout=30, what="activation email")
    text = got.get_body(preferencelist=("plain",)).get_content()
    pin = _PIN.search(text)
    assert pin is not None and "/activate?a=" in text, text
    state = stack.activation(stack.acme, 0, "U3")
    assert state["channel"] == "email" and state["message"]["status"] in ("sent", "delivered")
    assert all(
        m["to"] != "tess.t3@mail.example"
        for m in stack.sim.get("/control/state").json()["messages"]
    )
    stack.service.get("/v1/me", stack.redeem("tess.t3@mail.example", pin.group(1)))


def test_a_lease_tomorrow_is_sent_on_the_facilitys_local_lease_date(stack: Stack) -> None:
    mobile, tomorrow = "+14155552604", _today() + timedelta(days=1)
    record = _tenant("t4", mobile=mobile)
    stack.move_in(stack.acme, 2, "U1", lease_start=tomorrow.isoformat(), **record)
    state = stack.activation(stack.acme, 2, "U1")
    assert (state["status"], state["due_on"]) == ("scheduled", tomorrow.isoformat())
    # Another tenant's message sent after this move-in has arrived: the duty and the outbox
    # ran their rounds, and still nothing went to the tenant whose lease starts tomorrow.
    stack.move_in(stack.acme, 2, "U2", **_tenant("t5", mobile="+14155552605"))
    wait_for(lambda: stack.sms_to("+14155552605"), timeout=30, what="the control message")
    assert stack.sms_to(mobile) == []
    assert stack.activation(stack.acme, 2, "U1")["status"] == "scheduled"
    moved = stack.service.http.patch(
        f"/v1/facilities/{stack.acme.facilities[2]}",
        json={"timezone": "Pacific/Kiritimati"},  # where it is already tomorrow
        headers=stack.manager(stack.acme),
    )
    assert moved.status_code == 200, moved.text
    [sms] = wait_for(lambda: stack.sms_to(mobile), timeout=30, what="the released activation")
    assert _CODE.search(sms["body"])
    assert stack.activation(stack.acme, 2, "U1")["status"] == "sent"


def test_an_existing_account_gets_no_new_code_and_sees_every_facility(stack: Stack) -> None:
    mobile = "+14155552606"
    stack.move_in(stack.acme, 0, "U4", **_tenant("t6", mobile=mobile))
    [sms] = wait_for(lambda: stack.sms_to(mobile), timeout=30, what="activation sms")
    code = _CODE.search(sms["body"])
    assert code is not None
    token = stack.redeem(mobile, code.group(1))
    stack.move_in(stack.acme, 1, "U1", **_tenant("t6", mobile=mobile))
    assert stack.activation(stack.acme, 1, "U1")["status"] == "existing_account"
    me = stack.service.get("/v1/me", token)
    assert {f["facility_id"] for f in me["facilities"]} == set(stack.acme.facilities[:2])
    # A tenant of two companies: the other company's PMS knows them by the same mobile.
    stack.move_in(stack.bolt, 0, "U1", **_tenant("b-t6", mobile=mobile))
    me = stack.service.get("/v1/me", token)
    assert {f["company_id"] for f in me["facilities"]} == {stack.acme.id, stack.bolt.id}
    assert len(stack.sms_to(mobile)) == 1  # no new code for either
