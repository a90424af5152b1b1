"""Expiry lag: from an auction window's stated end to its recorded `access_expired`.

On PostgreSQL, 1,000 units of 10 facilities are sold at auction with windows ending within
the same minute (spread evenly), set by this process while the service runs, as a portal
of another replica would. Configurations side by side in one run, each on a fresh database:
the reference, one `unitgate serve` with its in-process duty; the goal's setup, two `serve`
replicas; and two `unitgate expire run` workers beside a `serve` whose duty is off. Lag =
the transition's `at` - the window's end; p50/p99/max per configuration, the ratio of p99 to
the 2 s goal and to the reference, and whether each expiry was recorded exactly once.

Options: `--units=N` (default 1000), `--spread=SECONDS` (default 60; 0: all at one
instant), `--facilities=N` (default 10).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from bench._access_server import JWT_SECRET
from bench._databases import _drop, _pg_database
from bench.access_api import _free_port
from engine.domain import LifecycleEvent, UnitState
from engine.persistence import new_id, table_of, upgrade
from engine.persistence.tables import AuctionGrant, TransitionRecord, Unit
from engine.runtime import Runtime
from engine.sites import add_person, create_company, create_facility
from engine.units import PmsEvent, PmsTenant, apply_pms_event

UNITGATE = [sys.executable, "-c", "from api.cli import main; main()"]
AUDIT_KEY = "bench-expiry-audit-key"
GOAL_SECONDS = 2.0
LEAD_SECONDS = 5.0
"""From setting the windows to the first one's end: longer than a duty's poll (1 s)."""


@dataclass(frozen=True)
class Setup:
    """How many of which process run the duty."""

    label: str
    replicas: int
    workers: int = 0


SETUPS = (
    Setup("reference: 1 serve replica", 1),
    Setup("2 serve replicas", 2),
    Setup("2 `expire run` workers (serve's duty off)", 1, workers=2),
)


def _facilities(rt: Runtime, count: int) -> list[str]:
    """Facilities whose audit chains exist (one PMS move-in each), as in any live store."""
    now = datetime.now(UTC)
    ids = []
    with rt.db.transaction() as s:
        company = create_company(s, "Bench", now)
        for i in range(count):
            facility = create_facility(s, company.id, f"Auction site {i}", now)
            s.flush()
            unit_id = new_id()
            s.execute(
                insert(table_of(Unit)).values(
                    id=unit_id, facility_id=facility.id, number="SEED", updated_at=now
                )
            )
            tenant = PmsTenant(f"seed-{i}", "Seed", now.date(), email=f"seed{i}@bench.example")
            apply_pms_event(s, rt.lifecycle, PmsEvent(unit_id, 1, LifecycleEvent.MOVE_IN, tenant))
            ids.append(facility.id)
    return ids


def _sell(rt: Runtime, facilities: list[str], units: int, spread: float) -> dict[str, datetime]:
    """`units` units in auction with a winner's grant each, windows ending from LEAD_SECONDS
    from now over `spread` seconds; each unit's end."""
    now = datetime.now(UTC)
    first = now + timedelta(seconds=LEAD_SECONDS)
    with rt.db.transaction() as s:
        winner = add_person(s, "Winner", now, email="winner@bench.example").id
    ends: dict[str, datetime] = {}
    unit_rows, grants = [], []
    for i in range(units):
        uid = new_id()
        end = first + timedelta(seconds=spread * i / max(1, units - 1))
        ends[uid] = end
        unit_rows.append(
            {
                "id": uid,
                "facility_id": facilities[i % len(facilities)],
                "number": f"L{i:05d}",
                "state": UnitState.AUCTION.value,
                "pms_status": UnitState.OVERLOCK.value,
                "version": 4,
                "last_pms_seq": 2,
                "lien_reason": "online auction",
                "access_until": end,
                "updated_at": now,
            }
        )
        grants.append(
            {
                "id": new_id(),
                "unit_id": uid,
                "kind": "winner",
                "person_id": winner,
                "window_start": now - timedelta(hours=1),
                "window_end": end,
                "created_by": "bench",
                "created_at": now,
            }
        )
    with rt.db.engine.begin() as conn:
        conn.execute(insert(table_of(Unit)), unit_rows)
        conn.execute(insert(table_of(AuctionGrant)), grants)
    return ends


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNITGATE_")}
    return {
        **env,
        "UNITGATE_DATABASE_URL": url,
        "UNITGATE_AUDIT_KEY": AUDIT_KEY,
        "UNITGATE_JWT_SECRET": JWT_SECRET,
        "UNITGATE_POLICY_RELOAD_SECONDS": "0",
        "PYTHONWARNINGS": "ignore",
    }


