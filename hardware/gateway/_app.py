"""The gateway's HTTP API on loopback (what the server calls for remote actions)."""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from pydantic import BaseModel, Field

from hardware.clock import unix_seconds
from hardware.driver import LockRefused, LockReplyInvalid, LockTimeout, LockUnreachable
from hardware.fleet import LockHealth
from hardware.gateway._actions import ActionRecord
from hardware.gateway._gateway import Gateway, UnknownLock
from hardware.protocol import NONCE_SIZE

__all__ = ["gateway_app"]


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode() if data is not None else None


def _unb64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ValueError(f"`{field}` is not base64") from None


class ActionBody(BaseModel):
    """Relay one server-signed command."""

    lock_id: UUID
    """The lock."""
    command: str = Field(max_length=1024)
    """The COMMAND frame, base64."""


class FramesBody(BaseModel):
    """A signed frame for the lock (a revocation list)."""

    frame: str = Field(max_length=1024)
    """Base64."""


class LogBody(BaseModel):
    """Which events to upload."""

    after: int = Field(ge=0, le=2**32 - 1)
    """The highest event counter already held."""
    nonce: str = Field(min_length=24, max_length=24)
    """16 random bytes, base64: the lock signs them into the upload's end."""


def _gateway(state: State) -> Gateway:
    gateway: Gateway = state.gateway
    return gateway


def _action(record: ActionRecord) -> dict[str, Any]:
    return {
        "action_id": str(record.action_id),
        "lock_id": str(record.lock_id),
        "action": record.action.name.lower(),
        "command_id": str(record.command_id),
        "status": record.status.value,
        "confirmed_by_device": record.confirmed_by_device,
        "error": record.error,
        "lock_code": record.lock_code,
        "message": record.message,
        "proof": _b64(record.proof),
        "created_at": record.created_at.isoformat(),
        "finished_at": record.finished_at.isoformat() if record.finished_at else None,
    }


def _health(health: LockHealth) -> dict[str, Any]:
    return {
        "battery_percent": health.battery_percent,
        "battery": health.battery.value if health.battery else None,
        "connectivity": health.connectivity.value,
        "tamper": health.tamper,
        "jammed": health.jammed,
        "clock_drift": health.clock_drift,
        "advice": list(health.advice),
    }


@get("/health")
async def health() -> dict[str, str]:
    """Liveness."""
    return {"status": "ok"}


@get("/v1/locks")
async def locks(state: State) -> list[dict[str, Any]]:
    """The locks in range, with their health from what was last seen."""
    gateway = _gateway(state)
    return [
        {
            "lock_id": str(lock.lock_id),
            "name": lock.name,
            "address": lock.address,
            "public_key": lock.public_key.raw.hex(),
            "health": _health(gateway.fleet.health(lock.lock_id)),
        }
        for lock in gateway.fleet.locks
    ]


@get("/v1/locks/{lock_id:uuid}/status")
async def lock_status(state: State, lock_id: UUID) -> dict[str, Any]:
    """Poll the lock now: its signed status and health."""
    status, health = await _gateway(state).status(lock_id)
    return {"lock_id": str(lock_id), "status": status.values(), "health": _health(health)}


@post("/v1/locks/{lock_id:uuid}/challenge", status_code=200)
async def challenge(state: State, lock_id: UUID) -> dict[str, Any]:
    """A fresh challenge from the lock, for the server to sign a command."""
    c = await _gateway(state).challenge(lock_id)
    return {
        "lock_id": str(c.lock_id),
        "nonce": _b64(c.nonce),
        "lock_time": c.lock_time,
        "ttl": c.ttl,
        "gateway_time": unix_seconds(_gateway(state).clock.now()),
    }


@post("/v1/actions", status_code=202)
async def start_action(state: State, data: ActionBody) -> dict[str, Any]:
    """Relay a signed command; poll `GET /v1/actions/{id}` for its outcome."""
    return _action(_gateway(state).start(data.lock_id, _unb64(data.command, "command")))


@get("/v1/actions/{action_id:uuid}")
async def get_action(state: State, action_id: UUID) -> Response[dict[str, Any]]:
    """An action: pending, success (with `confirmed_by_device`) or error."""
    record = _gateway(state).actions.records.get(action_id)
    if record is None:
        return _problem(404, "unknown action", f"no action `{action_id}`")
    return Response(_action(record))


@post("/v1/locks/{lock_id:uuid}/revocations", status_code=200)
async def revocations(state: State, lock_id: UUID, data: FramesBody) -> dict[str, int]:
    """Push a signed revocation list to the lock."""
    version = await _gateway(state).revocations(lock_id, _unb64(data.frame, "frame"))
    return {"revocation_version": version}


@post("/v1/locks/{lock_id:uuid}/log", status_code=200)
async def upload_log(state: State, lock_id: UUID, data: LogBody) -> dict[str, Any]:
    """The lock's signed events after `after` and the signed end, as the lock sent them."""
    nonce = _unb64(data.nonce, "nonce")
    if len(nonce) != NONCE_SIZE:
        raise ValueError(f"`nonce` must hold {NONCE_SIZE} bytes")
    log = await _gateway(state).upload_log(lock_id, data.after, nonce)
    return {"last": log.last, "lost": log.lost, "frames": [_b64(f) for f in log.frames()]}


def _problem(status: int, title: str, detail: str, **extra: Any) -> Response[dict[str, Any]]:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(body, status_code=status, media_type="application/problem+json")


def _on_error(_request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    if isinstance(exc, UnknownLock):
        return _problem(404, "unknown lock", f"no lock `{exc.args[0]}` in this gateway's range")
    if isinstance(exc, LockUnreachable):
        return _problem(503, "lock offline", str(exc), error="lock_offline")
    if isinstance(exc, LockTimeout):
        return _problem(504, "lock timeout", str(exc), error="timeout")
    if isinstance(exc, LockRefused):
        return _problem(409, "lock refused", str(exc), lock_code=exc.code.name.lower())
    if isinstance(exc, LockReplyInvalid):
        return _problem(502, "invalid lock reply", str(exc), error="invalid_reply")
    return _problem(400, "bad request", str(exc))


def gateway_app(
    build: Callable[[State], Awaitable[Gateway]],
    extra_routes: list[Any] | None = None,
) -> Litestar:
    """The app; `build` makes the gateway on the server's event loop (bumble needs it) and
    may keep more on the app's state for `extra_routes`."""

    async def startup(app: Litestar) -> None:
        app.state.gateway = await build(app.state)

    async def shutdown(app: Litestar) -> None:
        await _gateway(app.state).close()

    handlers: list[Any] = [
        health,
        locks,
        lock_status,
        challenge,
        start_action,
        get_action,
        revocations,
        upload_log,
        *(extra_routes or []),
    ]
    return Litestar(
        handlers,
        on_startup=[startup],
        on_shutdown=[shutdown],
        exception_handlers={
            UnknownLock: _on_error,
            LockUnreachable: _on_error,
            LockTimeout: _on_error,
            LockRefused: _on_error,
            LockReplyInvalid: _on_error,
            ValueError: _on_error,
        },
    )
