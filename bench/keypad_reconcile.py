"""Keypad reconcile: a full round over many keypad locks, and its planning alone beside it.

A facility of `--locks` units on SQLite, each with its tenant and a keypad unit lock on the
simulated lock service (in process, or over HTTP on loopback with `--http`) that already
holds `--codes` codes someone else set. Timed, side by side in one run: the first round
(every tenant's code created), a steady round (nothing to do: every lock listed, every door
asked of the policy, every lock planned), and the planning of that round alone (the pure
`plan_lock` over every lock's codes, no I/O), with the ratio of planning to the round.
The issue's goal is 10,000 locks × 100 codes in < 60 s and < 1 GB; the default here is
smaller (CI machines) and the figures scale per lock. Peak RSS is printed.

Options: `--locks=N` (default 500), `--codes=N` (default 99: with unitgate's, 100 a lock),
`--http`, `--concurrency=N`.
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlmodel import select

from adapters.lockservice import HttpLockService
from adapters.lockservice.sim import SimulatedLockService, lock_service_app
from adapters.pms.sim import BackgroundServer
from engine.clock import ManualClock
from engine.codes import Held, LockService, ReconcileConfig, Reconciler, Want, plan_lock
from engine.domain import LifecycleEvent
from engine.persistence import upgrade
from engine.persistence.tables import KeypadCode, KeypadPin, Person
from engine.policy import compile_policy, default_policy_path, load_policy
from engine.runtime import Runtime
from engine.sites import add_unit, create_company, create_facility
from engine.units import PmsEvent, PmsTenant, apply_pms_event


def _store(rt: Runtime, sim: SimulatedLockService, locks: int, codes: int) -> None:
    now = rt.clock.now()
    with rt.db.transaction() as s:
        company = create_company(s, "Bench", now)
        facility = create_facility(s, company.id, "Bench Central", now)
        units = [
            add_unit(s, facility.id, f"U{i:05d}", now, lock_ref=f"kp-{i}").id for i in range(locks)
        ]
    for i, unit_id in enumerate(units):
        sim.add_device(f"kp-{i}", "generic_keypad")
        for j in range(codes):
            sim.external_create(f"kp-{i}", f"{(i * 7919 + j * 104729) % 900000 + 100000}", f"h{j}")
        tenant = PmsTenant(f"T{i}", f"Tenant {i}", date(2025, 1, 1), email=f"t{i}@bench.example")
        with rt.db.transaction() as s:
            apply_pms_event(s, rt.lifecycle, PmsEvent(unit_id, 1, LifecycleEvent.MOVE_IN, tenant))


def _planning(rt: Runtime, service: LockService, sim: SimulatedLockService, locks: int) -> float:
    """The pure planning of a steady round: every lock's codes already read."""
    actual = {f"kp-{i}": service.list_codes(f"kp-{i}") for i in range(locks)}
    with rt.db.read() as s:
        rows = list(s.exec(select(KeypadCode)))
        pins = {p.person_id: p.code for p in s.exec(select(KeypadPin))}
        names = {p.id: p.name for p in s.exec(select(Person))}
    model = sim.model_of("kp-0")
    started = time.perf_counter()
    for row in rows:
        held = [Held(row.person_id, row.code, row.name, row.access_code_id, row.status)]
        want = [
            Want(row.person_id, pins[row.person_id], names[row.person_id], row.reference, row.via)
        ]
        plan_lock(model, actual[row.device_id], held, want, rt.clock.now())
    return time.perf_counter() - started


def run(argv: list[str]) -> None:
    """Print the rounds' times, planning alone, the ratio and peak RSS."""
    parser = argparse.ArgumentParser(prog="bench keypad_reconcile")
    parser.add_argument("--locks", type=int, default=500)
    parser.add_argument("--codes", type=int, default=99)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per call otherwise
    folder = Path(tempfile.mkdtemp(prefix="unitgate-bench-keypad-"))
    rt = Runtime.create(f"sqlite:///{folder / 'bench.db'}", b"bench-key", clock=ManualClock())
    upgrade(rt.db)
    sim = SimulatedLockService(rt.clock)
    started = time.perf_counter()
    _store(rt, sim, args.locks, args.codes)
    print(
        f"setup: {args.locks} locks × {args.codes} codes in {time.perf_counter() - started:.1f} s"
    )
    policy = compile_policy(load_policy(default_policy_path()))
    with BackgroundServer(lock_service_app(sim)) as url:
        service: LockService = HttpLockService(url, timeout=30) if args.http else sim
        config = ReconcileConfig(concurrency=args.concurrency, seed=1)
        reconciler = Reconciler(rt.db, service, rt.access, lambda: policy, rt.clock, config)
        t0 = time.perf_counter()
        first = reconciler.run_once()
        t1 = time.perf_counter()
        steady = reconciler.run_once()
        t2 = time.perf_counter()
        planning = _planning(rt, service, sim, args.locks)
    via = "HTTP on loopback" if args.http else "in process"
    total = args.locks * (args.codes + 1)
    print(f"lock service {via}, {total:,} codes, concurrency {args.concurrency}")
    print(f"first round:  {t1 - t0:7.2f} s ({first.total('created')} created)")
    per_lock = 1000 * (t2 - t1) / args.locks
    print(
        f"steady round: {t2 - t1:7.2f} s ({steady.total('created')} created, "
        f"{per_lock:.2f} ms/lock)"
    )
    print(f"planning alone: {planning:7.3f} s = {planning / (t2 - t1):.3f}x of the steady round")
    scaled = (t2 - t1) / args.locks * 10_000
    print(f"steady round scaled to 10,000 locks: {scaled:.0f} s (goal 60 s: {scaled / 60:.2f}x)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MB")
    rt.db.dispose()
