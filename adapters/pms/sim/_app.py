"""The simulated PMS's JSON API (the API `specs/pms-api.md` documents) as a Litestar app."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Litestar, Response, get, post, put
from litestar.exceptions import ClientException, NotFoundException, ValidationException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from adapters.pms.sim._faults import FaultInjector, Faults
from adapters.pms.sim._model import PmsModel
from adapters.pms.sim._push import WebhookPusher

__all__ = ["AccessLevelChange", "Simulator", "simulator_app"]

MAX_LIMIT = 5000


@dataclass
class Simulator:
    """The PMS's data, its faults and (optionally) where it pushes webhooks."""

    model: PmsModel
    injector: FaultInjector = field(default_factory=FaultInjector)
    pusher: WebhookPusher | None = None

    def advance(self, steps: int, facility_ref: str | None = None) -> list[dict[str, Any]]:
        """Make `steps` changes (pushed to the webhook when one is set); the new records."""
        made = []
        for _ in range(steps):
            ref, record = self.model.step(facility_ref)
            made.append({"facility_ref": ref, **record})
            if self.pusher is not None:
                self.pusher.push(ref, record)
        return made

    def set_access_level(
        self, facility_ref: str, unit_ref: str, name: str | None
    ) -> dict[str, Any]:
        """Change one rented unit's access-level name (pushed like any change); its record."""
        record = self.model.set_access_level(facility_ref, unit_ref, name)
        if self.pusher is not None:
            self.pusher.push(facility_ref, record)
        return record


class AccessLevelChange(BaseModel):
    """The body of the simulator's access-level control route."""

    access_level: str | None = Field(max_length=100)
    """The PMS's name (empty: the rental has none; null: the record stops carrying it)."""


def simulator_app(sim: Simulator) -> Litestar:
    """The ASGI app serving `sim`."""

    def _position(facility_ref: str, token: str | None) -> int:
        """Where a page starts; 404 for an unknown facility, 400 for a token we never gave."""
        if facility_ref not in sim.model.facilities:
            raise NotFoundException(f"no facility `{facility_ref}`")
        if token is None:
            return 0
        if not token.isdigit():
            raise ValidationException(f"`{token[:40]}` is not a cursor or page token of this PMS")
        return int(token)

    async def _faulty(facility_ref: str, body: dict[str, Any]) -> Response[Any]:
        f, inj = sim.injector.faults, sim.injector
        # A response the client never reads whole (timeout, 5xx, truncation) leaves the
        # injector's held-back records alone: the PMS loses nothing, it only fails to deliver.
        if inj.roll(f.timeout):
            await asyncio.sleep(f.timeout_seconds)
            return Response({"error": "too slow"}, status_code=504)
        if inj.roll(f.server_error):
            return Response({"error": "temporarily unavailable"}, status_code=503)
        if inj.roll(f.truncated):
            body["count"] = len(body["records"])
            if inj.rng.random() < 0.5 and body["records"]:
                body["records"] = body["records"][: len(body["records"]) // 2]
                return Response(body)
            text = json.dumps(body)
            return Response(text[: len(text) // 2], media_type="application/json")
        body["records"] = inj.page(facility_ref, body["records"])
        body["count"] = len(body["records"])
        return Response(body)

    @get("/v1/facilities/{facility_ref:str}/units")
    async def units(
        facility_ref: FromPath[str],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 1000,
        page_token: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """The facility's units now, `limit` per page."""
        start = _position(facility_ref, page_token)
        everything = sim.model.snapshot(facility_ref)
        page = everything[start : start + limit]
        nxt = str(start + limit) if start + limit < len(everything) else None
        return await _faulty(facility_ref, {"records": page, "next_page_token": nxt})

    @get("/v1/facilities/{facility_ref:str}/changes")
    async def changes(
        facility_ref: FromPath[str],
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = 500,
        cursor: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """Changes after `cursor`, oldest first."""
        after = _position(facility_ref, cursor)
        records, pos, more = sim.model.changes(facility_ref, after, limit)
        body = {"records": records, "next_cursor": str(pos), "has_more": more}
        return await _faulty(facility_ref, body)

    @post("/v1/admin/advance", sync_to_thread=True)
    def advance(
        steps: Annotated[int, QueryParameter(ge=1, le=100_000)] = 1,
        facility_ref: FromQuery[str | None] = None,
    ) -> dict[str, Any]:
        """Make `steps` changes now (tests and demos drive the PMS with this)."""
        return {"records": sim.advance(steps, facility_ref)}

    @put("/v1/admin/facilities/{facility_ref:str}/units/{unit_ref:str}/access-level")
    async def set_access_level(
        facility_ref: FromPath[str], unit_ref: FromPath[str], data: JSONBody[AccessLevelChange]
    ) -> dict[str, Any]:
        """Give one rented unit another access-level name now (a change like any other)."""
        if unit_ref not in sim.model.facilities.get(facility_ref, {}):
            raise NotFoundException(f"no unit `{unit_ref}` at facility `{facility_ref}`")
        try:
            record = sim.set_access_level(facility_ref, unit_ref, data.access_level)
        except ValueError as exc:
            raise ClientException(str(exc), status_code=409) from exc
        return {"facility_ref": facility_ref, **record}

    @put("/v1/admin/faults")
    async def set_faults(data: JSONBody[Faults]) -> Faults:
        """Set the fault probabilities."""
        sim.injector.configure(data)
        return data

    return Litestar([units, changes, advance, set_access_level, set_faults], openapi_config=None)
