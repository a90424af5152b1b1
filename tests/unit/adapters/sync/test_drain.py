"""Draining under contention: a batch the database rolled back to break a deadlock is done
again, anything else still fails loudly."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

import adapters.sync._drain as drain_module
from adapters.sync import drain
from engine.runtime import Runtime
from tests.unit.adapters.sync.test_inbox import _facility, _rec, _receive, _statuses


class _Rollback(Exception):
    """What psycopg raises for a deadlock (its SQLSTATE class 40)."""

    sqlstate = "40P01"


class _Other(Exception):
    sqlstate = "23505"


def _failing_first(monkeypatch: pytest.MonkeyPatch, orig: Exception, times: int) -> list[int]:
    real = drain_module.process_pending
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("UPDATE unit ...", {}, orig)
        return real(*args, **kwargs)

    monkeypatch.setattr(drain_module, "process_pending", flaky)
    return calls


def test_a_batch_rolled_back_for_a_deadlock_is_applied_on_the_next_try(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fid = _facility(runtime)
    _receive(runtime, fid, _rec("U0", 1), _rec("U1", 1))
    calls = _failing_first(monkeypatch, _Rollback(), times=2)
    done = drain(runtime, fid)
    assert done.outcomes["applied"] == 2
    assert len(calls) == 4  # two rolled back, the batch, then the empty check
    assert {v[0] for v in _statuses(runtime, fid).values()} == {"applied"}


def test_a_batch_rolled_back_every_time_fails_and_stays_pending(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fid = _facility(runtime)
    _receive(runtime, fid, _rec("U0", 1))
    _failing_first(monkeypatch, _Rollback(), times=drain_module.ROLLBACK_ATTEMPTS)
    with pytest.raises(OperationalError):
        drain(runtime, fid)
    assert {v[0] for v in _statuses(runtime, fid).values()} == {"pending"}


def test_other_database_errors_are_not_retried(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    fid = _facility(runtime)
    _receive(runtime, fid, _rec("U0", 1))
    calls = _failing_first(monkeypatch, _Other(), times=1)
    with pytest.raises(OperationalError):
        drain(runtime, fid)
    assert len(calls) == 1