def _start(setup: Setup, url: str, folder: Path) -> list[subprocess.Popen[bytes]]:
    env = _env(url)
    procs = []
    serve_env = {**env, "UNITGATE_EXPIRY_IN_SERVE": "false" if setup.workers else "true"}
    ports = [_free_port() for _ in range(setup.replicas)]
    for i, port in enumerate(ports):
        log = (folder / f"serve{i}.log").open("wb")
        args = [*UNITGATE, "serve", "--port", str(port)]
        procs.append(subprocess.Popen(args, env=serve_env, stdout=log, stderr=log))
    for i in range(setup.workers):
        log = (folder / f"worker{i}.log").open("wb")
        args = [*UNITGATE, "expire", "run"]
        procs.append(subprocess.Popen(args, env=env, stdout=log, stderr=log))
    for port in ports:
        _wait_up(f"http://127.0.0.1:{port}", procs)
    if setup.workers:
        time.sleep(3)  # the workers print nothing until they expire something: let them start
    return procs


def _wait_up(base: str, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a process of the service exited")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the server did not start")


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()


def _recorded(rt: Runtime) -> Counter[str]:
    """`access_expired` transitions per unit."""
    with rt.db.read() as s:
        rows = s.exec(
            select(TransitionRecord.unit_id).where(
                TransitionRecord.event == LifecycleEvent.ACCESS_EXPIRED.value
            )
        ).all()
    return Counter(rows)


def _measure(setup: Setup, args: argparse.Namespace) -> list[float] | None:
    url = _pg_database()
    if url is None:
        return None
    rt = Runtime.create(url, AUDIT_KEY.encode())
    try:
        upgrade(rt.db)
        facilities = _facilities(rt, args.facilities)
        with tempfile.TemporaryDirectory() as folder:
            procs = _start(setup, url, Path(folder))
            try:
                ends = _sell(rt, facilities, args.units, args.spread)
                deadline = max(ends.values()) + timedelta(seconds=60)
                while sum(_recorded(rt).values()) < len(ends):
                    if datetime.now(UTC) > deadline:
                        raise RuntimeError(f"{setup.label}: expiries missing a minute after")
                    time.sleep(0.5)
            finally:
                _stop(procs)
        counts = _recorded(rt)
        twice = sum(1 for n in counts.values() if n > 1)
        with rt.db.read() as s:
            at = dict(
                s.exec(
                    select(TransitionRecord.unit_id, func.max(TransitionRecord.at))
                    .where(TransitionRecord.event == LifecycleEvent.ACCESS_EXPIRED.value)
                    .group_by(TransitionRecord.unit_id)
                ).all()
            )
        if twice:
            print(f"  [{setup.label}] {twice} units expired more than once")
        return sorted((at[u] - end).total_seconds() for u, end in ends.items())
    finally:
        rt.db.dispose()
        _drop(url)


def _quantile(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(len(values) * q))]


def run(argv: list[str]) -> None:
    """Print each configuration's lag percentiles and their ratios to the goal and reference."""
    parser = argparse.ArgumentParser(prog="bench expiry_lag")
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--spread", type=float, default=60.0)
    parser.add_argument("--facilities", type=int, default=10)
    args, _ = parser.parse_known_args(argv)
    print(
        f"PostgreSQL; {args.units} auction windows at {args.facilities} facilities ending "
        f"over {args.spread:g} s, set while the service runs; lag = recorded transition - "
        f"window end (goal: p99 < {GOAL_SECONDS:g} s)"
    )
    reference: float | None = None
    for setup in SETUPS:
        lags = _measure(setup, args)
        if lags is None:
            return
        p50, p99 = statistics.median(lags), _quantile(lags, 0.99)
        reference = reference if reference is not None else p99
        print(
            f"[{setup.label:<42}] p50 {1000 * p50:6.0f} ms   p99 {1000 * p99:6.0f} ms   "
            f"max {1000 * lags[-1]:6.0f} ms   p99/goal {p99 / GOAL_SECONDS:.2f}   "
            f"p99/reference {p99 / reference:.2f}   min {1000 * lags[0]:.0f} ms"
        )
