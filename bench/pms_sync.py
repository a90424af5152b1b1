"""PMS sync: full reconcile at 100,000 units, incremental events/s, webhook-to-effect latency.

- Reconcile: a store in step with a 100,000-unit PMS except for the last 1,000 changes
  (a nightly reconcile), on SQLite and PostgreSQL, in a process of its own (peak memory);
  and a first sync where every unit is new, measured on 2,000 units (events/s).
- Incremental: `unitgate sync run` processes (1, then 2) on PostgreSQL draining a backlog of
  changes of four facilities from the PMS simulator over HTTP.
- Webhook to effect: uvicorn serves the API; the simulator's pusher sends a signed
  "overlock" for a tenant's unit; the tenant's app view is polled until their lock no
  longer opens. The product we replace takes 1-5 minutes to show a PMS change (seed 000).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from adapters.pms import PmsRecord
from adapters.pms.sim import (
    BackgroundServer,
    PmsModel,
    Simulator,
    WebhookPusher,
    WebhookTarget,
    simulator_app,
)
from adapters.sync import expected_status
from api.auth import issue_token
from bench._access_server import JWT_SECRET, WEBHOOK_SECRET
from bench._databases import _drop, _pg_database
from bench.access_api import _free_port
from engine.persistence import new_id, table_of, upgrade
from engine.persistence.tables import Door, Facility, Person, PmsInboxEntry, Rental, Unit
from engine.runtime import Runtime
from engine.sites import create_company, create_facility
from tests.support.pms import link_facility

UNITGATE = [sys.executable, "-c", "from api.cli import main; main()"]
RECONCILE_UNITS = 100_000
DRIFT_CHANGES = 1_000
FIRST_SYNC_UNITS = 2_000
INCREMENTAL_CHANGES = 20_000
WEBHOOK_SAMPLES = 100


def _store_in_step(rt: Runtime, model: PmsModel, ref: str) -> str:
    """A facility whose units, tenants and rentals equal the PMS's now (bulk insert)."""
    now = datetime.now(UTC)
    with rt.db.transaction() as s:
        company = create_company(s, "Bench", now)
        facility_id = create_facility(s, company.id, "Bench", now, pms_ref=ref).id
    units, people, rentals = [], [], []
    for raw in model.snapshot(ref):
        r = PmsRecord.model_validate(raw)
        uid = new_id()
        status = expected_status(r)
        units.append(
            {
                "id": uid,
                "facility_id": facility_id,
                "number": r.unit_ref,
                "pms_ref": r.unit_ref,
                "state": status,
                "pms_status": status,
                "version": 1,
                "last_pms_seq": r.seq,
                "updated_at": now,
            }
        )
        if r.tenant_ref is not None:
            pid = new_id()
            people.append(
                {
                    "id": pid,
                    "name": r.tenant_ref,
                    "email": r.email,
                    "mobile": r.contact_mobile,
                    "created_at": now,
                }
            )
            rentals.append(
                {
                    "id": new_id(),
                    "unit_id": uid,
                    "person_id": pid,
                    "pms_tenant_ref": r.tenant_ref,
                    "pms_rental_ref": r.rental_ref,
                    "lease_start": r.lease_start or date.today(),
                    "pms_status": status,
                    "mobile": r.contact_mobile,
                    "phone": r.phone,
                    "email": r.email,
                    "started_at": now,
                }
            )
    with rt.db.engine.begin() as conn:
        for table, rows in ((Unit, units), (Person, people), (Rental, rentals)):
            for i in range(0, len(rows), 2000):
                conn.execute(insert(table_of(table)), rows[i : i + 2000])
    return facility_id


def _reconcile_child(url: str, facility_id: str, ref: str, pms: str) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench._reconcile_run", url, facility_id, ref, pms]
    out = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _reconcile(name: str, url: str) -> None:
    rt = Runtime.create(url, b"bench")
    upgrade(rt.db)
    model = PmsModel.build(["BIG"], RECONCILE_UNITS, seed=5, occupancy=0.8)
    facility_id = _store_in_step(rt, model, "BIG")
    for _ in range(DRIFT_CHANGES):
        model.step()
    with BackgroundServer(simulator_app(Simulator(model))) as pms:
        got = _reconcile_child(url, facility_id, "BIG", pms)
    print(
        f"[{name}] reconcile {got['pms_units']:,} units ({got['behind']} behind): "
        f"{got['seconds']:.1f} s (goal < 60 s: {60 / got['seconds']:.1f}x inside), "
        f"peak {got['peak_mb']:.0f} MB (goal < 500 MB)"
    )
    first = PmsModel.build(["NEW"], FIRST_SYNC_UNITS, seed=6, occupancy=0.8)
    linked = link_facility(rt, first, "NEW", "First")
    rt.db.dispose()
    with BackgroundServer(simulator_app(Simulator(first))) as pms:
        got = _reconcile_child(url, linked.facility_id, "NEW", pms)
    rate = FIRST_SYNC_UNITS / got["seconds"]
    print(
        f"[{name}] first sync of {FIRST_SYNC_UNITS:,} new units: {got['seconds']:.1f} s "
        f"({rate:.0f} units/s; 100,000 would take ~{RECONCILE_UNITS / rate / 60:.0f} min)"
    )


@dataclass(frozen=True)
class _Rate:
    events: int
    wall_seconds: float
    """From starting the worker processes to the last event applied."""
    steady_seconds: float
    """From the first event received to the last applied (without interpreter start-up)."""

    @property
    def per_second(self) -> float:
        return self.events / self.steady_seconds


