"""Keypad codes' lag and failures for the metrics: the seconds from a change of what is
wanted (a code to set, or to take off) to the round that found it done on the lock, and per
lock the codes failing now (refused and not set, or not removed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import col, select

from engine.persistence import Database
from engine.persistence.tables import KeypadCode, KeypadPending

__all__ = ["CodeLag", "track_lag"]


@dataclass
class CodeLag:
    """What one round's tracking found."""

    lags: list[float] = field(default_factory=list)
    """Seconds, one per code that reached its wanted state."""
    failed: dict[str, int] = field(default_factory=dict)
    """Lock → codes failing now (locks with none are left out)."""


def _pending(c: KeypadCode) -> bool:
    if c.state == "active":
        return c.status != "set" or c.access_code_id is None
    return c.access_code_id is not None


def _failing(c: KeypadCode) -> bool:
    error = c.last_error or ""
    if c.state == "active":
        return _pending(c) and (c.failures > 0 or error.startswith("refused"))
    return _pending(c) and (error.startswith("failed to remove") or error.startswith("refused"))


def track_lag(db: Database, started: datetime, now: datetime) -> CodeLag:
    """After a round begun at `started`: codes newly waiting are noted from `started`,
    those done since are measured (a code done within the round itself: `now - started`)."""
    out = CodeLag()
    with db.transaction() as s:
        since = {p.code_id: p for p in s.exec(select(KeypadPending))}
        pending = or_(
            and_(
                col(KeypadCode.state) == "active",
                or_(col(KeypadCode.status) != "set", col(KeypadCode.access_code_id).is_(None)),
            ),
            and_(col(KeypadCode.state) != "active", col(KeypadCode.access_code_id).is_not(None)),
        )
        query = select(KeypadCode).where(
            or_(pending, col(KeypadCode.updated_at) >= started, col(KeypadCode.id).in_(list(since)))
        )
        for c in s.exec(query.order_by(col(KeypadCode.id))):
            if _failing(c):
                out.failed[c.device_id] = out.failed.get(c.device_id, 0) + 1
            waiting = since.pop(c.id, None)
            if _pending(c):
                if waiting is None:
                    s.add(KeypadPending(code_id=c.id, since=started))
                continue
            if waiting is not None:
                out.lags.append(max(0.0, (now - waiting.since).total_seconds()))
                s.delete(waiting)
            elif c.updated_at >= started:
                out.lags.append(max(0.0, (now - started).total_seconds()))
        for orphan in since.values():
            s.delete(orphan)
    return out
