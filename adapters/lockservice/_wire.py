"""The lock service's JSON shapes (Seam's access-code and events API), shared by the
simulator's HTTP app and the client so both sides read and write the same fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.codes import AccessCode, DeviceInfo, Issue, KeypadEvent

__all__ = [
    "code_from",
    "code_to",
    "device_from",
    "device_to",
    "event_from",
    "event_to",
    "time_from",
    "time_to",
]

_EVENT_TYPES = {"unlocked": "lock.unlocked", "denied": "lock.access_denied"}
_EVENT_KINDS = {v: k for k, v in _EVENT_TYPES.items()}


def time_to(at: datetime | None) -> str | None:
    """A code's window end as JSON (ISO 8601, or null)."""
    return at.isoformat() if at is not None else None


def time_from(value: Any) -> datetime | None:
    """A code's window end from JSON (`ValueError` when not ISO 8601 with an offset)."""
    if value is None:
        return None
    at = datetime.fromisoformat(str(value))
    if at.tzinfo is None:
        raise ValueError(f"`{value}` has no UTC offset")
    return at


def _issues(items: tuple[Issue, ...]) -> list[dict[str, str]]:
    return [{"error_code": i.code, "message": i.message} for i in items]


def _issues_from(items: list[dict[str, Any]] | None) -> tuple[Issue, ...]:
    return tuple(Issue(str(i["error_code"]), str(i.get("message", ""))) for i in items or [])


def device_to(d: DeviceInfo) -> dict[str, Any]:
    """A device as JSON."""
    return {
        "device_id": d.device_id,
        "model": d.model,
        "online": d.online,
        "errors": _issues(d.errors),
        "warnings": _issues(d.warnings),
    }


def device_from(j: dict[str, Any]) -> DeviceInfo:
    """A device from JSON."""
    return DeviceInfo(
        str(j["device_id"]),
        str(j["model"]),
        bool(j["online"]),
        _issues_from(j.get("errors")),
        _issues_from(j.get("warnings")),
    )


def code_to(c: AccessCode) -> dict[str, Any]:
    """An access code as JSON."""
    return {
        "access_code_id": c.access_code_id,
        "device_id": c.device_id,
        "code": c.code,
        "name": c.name,
        "status": c.status,
        "is_managed": c.is_managed,
        "errors": _issues(c.errors),
        "warnings": _issues(c.warnings),
        "starts_at": time_to(c.starts_at),
        "ends_at": time_to(c.ends_at),
    }


def code_from(j: dict[str, Any]) -> AccessCode:
    """An access code from JSON."""
    return AccessCode(
        str(j["access_code_id"]),
        str(j["device_id"]),
        str(j["code"]),
        str(j["name"]),
        str(j["status"]),
        bool(j["is_managed"]),
        _issues_from(j.get("errors")),
        _issues_from(j.get("warnings")),
        time_from(j.get("starts_at")),
        time_from(j.get("ends_at")),
    )


def event_to(e: KeypadEvent) -> dict[str, Any]:
    """A keypad event as JSON (Seam's event: `event_type`, `method: keycode`)."""
    return {
        "event_id": e.event_id,
        "device_id": e.device_id,
        "event_type": _EVENT_TYPES[e.kind],
        "method": "keycode",
        "occurred_at": e.occurred_at.isoformat(),
        "access_code_id": e.access_code_id,
        "reason": e.reason,
    }


def event_from(j: dict[str, Any]) -> KeypadEvent | None:
    """A keypad event from JSON; None for an event of another type or method (a lock
    unlocked by its app, a device going offline...)."""
    kind = _EVENT_KINDS.get(str(j.get("event_type")))
    if kind is None or (kind == "unlocked" and j.get("method") != "keycode"):
        return None
    at = time_from(j["occurred_at"])
    assert at is not None  # INVARIANT: every event has a time (time_from raises on junk).
    code_id = j.get("access_code_id")
    return KeypadEvent(
        str(j["event_id"]),
        str(j["device_id"]),
        kind,
        at,
        str(code_id) if code_id is not None else None,
        str(j.get("reason") or ""),
    )
