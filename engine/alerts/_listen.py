"""Cross-process wake of the alert duty on PostgreSQL: one dedicated connection `LISTEN`s
on the alerts channel and rings the duty's alarm at each notification, so decisions and
lock events committed by another process (a second replica, a worker) are looked at
within milliseconds instead of at the next poll.

The poll stays the safety net: a lost connection is logged once, retried with backoff,
and the alarm is rung after each (re)connect for whatever committed while deaf. SQLite
needs no listener: one process writes to it and rings its own alarm.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from engine.persistence import ALERTS_CHANNEL
from engine.units import ExpiryAlarm

__all__ = ["AlertListener"]

log = logging.getLogger("unitgate.alerts")


@dataclass
class AlertListener:
    """Rings `alarm` whenever a transaction that notified `channel` commits, until stopped."""

    url: URL | str
    """The database's SQLAlchemy URL (`postgresql+psycopg://…`)."""
    alarm: ExpiryAlarm
    channel: str = ALERTS_CHANNEL
    wait_seconds: float = 0.5
    """Longest wait for a notification before looking whether to stop."""
    max_backoff_seconds: float = 30.0
    gather_seconds: float = 0.05
    """After a wake, how long notifications gather before the next (the duty itself lets
    commits gather longer)."""
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    _listening: threading.Event = field(default_factory=threading.Event, repr=False)

    def run(self) -> None:
        """Listen until `stop()`, reconnecting with backoff after a lost connection."""
        failures = 0
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True, connect_timeout=5) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    if failures:
                        log.info("alert listener listening again on %s", self.channel)
                    failures = 0
                    self._listening.set()
                    self.alarm.ring()  # whatever committed while nobody listened
                    while not self._stopping.is_set():
                        # Drained whole: a generator left suspended holds the connection.
                        if list(conn.notifies(timeout=self.wait_seconds, stop_after=1)):
                            self.alarm.ring()
                            # Those sent meanwhile wait at the server and come as one batch:
                            # under load one wake per gather, not one per commit.
                            self._stopping.wait(self.gather_seconds)
            except psycopg.Error as exc:
                self._listening.clear()
                failures += 1
                if failures == 1:  # once per outage: the poll still sees everything
                    log.warning(
                        "alert listener lost %s (retrying with backoff; polling goes on): %s",
                        self.channel,
                        exc,
                    )
                self._stopping.wait(min(self.max_backoff_seconds, 0.25 * 2 ** min(failures, 8)))
        self._listening.clear()

    def wait_listening(self, timeout: float) -> bool:
        """Whether the listener is (or within `timeout` seconds becomes) subscribed."""
        return self._listening.wait(timeout)

    def stop(self) -> None:
        """End `run()` within `wait_seconds`."""
        self._stopping.set()

    def _conninfo(self) -> str:
        url = make_url(self.url) if isinstance(self.url, str) else self.url
        return url.set(drivername="postgresql").render_as_string(hide_password=False)
