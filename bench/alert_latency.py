"""Alert latency: from a decision or lock event committing to its alert's messages queued
in the outbox (goal: p99 < 1 s).

The alert duty `unitgate serve` runs (`AlertDuty`, woken by the runtime's alerts alarm that
committed decisions and landed lock events ring) evaluates the shipped rules while a writer
commits a paced stream: people denied at the gate five times (the fifth denial is the
incident) and locks reporting tamper, each a new incident. Latency = the moment the duty's
transaction (alert + outbox rows) committed - the moment the incident's decision or event
committed (`time.monotonic`, one clock for every process of the machine). Side by side on
fresh databases: the writer in the duty's process, which rings its alarm (serve); the same
duty left to its 1 s poll (the alarm never rung: another process's writes on SQLite); and on
PostgreSQL the writer in another process, the duty woken by its `NOTIFY` (`AlertListener`,
as serve runs it: what a second replica or a worker's writes cost). SQLite, then PostgreSQL
when reachable.

Options: `--incidents=N` (default 120, half denials, half tamper: the run stays under
2 min), `--gap-ms=MS` (pause between writes, default 10).
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import statistics
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlmodel import select

from bench._databases import databases
from engine.access import DecisionRow
from engine.alerts import (
    AlertConfig,
    AlertDuty,
    AlertEvaluator,
    AlertListener,
    default_alert_rules_path,
    load_alert_rules,
)
from engine.domain import DoorKind, Permission
from engine.locks import LockEvent, land_events, register_lock
from engine.persistence import upgrade
from engine.persistence.tables import AlertRecord, LockDevice
from engine.runtime import Runtime
from engine.sites import (
    add_door,
    add_person,
    assign_role,
    create_company,
    create_facility,
    create_role,
)
from engine.units import ExpiryAlarm

AUDIT_KEY = b"bench-alert-audit-key"
GOAL_SECONDS = 1.0
DENIALS = 5
"""The shipped `repeated_denials_person` rule's count."""


def _site(rt: Runtime, people: int, locks: int) -> tuple[str, str, list[str], list[str]]:
    now = datetime.now(UTC)
    with rt.db.transaction() as s:
        company = create_company(s, "Bench", now)
        facility = create_facility(s, company.id, "Alert site", now)
        gate = add_door(s, facility.id, "Main gate", DoorKind.GATE)
        role = create_role(s, company.id, "Manager", list(Permission))
        manager = add_person(s, "Bench Manager", now, email="manager@bench.example")
        assign_role(s, manager.id, role.id)
        ids = [add_person(s, f"P{i}", now).id for i in range(people)]
        lock_ids = []
        for i in range(locks):
            lock = register_lock(
                s, facility.id, lock_id=str(uuid4()), name=f"lock {i}",
                public_key=secrets.token_hex(32), address=None, gateway_id=None, now=now,
            )  # fmt: skip
            lock_ids.append(lock.id)
    return facility.id, gate.id, ids, lock_ids


def _deny(rt: Runtime, facility_id: str, gate_id: str, person_id: str) -> None:
    rt.access.recorder.record(
        DecisionRow(
            facility_id,
            gate_id,
            None,
            person_id,
            "employee",
            "phone_relay",
            False,
            "bench",
            "denied",
            "bench",
            None,
            datetime.now(UTC),
            f"person:{person_id}",
            {},
        )
    )


def _tamper(rt: Runtime, lock_id: str) -> None:
    now = datetime.now(UTC)
    with rt.db.transaction() as s:
        lock = s.exec(select(LockDevice).where(LockDevice.id == lock_id).with_for_update()).one()
        event = LockEvent(lock.log_counter + 1, "tamper", now, None, 0, UUID(int=0))
        land_events(s, rt.audit, lock, [event], via="gateway", now=now)
    rt.alerts_alarm.ring()  # as serve's lock duty does after a poll landed events


_Site = tuple[str, str, list[str], list[str]]
_LABELS = {
    "serve": "serve (woken by the alarm)",
    "poll": "poll only (1 s)",
    "notify": "other process, NOTIFY",
}


