"""Onboarding costs: what entry-point scopes add to an access decision's read, and applying a
large site file (first time, again with no changes, as a dry run).

Entry points: the units a tenant relates to at the demo's Riverside, read as a decision at
an entry point reads them (`units_served`: only the units the door serves) against the read
before scopes existed (`units_for`, every unit of the facility) in alternating rounds; for
the Main gate (no scopes) and Elevator A (serves one floor of one building).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlmodel import select

from api.demo import load_demo
from bench._databases import databases
from engine.access import related_units
from engine.access._facts import door_site, units_for, units_served
from engine.onboarding import apply_site_file
from engine.persistence import upgrade
from engine.persistence.tables import Door, Person
from engine.runtime import Runtime

CALLS = 2000
ROUNDS = 5
UNITS = 2000


def _per_call(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    for _ in range(CALLS):
        fn()
    return (time.perf_counter() - started) / CALLS


def _entry_points(rt: Runtime, name: str) -> None:
    now = rt.clock.now()
    with rt.db.read() as s:
        person = s.exec(select(Person.id).where(Person.email == "olivia@mail.example")).one()
        doors = {d.name: d.id for d in s.exec(select(Door)).all()}
    with rt.db.read_connection() as conn:
        related = related_units(conn, person)
        for door_name in ("Main gate", "Elevator A"):
            site = door_site(conn, doors[door_name])
            assert site is not None
            ratios, before, after = [], [], []
            for _ in range(ROUNDS):
                old = _per_call(lambda s=site: units_for(conn, related, s.facility_id, person, now))
                new = _per_call(lambda s=site: units_served(conn, related, s, person, now))
                before.append(old)
                after.append(new)
                ratios.append(new / old)
            served = len(units_served(conn, related, site, person, now))
            print(
                f"[{name}] {door_name:<10} units read: scoped {statistics.median(after) * 1e6:6.0f}"
                f" µs vs unscoped {statistics.median(before) * 1e6:6.0f} µs per call, ratio "
                f"{statistics.median(ratios):.2f} (median of {ROUNDS} paired rounds; "
                f"serves {served} of the {len(related)} units she relates to, in any company)"
            )


def _site_file(path: Path) -> None:
    lines = [
        "company: {name: Bench Storage}",
        "roles: [{name: Manager, permissions: all}]",
        "facilities:",
        "  - key: bench",
        "    name: Bench",
        "    timezone: America/Chicago",
        "    country: US",
        "    doors:",
        "      - {name: Gate, kind: gate}",
        "      - {name: Lift, kind: elevator, serves: [{building: B, floor: '2'}]}",
        "    units:",
    ]
    for i in range(UNITS):
        building, floor = "AB"[i % 2], str(1 + i % 3)
        lines.append(
            f"      - {{number: U{i:05d}, building: {building}, floor: '{floor}', "
            f"lock: lock-{i:05d}, pms_ref: ref-{i:05d}}}"
        )
    lines.append("employees: [{email: boss@bench.example, name: Boss, roles: [{role: Manager}]}]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _site_apply(rt: Runtime, name: str, folder: Path) -> None:
    path = folder / "bench-site.yaml"
    _site_file(path)
    timings = {}
    for label, dry in (("dry run", True), ("first apply", False), ("again", False)):
        started = time.perf_counter()
        result = apply_site_file(rt, path, dry_run=dry)
        timings[label] = time.perf_counter() - started
        print(f"[{name}] site file of {UNITS} units, {label}: {timings[label]:.2f} s, "
              f"{len(result.changes)} changes")  # fmt: skip
    print(f"[{name}] again/first apply: {timings['again'] / timings['first apply']:.2f}")


def run(argv: list[str]) -> None:
    """Print the entry-point read ratios and site-file timings, per database."""
    del argv
    with databases() as runs, tempfile.TemporaryDirectory() as folder:
        for name, url in runs:
            rt = Runtime.create(url, b"bench")
            upgrade(rt.db)
            load_demo(rt)
            _entry_points(rt, name)
            _site_apply(rt, name, Path(folder))
            rt.db.dispose()
