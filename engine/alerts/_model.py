"""The alert rules file format (`alerts/rules.yaml`): pydantic models, one per rule kind."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "AlertRule",
    "AlertRulesFile",
    "BatteryLow",
    "DelinquentAttempt",
    "DoorForced",
    "DoorHeldOpen",
    "LockJammed",
    "LockTampered",
    "RepeatedDenials",
]

_CONFIG = ConfigDict(extra="forbid", frozen=True)

Severity = Literal["info", "warning", "critical"]
AlertChannel = Literal["email", "sms", "webhook"]


class _Rule(BaseModel):
    model_config = _CONFIG

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    """The rule's id: alerts and their messages name it."""
    severity: Severity
    recipients: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(min_length=1)
    """Role names: every employee holding one of these roles at the facility is told."""
    channels: list[AlertChannel] = Field(default=["email"], min_length=1)
    """How they are told; `webhook` posts to the facility's alert webhook when one is set."""


class RepeatedDenials(_Rule):
    """`count` denials within `minutes` of one person (`per: person`) or at one door."""

    when: Literal["repeated_denials"]
    per: Literal["person", "door"]
    count: int = Field(ge=2, le=1000)
    minutes: int = Field(ge=1, le=24 * 60)


class DelinquentAttempt(_Rule):
    """A tenant whose unit is delinquent tried a door (a chance to collect)."""

    when: Literal["delinquent_attempt"]
    reasons: list[Literal["gatelocked", "overlocked"]] = ["gatelocked", "overlocked"]
    """The denial reason codes that count."""


class DoorForced(_Rule):
    """The door sensor opened with no unlock of its lock within `unlock_seconds` before."""

    when: Literal["door_forced"]
    unlock_seconds: int = Field(default=60, ge=1, le=3600)


class DoorHeldOpen(_Rule):
    """The door sensor stayed open longer than `seconds`."""

    when: Literal["door_held_open"]
    seconds: int = Field(ge=5, le=24 * 3600)


class LockTampered(_Rule):
    """The lock's tamper switch tripped."""

    when: Literal["lock_tampered"]


class LockJammed(_Rule):
    """The lock's motor is blocked."""

    when: Literal["lock_jammed"]


class BatteryLow(_Rule):
    """The lock reported its battery low."""

    when: Literal["battery_low"]


AlertRule = Annotated[
    RepeatedDenials
    | DelinquentAttempt
    | DoorForced
    | DoorHeldOpen
    | LockTampered
    | LockJammed
    | BatteryLow,
    Field(discriminator="when"),
]


class AlertRulesFile(BaseModel):
    """A reviewed list of alert rules, evaluated over every facility's decisions and lock
    events."""

    model_config = _CONFIG

    rules: list[AlertRule] = Field(min_length=1)
