"""One lock's driver: one operation at a time, bounded timeouts, idempotent retries."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from hardware.driver._errors import (
    LockRefused,
    LockReplyInvalid,
    LockTimeout,
    LockUnreachable,
)
from hardware.driver._source import CommandSource
from hardware.protocol import (
    NONCE_SIZE,
    Accepted,
    Action,
    Challenge,
    ChallengeRequest,
    Complete,
    ErrorCode,
    ErrorReport,
    EventLogVerifier,
    FrameError,
    Kind,
    LockIdentity,
    LockState,
    LogRequest,
    OfflineKey,
    OfflineOpen,
    Reply,
    ReplyError,
    RevocationsStored,
    SecretKey,
    Status,
    StatusRequest,
    VerifiedLog,
    decode_reply,
    sign,
)
from hardware.transport import ConnectFailed, Transport, TransportError

__all__ = ["CommandOutcome", "DriverPolicy", "LockDriver"]

_T = TypeVar("_T")
_FRESH_CHALLENGE = frozenset({ErrorCode.BAD_CHALLENGE, ErrorCode.STALE_CHALLENGE})
"""Refusals a new challenge cures: the driver retries them."""


@dataclass(frozen=True, slots=True)
class DriverPolicy:
    """Bounds of every operation (a hung lock never hangs its caller)."""

    attempts: int = 3
    """Tries per operation (connect, challenge, command, answer)."""
    reply_timeout: float = 2.0
    """Seconds to wait for each reply frame."""
    motor_timeout: float = 6.0
    """Seconds from ACCEPTED to the final answer (the motor's travel)."""
    backoff: float = 0.1
    """Seconds between tries (doubled each time)."""


@dataclass(frozen=True, slots=True)
class CommandOutcome:
    """A command the lock carried out, confirmed by its own signature."""

    lock_id: UUID
    """The lock."""
    command_id: UUID
    """The command (offline: the key id in its first four bytes)."""
    action: Action
    """What was done."""
    state: LockState
    """The bolt afterwards, as the lock reported it (UNKNOWN when confirmed by REPLAYED)."""
    confirmed_by_device: bool
    """True: a lock-signed COMPLETE, or REPLAYED-after-success for this command id."""
    repeated: bool
    """A retry found the command carried out already (the motor moved once, not twice)."""
    attempts: int
    """Tries it took."""
    counter: int
    """The lock's event number for it (from the signed report)."""
    proof: bytes
    """The lock-signed frame that confirmed it (COMPLETE, ERROR REPLAYED or STATUS)."""


class _Retry(Exception):
    """Try again from a fresh challenge (lost, late or mangled reply; link dropped)."""


class LockDriver:
    """Operations on one lock over one `Transport`, serialised."""

    def __init__(
        self, transport: Transport, identity: LockIdentity, policy: DriverPolicy | None = None
    ) -> None:
        self._transport = transport
        self._identity = identity
        self._policy = policy or DriverPolicy()
        self._busy = asyncio.Lock()
        self.contacts: list[bool] = []
        """Per try: whether the lock answered (the fleet's connection health reads it)."""

    @property
    def identity(self) -> LockIdentity:
        """The lock this driver talks to."""
        return self._identity

    async def close(self) -> None:
        """Drop the link."""
        await self._transport.disconnect()

    # --- operations ------------------------------------------------------------

    async def unlock(self, source: CommandSource, command_id: UUID) -> CommandOutcome:
        """Unlock with a command from `source`; a retry reuses `command_id`, so once only."""
        return await self.command(Action.UNLOCK, source, command_id)

    async def lock(self, source: CommandSource, command_id: UUID) -> CommandOutcome:
        """Lock again (relock) with a command from `source`."""
        return await self.command(Action.LOCK, source, command_id)

    async def command(
        self, action: Action, source: CommandSource, command_id: UUID
    ) -> CommandOutcome:
        """Run `action`: challenge → `source` signs → relay → ACCEPTED → COMPLETE."""

        async def once(attempt: int) -> CommandOutcome:
            challenge = await self._challenge()
            frame = await source(challenge, action, command_id)
            return await self._relay(frame, command_id, action, attempt)

        return await self._with_retries(once)

    async def relay(self, frame: bytes, command_id: UUID, action: Action) -> CommandOutcome:
        """Relay one already-signed command (a gateway: the server signed it elsewhere).

        Retries resend the same frame: a lost reply then meets REPLAYED, never a 2nd move.
        """
        return await self._with_retries(
            lambda attempt: self._relay(frame, command_id, action, attempt, resigned=False)
        )

    async def challenge(self) -> Challenge:
        """A fresh challenge from the lock (for a command signed elsewhere)."""
        return await self._with_retries(lambda _attempt: self._challenge())

    async def open_offline(
        self, key: OfflineKey, phone: SecretKey, action: Action = Action.UNLOCK
    ) -> CommandOutcome:
        """Open with an offline key and the phone's key: no server involved.

        An offline use has no command id: after a link loss past ACCEPTED the driver asks
        the lock's status instead of trying again, so it never moves the motor twice.
        """
        ref = UUID(bytes=key.key_id.to_bytes(4, "little") + bytes(12))

        async def once(attempt: int) -> CommandOutcome:
            challenge = await self._challenge()
            use = OfflineOpen(key, action, challenge.nonce)
            proof = sign(phone, OfflineOpen.SIGNED_AS, use.proof_body(self._identity.lock_id))
            use = OfflineOpen(key, action, challenge.nonce, proof)
            try:
                return await self._relay(
                    use.frame(), ref, action, attempt, retry_after_accept=False
                )
            except _AcceptedThenLost:
                status = await self._status()
                wanted = LockState.UNLOCKED if action is Action.UNLOCK else LockState.LOCKED
                if status.state is not wanted:
                    raise LockTimeout("the lock accepted but did not confirm") from None
                return CommandOutcome(
                    self._identity.lock_id,
                    ref,
                    action,
                    status.state,
                    True,
                    True,
                    attempt,
                    0,
                    status.frame(),
                )

        return await self._with_retries(once)

    async def status(self) -> Status:
        """The lock's signed, fresh status."""
        return await self._with_retries(lambda _attempt: self._status())

    async def upload_log(self, after: int, nonce: bytes | None = None) -> VerifiedLog:
        """Every event numbered above `after`, each checked as the lock's own.

        `nonce` (16 bytes) lets a server that relays through a gateway make the signed end
        of the upload fresh for itself; by default the driver draws one.
        """
        fresh = nonce or os.urandom(NONCE_SIZE)

        async def once(_attempt: int) -> VerifiedLog:
            frames = await self._exchange_until(LogRequest(after, fresh).frame(), _is_log_end)
            try:
                return EventLogVerifier(self._identity).verify(frames, after=after, nonce=fresh)
            except FrameError as exc:
                raise _Retry(str(exc)) from exc
            except ReplyError as exc:
                raise LockReplyInvalid(str(exc)) from exc

        return await self._with_retries(once)

    async def push_revocations(self, frame: bytes) -> int:
        """Send a signed revocation list; the version the lock holds afterwards."""

        async def once(_attempt: int) -> int:
            frames = await self._exchange_until(frame, _is_final)
            reply = self._checked(frames[-1])
            if isinstance(reply, ErrorReport):
                raise LockRefused(reply)
            if not isinstance(reply, RevocationsStored):
                raise _Retry(f"unexpected {type(reply).__name__}")
            return reply.version

        return await self._with_retries(once)

    # --- steps ---------------------------------------------------------------------

    async def _with_retries(self, step: Callable[[int], Awaitable[_T]]) -> _T:
        policy = self._policy
        last: Exception | None = None
        reached = False
        async with self._busy:
            for attempt in range(1, policy.attempts + 1):
                try:
                    await self._transport.connect()
                    reached = True
                    result = await step(attempt)
                except ConnectFailed as exc:
                    self.contacts.append(False)
                    last = exc
                except (_Retry, TransportError, TimeoutError) as exc:
                    self.contacts.append(True)
                    last = exc
                    if not isinstance(exc, _Retry):
                        await self._transport.disconnect()
                else:
                    self.contacts.append(True)
                    return result
                if attempt < policy.attempts:
                    await asyncio.sleep(policy.backoff * 2 ** (attempt - 1))
        if not reached:
            raise LockUnreachable(f"lock {self._identity.lock_id} unreachable: {last}") from last
        raise LockTimeout(
            f"lock {self._identity.lock_id}: no answer after retries: {last}"
        ) from last

    async def _challenge(self) -> Challenge:
        frames = await self._exchange_until(ChallengeRequest().frame(), _is_challenge)
        reply = self._checked(frames[-1])
        if not isinstance(reply, Challenge):
            raise _Retry(f"expected a challenge, got {type(reply).__name__}")
        if reply.lock_id != self._identity.lock_id:
            raise LockReplyInvalid(f"challenge from lock {reply.lock_id}")
        return reply

    async def _status(self) -> Status:
        nonce = os.urandom(NONCE_SIZE)
        frames = await self._exchange_until(StatusRequest(nonce).frame(), _is_final)
        reply = self._checked(frames[-1])
        if not isinstance(reply, Status) or reply.nonce != nonce:
            raise _Retry("no fresh status")
        return reply

    async def _relay(
        self,
        frame: bytes,
        command_id: UUID,
        action: Action,
        attempt: int,
        *,
        retry_after_accept: bool = True,
        resigned: bool = True,
    ) -> CommandOutcome:
        transport, policy = self._transport, self._policy
        transport.discard_pending()
        await transport.send(frame)
        timeout = policy.reply_timeout
        accepted = False
        while True:
            try:
                data = await transport.receive(timeout)
                reply = decode_reply(data)
            except (TimeoutError, TransportError) as exc:
                if accepted and not retry_after_accept:
                    raise _AcceptedThenLost from exc
                raise
            except FrameError as exc:  # a mangled reply: the lock may have acted; ask again
                if accepted and not retry_after_accept:
                    raise _AcceptedThenLost from exc
                raise _Retry(f"bad reply frame: {exc}") from exc
            if isinstance(reply, Accepted) and reply.command_id == command_id:
                accepted, timeout = True, policy.motor_timeout
                continue
            if isinstance(reply, Complete | ErrorReport):
                self._checked_reply(reply)
                if isinstance(reply, Complete) and reply.command_id == command_id:
                    return CommandOutcome(
                        reply.lock_id,
                        command_id,
                        reply.action,
                        reply.state,
                        True,
                        False,
                        attempt,
                        reply.counter,
                        reply.frame(),
                    )
                if isinstance(reply, ErrorReport) and reply.ref in (command_id.bytes, bytes(16)):
                    return self._refused(reply, command_id, action, attempt, resigned)
            # anything else is a late answer to an abandoned request: skip it

    def _refused(
        self,
        report: ErrorReport,
        command_id: UUID,
        action: Action,
        attempt: int,
        resigned: bool,
    ) -> CommandOutcome:
        if report.code is ErrorCode.REPLAYED and report.detail == 1:
            # an earlier try of this very command id succeeded: its reply was lost
            return CommandOutcome(
                report.lock_id,
                command_id,
                action,
                LockState.UNKNOWN,
                True,
                True,
                attempt,
                report.counter,
                report.frame(),
            )
        if report.code is ErrorCode.MALFORMED or (resigned and report.code in _FRESH_CHALLENGE):
            # a new try signs for a new challenge; a fixed frame (relay) cannot be cured
            raise _Retry(report.code.name)
        raise LockRefused(report)

    async def _exchange_until(self, frame: bytes, done: Callable[[bytes], bool]) -> list[bytes]:
        transport = self._transport
        transport.discard_pending()
        await transport.send(frame)
        frames: list[bytes] = []
        while True:
            data = await transport.receive(self._policy.reply_timeout)
            if not frames and not done(data) and not _is_event(data):
                continue  # a late frame of an earlier request
            frames.append(data)
            if done(data):
                return frames

    def _checked(self, data: bytes) -> Reply:
        try:
            reply = decode_reply(data)
        except FrameError as exc:
            raise _Retry(f"bad reply frame: {exc}") from exc
        if isinstance(reply, Complete | ErrorReport | Status | RevocationsStored):
            self._checked_reply(reply)
        return reply

    def _checked_reply(self, reply: Complete | ErrorReport | Status | RevocationsStored) -> None:
        try:
            self._identity.check(reply)
        except ReplyError as exc:
            raise LockReplyInvalid(str(exc)) from exc


class _AcceptedThenLost(Exception):
    """The lock accepted an offline use, then the link failed before its answer."""


def _kind(data: bytes) -> int:
    return data[1] if len(data) > 1 else -1


def _is_challenge(data: bytes) -> bool:
    return _kind(data) == Kind.CHALLENGE


def _is_event(data: bytes) -> bool:
    return _kind(data) == Kind.EVENT


def _is_log_end(data: bytes) -> bool:
    return _kind(data) in (Kind.LOG_END, Kind.ERROR)


def _is_final(data: bytes) -> bool:
    return _kind(data) in (Kind.STATUS, Kind.LOG_END, Kind.REVOCATIONS_STORED, Kind.ERROR)
