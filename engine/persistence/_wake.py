"""Waking the alert duties of other processes: a PostgreSQL `NOTIFY` sent inside the
transaction that records decisions or lock events, so it is delivered only on commit
(PostgreSQL also folds a transaction's duplicate notifications into one).

SQLite has no such thing and needs none: one process writes to it, and that process rings
its own alarm after the commit.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

__all__ = ["ALERTS_CHANNEL", "notify_alerts"]

ALERTS_CHANNEL = "unitgate_alerts"
"""The channel alert duties `LISTEN` on; a notification's payload is the facility id."""

_NOTIFY = text("SELECT pg_notify(:channel, :facility)")


def notify_alerts(conn: Connection, facility_id: str) -> None:
    """Tell every listening alert duty, once this transaction commits, that `facility_id`
    recorded decisions or lock events (nothing on SQLite)."""
    if conn.dialect.name == "postgresql":
        conn.execute(_NOTIFY, {"channel": ALERTS_CHANNEL, "facility": facility_id})
