"""The alert duty inside `unitgate serve`: a thread of its own while the app serves, woken
by the runtime's alerts alarm when decisions or lock events commit in this process, and on
PostgreSQL by a listener thread when another process commits them (`NOTIFY`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from litestar import Litestar

from api.duty_thread import duty_thread
from api.settings import Settings
from api.telemetry import Telemetry
from engine.alerts import (
    AlertConfig,
    AlertDuty,
    AlertEvaluator,
    AlertListener,
    AlertRulesStore,
    default_alert_rules_path,
)
from engine.persistence.tables import AlertRecord
from engine.runtime import Runtime

__all__ = ["alert_duty", "alert_rules", "alerts_lifespan"]


def alert_rules(settings: Settings) -> AlertRulesStore:
    """The alert rules file the settings name, held for reloads (`PolicyError` naming file,
    line and field when it is invalid at start)."""
    return AlertRulesStore(settings.alert_rules_path or default_alert_rules_path())


def alert_duty(
    runtime: Runtime,
    settings: Settings,
    rules: AlertRulesStore,
    on_raised: Callable[[AlertRecord], None] | None = None,
) -> AlertDuty:
    """The duty for `runtime`, woken by its alerts alarm, evaluating the rules in force,
    telling `on_raised` of each alert."""
    evaluator = AlertEvaluator(
        runtime.db,
        runtime.clock,
        lambda: rules.current,
        AlertConfig(poll_seconds=settings.alerts_poll_seconds),
    )
    return AlertDuty(evaluator, runtime.alerts_alarm, on_raised)


def alerts_lifespan(
    runtime: Runtime, settings: Settings, rules: AlertRulesStore, telemetry: Telemetry
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan running the alert duty while the app serves (unless
    `alerts_in_serve` is off), and on PostgreSQL its listener."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if not settings.alerts_in_serve:
            yield
            return
        duty = alert_duty(runtime, settings, rules, telemetry.record_alert)
        async with contextlib.AsyncExitStack() as duties:
            await duties.enter_async_context(duty_thread(duty, "unitgate-alerts"))
            if runtime.db.dialect == "postgresql":
                listener = AlertListener(runtime.db.engine.url, runtime.alerts_alarm)
                await duties.enter_async_context(duty_thread(listener, "unitgate-alerts-listen"))
            yield

    return lifespan
