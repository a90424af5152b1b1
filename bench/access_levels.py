"""The access request with access levels against the same request without them.

Two facilities alike in all but levels, served by one uvicorn process: `plain` has none
(its 24/7 daily hours: the implicit level, levels version 0); `levels` has three areas, a
multi-window weekly schedule with holidays and three levels (the default, one for the
unit's building, the rental's own). The same tenant request (their unit's lock, then the
gate) alternates between the two in rounds; the figure is the server's CPU per request,
levels over plain (goal: at most 1.10). A third arm asks the same levels facility, made
alike in a second database, through a second server that runs the alert duty with the
shipped rules (the first runs none): the issue's A/B, levels and alert rules against
neither. SQLite and PostgreSQL (skipped when unreachable).
"""

from __future__ import annotations

import statistics
import time
from datetime import date, timedelta
from datetime import time as clock
from typing import Any

import httpx

from api.auth import issue_token
from bench._access_server import JWT_SECRET
from bench._databases import database_sets
from bench.access_api import _combined, _load, start_server
from engine.access import Caller, company_door_for
from engine.domain import Channel, DoorKind, LifecycleEvent
from engine.onboarding import EditContext, LevelSpec, put_area, put_level, put_schedule
from engine.persistence import upgrade
from engine.persistence.tables import Facility, Rental
from engine.policy import compile_policy, default_policy_path, load_policy
from engine.runtime import Runtime
from engine.sites import add_door, add_unit, create_company, create_facility
from engine.units import PmsEvent, PmsTenant, active_rental, apply_pms_event

ROUNDS = 4
"""Rounds alternate the two facilities, so drift in the machine's speed hits both alike."""

_WEEKLY = {
    day: [
        {"opens": "00:00", "closes": "07:30"},
        {"opens": "07:30", "closes": "12:00"},
        {"opens": "12:00", "closes": "18:45"},
        {"opens": "18:45", "closes": "24:00"},
    ]
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}
"""Windows covering the whole day, so every request is allowed whenever the bench runs."""


def _facility(rt: Runtime, company_id: str, name: str, levels: bool) -> tuple[str, str, str]:
    """A facility with a gate, building doors, a rented unit; (lock door, gate, tenant)."""
    now = rt.clock.now()
    with rt.db.transaction() as s:
        f = create_facility(
            s,
            company_id,
            name,
            now,
            timezone="America/New_York",
            opens=clock(0),
            closes=clock(0),
        )
        gate = add_door(s, f.id, "Gate", DoorKind.GATE)
        doors = [add_door(s, f.id, f"Building {b}", DoorKind.BUILDING_DOOR) for b in "ABC"]
        unit = add_unit(s, f.id, "A100", now, building="A", floor="1")
        lock = add_door(s, f.id, "A100 lock", DoorKind.UNIT_LOCK, unit_id=unit.id)
        ids = (f.id, gate.id, [d.id for d in doors], unit.id, lock.id)
    fid, gate_id, door_ids, unit_id, lock_id = ids
    tenant = PmsTenant(f"T-{name}", name, date(2020, 1, 1), email=f"{name}@bench.example")
    with rt.db.transaction() as s:
        apply_pms_event(s, rt.lifecycle, PmsEvent(unit_id, 1, LifecycleEvent.MOVE_IN, tenant))
    with rt.db.transaction() as s:
        rental = active_rental(s, unit_id)
        assert rental is not None
        person = rental.person_id
        if levels:
            facility = s.get(Facility, fid)
            assert facility is not None
            ctx = EditContext(s, rt.audit, now, "bench")
            holidays = [
                {"date": (date(2031, 1, 1) + timedelta(days=7 * i)).isoformat(), "windows": []}
                for i in range(12)
            ]
            sched = put_schedule(ctx, facility, "week", {"weekly": _WEEKLY, "exceptions": holidays})
            site = put_area(ctx, facility, "site", [gate_id])
            block_a = put_area(ctx, facility, "block A", [gate_id, door_ids[0]])
            others = put_area(ctx, facility, "blocks B C", door_ids[1:])
            put_level(ctx, facility, LevelSpec("standard", site.id, sched.id, is_default=True))
            put_level(ctx, facility, LevelSpec("block A", block_a.id, sched.id, building="A"))
            own = put_level(ctx, facility, LevelSpec("B+C", others.id, sched.id, pms_names=("BC",)))
            row = s.get(Rental, rental.id)
            assert row is not None
            row.access_level_id = own.id
            s.add(row)
    return lock_id, gate_id, person