def _stream(rt: Runtime, site: _Site, gap: float) -> dict[str, float]:
    """Commit the incidents' decisions and events; when each incident committed."""
    facility_id, gate_id, person_ids, lock_ids = site
    committed: dict[str, float] = {}
    for n in range(max(len(person_ids), len(lock_ids))):
        if n < len(person_ids):
            for _ in range(DENIALS):
                _deny(rt, facility_id, gate_id, person_ids[n])
                time.sleep(gap)
            committed[f"person:{person_ids[n]}"] = time.monotonic()
        if n < len(lock_ids):
            _tamper(rt, lock_ids[n])
            committed[f"lock:{lock_ids[n]}"] = time.monotonic()
            time.sleep(gap)
    return committed


def _stream_elsewhere(url: str, site: _Site, gap: float) -> dict[str, float]:
    """`_stream` from a runtime of a process of its own (its alarm reaches no other)."""
    rt = Runtime.create(url, AUDIT_KEY)
    try:
        return _stream(rt, site, gap)
    finally:
        rt.db.dispose()


def _one(url: str, incidents: int, gap: float, mode: str) -> list[float]:
    """Latencies (s) of `incidents` incidents against a duty woken as `mode` says."""
    rt = Runtime.create(url, AUDIT_KEY)
    upgrade(rt.db)
    rules = load_alert_rules(default_alert_rules_path())
    people, locks = incidents // 2, incidents - incidents // 2
    site = _site(rt, people, locks)
    queued: dict[str, float] = {}

    def on_raised(alert: AlertRecord) -> None:
        queued[alert.subject] = time.monotonic()

    evaluator = AlertEvaluator(rt.db, rt.clock, lambda: rules, AlertConfig(poll_seconds=1.0))
    alarm = rt.alerts_alarm if mode == "serve" else ExpiryAlarm()  # else: no local ring
    duty = AlertDuty(evaluator, alarm, on_raised=on_raised)
    listener = AlertListener(rt.db.engine.url, alarm) if mode == "notify" else None
    threads = [threading.Thread(target=d.run, daemon=True) for d in (duty, listener) if d]
    for thread in threads:
        thread.start()
    if listener is not None and not listener.wait_listening(10):
        raise RuntimeError("the alert listener never subscribed")
    time.sleep(0.2)
    try:
        if mode == "notify":
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(1, mp_context=spawn) as other:
                committed = other.submit(_stream_elsewhere, url, site, gap).result()
        else:
            committed = _stream(rt, site, gap)
        deadline = time.monotonic() + 10
        # Every incident's own alert, not a count: the door's repeated-denials alert is
        # raised too and would end the wait one incident early.
        while not set(committed) <= set(queued) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        duty.stop()
        if listener is not None:
            listener.stop()
        for thread in threads:
            thread.join(30)
        rt.db.dispose()
    missing = set(committed) - set(queued)
    if missing:
        print(f"  {len(missing)} incidents raised no alert within 10 s")
    return [queued[k] - committed[k] for k in committed if k in queued]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(argv: list[str]) -> None:
    """Print p50/p99/max per database and mode, the ratio to the goal and to the alarm."""
    parser = argparse.ArgumentParser(prog="bench alert_latency")
    parser.add_argument("--incidents", type=int, default=120)
    parser.add_argument("--gap-ms", type=float, default=10.0)
    args = parser.parse_args(argv)
    results: dict[tuple[str, str], list[float]] = {}
    for mode in _LABELS:
        with databases() as runs:
            for name, url in runs:
                if mode == "notify" and not url.startswith("postgresql"):
                    continue  # SQLite: one process writes, and rings its own alarm
                results[(name, mode)] = _one(url, args.incidents, args.gap_ms / 1000, mode)
    print(
        f"{args.incidents} incidents, {args.gap_ms:g} ms between writes; "
        f"goal p99 < {GOAL_SECONDS:g} s"
    )
    for (name, mode), values in results.items():
        if not values:
            continue
        p50, p99 = statistics.median(values), _pct(values, 0.99)
        ref = results.get((name, "serve")) or values
        ratio = p99 / _pct(ref, 0.99) if ref else float("nan")
        print(
            f"  {name:<10} {_LABELS[mode]:<27} n={len(values):<4} p50={p50 * 1000:7.1f} ms "
            f"p99={p99 * 1000:7.1f} ms max={max(values) * 1000:7.1f} ms "
            f"p99/goal={p99 / GOAL_SECONDS:.2f} p99/serve={ratio:.1f}"
        )
