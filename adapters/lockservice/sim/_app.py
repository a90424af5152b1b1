"""The simulated lock service over HTTP: Seam's access-code and events routes, and a control API for
tests and demos (devices, faults, edits outside unitgate, factory resets)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from adapters.lockservice._wire import code_to, device_to, event_to, time_from
from adapters.lockservice.sim._service import SimulatedLockService
from engine.codes import CodeRejected, LockServiceDown
from engine.errors import InvalidInputError

__all__ = ["lock_service_app"]

_DOWN_STATUS = {"provider_outage": 503, "device_offline": 409, "failed": 500}


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise HTTPException(status_code=400, detail=f"`{key}` must be text")
    return value


def _times(body: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    try:
        return time_from(body.get("starts_at")), time_from(body.get("ends_at"))
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=f"bad window: {exc}") from exc


def _error(exc: Exception) -> Response[Any]:
    if isinstance(exc, LockServiceDown):
        kind, status = exc.kind, _DOWN_STATUS.get(exc.kind, 500)
    else:
        assert isinstance(exc, CodeRejected)  # INVARIANT: only these two are caught.
        kind, status = exc.reason, 404 if exc.reason.endswith("not_found") else 422
    return Response({"error": {"type": kind, "message": str(exc)}}, status_code=status)


def _events_route(
    sim: SimulatedLockService, call: Callable[[Any], Awaitable[Response[Any]]]
) -> HTTPRouteHandler:
    """Seam's `/events/list`: the keypad events at or after `since`."""

    @post("/events/list", status_code=200)
    async def events(data: JSONBody[dict[str, Any]]) -> Response[Any]:
        try:
            since = time_from(data.get("since"))
        except ValueError as exc:
            raise HTTPException(status_code=400, detail=f"bad `since`: {exc}") from exc
        return await call(lambda: {"events": [event_to(e) for e in sim.list_events(since)]})

    return events


def lock_service_app(sim: SimulatedLockService) -> Litestar:
    """The ASGI app serving `sim`."""

    async def call(action: Any) -> Response[Any]:
        if sim.faults.slow_seconds:
            await asyncio.sleep(sim.faults.slow_seconds)
        try:
            return Response(action())
        except (LockServiceDown, CodeRejected) as exc:
            return _error(exc)

    @post("/devices/list", status_code=200)
    async def devices() -> Response[Any]:
        return await call(lambda: {"devices": [device_to(d) for d in sim.list_devices()]})

    @post("/access_codes/list", status_code=200)
    async def codes(data: JSONBody[dict[str, Any]]) -> Response[Any]:
        device = _text(data, "device_id")
        return await call(lambda: {"access_codes": [code_to(c) for c in sim.list_codes(device)]})

    @post("/access_codes/create", status_code=200)
    async def create(data: JSONBody[dict[str, Any]]) -> Response[Any]:
        device, code, name = (_text(data, k) for k in ("device_id", "code", "name"))
        starts, ends = _times(data)
        return await call(
            lambda: {"access_code": code_to(sim.create_code(device, code, name, starts, ends))}
        )

    @post("/access_codes/update", status_code=200)
    async def update(data: JSONBody[dict[str, Any]]) -> Response[Any]:
        ident, code, name = (_text(data, k) for k in ("access_code_id", "code", "name"))
        starts, ends = _times(data)
        return await call(
            lambda: {"access_code": code_to(sim.update_code(ident, code, name, starts, ends))}
        )

    @post("/access_codes/delete", status_code=200)
    async def delete(data: JSONBody[dict[str, Any]]) -> Response[Any]:
        ident = _text(data, "access_code_id")

        def run() -> dict[str, Any]:
            sim.delete_code(ident)
            return {"ok": True}

        return await call(run)

    @post("/control/devices", status_code=200)
    async def add_device(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        try:
            sim.add_device(_text(data, "device_id"), _text(data, "model"))
        except InvalidInputError as exc:
            raise HTTPException(status_code=400, detail=exc.message) from exc
        return {"ok": True}

    @post("/control/faults", status_code=200)
    async def faults(data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
        try:
            sim.faults.update(data)
        except (ValueError, AssertionError) as exc:
            raise HTTPException(status_code=400, detail=str(exc) or "bad fault value") from exc
        return {"ok": True}

    @post("/control/outside/{action:str}", status_code=200)
    async def outside(action: FromPath[str], request: Request[Any, Any, Any]) -> dict[str, Any]:
        body: dict[str, Any] = await request.json()
        if action == "create":
            made = sim.external_create(
                _text(body, "device_id"), _text(body, "code"), _text(body, "name")
            )
            return {"access_code_id": made}
        if action == "update":
            sim.external_update(_text(body, "access_code_id"), body.get("code"), body.get("name"))
        elif action == "delete":
            sim.external_delete(_text(body, "access_code_id"))
        elif action == "wipe":
            sim.wipe(_text(body, "device_id"))
        else:
            raise HTTPException(status_code=404, detail=f"no outside action `{action}`")
        return {"ok": True}

    @post("/control/enter", status_code=200)
    async def enter(data: JSONBody[dict[str, Any]]) -> Response[Any]:
        device, code = _text(data, "device_id"), _text(data, "code")

        def run() -> dict[str, Any]:
            opens, why = sim.enter(device, code)
            return {"opens": opens, "reason": why}

        return await call(run)

    @get("/control/state")
    async def state() -> dict[str, Any]:
        snap = sim.snapshot()
        return {
            "devices": {d: [code_to(c) for c in codes] for d, codes in snap.items()},
            "unmanaged_touched": sim.unmanaged_touched,
            "calls": sim.calls,
        }

    events = _events_route(sim, call)
    handlers = [devices, codes, create, update, delete, events]
    handlers += [add_device, faults, outside, enter, state]
    return Litestar(handlers, openapi_config=None)
