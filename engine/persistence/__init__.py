"""Persistence: sqlmodel tables, databases and transactions, Alembic migrations."""

from engine.persistence._database import Database, connection_of
from engine.persistence._migrate import (
    applied_revisions,
    current_revision,
    head_revision,
    upgrade,
)
from engine.persistence._types import UTCDateTime, new_id, stable_id, table_of
from engine.persistence._wake import ALERTS_CHANNEL, notify_alerts

__all__ = [
    "ALERTS_CHANNEL",
    "Database",
    "UTCDateTime",
    "applied_revisions",
    "connection_of",
    "current_revision",
    "head_revision",
    "new_id",
    "notify_alerts",
    "stable_id",
    "table_of",
    "upgrade",
]
