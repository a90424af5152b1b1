"""The access-request endpoint against a bare Litestar endpoint, both under uvicorn.

One uvicorn process serves the real app with an extra bare route; a second process loads it
over loopback with a bounded number of requests. Each access request is decided by the
policy, written to `access_decision` and appended to the facility's hash chain. Run on
SQLite and on PostgreSQL (skipped when unreachable).

Besides throughput it prints the CPU each request cost the server and the load process
(httpx): the bare endpoint costs the server so little that its throughput is mostly the
load process's limit, so the server-CPU ratio says what an access request costs beside it.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import select

from api.auth import issue_token
from api.demo import load_demo
from api.demo._load import DEMO_COMPANY_ID
from bench._access_server import JWT_SECRET
from bench._databases import databases
from engine.persistence import upgrade
from engine.persistence.tables import Door, Rental
from engine.runtime import Runtime

REQUESTS = 600
"""Requests per endpoint and round."""
ROUNDS = 5
"""Rounds alternate the endpoints, so drift in the machine's speed hits both alike."""
CONCURRENCY = 16


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str) -> tuple[str, str]:
    """Migrate, load the demo, and pick an occupied unit's tenant and lock."""
    rt = Runtime.create(url, b"bench")
    upgrade(rt.db)
    load_demo(rt)
    with rt.db.read() as s:
        rental = s.exec(select(Rental).where(Rental.pms_status == "occupied")).first()
        assert rental is not None
        door = s.exec(select(Door.id).where(Door.unit_id == rental.unit_id)).one()
    rt.db.dispose()
    token = issue_token(
        JWT_SECRET,
        person_id=rental.person_id,
        company_id=DEMO_COMPANY_ID,
        role="tenant",
        issuer="unitgate",
        lifetime=timedelta(hours=1),
    )
    return door, token


def _load(url: str, method: str, server_pid: int, token: str | None = None) -> dict[str, Any]:
    """One bounded load; adds the CPU seconds the server and the load process spent on it."""
    args = [sys.executable, "-m", "bench._load", url, method, str(REQUESTS), str(CONCURRENCY)]
    server_before = _cpu_seconds(server_pid)
    loader = subprocess.Popen(
        [*args, *([token] if token else [])], stdout=subprocess.PIPE, text=True
    )
    assert loader.stdout is not None
    out = loader.stdout.read()
    _, status, usage = os.wait4(loader.pid, 0)
    loader.returncode = os.waitstatus_to_exitcode(status)
    if loader.returncode != 0:
        raise RuntimeError(f"the load process failed ({loader.returncode})")
    result: dict[str, Any] = json.loads(out)
    result["server_cpu"] = _cpu_seconds(server_pid) - server_before
    result["loader_cpu"] = usage.ru_utime + usage.ru_stime
    return result


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process (Linux /proc; NaN elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(
    db_url: str, wait: float = 30, *, alerts: bool = True
) -> tuple[subprocess.Popen[bytes], str]:
    """`bench._access_server` on a free port, once healthy; the process and its base URL
    (`alerts`: with the alert duty, as `unitgate serve` runs it)."""
    port = _free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    flags = [] if alerts else ["--no-alerts"]
    server = subprocess.Popen(
        [sys.executable, "-m", "bench._access_server", db_url, str(port), *flags], env=env
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.terminate()
            raise RuntimeError("the server did not start")
        time.sleep(0.1)


def _serve_and_measure(db_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    door, token = _prepare(db_url)
    server, base = start_server(db_url)
    try:
        bare_runs, access_runs = [], []
        for _ in range(ROUNDS):
            bare_runs.append(_load(f"{base}/bench/bare", "GET", server.pid))
            access_url = f"{base}/v1/doors/{door}/access-requests"
            access_runs.append(_load(access_url, "POST", server.pid, token))
    finally:
        server.terminate()
        server.wait(10)
    for run in access_runs:
        assert set(run["statuses"]) == {"201"}, run["statuses"]
    bare, access = _combined(bare_runs), _combined(access_runs)
    # Each access round beside the bare round just before it: this machine's speed drifts
    # by tens of percent within a minute, and a pair sees the same speed.
    paired = [
        a["per_second"] / b["per_second"] for a, b in zip(access_runs, bare_runs, strict=True)
    ]
    access["paired_ratios"] = paired
    return bare, access


def _combined(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """All rounds of one endpoint: total requests over total time, latency percentiles."""
    latencies = sorted(ms for r in runs for ms in r["latencies_ms"])
    seconds = sum(r["seconds"] for r in runs)
    return {
        "server_cpu_ms": 1000 * sum(r["server_cpu"] for r in runs) / len(latencies),
        "loader_cpu_ms": 1000 * sum(r["loader_cpu"] for r in runs) / len(latencies),
        "per_second": len(latencies) / seconds,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def _line(label: str, r: dict[str, Any]) -> str:
    return (
        f"{label:<34} {r['per_second']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   "
        f"p99 {r['p99_ms']:6.1f} ms   CPU per request: server {r['server_cpu_ms']:.2f} ms, "
        f"load process {r['loader_cpu_ms']:.2f} ms"
    )


def run(argv: list[str]) -> None:
    """Print throughput and latency of both endpoints and their ratio, per database."""
    del argv
    print(
        f"uvicorn (1 worker); {ROUNDS} alternating rounds of {REQUESTS} requests per endpoint, "
        f"{CONCURRENCY} concurrent, from a second process over loopback"
    )
    with databases() as runs:
        for name, url in runs:
            bare, access = _serve_and_measure(url)
            print(_line(f"[{name}] bare Litestar endpoint", bare))
            print(_line(f"[{name}] POST access-requests", access))
            ratio = access["per_second"] / bare["per_second"]
            paired = access["paired_ratios"]
            print(
                f"[{name}] access/bare throughput ratio {ratio:.2f} over all rounds, "
                f"median of paired rounds {statistics.median(paired):.2f} "
                f"(in order: {', '.join(f'{r:.2f}' for r in paired)}) (goal >= 0.5); "
                f"decisions/s {access['per_second']:.0f}; server CPU per request "
                f"{access['server_cpu_ms'] / bare['server_cpu_ms']:.1f}x the bare endpoint's"
            )