def _prepare(url: str) -> tuple[str, dict[str, tuple[str, str, str]]]:
    rt = Runtime.create(url, b"bench")
    upgrade(rt.db)
    with rt.db.transaction() as s:
        company_id = create_company(s, "Bench levels", rt.clock.now()).id
    made = {
        "plain": _facility(rt, company_id, "plain", levels=False),
        "levels": _facility(rt, company_id, "levels", levels=True),
    }
    rt.db.dispose()
    return company_id, made


def _token(company_id: str, person_id: str) -> str:
    return issue_token(
        JWT_SECRET,
        person_id=person_id,
        company_id=company_id,
        role="tenant",
        issuer="unitgate",
        lifetime=timedelta(hours=1),
    )


ARMS = (("plain", "plain", False), ("levels", "levels", False), ("levels+alerts", "levels", True))
"""(arm, facility, alert duty on): the reference, levels alone, levels with the alert rules."""

SETTLE_SECONDS = 1.5
"""A pause before each load: the alert duty (1 s poll) has evaluated its last load, so an
arm is not charged with the previous one's backlog."""

Prepared = tuple[str, dict[str, tuple[str, str, str]]]
"""A database's company and facilities (`_prepare`)."""


def _measure(prepared: dict[bool, tuple[str, Prepared]]) -> dict[str, dict[str, Any]]:
    """`prepared`: by alert duty on, the database its server serves. Two servers on two
    databases alike: the reference runs no alert duty, the other runs it as `unitgate serve`
    does (the shipped alerts/rules.yaml); a duty never sees the other server's decisions
    (SQLite: nor takes the write lock the other server's recorder wants)."""
    servers = {  # a loaded machine starts them slowly
        alerts: start_server(url, wait=120, alerts=alerts) for alerts, (url, _) in prepared.items()
    }
    runs: dict[str, list[dict[str, Any]]] = {
        f"{arm} {door}": [] for arm, _, _ in ARMS for door in ("lock", "gate")
    }
    try:
        for alerts, (_, base) in servers.items():  # allowed, before any timing
            company_id, made = prepared[alerts][1]
            for arm, (lock, gate, person) in made.items():
                for door_id in (lock, gate):
                    got = httpx.post(
                        f"{base}/v1/doors/{door_id}/access-requests",
                        json={},
                        headers={"Authorization": f"Bearer {_token(company_id, person)}"},
                    )
                    assert got.json()["allowed"] is True, (arm, got.text)
        for _ in range(ROUNDS):
            for arm, facility, alerts in ARMS:
                server, base = servers[alerts]
                company_id, made = prepared[alerts][1]
                lock, gate, person = made[facility]
                token = _token(company_id, person)
                for door, door_id in (("lock", lock), ("gate", gate)):
                    time.sleep(SETTLE_SECONDS)
                    url = f"{base}/v1/doors/{door_id}/access-requests"
                    runs[f"{arm} {door}"].append(_load(url, "POST", server.pid, token))
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(10)
    for key, rounds in runs.items():
        for run in rounds:
            assert set(run["statuses"]) == {"201"}, (key, run["statuses"])
    out = {key: _combined(rounds) for key, rounds in runs.items()}
    for arm, _, _ in ARMS[1:]:
        for door in ("lock", "gate"):
            out[f"{arm} {door}"]["paired_cpu_ratios"] = [
                _per_request(b) / _per_request(a)
                for a, b in zip(runs[f"plain {door}"], runs[f"{arm} {door}"], strict=True)
            ]
    return out


