"""The server's client of a gateway: remote actions end to end, status, revocations, logs."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from hardware.protocol import (
    NONCE_SIZE,
    Challenge,
    Complete,
    ErrorCode,
    ErrorReport,
    EventLogVerifier,
    FrameError,
    LockIdentity,
    ReplyError,
    VerifiedLog,
    decode_reply,
)

__all__ = ["ActionAttempt", "GatewayClient", "GatewayError"]


class GatewayError(Exception):
    """The gateway could not be reached or answered with an error (`kind` says which)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        """`gateway_down`, `lock_offline`, `timeout`, `refused`, `unknown_lock`, `bad_request`."""


@dataclass(frozen=True, slots=True)
class ActionAttempt:
    """How a remote action ended, as the server records it."""

    status: str
    """`success` or `error` (`pending` only if the deadline passed: then error is timeout)."""
    error: str | None
    """`lock_offline`, `gateway_down`, `timeout`, `refused`, `invalid_reply`; None on success."""
    confirmed_by_device: bool
    """The lock's own signature over this command id's completion was checked here."""
    lock_code: str | None = None
    """The lock's error code when it refused."""
    action_id: UUID | None = None
    """The gateway's action id (None when no action was created)."""
    message: str | None = None
    """A sentence for people."""
    proof: bytes | None = None
    """The lock-signed frame that settled it."""


def _confirmed(identity: LockIdentity, proof: bytes | None, command_id: UUID) -> bool:
    if proof is None:
        return False
    try:
        reply = decode_reply(proof)
    except FrameError:
        return False
    try:
        if isinstance(reply, Complete):
            return identity.check(reply).command_id == command_id
        if isinstance(reply, ErrorReport):
            identity.check(reply)
            return (
                reply.code is ErrorCode.REPLAYED
                and reply.detail == 1
                and reply.ref == command_id.bytes
            )
    except ReplyError:
        return False
    return False


class GatewayClient:
    """Talks to one gateway over HTTP with bounded timeouts."""

    def __init__(
        self, base_url: str, *, request_timeout: float = 8.0, poll_interval: float = 0.1
    ) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = request_timeout
        self._poll = poll_interval

    async def _call(
        self, client: httpx.AsyncClient, method: str, path: str, body: Any = None
    ) -> Any:
        try:
            response = await client.request(method, self._base + path, json=body)
        except httpx.TimeoutException as exc:
            raise GatewayError("timeout", f"the gateway did not answer: {exc}") from exc
        except httpx.TransportError as exc:
            raise GatewayError("gateway_down", f"the gateway is unreachable: {exc}") from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            kind = problem.get("error") or {
                404: "unknown_lock",
                409: "refused",
                503: "lock_offline",
                504: "timeout",
            }.get(
                response.status_code,
                "gateway_down" if response.status_code >= 500 else "bad_request",
            )
            raise GatewayError(kind, str(problem.get("detail") or response.text))
        return response.json()

    async def remote_action(
        self,
        identity: LockIdentity,
        command_id: UUID,
        issue: Callable[[Challenge], bytes],
        *,
        deadline: float = 5.0,
    ) -> ActionAttempt:
        """Challenge through the gateway → `issue` signs → relay → poll until settled.

        Never raises for the outcomes a server records: each is an `ActionAttempt`.
        """
        started = time.monotonic()
        lock = identity.lock_id
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            try:
                raw = await self._call(client, "POST", f"/v1/locks/{lock}/challenge")
                challenge = Challenge(
                    UUID(raw["lock_id"]),
                    base64.b64decode(raw["nonce"]),
                    raw["lock_time"],
                    raw["ttl"],
                )
                frame = issue(challenge)
                action = await self._call(
                    client,
                    "POST",
                    "/v1/actions",
                    {"lock_id": str(lock), "command": base64.b64encode(frame).decode()},
                )
                while action["status"] == "pending":
                    if time.monotonic() - started > deadline:
                        return ActionAttempt(
                            "error",
                            "timeout",
                            False,
                            action_id=UUID(action["action_id"]),
                            message="the lock did not confirm in time",
                        )
                    await asyncio.sleep(self._poll)
                    action = await self._call(client, "GET", f"/v1/actions/{action['action_id']}")
            except GatewayError as exc:
                return ActionAttempt("error", exc.kind, False, message=str(exc))
        proof = base64.b64decode(action["proof"]) if action.get("proof") else None
        confirmed = action["status"] == "success" and _confirmed(identity, proof, command_id)
        return ActionAttempt(
            action["status"],
            action.get("error"),
            confirmed,
            action.get("lock_code"),
            UUID(action["action_id"]),
            action.get("message"),
            proof,
        )

    async def status(self, lock_id: UUID) -> dict[str, Any]:
        """Poll a lock's status and health through the gateway (`GatewayError`)."""
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            result: dict[str, Any] = await self._call(client, "GET", f"/v1/locks/{lock_id}/status")
            return result

    async def push_revocations(self, lock_id: UUID, frame: bytes) -> int:
        """Send a signed revocation list to a lock; the version it holds."""
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            body = {"frame": base64.b64encode(frame).decode()}
            result = await self._call(client, "POST", f"/v1/locks/{lock_id}/revocations", body)
            return int(result["revocation_version"])

    async def upload_log(self, identity: LockIdentity, after: int) -> VerifiedLog:
        """The lock's events after `after`, verified here against the lock's own key and a
        nonce of ours (`GatewayError`; `ReplyError`/`FrameError` when the upload is not
        the lock's, whole and fresh)."""
        nonce = os.urandom(NONCE_SIZE)
        body = {"after": after, "nonce": base64.b64encode(nonce).decode()}
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            result = await self._call(client, "POST", f"/v1/locks/{identity.lock_id}/log", body)
        frames = [base64.b64decode(f) for f in result["frames"]]
        return EventLogVerifier(identity).verify(frames, after=after, nonce=nonce)
