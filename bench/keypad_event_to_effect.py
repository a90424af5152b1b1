"""Keypad event to effect: from a PMS delinquency event (a signed webhook to the real
server) to the suspension, the delete of the tenant's code received by the lock service.

Per database (SQLite, then PostgreSQL when reachable): one `unitgate serve` with its keypad
duty (backup pool off, so only the tenant's codes move) and `unitgate lock-sim` on loopback;
`--tenants` tenants moved in (each with a code on the one gate keypad), then each put in
gatelock, one after another. Latency = the moment the bench sees the code gone from the
simulator's state (polled every 5 ms) - the moment the push was sent. The reference beside
it: the same pushes' bare webhook round trip (sent to 202). Prints p50/p99/max, p99 against
the 1 s goal and the ratio to the reference.

Options: `--tenants=N` (default 50).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

import httpx

from bench._databases import databases
from bench.access_api import _free_port
from bench.activation_latency import WEBHOOK_SECRET, _push
from bench.activation_latency import _summary as summary
from bench.expiry_lag import UNITGATE, _env, _stop, _wait_up
from engine.domain import DoorKind
from engine.persistence import Database, upgrade
from engine.sites import add_door, add_unit, create_company, create_facility

GOAL_SECONDS = 1.0
GATE = "kp-bench-gate"


def _site(url: str, units: int) -> tuple[str, str]:
    db = Database(url)
    upgrade(db)
    now = datetime.now(UTC)
    with db.transaction() as s:
        company = create_company(s, "Bench Storage", now)
        facility = create_facility(s, company.id, "Keypads", now, country="US", pms_ref="kp")
        facility.access_opens = facility.access_closes = dtime(0, 0)  # around the clock
        s.add(facility)
        gate = add_door(s, facility.id, "Gate", DoorKind.GATE)
        gate.lock_ref = GATE
        s.add(gate)
        for n in range(units):
            add_unit(s, facility.id, f"U{n}", now, pms_ref=f"U{n}")
    db.dispose()
    return company.id, facility.id


def _timed_push(http: httpx.Client, company: str, facility: str, record: dict[str, Any]) -> float:
    """Push one record; the round trip to its 202."""
    start = time.perf_counter()
    _push(http, company, facility, record)
    return time.perf_counter() - start


def _record(n: int, seq: int, **extra: Any) -> dict[str, Any]:
    lease = (datetime.now(UTC) - timedelta(days=3)).date().isoformat()
    return {
        "unit_ref": f"U{n}",
        "seq": seq,
        "status": "occupied",
        "tenant_ref": f"T{n}",
        "rental_ref": f"R{n}",
        "first_name": "Bench",
        "last_name": f"Tenant {n}",
        "email": f"bench{n}@mail.example",
        "lease_start": lease,
        **extra,
    }


def _names(sim: httpx.Client) -> set[str]:
    codes = sim.get("/control/state").json()["devices"].get(GATE, [])
    return {c["name"] for c in codes if c["status"] == "set"}


def _until(check: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.005)
    raise RuntimeError(f"timed out waiting for {what}")


def _summary(label: str, values: list[float], reference_p99: float | None) -> None:
    summary(label, values, reference_p99, GOAL_SECONDS)


def run(argv: list[str]) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(prog="bench keypad_event_to_effect")
    parser.add_argument("--tenants", type=int, default=50)
    args = parser.parse_args(argv)
    print(
        f"PMS delinquency webhook -> the tenant's code deleted on the lock service, "
        f"{args.tenants} events one after another; goal p99 < {GOAL_SECONDS:.0f} s"
    )
    with databases() as runs:
        for name, url in runs:
            with tempfile.TemporaryDirectory(prefix="unitgate-bench-kp-") as folder:
                _measure(name, url, Path(folder), args.tenants)


def _measure(name: str, url: str, folder: Path, tenants: int) -> None:
    company, facility = _site(url, tenants)
    port, sim_port = _free_port(), _free_port()
    env = {
        **_env(url),
        "UNITGATE_PORT": str(port),
        "UNITGATE_PMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "UNITGATE_LOCK_SERVICE_URL": f"http://127.0.0.1:{sim_port}",
        "UNITGATE_LOCK_POLL_IN_SERVE": "false",
        "UNITGATE_CODES_BACKUP_POOL": "0",
    }
    procs: list[subprocess.Popen[bytes]] = []
    log = (folder / "lock-sim.log").open("wb")
    procs.append(
        subprocess.Popen([*UNITGATE, "lock-sim", "--port", str(sim_port)], stdout=log, stderr=log)
    )
    sim = httpx.Client(base_url=f"http://127.0.0.1:{sim_port}", timeout=30)
    try:
        _until(lambda: _alive(sim), "the lock simulator", 60)
        sim.post("/control/devices", json={"device_id": GATE, "model": "generic_keypad"})
        log = (folder / "serve.log").open("wb")
        procs.append(
            subprocess.Popen(
                [*UNITGATE, "serve", "--port", str(port)], env=env, stdout=log, stderr=log
            )
        )
        base = f"http://127.0.0.1:{port}"
        _wait_up(base, procs)
        with httpx.Client(base_url=base, timeout=30) as http:
            for n in range(tenants):
                _push(http, company, facility, _record(n, 1))
            _until(lambda: len(_names(sim)) == tenants, "every move-in's code set")
            effect, round_trip = [], []
            for n in range(tenants):
                sent = time.perf_counter()
                record = _record(n, 2, delinquency="gatelock")
                round_trip.append(_timed_push(http, company, facility, record))
                _until(lambda n=n: f"Bench Tenant {n}" not in _names(sim), "a suspension")
                effect.append(time.perf_counter() - sent)
    finally:
        sim.close()
        _stop(procs)
    ref_p99 = sorted(round_trip)[min(len(round_trip) - 1, int(len(round_trip) * 0.99))]
    print(f"-- {name}")
    _summary("reference: webhook round trip (to its 202)", round_trip, None)
    _summary("delinquency webhook -> code deleted on lock", effect, ref_p99)


def _alive(sim: httpx.Client) -> bool:
    try:
        return sim.get("/control/state").status_code == 200
    except httpx.TransportError:
        return False
