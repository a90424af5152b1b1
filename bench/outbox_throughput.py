"""Outbox throughput on PostgreSQL: messages from `queued` to `sent` per second, with 1 and 2
`unitgate outbox run` workers, against `unitgate sms-sim` (a provider that answers at once),
beside the bare provider throughput of the same run (the same HTTP sender posting directly,
no outbox) as the reference. Workers claim in batches, send concurrently and mark a batch
in one statement per outcome. Goal: >= 1,000 messages/s with 2 workers.

Options: `--messages=N` (default 4000 per configuration).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvloop
from sqlalchemy import func, select

from adapters.notify import Envelope, HttpSmsProvider, OutboxConfig, Rendered
from bench.access_api import _drop, _free_port, _pg_database
from engine.notify import Channel, MessageKind, Outgoing, enqueue
from engine.persistence import Database, upgrade
from engine.persistence.tables import OutboxMessage
from engine.sites import create_company, create_facility

UNITGATE = [sys.executable, "-c", "from api.cli import main; main()"]
SECRET = "bench-sms-secret-not-secret"
GOAL = 1000.0
PAYLOAD = {
    "company_name": "Acme",
    "facility_name": "Riverside",
    "tenant_name": "Ada",
    "unit_number": "A1",
    "state": "gatelock",
    "summary": "Gate access is suspended until your account is brought current.",
}


def _bare(url: str, n: int) -> float:
    """Messages/s the provider takes from the outbox's own sender, posting directly."""

    async def go() -> float:
        sender = HttpSmsProvider(url)
        gate = asyncio.Semaphore(OutboxConfig().concurrency)
        text = Rendered("bench message")

        async def one(i: int) -> None:
            async with gate:
                got = await sender.send(Envelope(f"m{i}", f"bare/{i}", "+14155550123", text))
                assert got.outcome == "accepted", got

        start = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - start
        await sender.close()
        return n / elapsed

    return uvloop.run(go())  # the worker's event loop


def _enqueue(db: Database, facility_id: str, n: int, tag: str) -> None:
    now = datetime.now(UTC)
    with db.transaction() as s:
        for i in range(n):
            outgoing = Outgoing(
                facility_id,
                MessageKind.ACCESS_CHANGED,
                Channel.SMS,
                "+14155550123",
                f"{tag}/{i}",
                payload=PAYLOAD,
            )
            enqueue(s, outgoing, now)


def _sent(db: Database) -> int:
    count = select(func.count()).where(OutboxMessage.status == "sent")  # type: ignore[arg-type]
    with db.read_connection() as conn:
        return int(conn.execute(count).scalar_one())


def _run_workers(db: Database, url: str, facility_id: str, n: int, workers: int, sms: str) -> float:
    """Messages/s from one commit of `n` queued messages to the last one sent."""
    env = {
        **os.environ,
        "UNITGATE_DATABASE_URL": url,
        "UNITGATE_AUDIT_KEY": "bench-audit-key",
        "UNITGATE_SMS_PROVIDER": "http",
        "UNITGATE_SMS_URL": sms,
        "UNITGATE_SMS_SECRET": SECRET,
        "UNITGATE_OUTBOX_POLL_SECONDS": "0.05",
    }
    logs = Path(tempfile.mkdtemp(prefix="bench-outbox-"))
    procs = [
        subprocess.Popen(
            [*UNITGATE, "outbox", "run"],
            env=env,
            stdout=(logs / f"w{i}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for i in range(workers)
    ]
    try:
        time.sleep(6)  # started and idle: the clock starts at the commit
        before = _sent(db)
        _enqueue(db, facility_id, n, f"w{workers}")
        start = time.perf_counter()
        while _sent(db) < before + n:
            if time.perf_counter() - start > 300:
                raise RuntimeError("the workers did not send everything within 300 s")
            time.sleep(0.02)
        return n / (time.perf_counter() - start)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)


def run(argv: list[str]) -> None:
    """Print messages/s for the bare provider and 1 and 2 workers, with their ratios."""
    parser = argparse.ArgumentParser(prog="bench outbox_throughput")
    parser.add_argument("--messages", type=int, default=4000)
    args = parser.parse_args(argv)
    url = _pg_database()
    if url is None:
        return
    port = _free_port()
    sim = subprocess.Popen(
        [*UNITGATE, "sms-sim", "--port", str(port), "--secret", SECRET, "--no-callbacks"],
        stdout=subprocess.DEVNULL,
    )
    sms = f"http://127.0.0.1:{port}"
    db = Database(url)
    try:
        upgrade(db)
        now = datetime.now(UTC)
        with db.transaction() as s:
            company = create_company(s, "Bench", now)
            facility_id = create_facility(s, company.id, "Bench", now).id
        _wait_up(sms)
        first = _bare(sms, args.messages)
        rates = [_run_workers(db, url, facility_id, args.messages, n, sms) for n in (1, 2)]
        bare = max(first, _bare(sms, args.messages))  # before and after: the machine varies
        print(f"bare provider (the sender, no outbox)  {bare:8.0f} messages/s (best of 2)")
        for workers, rate in zip((1, 2), rates, strict=True):
            goal = f"   goal {GOAL:.0f}: {rate / GOAL:.2f}x" if workers == 2 else ""
            print(
                f"{workers} `outbox run` worker{'s' if workers > 1 else ' '}              "
                f"{rate:8.0f} messages/s   {rate / bare:.2f}x bare{goal}"
            )
    finally:
        sim.terminate()
        sim.wait(30)
        db.dispose()
        _drop(url)


def _wait_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/control/state", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("sms-sim did not start")
