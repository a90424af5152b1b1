"""Reads that meet a unit past its stated end record its expiry before they answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlmodel import Session

from engine.persistence.tables import Unit
from engine.runtime import Runtime
from engine.units import expire_if_due, expiry_due

__all__ = ["read_with_expiries"]

T = TypeVar("T")


def read_with_expiries(
    runtime: Runtime, now: datetime, read: Callable[[Session], tuple[T, Sequence[Unit]]]
) -> T:
    """`read`'s answer (built at `now`), never showing a stored state its lien has outlived.

    `read` returns its answer and the units it read. When none is past its stated end at
    `now` (the common case) that answer is returned and nothing is written. Otherwise their
    expiries are recorded in one short write transaction and `read` runs again, at the same
    `now`, so `state` and `effective_state` agree in what it answers.
    """
    with runtime.db.read() as s:
        answer, units = read(s)
    due = [u.id for u in units if expiry_due(u, now) is not None]
    if not due:
        return answer
    with runtime.db.transaction() as s:
        expire_if_due(s, runtime.lifecycle, due)
    with runtime.db.read() as s:
        return read(s)[0]
