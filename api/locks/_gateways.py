"""The engine's `GatewayPort` over `hardware.gateway.GatewayClient` and `hardware.fleet`."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

from engine.locks import (
    GatewayUnavailable,
    HealthView,
    LockEvent,
    LockObservation,
    LockStatusReading,
    RemoteOutcome,
)
from hardware.fleet import (
    ADVICE_HUB_WIFI,
    ADVICE_JAMMED,
    ADVICE_MOVE_HUB,
    ADVICE_REPLACE_BATTERY,
    ADVICE_REPLACE_BATTERY_NOW,
    ADVICE_TAMPER,
    DRIFT_WARNING,
    Fleet,
    LockRecord,
)
from hardware.gateway import GatewayClient, GatewayError
from hardware.protocol import (
    Challenge,
    ErrorCode,
    FrameError,
    LockIdentity,
    PublicKey,
    ReplyError,
    Status,
    decode_reply,
)
from hardware.protocol import Event as SignedEvent

__all__ = ["HardwareGateways", "lock_event"]


def _identity(lock_id: str, public_key: str) -> LockIdentity:
    return LockIdentity(UUID(lock_id), PublicKey(bytes.fromhex(public_key)))


def _stored_status(values: dict[str, object] | None) -> Status | None:
    frame = values.get("frame") if values else None
    if not isinstance(frame, str):
        return None
    reply = decode_reply(base64.b64decode(frame))
    return reply if isinstance(reply, Status) else None


class HardwareGateways:
    """Talks to gateways over HTTP with bounded timeouts; verifies what locks signed."""

    def __init__(self, *, request_timeout: float = 8.0, poll_interval: float = 0.1) -> None:
        self._timeout = request_timeout
        self._poll = poll_interval

    def _client(self, url: str) -> GatewayClient:
        return GatewayClient(url, request_timeout=self._timeout, poll_interval=self._poll)

    async def remote_unlock(
        self,
        url: str,
        lock_id: str,
        public_key: str,
        command_id: UUID,
        issue: Callable[[bytes], bytes],
        deadline: float,
    ) -> RemoteOutcome:
        """Challenge → sign → relay → settled, as `GatewayClient.remote_action`."""

        def sign(challenge: Challenge) -> bytes:
            return issue(challenge.nonce)

        attempt = await self._client(url).remote_action(
            _identity(lock_id, public_key), command_id, sign, deadline=deadline
        )
        status = attempt.status if attempt.status in ("success", "error") else "error"
        error = attempt.error if status == "error" else None
        if status == "success" and not attempt.confirmed_by_device:
            status, error = "error", "invalid_reply"  # a success the lock did not sign
        return RemoteOutcome(
            status,
            error or ("timeout" if status == "error" else None),
            attempt.confirmed_by_device,
            attempt.lock_code,
            attempt.message,
        )

    async def status(self, url: str, lock_id: str, public_key: str) -> LockStatusReading:
        """The lock's status, its signature checked against its device key."""
        try:
            raw = await self._client(url).status(UUID(lock_id))
        except GatewayError as exc:
            raise GatewayUnavailable(exc.kind, str(exc)) from None
        try:
            reply = decode_reply(base64.b64decode(raw["status"]["frame"]))
            if not isinstance(reply, Status):
                raise ReplyError("not a status frame")
            status = _identity(lock_id, public_key).check(reply)
        except (KeyError, ValueError, FrameError) as exc:
            raise GatewayUnavailable("invalid_reply", f"status not the lock's: {exc}") from None
        return LockStatusReading(status.values(), status.counter, status.revocation_version)

    async def push_revocations(self, url: str, lock_id: str, frame: bytes) -> int:
        """Send a signed revocation list; the version the lock holds."""
        try:
            return await self._client(url).push_revocations(UUID(lock_id), frame)
        except GatewayError as exc:
            raise GatewayUnavailable(exc.kind, str(exc)) from None

    async def upload_log(
        self, url: str, lock_id: str, public_key: str, after: int
    ) -> tuple[list[LockEvent], int]:
        """The lock's events after `after`, verified here against its key and our nonce."""
        try:
            log = await self._client(url).upload_log(_identity(lock_id, public_key), after)
        except GatewayError as exc:
            raise GatewayUnavailable(exc.kind, str(exc)) from None
        except (ValueError, FrameError) as exc:
            raise GatewayUnavailable("invalid_reply", f"log upload not the lock's: {exc}") from None
        return [lock_event(e) for e in log.events], log.last

    def assess(self, lock: LockObservation, peers: list[LockObservation]) -> HealthView:
        """`hardware.fleet`'s health, with its gateway's other locks folded in."""
        observations = [lock, *peers]
        fleet = Fleet(
            [
                LockRecord(
                    UUID(o.lock_id),
                    o.lock_id,
                    "",
                    PublicKey(bytes.fromhex(o.public_key)),
                    o.gateway_id,
                )
                for o in observations
            ]
        )
        for o in observations:
            status = _stored_status(o.status)
            if status is not None and o.status_at is not None:
                fleet.record_status(UUID(o.lock_id), status, o.status_at)
            fleet.record_tries(UUID(o.lock_id), o.tries)
        health = fleet.health(UUID(lock.lock_id))
        drift = health.clock_drift
        topics: dict[str, str] = {}
        for advice in health.advice:
            if advice in (ADVICE_REPLACE_BATTERY, ADVICE_REPLACE_BATTERY_NOW):
                topics["battery"] = advice
            elif advice in (ADVICE_MOVE_HUB, ADVICE_HUB_WIFI):
                topics["connection"] = advice
            elif advice == ADVICE_TAMPER:
                topics["tamper"] = advice
            elif advice == ADVICE_JAMMED:
                topics["jammed"] = advice
            else:
                topics["clock"] = advice
        return HealthView(
            health.battery_percent,
            health.battery.value if health.battery else None,
            health.connectivity.value,
            health.tamper,
            health.jammed,
            drift,
            drift is not None and abs(drift) > DRIFT_WARNING,
            health.advice,
            topics,
        )


def lock_event(event: SignedEvent) -> LockEvent:
    """A verified event of a lock's log as the engine records it (error codes by name)."""
    code = event.code
    return LockEvent(
        event.counter,
        event.kind.name.lower(),
        datetime.fromtimestamp(event.lock_time, UTC),
        ErrorCode(code).name.lower() if code in ErrorCode._value2member_map_ else None,
        event.key_id,
        UUID(bytes=event.subject),
    )
