"""The keypad-code duty inside `unitgate serve`: a thread of its own while the app serves,
reconciling every keypad lock with the lock service (`UNITGATE_LOCK_SERVICE_URL`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from litestar import Litestar

from adapters.lockservice import HttpLockService
from api.duty_thread import duty_thread
from api.settings import Settings
from api.telemetry import Telemetry
from engine.codes import (
    CodeDuty,
    CodeDutyConfig,
    GrantTiming,
    KeypadEvents,
    LockService,
    ReconcileConfig,
    Reconciler,
    Upkeep,
)
from engine.persistence.tables import KeypadEventRecord
from engine.policy import PolicyStore
from engine.runtime import Runtime

__all__ = [
    "code_duty",
    "codes_lifespan",
    "grant_timing",
    "keypad_events",
    "reconciler",
    "upkeep",
]


def grant_timing(settings: Settings) -> GrantTiming:
    """When code grants' codes are loaded and deleted (`UNITGATE_CODES_LOAD_AHEAD_MINUTES`,
    `UNITGATE_CODES_DELETE_AFTER_HOURS`)."""
    return GrantTiming(
        load_ahead=timedelta(minutes=settings.codes_load_ahead_minutes),
        delete_after=timedelta(hours=settings.codes_delete_after_hours),
    )


def reconciler(
    runtime: Runtime, settings: Settings, policies: PolicyStore, service: LockService
) -> Reconciler:
    """The reconciler for `runtime`, asking the policy serving now."""
    return Reconciler(
        runtime.db,
        service,
        runtime.access,
        lambda: policies.current,
        runtime.clock,
        ReconcileConfig(
            concurrency=settings.codes_concurrency,
            retry_gap=timedelta(minutes=settings.codes_retry_minutes),
            from_phone=settings.codes_from_phone,
            timing=grant_timing(settings),
        ),
        runtime.audit,
    )


def upkeep(runtime: Runtime, settings: Settings, service: LockService) -> Upkeep:
    """Backup pools, health checks, alarms and lag for `runtime`."""
    return Upkeep(runtime.db, service, runtime.clock, pool_size=settings.codes_backup_pool)


def keypad_events(runtime: Runtime, settings: Settings, service: LockService) -> KeypadEvents:
    """The lock service's keypad events for `runtime`, its cursor keyed by the service's URL."""
    assert settings.lock_service_url is not None  # INVARIANT: callers check it is set.
    return KeypadEvents(
        runtime.db, service, runtime.audit, runtime.clock, settings.lock_service_url
    )


def code_duty(runtime: Runtime, settings: Settings, policies: PolicyStore) -> CodeDuty:
    """The keypad duty for the configured lock service, woken by the runtime's codes alarm;
    it lands the service's keypad events too (other processes' alert duties are woken by
    the decisions' commit on PostgreSQL; `serve` also rings its own)."""
    assert settings.lock_service_url is not None  # INVARIANT: callers check it is set.
    service = HttpLockService(settings.lock_service_url, api_key=settings.lock_service_key)
    return CodeDuty(
        reconciler(runtime, settings, policies, service),
        CodeDutyConfig(
            poll_seconds=settings.codes_poll_seconds,
            full_seconds=settings.codes_full_seconds,
            events_seconds=settings.codes_events_seconds,
        ),
        runtime.codes_alarm,
        upkeep=upkeep(runtime, settings, service),
        events=keypad_events(runtime, settings, service),
    )


def codes_lifespan(
    runtime: Runtime, settings: Settings, policies: PolicyStore, telemetry: Telemetry
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan running the keypad duty while the app serves (when a lock service
    is configured and `codes_in_serve` is on)."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if not settings.codes_in_serve or settings.lock_service_url is None:
            yield
            return
        duty = code_duty(runtime, settings, policies)
        duty.on_round = telemetry.record_codes_round

        def landed(rows: list[KeypadEventRecord]) -> None:
            telemetry.record_keypad_events(rows)
            runtime.alerts_alarm.ring()

        duty.on_events = landed
        assert duty.upkeep is not None  # INVARIANT: `code_duty` gives every duty one.
        duty.upkeep.on_report = telemetry.record_codes_upkeep
        async with duty_thread(duty, "unitgate-codes"):
            yield

    return lifespan
