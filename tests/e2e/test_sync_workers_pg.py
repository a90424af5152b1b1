"""Two `unitgate sync run` processes on PostgreSQL share facilities; one is SIGKILLed while a
batch is open. Afterwards the store equals the PMS, every event was applied exactly once,
and every facility's audit chain verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import select

from adapters.pms.sim import BackgroundServer, PmsModel, Simulator, simulator_app
from engine.audit import verify_chain
from engine.persistence.tables import PmsInboxEntry, SyncState, TransitionRecord
from engine.runtime import Runtime
from tests.conftest import AUDIT_KEY
from tests.support.pms import link_facility, pms_view, store_view

pytestmark = [pytest.mark.pg, pytest.mark.slow]

UNITGATE = [sys.executable, "-c", "from api.cli import main; main()"]
FACILITIES = ["F1", "F2", "F3", "F4"]


def _worker(url: str, pms: str, name: str, log: Path) -> subprocess.Popen[bytes]:
    tagged = make_url(url).update_query_dict({"application_name": name})
    env = {
        **os.environ,
        "UNITGATE_DATABASE_URL": tagged.render_as_string(hide_password=False),
        "UNITGATE_AUDIT_KEY": AUDIT_KEY.decode(),
    }
    args = ["sync", "run", "--pms-url", pms, "--name", name, "--batch-size", "40"]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*UNITGATE, *args, "--page-size", "150"], env=env, stdout=out, stderr=out
        )


def _in_transaction(admin_url: str, name: str) -> bool:
    engine = create_engine(admin_url)
    try:
        with engine.connect() as conn:
            states = conn.execute(
                text(
                    "SELECT state FROM pg_stat_activity WHERE application_name = :n "
                    "AND datname = current_database() AND xact_start IS NOT NULL"
                ),
                {"n": name},
            ).scalars()
            return any(s in ("active", "idle in transaction") for s in states)
    finally:
        engine.dispose()


def _processed(rt: Runtime) -> int:
    with rt.db.read() as s:
        rows = s.exec(select(PmsInboxEntry.status)).all()
    return sum(1 for status in rows if status != "pending")


def test_a_worker_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    pg_url: str, tmp_path: Path
) -> None:
    model = PmsModel.build(FACILITIES, 40, seed=21, occupancy=0.5)
    for _ in range(2400):
        model.step()
    rt = Runtime.create(pg_url, AUDIT_KEY)
    linked = {ref: link_facility(rt, model, ref, f"Co{ref}") for ref in FACILITIES}
    with BackgroundServer(simulator_app(Simulator(model))) as pms:
        a = _worker(pg_url, pms, "worker-a", tmp_path / "a.log")
        b = _worker(pg_url, pms, "worker-b", tmp_path / "b.log")
        try:
            deadline = time.monotonic() + 60
            while not (_processed(rt) > 300 and _in_transaction(pg_url, "worker-a")):
                assert time.monotonic() < deadline, "worker a never got going"
                assert a.poll() is None, (tmp_path / "a.log").read_text()
                time.sleep(0.005)
            a.send_signal(signal.SIGKILL)
            a.wait(10)
            killed_at = _processed(rt)
            end = str(len(model.log))
            deadline = time.monotonic() + 120
            while True:
                with rt.db.read() as s:
                    cursors = {st.cursor for st in s.exec(select(SyncState)).all()}
                    pending = s.exec(
                        select(PmsInboxEntry.id).where(PmsInboxEntry.status == "pending")
                    ).all()
                if cursors == {end} and not pending:
                    break
                assert time.monotonic() < deadline, "worker b did not finish the work"
                assert b.poll() is None, (tmp_path / "b.log").read_text()
                time.sleep(0.2)
        finally:
            for proc in (a, b):
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(20)
    assert killed_at < len(model.log)  # the kill happened with work left for b
    for ref, facility in linked.items():
        assert store_view(rt, facility.facility_id) == pms_view(model.snapshot(ref)), ref
    with rt.db.read() as s:
        inbox = s.exec(select(PmsInboxEntry)).all()
        transitions = s.exec(select(TransitionRecord)).all()
        chains = [verify_chain(s, rt.audit, f.facility_id).ok for f in linked.values()]
        workers = {st.last_worker for st in s.exec(select(SyncState)).all()}
    assert len(inbox) == len(model.log)  # every change received, once
    assert Counter(e.status for e in inbox).keys() <= {"applied", "unchanged"}
    applied_twice = [
        k for k, n in Counter((t.unit_id, t.pms_seq, t.event) for t in transitions).items() if n > 1
    ]
    assert applied_twice == []
    assert all(chains)
    assert "worker-b" in workers
    rt.db.dispose()
