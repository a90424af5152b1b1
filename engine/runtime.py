"""The engine's services wired together for one database, clock and audit key."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from engine.access import DECISION_BINDING, AccessPoint, DecisionRecorder
from engine.audit import AuditLog
from engine.clock import Clock, SystemClock
from engine.lifecycle import DEFAULT_EMERGENCY_MAX, LifecycleMachine
from engine.locks import LOCK_EVENT_BINDING
from engine.persistence import Database
from engine.units import TRANSITION_BINDING, ActivationConfig, ExpiryAlarm, LifecycleService

__all__ = ["Runtime"]


@dataclass
class Runtime:
    """What domain operations need: database, clock, audit log, lifecycle, access point."""

    db: Database
    clock: Clock
    audit: AuditLog
    lifecycle: LifecycleService
    access: AccessPoint
    expiry_alarm: ExpiryAlarm
    """Rung when an expiry may be due sooner than this process's expiry duty planned."""
    codes_alarm: ExpiryAlarm = field(default_factory=ExpiryAlarm)
    """Rung after a change that may change keypad codes (a transition, a share) commits:
    this process's keypad-code duty reconciles at once."""
    alerts_alarm: ExpiryAlarm = field(default_factory=ExpiryAlarm)
    """Rung after decisions or lock events commit: this process's alert duty looks at once."""

    @classmethod
    def create(
        cls,
        database_url: str,
        audit_key: bytes,
        *,
        clock: Clock | None = None,
        emergency_max: timedelta = DEFAULT_EMERGENCY_MAX,
        activation: ActivationConfig | None = None,
        on_site_hours: float = 12.0,
    ) -> Runtime:
        """Build the services for `database_url` (not migrated here: see `upgrade`)."""
        clock = clock or SystemClock()
        audit = AuditLog(
            audit_key, bindings=(DECISION_BINDING, TRANSITION_BINDING, LOCK_EVENT_BINDING)
        )
        service = LifecycleService(
            LifecycleMachine(emergency_max), audit, clock, activation or ActivationConfig()
        )
        db = Database(database_url)
        alarm, alerts = ExpiryAlarm(), ExpiryAlarm()
        access = AccessPoint(clock, DecisionRecorder(db, audit, alerts.ring), alarm, on_site_hours)
        return cls(db, clock, audit, service, access, alarm, alerts_alarm=alerts)