def _per_request(run: dict[str, Any]) -> float:
    """The server's CPU seconds per request of one load."""
    return float(run["server_cpu"]) / len(run["latencies_ms"])


IN_PROCESS = 3000
"""Decisions per facility, door and round in the in-process comparison."""


def _in_process(db_url: str, company_id: str, made: dict[str, tuple[str, str, str]]) -> None:
    """The decision itself (reads, levels, policy; no HTTP, no log write) in this process:
    CPU seconds per decision, alternating the facilities in rounds (less noise than HTTP)."""
    rt = Runtime.create(db_url, b"bench")
    policy = compile_policy(load_policy(default_policy_path()))
    access = rt.access
    cpu: dict[str, list[float]] = {f"{arm} {door}": [] for arm in made for door in ("lock", "gate")}
    try:
        for round_ in range(ROUNDS + 1):  # round 0 warms caches up and is not counted
            for arm, (lock, gate, person) in made.items():
                caller = Caller(person, company_id, "tenant")
                for door, door_id in (("lock", lock), ("gate", gate)):
                    with rt.db.read_connection() as conn:
                        now = rt.clock.now()
                        started = time.process_time()
                        for _ in range(IN_PROCESS):
                            site, units = company_door_for(conn, caller, door_id, now)
                            out = access.preview(
                                conn, caller, site, Channel.PHONE_RELAY, policy, units, now
                            )
                        spent = time.process_time() - started
                    assert out.decision.allowed, (arm, door, out.decision.reason)
                    if round_:
                        cpu[f"{arm} {door}"].append(spent / IN_PROCESS)
    finally:
        rt.db.dispose()
    for door in ("lock", "gate"):
        plain, levels = cpu[f"plain {door}"], cpu[f"levels {door}"]
        paired = [b / a for a, b in zip(plain, levels, strict=True)]
        print(
            f"  in-process {door}: {1e6 * statistics.median(plain):.0f} us plain, "
            f"{1e6 * statistics.median(levels):.0f} us levels per decision; levels/plain "
            f"median of paired rounds {statistics.median(paired):.3f} "
            f"(in order: {', '.join(f'{p:.3f}' for p in paired)}) (goal <= 1.10)"
        )


def run(argv: list[str]) -> None:
    """Print the server CPU per request of both facilities and their ratio, per database
    (`--in-process`: only the decision in this process, no HTTP server)."""
    http = "--in-process" not in argv
    if http:
        print(
            f"uvicorn (1 worker); {ROUNDS} alternating rounds per facility and door, "
            "the load from a second process over loopback"
        )
    with database_sets(2) as sets:
        for name, (url, other) in sets:
            company_id, made = _prepare(url)
            if not http:
                print(f"[{name}] the decision in this process, {IN_PROCESS} per round:")
                _in_process(url, company_id, made)
                continue
            out = _measure({False: (url, (company_id, made)), True: (other, _prepare(other))})
            for key, r in out.items():
                print(
                    f"[{name}] {key:<19} {r['per_second']:7.0f} req/s  p50 {r['p50_ms']:6.1f} ms"
                    f"  p99 {r['p99_ms']:6.1f} ms  server CPU {r['server_cpu_ms']:.3f} ms/request"
                )
            for arm, _, _ in ARMS[1:]:
                for door in ("lock", "gate"):
                    got, ref = out[f"{arm} {door}"], out[f"plain {door}"]
                    ratio = got["server_cpu_ms"] / ref["server_cpu_ms"]
                    paired = got["paired_cpu_ratios"]
                    print(
                        f"[{name}] {door}: server CPU per request, {arm}/plain {ratio:.3f} over "
                        f"all rounds, median of paired rounds {statistics.median(paired):.3f} "
                        f"(in order: {', '.join(f'{p:.3f}' for p in paired)}) (goal <= 1.10)"
                    )
            print(f"[{name}] the decision in this process, {IN_PROCESS} per round:")
            _in_process(url, company_id, made)