def _incremental(url: str, workers: int) -> _Rate:
    rt = Runtime.create(url, b"bench")
    upgrade(rt.db)
    refs = [f"INC{workers}-{i}" for i in range(4)]
    model = PmsModel.build(refs, 1000, seed=workers, occupancy=0.5)
    for _ in range(INCREMENTAL_CHANGES):
        model.step()
    for ref in refs:
        link_facility(rt, model, ref, ref)
    env = {**os.environ, "UNITGATE_DATABASE_URL": url, "UNITGATE_AUDIT_KEY": "bench"}
    inbox = table_of(PmsInboxEntry)
    received = select(func.count()).select_from(inbox)
    settled = received.where(inbox.c.status != "pending")
    first: float | None = None
    with BackgroundServer(simulator_app(Simulator(model))) as pms:
        start = time.perf_counter()
        procs = [
            subprocess.Popen(
                [*UNITGATE, "sync", "run", "--pms-url", pms, "--name", f"w{i}"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for i in range(workers)
        ]
        try:
            while True:
                with rt.db.engine.connect() as conn:
                    if first is None and conn.execute(received).scalar_one():
                        first = time.perf_counter()
                    if conn.execute(settled).scalar_one() >= len(model.log):
                        break
                time.sleep(0.02)
            end = time.perf_counter()
        finally:
            for p in procs:
                p.terminate()
                p.wait(20)
    rt.db.dispose()
    assert first is not None
    return _Rate(len(model.log), end - start, end - first)


def _webhook(name: str, url: str) -> None:
    rt = Runtime.create(url, b"bench")
    upgrade(rt.db)
    model = PmsModel.build(["HOOK"], WEBHOOK_SAMPLES, seed=9, occupancy=1.0)
    facility_id = _store_in_step(rt, model, "HOOK")
    tenants: dict[str, tuple[str, str, str]] = {}
    with rt.db.transaction() as s:
        units = s.execute(
            select(table_of(Unit).c.id, table_of(Unit).c.pms_ref).where(
                table_of(Unit).c.facility_id == facility_id
            )
        ).all()
        for uid, ref in units:
            s.add(Door(facility_id=facility_id, name=f"unit {ref}", kind="unit_lock", unit_id=uid))
        s.flush()
        facility = s.get(Facility, facility_id)
        assert facility is not None
        company_id = facility.company_id
        for uid, ref in units:
            pid, lease_start = s.execute(
                select(table_of(Rental).c.person_id, table_of(Rental).c.lease_start).where(
                    table_of(Rental).c.unit_id == uid
                )
            ).one()
            if lease_start <= date.today():  # a lease starting later opens nothing yet
                tenants[ref] = (uid, pid, company_id)
    rt.db.dispose()
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "bench._access_server", url, str(port)],
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    base = f"http://127.0.0.1:{port}"
    latencies = []
    try:
        _wait_up(base)
        target = WebhookTarget.at(base, company_id, facility_id)
        pusher = WebhookPusher({"HOOK": target}, WEBHOOK_SECRET.encode())
        with httpx.Client(timeout=10) as client:
            for ref, (uid, pid, company_id) in tenants.items():
                token = issue_token(
                    JWT_SECRET,
                    person_id=pid,
                    company_id=company_id,
                    role="tenant",
                    issuer="unitgate",
                    lifetime=timedelta(hours=1),
                )
                headers = {"Authorization": f"Bearer {token}"}
                assert _opens(client, base, headers, uid), "the tenant's lock should open first"
                record = model.change("HOOK", ref, {"delinquency": "overlock"})
                start = time.perf_counter()
                pusher.push("HOOK", record)
                while _opens(client, base, headers, uid):
                    if time.perf_counter() - start > 10:
                        raise RuntimeError("the push had no effect within 10 s")
                latencies.append((time.perf_counter() - start) * 1000)
        pusher.close()
    finally:
        server.terminate()
        server.wait(10)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"[{name}] webhook to changed decision ({len(latencies)} pushes): p50 {p50:.0f} ms, "
        f"p99 {p99:.0f} ms (goal < 1000 ms; the product we replace: 60,000-300,000 ms)"
    )


def _wait_up(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _opens(client: httpx.Client, base: str, headers: dict[str, str], unit_id: str) -> bool:
    units = client.get(f"{base}/v1/me/units", headers=headers).json()
    [unit] = [u for u in units if u["unit_id"] == unit_id]
    return any(d["allowed"] for d in unit["doors"] if d["kind"] == "unit_lock")


def _incremental_runs() -> None:
    rates = []
    for workers in (1, 2):
        pg = _pg_database()
        if pg is None:
            return
        try:
            rates.append(_incremental(pg, workers))
        finally:
            _drop(pg)
        r = rates[-1]
        print(
            f"[PostgreSQL] incremental, {workers} worker process(es), {r.events:,} changes: "
            f"{r.per_second:.0f} events/s from the first receipt (goal >= 2,000: "
            f"{r.per_second / 2000:.2f}x); {r.events / r.wall_seconds:.0f} events/s "
            f"counting the processes' start ({r.wall_seconds:.1f} s)"
        )
    print(f"[PostgreSQL] 2 workers / 1 worker: {rates[1].per_second / rates[0].per_second:.2f}x")


def run(argv: list[str]) -> None:
    """Print the figures, each with its goal (`--incremental`: only the incremental runs)."""
    if "--incremental" in argv:
        _incremental_runs()
        return
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'sync.db'}"
        _reconcile("SQLite", sqlite_url)
        _webhook("SQLite", f"sqlite:///{Path(folder) / 'hook.db'}")
    pg = _pg_database()
    if pg is None:
        return
    try:
        _reconcile("PostgreSQL", pg)
    finally:
        _drop(pg)
    _incremental_runs()
    pg = _pg_database()
    assert pg is not None
    try:
        _webhook("PostgreSQL", pg)
    finally:
        _drop(pg)
