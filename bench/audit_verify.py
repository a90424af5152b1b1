"""Verifying the audit log: 100,000 entries with their decision rows, SQLite and PostgreSQL.

Side by side in one run, alternating: the full verify (entries, heads, the registry, and
every `access_decision` row compared with its entry) and, as the reference, the chain alone
(hashes and codes, no rows: what `audit verify` checked before rows were bound). Prints
entries per second, the ratio, and the full verify's peak Python memory (tracemalloc, in a
pass of its own: it slows what it measures).
"""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from bench._databases import _drop, _pg_database
from engine.access import DecisionRow, write_decisions
from engine.audit import AuditLog, VerifyReport, verify_chain
from engine.clock import ManualClock
from engine.domain import DoorKind
from engine.persistence import upgrade
from engine.runtime import Runtime
from engine.sites import add_door, add_person, create_company, create_facility

ENTRIES = 100_000
WRITE_BATCH = 1_000
ROUNDS = 3
KEY = b"bench-audit-key"


def _fill(rt: Runtime, entries: int) -> None:
    """One facility whose chain holds `entries` decisions, written as the recorder does."""
    assert isinstance(rt.clock, ManualClock)
    now = rt.clock.now()
    with rt.db.transaction() as s:
        company = create_company(s, "Bench", now)
        facility = create_facility(s, company.id, "Bench", now)
        gate = add_door(s, facility.id, "Gate", DoorKind.GATE)
        person = add_person(s, "Pat", now, email="pat@bench.example")
        ids = (facility.id, gate.id, person.id)
    for start in range(0, entries, WRITE_BATCH):
        rows = []
        for i in range(start, min(start + WRITE_BATCH, entries)):
            rt.clock.advance(timedelta(seconds=1))
            rows.append(
                DecisionRow(
                    facility_id=ids[0],
                    door_id=ids[1],
                    unit_id=None,
                    person_id=ids[2],
                    principal_kind="tenant",
                    channel="phone_relay",
                    allowed=i % 7 != 0,
                    deciding_rule="tenant-opens-gate" if i % 7 else None,
                    reason="open" if i % 7 else "outside access hours",
                    policy_version="bench",
                    note=None,
                    at=rt.clock.now(),
                    actor=f"person:{ids[2]}",
                    audit={"via": "rental", "request": {"principal": "tenant"}},
                )
            )
        with rt.db.transaction() as s:
            write_decisions(s.connection(), rt.audit, rows)


def _timed(rt: Runtime, log: AuditLog) -> tuple[float, VerifyReport]:
    started = time.perf_counter()
    with rt.db.read() as s:
        report = verify_chain(s, log)
    return time.perf_counter() - started, report


def _measure(label: str, url: str, entries: int) -> None:
    rt = Runtime.create(url, KEY, clock=ManualClock())
    try:
        upgrade(rt.db)
        started = time.perf_counter()
        _fill(rt, entries)
        print(f"{label}: wrote {entries} decisions in {time.perf_counter() - started:.1f} s")
        chain_only = AuditLog(KEY)  # no bindings: hashes and codes alone
        full: list[float] = []
        reference: list[float] = []
        for _ in range(ROUNDS):
            for log, out in ((rt.audit, full), (chain_only, reference)):
                seconds, report = _timed(rt, log)
                assert report.ok, report.problems
                assert report.entries == entries
                out.append(seconds)
        best, ref = min(full), min(reference)
        print(
            f"{label}: full verify {best:.2f} s ({entries / best:,.0f} entries/s); "
            f"chain alone {ref:.2f} s ({entries / ref:,.0f} entries/s); "
            f"ratio full/chain {best / ref:.2f}"
        )
        peak = _peak(lambda: _timed(rt, rt.audit))
        print(f"{label}: full verify peak Python memory {peak / 2**20:.1f} MiB")
    finally:
        rt.db.dispose()


def _peak(fn: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run(argv: list[str]) -> None:
    """Print verify speed against the chain-only reference, per database."""
    entries = 10_000 if "--quick" in argv else ENTRIES
    with tempfile.TemporaryDirectory() as folder:
        _measure("SQLite", f"sqlite:///{Path(folder) / 'audit.db'}", entries)
    pg = _pg_database()
    if pg is None:
        return
    try:
        _measure("PostgreSQL", pg, entries)
    finally:
        _drop(pg)
