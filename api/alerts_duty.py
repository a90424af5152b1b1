"""The alert duty inside `unitgate serve`: a thread of its own while the app serves, woken
by the runtime's alerts alarm when decisions or lock events commit."""

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
    AlertRules,
    default_alert_rules_path,
    load_alert_rules,
)
from engine.persistence.tables import AlertRecord
from engine.runtime import Runtime

__all__ = ["alert_duty", "alert_rules", "alerts_lifespan"]


def alert_rules(settings: Settings) -> AlertRules:
    """The alert rules file the settings name (`PolicyError` naming file, line and field)."""
    return load_alert_rules(settings.alert_rules_path or default_alert_rules_path())


def alert_duty(
    runtime: Runtime,
    settings: Settings,
    rules: AlertRules,
    on_raised: Callable[[AlertRecord], None] | None = None,
) -> AlertDuty:
    """The duty for `runtime`, woken by its alerts alarm, telling `on_raised` of each alert."""
    evaluator = AlertEvaluator(
        runtime.db,
        runtime.clock,
        lambda: rules,
        AlertConfig(poll_seconds=settings.alerts_poll_seconds),
    )
    return AlertDuty(evaluator, runtime.alerts_alarm, on_raised)


def alerts_lifespan(
    runtime: Runtime, settings: Settings, rules: AlertRules, telemetry: Telemetry
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan running the alert duty while the app serves (unless
    `alerts_in_serve` is off)."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        if not settings.alerts_in_serve:
            yield
            return
        duty = alert_duty(runtime, settings, rules, telemetry.record_alert)
        async with duty_thread(duty, "unitgate-alerts"):
            yield

    return lifespan
