"""A simulated SMS provider (`unitgate sms-sim`): takes messages as `HttpSmsProvider` sends
them, drops a repeated `Idempotency-Key` (counted as a duplicate), and posts signed delivery
reports queued → sent → delivered (or undelivered / failed for chosen numbers) to each
message's `status_callback`. `/control` reads what it received and injects faults."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar, get, put
from litestar.params import JSONBody
from pydantic import BaseModel, Field

from adapters.notify._signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_report
from adapters.notify._sms import IDEMPOTENCY_KEY_HEADER

__all__ = ["SimFaults", "SmsSimulator", "sms_sim_app"]

CANNOT_SEND = "cannot send to this number"


class SimFaults(BaseModel):
    """What the simulator does wrong or differently, set with `PUT /control/faults`."""

    delay_seconds: float = Field(default=0.0, ge=0, le=600)
    """Wait this long after taking a message before answering (a sender can die between)."""
    fail_next: int = Field(default=0, ge=0)
    """Answer the next this-many submissions 503 without taking them."""
    rejected: list[str] = Field(default_factory=list)
    """Numbers answered 400 `cannot send to this number` (a landline, say)."""
    undelivered: list[str] = Field(default_factory=list)
    """Numbers whose messages end `undelivered` (the handset never took it)."""
    failed: list[str] = Field(default_factory=list)
    """Numbers whose messages end `failed` after being sent."""


@dataclass
class SmsSimulator:
    """The provider's state: messages taken (by provider id), keys seen, reports posted."""

    secret: bytes
    callbacks: bool = True
    report_gap_seconds: float = 0.05
    faults: SimFaults = field(default_factory=SimFaults)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    by_key: dict[str, str] = field(default_factory=dict)
    duplicates: int = 0
    reports: list[dict[str, Any]] = field(default_factory=list)
    """Delivery reports posted, with the answer's status code."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def take(self, key: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], bool]:
        """The answer to a submission: status, body, and whether it is new."""
        if self.faults.fail_next > 0:
            self.faults.fail_next -= 1
            return 503, {"error": "temporarily unavailable"}, False
        if key in self.by_key:
            self.duplicates += 1
            known = self.messages[self.by_key[key]]
            return 200, {"id": known["id"], "status": "queued", "duplicate": True}, False
        to = str(body.get("to") or "")
        if not to.startswith("+") or to in self.faults.rejected:
            return 400, {"error": CANNOT_SEND, "code": "unreachable_number"}, False
        provider_id = f"SM{next(self._ids):08d}"
        self.by_key[key] = provider_id
        self.messages[provider_id] = {
            "id": provider_id,
            "idempotency_key": key,
            "to": to,
            "body": body.get("body"),
            "reference": body.get("reference"),
            "status_callback": body.get("status_callback"),
            "received_at": time.time(),
        }
        return 201, {"id": provider_id, "status": "queued"}, True

    def final_status(self, to: str) -> tuple[str, str | None]:
        """How a message to `to` ends, and the error the report carries."""
        if to in self.faults.undelivered:
            return "undelivered", "handset unreachable"
        if to in self.faults.failed:
            return "failed", "carrier rejected the message"
        return "delivered", None

    def report_later(self, provider_id: str) -> None:
        """Post the message's reports in the background, in order."""
        task = asyncio.get_running_loop().create_task(self._report(provider_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, provider_id: str) -> None:
        message = self.messages[provider_id]
        final, error = self.final_status(message["to"])
        async with httpx.AsyncClient(timeout=10) as client:
            for status in ("queued", "sent", final):
                await asyncio.sleep(self.report_gap_seconds)
                body = {"id": provider_id, "reference": message["reference"], "status": status}
                if status == final and error:
                    body["error"] = error
                await self._post(client, message["status_callback"], body)

    async def _post(self, client: httpx.AsyncClient, url: str, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        stamp = int(time.time())
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign_report(self.secret, stamp, raw),
            TIMESTAMP_HEADER: str(stamp),
        }
        for _attempt in range(3):
            try:
                answer = await client.post(url, content=raw, headers=headers)
            except httpx.HTTPError:
                await asyncio.sleep(0.5)
                continue
            self.reports.append({**body, "answer": answer.status_code})
            if answer.status_code < 500:
                return


def sms_sim_app(sim: SmsSimulator) -> Any:
    """The ASGI app serving `sim`: submissions on a bare ASGI path (the simulator must not be
    what limits a throughput bench), the control routes on Litestar."""

    @get("/control/state")
    async def state() -> dict[str, Any]:
        """Every message taken, duplicates dropped, reports posted."""
        return {
            "messages": list(sim.messages.values()),
            "duplicates": sim.duplicates,
            "reports": sim.reports,
        }

    @put("/control/faults")
    async def set_faults(data: JSONBody[SimFaults]) -> SimFaults:
        """Set the faults (replacing the previous ones)."""
        sim.faults = data
        return data

    control = Litestar([state, set_faults], openapi_config=None)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/messages":
            await control(scope, receive, send)  # type: ignore[arg-type]
            return
        body = b""
        more = True
        while more:
            event = await receive()
            body += event.get("body", b"")
            more = event.get("more_body", False)
        headers = dict(scope["headers"])
        status, answer = await _submit(sim, headers.get(_KEY_HEADER, b"").decode(), body)
        raw = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": raw})

    return app


_KEY_HEADER = IDEMPOTENCY_KEY_HEADER.lower().encode()


async def _submit(sim: SmsSimulator, key: str, raw: bytes) -> tuple[int, dict[str, Any]]:
    """Take one SMS (`{to, body, reference, status_callback}`, `Idempotency-Key`)."""
    if not key:
        return 400, {"error": f"`{IDEMPOTENCY_KEY_HEADER}` header required"}
    try:
        body = json.loads(raw)
    except ValueError:
        return 400, {"error": "body is not JSON"}
    if not isinstance(body, dict):
        return 400, {"error": "body is not a JSON object"}
    status, answer, new = sim.take(key, body)
    if new and sim.callbacks and body.get("status_callback"):
        sim.report_later(answer["id"])
    if sim.faults.delay_seconds:
        await asyncio.sleep(sim.faults.delay_seconds)
    return status, answer
