"""The alert listener on real PostgreSQL: a committed NOTIFY from another connection rings
the alarm, a rolled-back one does not, and it listens again after its connection is killed;
decisions and lock events written by another runtime notify it on commit."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from engine.alerts import AlertListener
from engine.clock import ManualClock
from engine.persistence import ALERTS_CHANNEL, Database
from engine.runtime import Runtime
from engine.units import ExpiryAlarm
from tests.conftest import AUDIT_KEY
from tests.support.alerts import Script
from tests.support.world import build_world

pytestmark = pytest.mark.pg

_NOTIFY = text("SELECT pg_notify(:channel, 'f-1')")


@pytest.fixture
def alarm() -> ExpiryAlarm:
    return ExpiryAlarm()


@pytest.fixture
def listener(pg_url: str, alarm: ExpiryAlarm) -> Iterator[AlertListener]:
    listening = AlertListener(pg_url, alarm, wait_seconds=0.1, max_backoff_seconds=0.5)
    thread = threading.Thread(target=listening.run, daemon=True)
    thread.start()
    assert listening.wait_listening(10), "the listener never subscribed"
    alarm.wait(0)  # the ring every (re)connect gives
    yield listening
    listening.stop()
    thread.join(10)
    assert not thread.is_alive()


@pytest.fixture
def db(pg_url: str) -> Iterator[Database]:
    other = Database(pg_url)
    yield other
    other.dispose()


def test_a_committed_notify_from_another_connection_rings(
    listener: AlertListener, alarm: ExpiryAlarm, db: Database
) -> None:
    with db.transaction() as s:
        s.execute(_NOTIFY, {"channel": ALERTS_CHANNEL})
        assert not alarm.wait(0.3), "rang before the commit"
    assert alarm.wait(5)


def test_a_rolled_back_notify_does_not_ring(
    listener: AlertListener, alarm: ExpiryAlarm, db: Database
) -> None:
    with db.engine.connect() as conn:
        conn.execute(_NOTIFY, {"channel": ALERTS_CHANNEL})
        conn.rollback()
    assert not alarm.wait(1.0)
    with db.transaction() as s:  # the same listener still hears a commit
        s.execute(_NOTIFY, {"channel": ALERTS_CHANNEL})
    assert alarm.wait(5)


def test_it_listens_again_after_its_connection_is_terminated(
    listener: AlertListener, alarm: ExpiryAlarm, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    with db.transaction() as s:
        killed = s.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid() "
                "AND datname = current_database()"
            )
        ).scalar_one()
    assert killed == 1
    assert alarm.wait(10), "no ring after reconnecting"  # the reconnect's own ring
    assert listener.wait_listening(10)
    assert "alert listener lost" in caplog.text
    with db.transaction() as s:
        s.execute(_NOTIFY, {"channel": ALERTS_CHANNEL})
    assert alarm.wait(5), "a notification after the reconnect was not heard"


def test_decisions_and_lock_events_of_another_runtime_notify(
    listener: AlertListener, alarm: ExpiryAlarm, pg_url: str, clock: ManualClock
) -> None:
    other = Runtime.create(pg_url, AUDIT_KEY, clock=clock)
    try:
        world = build_world(other)
        script = Script(other, world.facility_id, world.gate_id)
        alarm.wait(0)
        script.decision(world.manager_id)  # the first of a chain: the locking path
        assert alarm.wait(5), "a decision's commit did not notify"
        script.decision(world.manager_id)  # then the one-statement path (ChainStatement)
        assert alarm.wait(5), "a decision written in one statement did not notify"
        script.event("tamper")
        assert alarm.wait(5), "a landed lock event did not notify"
    finally:
        other.db.dispose()
