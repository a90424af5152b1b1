"""Activation latency: from a PMS move-in (lease today) or a lease start to the activation
message accepted by the SMS provider or the SMTP server, both on loopback.

One `unitgate serve` on a fresh SQLite database with its default duties (outbox and expiry
polls of 1 s), `unitgate sms-sim` as the HTTP SMS provider and an aiosmtpd server in this
process. Move-ins are pushed as signed PMS webhooks, one after another (4 in 5 tenants with
a mobile, the others by email). Lease starts: units moved in with tomorrow's lease, then the
facility's time zone is moved a day ahead (its local date reaches the lease start) and the
expiry duty releases them. Latency = the provider's (sim's `received_at`) or SMTP server's
acceptance time - the push (or the time-zone change). The reference beside it: the same run's
bare provider round trip, one SMS POSTed straight to the sim. Prints p50/p99/max of each,
the ratio of p99 to the 2 s goal and to the reference.

Options: `--tenants=N` (default 200 move-ins), `--leases=N` (default 100 lease starts).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiosmtpd.controller import Controller
from sqlmodel import select

from adapters.pms import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from bench.access_api import _free_port
from bench.expiry_lag import UNITGATE, _env, _stop, _wait_up
from engine.domain import Permission
from engine.persistence import Database, upgrade
from engine.persistence.tables import OutboxMessage
from engine.sites import (
    add_person,
    add_unit,
    assign_role,
    create_company,
    create_facility,
    create_role,
)

GOAL_SECONDS = 2.0
WEBHOOK_SECRET = "bench-webhook-secret-not-secret"
SMS_SECRET = "bench-sms-secret-not-secret"
MANAGER = "bench-manager@example.com"
HONOLULU, AHEAD = "Pacific/Honolulu", "Pacific/Kiritimati"
"""24 h apart, neither with DST: Kiritimati's date is always Honolulu's next day."""


@dataclass
class _Mailbox:
    """SMTP acceptances by recipient, with their time."""

    accepted: dict[str, float] = field(default_factory=dict)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.accepted.setdefault(str(mail["To"]), time.time())
        return "250 OK"


def _site(url: str, units: int) -> tuple[str, list[str]]:
    db = Database(url)
    upgrade(db)
    now = datetime.now(UTC)
    with db.transaction() as s:
        company = create_company(s, "Bench Storage", now)
        facilities = []
        for name, count in (("Move-ins", units), ("Lease starts", units)):
            facility = create_facility(
                s, company.id, name, now, timezone=HONOLULU, country="US", pms_ref=name
            )
            for n in range(count):
                add_unit(s, facility.id, f"U{n}", now, pms_ref=f"U{n}")
            facilities.append(facility.id)
        role = create_role(s, company.id, "Manager", list(Permission))
        person = add_person(s, "Bea Bench", now, email=MANAGER)
        assign_role(s, person.id, role.id)
    db.dispose()
    return company.id, facilities


def _push(http: httpx.Client, company: str, facility: str, record: dict[str, Any]) -> None:
    body = json.dumps({"records": [record]}).encode()
    stamp = int(time.time())
    headers = {
        "content-type": "application/json",
        SIGNATURE_HEADER: sign(WEBHOOK_SECRET.encode(), stamp, company, facility, body),
        TIMESTAMP_HEADER: str(stamp),
    }
    got = http.post(f"/v1/pms/webhooks/{facility}", content=body, headers=headers)
    if got.status_code != 202:
        raise RuntimeError(f"push refused: {got.status_code} {got.text}")


def _record(n: int, lease: str, offset: int, email: bool) -> tuple[dict[str, Any], str]:
    """A move-in record and the contact its activation goes to."""
    mobile = f"+1415555{offset + n:04d}"
    contact = f"bench{offset + n}@mail.example" if email else mobile
    record = {
        "unit_ref": f"U{n}",
        "seq": 1,
        "status": "occupied",
        "tenant_ref": f"T{offset + n}",
        "first_name": "Bench",
        "last_name": f"Tenant {offset + n}",
        "lease_start": lease,
        **({"email": contact} if email else {"mobile": mobile}),
    }
    return record, contact


def _accepted(sim: httpx.Client, box: _Mailbox) -> dict[str, float]:
    taken = {m["to"]: float(m["received_at"]) for m in sim.get("/control/state").json()["messages"]}
    return {**taken, **box.accepted}


def _wait_all(sim: httpx.Client, box: _Mailbox, contacts: list[str]) -> dict[str, float]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = _accepted(sim, box)
        if all(c in got for c in contacts):
            return got
        time.sleep(0.2)
    raise RuntimeError(f"{sum(c not in _accepted(sim, box) for c in contacts)} never arrived")


def _reference(sim: httpx.Client, count: int) -> list[float]:
    """The bare provider round trip: one SMS at a time straight to the sim."""
    out = []
    for i in range(count):
        body = {"to": f"+1415556{i:04d}", "body": "reference", "reference": f"ref-{i}"}
        start = time.perf_counter()
        got = sim.post("/v1/messages", json=body, headers={"Idempotency-Key": f"ref/{i}"})
        out.append(time.perf_counter() - start)
        got.raise_for_status()
    return out


def _summary(
    label: str, values: list[float], reference_p99: float | None, goal: float = GOAL_SECONDS
) -> None:
    ordered = sorted(values)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    line = f"{label:<44} n={len(ordered):<4} p50 {p50 * 1000:8.1f} ms  p99 {p99 * 1000:8.1f} ms"
    line += f"  max {ordered[-1] * 1000:8.1f} ms"
    if reference_p99 is not None:
        line += f"  p99/goal {p99 / goal:.2f}  p99/reference {p99 / reference_p99:.1f}x"
    print(line)


def run(argv: list[str]) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="bench activation_latency")
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--leases", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="unitgate-bench-act-") as folder:
        _measure(Path(folder), args)


def _measure(folder: Path, args: argparse.Namespace) -> None:
    url = f"sqlite:///{folder / 'bench.db'}"
    company, (move_ins, leases) = _site(url, max(args.tenants, args.leases))
    port, sms_port, smtp_port = _free_port(), _free_port(), _free_port()
    box = _Mailbox()
    smtp = Controller(box, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    env = {
        **_env(url),
        "UNITGATE_PORT": str(port),
        "UNITGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "UNITGATE_PMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "UNITGATE_SMS_PROVIDER": "http",
        "UNITGATE_SMS_URL": f"http://127.0.0.1:{sms_port}",
        "UNITGATE_SMS_SECRET": SMS_SECRET,
        "UNITGATE_SMTP_HOST": "127.0.0.1",
        "UNITGATE_SMTP_PORT": str(smtp_port),
        "UNITGATE_DEV_TOKENS": "true",
    }
    procs: list[subprocess.Popen[bytes]] = []
    for name, argv in (
        ("sim", ["sms-sim", "--port", str(sms_port), "--secret", SMS_SECRET]),
        ("serve", ["serve", "--port", str(port)]),
    ):
        log = (folder / f"{name}.log").open("wb")
        procs.append(subprocess.Popen([*UNITGATE, *argv], env=env, stdout=log, stderr=log))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(base, procs)
        with (
            httpx.Client(base_url=base, timeout=30) as http,
            httpx.Client(base_url=f"http://127.0.0.1:{sms_port}", timeout=30) as sim,
        ):
            _wait_sim(sim)
            reference = _reference(sim, 200)
            today = datetime.now(ZoneInfo(HONOLULU)).date()
            pushed: dict[str, float] = {}
            for n in range(args.tenants):
                record, contact = _record(n, today.isoformat(), 2000, email=n % 5 == 4)
                pushed[contact] = time.time()
                _push(http, company, move_ins, record)
            got = _wait_all(sim, box, list(pushed))
            moved_in = [got[c] - t for c, t in pushed.items()]
            tomorrow = (today + timedelta(days=1)).isoformat()
            waiting = []
            for n in range(args.leases):
                record, contact = _record(n, tomorrow, 5000, email=n % 5 == 4)
                _push(http, company, leases, record)
                waiting.append(contact)
            time.sleep(2)  # a round of each duty: nothing may go before the lease start
            early = [c for c in waiting if c in _accepted(sim, box)]
            token = http.post(
                "/v1/dev/tokens", json={"email": MANAGER, "company_id": company, "role": "employee"}
            ).json()["token"]
            started = time.time()
            http.patch(
                f"/v1/facilities/{leases}",
                json={"timezone": AHEAD},
                headers={"Authorization": f"Bearer {token}"},
            ).raise_for_status()
            got = _wait_all(sim, box, waiting)
            released = [got[c] - started for c in waiting]
        written = _written(url)
        queued = [written[c] - t for c, t in pushed.items()]
    finally:
        _stop(procs)
        smtp.stop()
    ref_p99 = sorted(reference)[int(len(reference) * 0.99) - 1]
    print(
        f"reference: bare SMS provider round trip, then {args.tenants} move-ins and "
        f"{args.leases} lease starts (1 in 5 by email); goal p99 < {GOAL_SECONDS:.0f} s"
    )
    _summary("reference: POST to the SMS provider", reference, None)
    _summary("move-in (lease today) -> message accepted", moved_in, ref_p99)
    _summary("lease start (duty release) -> message accepted", released, ref_p99)
    _summary("  of which move-in -> outbox row committed", queued, None)
    print(f"sent before the lease start: {len(early)} (invariant 7: must be 0)")


def _written(url: str) -> dict[str, float]:
    """When each activation message was written, by recipient."""
    db = Database(url)
    with db.read() as s:
        rows = s.exec(
            select(OutboxMessage.recipient, OutboxMessage.created_at).where(
                OutboxMessage.kind == "activation"
            )
        ).all()
    db.dispose()
    return {str(r): at.timestamp() for r, at in rows}


def _wait_sim(sim: httpx.Client) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if sim.get("/control/state").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the SMS simulator did not start")
