"""A tenant's diagnosis (`GET /v1/tenants/{id}/diagnosis`) beside a unit read
(`GET /v1/units/{id}`, the reference), on the demo facility, under uvicorn.

Goal: p99 < 50 ms for one tenant's diagnosis. Requests go one at a time (latency, not
throughput) from this process over loopback, in alternating rounds so drift in the
machine's speed hits both alike. Run on SQLite and on PostgreSQL (skipped when unreachable).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import httpx
from sqlmodel import col, select

from api.auth import issue_token
from api.demo import load_demo
from api.demo._load import DEMO_COMPANY_ID
from bench._access_server import JWT_SECRET
from bench._databases import databases
from bench.access_api import _free_port
from engine.persistence import upgrade
from engine.persistence.tables import Person, Rental
from engine.runtime import Runtime

REQUESTS = 200
"""Requests per endpoint and round."""
ROUNDS = 5
TENANT = "olivia@mail.example"
"""The demo's tenant of two companies (her Acme rental at Riverside is diagnosed)."""
MANAGER = "maria@acme-storage.example"


def _prepare(url: str) -> tuple[str, str, str]:
    """Migrate and load the demo; the tenant, her unit and a manager's token."""
    rt = Runtime.create(url, b"bench")
    upgrade(rt.db)
    load_demo(rt)
    with rt.db.read() as s:
        tenant = s.exec(select(Person).where(Person.email == TENANT)).one()
        manager = s.exec(select(Person).where(Person.email == MANAGER)).one()
        unit = s.exec(
            select(Rental.unit_id).where(
                Rental.person_id == tenant.id, col(Rental.ended_at).is_(None)
            )
        ).first()
    rt.db.dispose()
    assert unit is not None
    token = issue_token(
        JWT_SECRET,
        person_id=manager.id,
        company_id=DEMO_COMPANY_ID,
        role="employee",
        issuer="unitgate",
        lifetime=timedelta(hours=1),
    )
    return tenant.id, unit, token


def _timed(client: httpx.Client, path: str) -> list[float]:
    out = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        got = client.get(path)
        out.append(1000 * (time.perf_counter() - started))
        assert got.status_code == 200, got.text
    return out


def _measure(url: str) -> tuple[list[float], list[float]]:
    person, unit, token = _prepare(url)
    port = _free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    server = subprocess.Popen(
        [sys.executable, "-m", "bench._access_server", url, str(port)], env=env
    )
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(0.1)
            diagnosis, reference = f"/v1/tenants/{person}/diagnosis", f"/v1/units/{unit}"
            _timed(client, diagnosis), _timed(client, reference)  # warm up
            ours: list[float] = []
            theirs: list[float] = []
            for _ in range(ROUNDS):
                theirs += _timed(client, reference)
                ours += _timed(client, diagnosis)
    finally:
        server.terminate()
        server.wait(10)
    return sorted(ours), sorted(theirs)


def _pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))]


def _ms(p50: float, p99: float) -> str:
    return f"p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"


def run(argv: list[str]) -> None:
    """Print p50/p99 of the diagnosis and of the unit read, and their ratio, per database."""
    del argv
    print(
        f"uvicorn (1 worker); {ROUNDS} alternating rounds of {REQUESTS} sequential requests "
        "per endpoint over loopback; the demo's Riverside tenant Olivia Park"
    )
    with databases() as runs:
        for name, url in runs:
            ours, theirs = _measure(url)
            p50, p99 = _pct(ours, 0.5), _pct(ours, 0.99)
            r50, r99 = _pct(theirs, 0.5), _pct(theirs, 0.99)
            print(f"[{name}] {'GET /v1/units/{id} (reference)':<36} {_ms(r50, r99)}")
            print(f"[{name}] {'GET /v1/tenants/{id}/diagnosis':<36} {_ms(p50, p99)}")
            print(
                f"[{name}] diagnosis/unit read: p50 {p50 / r50:.1f}x, p99 {p99 / r99:.1f}x; "
                f"goal p99 < 50 ms: {'met' if p99 < 50 else 'MISSED'}"
            )
