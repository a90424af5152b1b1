"""The lock firmware simulator: the protocol's rules over a simulated body and clock."""

from __future__ import annotations

import collections
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from hardware.clock import Clock
from hardware.protocol import (
    CHALLENGE_TTL,
    NONCE_SIZE,
    Accepted,
    Action,
    AttemptLimiter,
    Challenge,
    ChallengeSlot,
    Command,
    Complete,
    Counter,
    DoorState,
    ErrorCode,
    ErrorReport,
    Event,
    EventKind,
    ExecutedIds,
    Firmware,
    FrameError,
    Kind,
    LockState,
    LogEnd,
    LogRequest,
    OfflineKey,
    OfflineOpen,
    Revocations,
    RevocationsStored,
    SecretKey,
    Status,
    StatusRequest,
    TrustedKey,
    check_window,
    decode_frame,
)
from hardware.protocol._frame import HEADER
from hardware.sim._mechanics import BATTERY_LOW, Mechanics

__all__ = ["EVENT_CAPACITY", "LockFirmware", "LockSpec", "Outgoing"]

EVENT_CAPACITY = 1000
"""Events the lock keeps; older ones are dropped (uploads report them as lost)."""
_NO_REF = bytes(16)
_COUNTED = frozenset(
    {
        ErrorCode.NOT_AUTHORISED,
        ErrorCode.BAD_CHALLENGE,
        ErrorCode.WRONG_LOCK,
        ErrorCode.REVOKED,
        ErrorCode.MALFORMED,
    }
)
"""Refusals that count towards the lockout (guessing, not honest mistakes of timing)."""


@dataclass(frozen=True, slots=True)
class LockSpec:
    """What a lock is provisioned with at install."""

    lock_id: UUID
    """Its id."""
    device_key: SecretKey
    """Its own signing key (the server keeps the public half)."""
    trusted: tuple[TrustedKey, ...]
    """The facility keys whose commands, offline keys and lists it accepts."""
    firmware: Firmware = field(default_factory=lambda: Firmware(1, 4, 2))
    """Reported in its status."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One frame the lock sends, and whether it is the final answer to the request."""

    frame: bytes
    """The encoded frame."""
    final: bool
    """False for ACCEPTED and log events (more follows), True for the last frame."""
    actuated: bool = False
    """The motor moved before this frame (a link fault after it is 'disconnect mid-command')."""


def _key_ref(key_id: int) -> bytes:
    return key_id.to_bytes(4, "little") + bytes(12)


class LockFirmware:
    """Frames in, replies out; the rules of `specs/lock-protocol.md`."""

    def __init__(
        self,
        spec: LockSpec,
        clock: Clock,
        *,
        mechanics: Mechanics | None = None,
        clock_offset: float = 0.0,
        drift_ppm: float = 0.0,
        nonces: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.spec = spec
        self.mechanics = mechanics or Mechanics()
        self._clock = clock
        self._epoch = clock.now().timestamp()
        self.clock_offset = clock_offset
        """Seconds the lock's clock is off the true time when the simulation starts."""
        self.drift_ppm = drift_ppm
        """How fast the lock's clock runs off (parts per million; 20 is a cheap crystal)."""
        self._nonces = nonces
        self._trusted = {k.key_id: k.public for k in spec.trusted}
        self._challenge = ChallengeSlot()
        self._executed = ExecutedIds()
        self._limiter = AttemptLimiter()
        self.counter = Counter()
        """The event counter (never goes back)."""
        self.revocation_version = Counter()
        """The version of the revocation list held (never goes back)."""
        self.revoked: frozenset[int] = frozenset()
        """Offline key ids the lock refuses."""
        self.events: collections.deque[Event] = collections.deque(maxlen=EVENT_CAPACITY)
        """The event log (newest last)."""
        self.refusals: collections.Counter[ErrorCode] = collections.Counter()
        """Refusals by code (what the tests and the bench count)."""

    # --- time --------------------------------------------------------------------

    def lock_time(self) -> int:
        """The lock's own clock, unix seconds (true time + offset + drift)."""
        true = self._clock.now().timestamp()
        return int(true + self.clock_offset + (true - self._epoch) * self.drift_ppm * 1e-6)

    # --- the body, by the simulation's hand --------------------------------------

    def open_door(self) -> None:
        """Someone opens the door."""
        if self.mechanics.door is not DoorState.OPEN:
            self.mechanics.door = DoorState.OPEN
            self._log(EventKind.DOOR_OPENED)

    def close_door(self) -> None:
        """Someone closes the door."""
        if self.mechanics.door is not DoorState.CLOSED:
            self.mechanics.door = DoorState.CLOSED
            self._log(EventKind.DOOR_CLOSED)

    def trip_tamper(self) -> None:
        """Someone forces the lock or opens its case."""
        self.mechanics.tamper = True
        self._log(EventKind.TAMPER)

    def set_battery(self, percent: float) -> None:
        """Put in a battery at `percent` (low battery fault, or a replacement)."""
        was = self.mechanics.battery
        self.mechanics.battery = percent
        self._battery_crossed(was)

    # --- frames --------------------------------------------------------------------

    def handle(self, data: bytes) -> list[Outgoing]:
        """The lock's replies to one frame written to its command characteristic."""
        now = self.lock_time()
        try:
            frame = decode_frame(data)
        except FrameError:
            kind = data[1] if len(data) >= HEADER.size else 0
            request = Kind(kind) if kind in Kind._value2member_map_ else Kind.ERROR
            return [self._refuse(request, _NO_REF, ErrorCode.MALFORMED, now)]
        try:
            match frame.kind:
                case Kind.CHALLENGE_REQUEST:
                    return [self._issue_challenge(now)]
                case Kind.COMMAND:
                    return self._command(Command.unpack(frame.payload), now)
                case Kind.OFFLINE_OPEN:
                    return self._offline(OfflineOpen.unpack(frame.payload), now)
                case Kind.STATUS_REQUEST:
                    return [self._status(StatusRequest.unpack(frame.payload), now)]
                case Kind.LOG_REQUEST:
                    return self._log_upload(LogRequest.unpack(frame.payload))
                case Kind.REVOCATIONS:
                    return [self._revocations(Revocations.unpack(frame.payload), now)]
                case _:
                    return [self._refuse(frame.kind, _NO_REF, ErrorCode.MALFORMED, now)]
        except FrameError:
            return [self._refuse(frame.kind, _NO_REF, ErrorCode.MALFORMED, now)]

    def _issue_challenge(self, now: int) -> Outgoing:
        nonce = self._nonces(NONCE_SIZE)
        self._challenge.issue(nonce, now)
        return Outgoing(Challenge(self.spec.lock_id, nonce, now, CHALLENGE_TTL).frame(), final=True)

    def _command(self, command: Command, now: int) -> list[Outgoing]:
        ref = command.command_id.bytes
        if self._limiter.blocked(now):
            return [self._refuse(Kind.COMMAND, ref, ErrorCode.TOO_MANY_ATTEMPTS, now)]
        trusted = self._trusted.get(command.key_id)
        if trusted is None or not command.verifies(trusted):
            return [self._refuse(Kind.COMMAND, ref, ErrorCode.NOT_AUTHORISED, now)]
        if command.lock_id != self.spec.lock_id:
            return [self._refuse(Kind.COMMAND, ref, ErrorCode.WRONG_LOCK, now)]
        earlier = self._executed.outcome(command.command_id)
        if earlier is not None:
            # the same command id again: never a second movement; the relay learns the outcome
            return [self._refuse(Kind.COMMAND, ref, ErrorCode.REPLAYED, now, int(earlier))]
        refusal = check_window(command.not_before, command.not_after, now)
        refusal = refusal or self._challenge.consume(command.challenge, now)
        if refusal is not None:
            return [self._refuse(Kind.COMMAND, ref, refusal, now)]
        return self._actuate(
            command.action, command.command_id, command.challenge, now, EventKind.UNLOCKED
        )

    def _offline(self, use: OfflineOpen, now: int) -> list[Outgoing]:
        key = use.credential
        ref = _key_ref(key.key_id)
        if self._limiter.blocked(now):
            return [self._refuse(Kind.OFFLINE_OPEN, ref, ErrorCode.TOO_MANY_ATTEMPTS, now)]
        trusted = self._trusted.get(key.issuer_key_id)
        if (
            trusted is None
            or not key.verifies(trusted)
            or not use.proof_verifies(self.spec.lock_id)
        ):
            return [self._refuse(Kind.OFFLINE_OPEN, ref, ErrorCode.NOT_AUTHORISED, now, key=key)]
        refusal: ErrorCode | None = None
        if self.spec.lock_id not in key.locks:
            refusal = ErrorCode.WRONG_LOCK
        elif key.key_id in self.revoked:
            refusal = ErrorCode.REVOKED
        else:
            refusal = check_window(key.not_before, key.not_after, now)
        refusal = refusal or self._challenge.consume(use.challenge, now)
        if refusal is not None:
            return [self._refuse(Kind.OFFLINE_OPEN, ref, refusal, now, key=key)]
        return self._actuate(
            use.action, UUID(bytes=ref), use.challenge, now, EventKind.OFFLINE_UNLOCKED, key=key
        )

    def _actuate(
        self,
        action: Action,
        command_id: UUID,
        challenge: bytes,
        now: int,
        unlocked: EventKind,
        key: OfflineKey | None = None,
    ) -> list[Outgoing]:
        online = key is None
        request = Kind.COMMAND if online else Kind.OFFLINE_OPEN
        accepted = Outgoing(Accepted(command_id).frame(), final=False)
        battery_before = self.mechanics.battery
        target = LockState.UNLOCKED if action is Action.UNLOCK else LockState.LOCKED
        failure = self.mechanics.move(target)
        self._battery_crossed(battery_before)
        if online:
            self._executed.record(command_id, failure is None)
        offline_key = key.key_id if key else 0
        subject = key.person.bytes if key else command_id.bytes
        if failure is not None:
            if failure is ErrorCode.MOTOR_BLOCKED:
                self._log(EventKind.JAMMED, subject=subject, key_id=offline_key)
            return [
                accepted,
                self._refuse(request, command_id.bytes, failure, now, key=key, moved=True),
            ]
        kind = unlocked if action is Action.UNLOCK else EventKind.LOCKED
        counter = self._log(kind, subject=subject, key_id=offline_key)
        done = Complete(
            self.spec.lock_id, command_id, challenge, action, self.mechanics.state, counter, now
        ).signed(self.spec.device_key)
        return [accepted, Outgoing(done.frame(), final=True, actuated=True)]

    def _status(self, request: StatusRequest, now: int) -> Outgoing:
        m = self.mechanics
        status = Status(
            self.spec.lock_id,
            request.nonce,
            max(0, min(100, round(m.battery))),
            m.critical,
            m.tamper,
            m.state,
            m.door,
            self.spec.firmware,
            now,
            self.counter.value,
            self.revocation_version.value,
        ).signed(self.spec.device_key)
        return Outgoing(status.frame(), final=True)

    def _log_upload(self, request: LogRequest) -> list[Outgoing]:
        replies = [
            Outgoing(e.frame(), final=False) for e in self.events if e.counter > request.after
        ]
        end = LogEnd(self.spec.lock_id, request.nonce, request.after, self.counter.value)
        replies.append(Outgoing(end.signed(self.spec.device_key).frame(), final=True))
        return replies

    def _revocations(self, revocations: Revocations, now: int) -> Outgoing:
        trusted = self._trusted.get(revocations.issuer_key_id)
        if trusted is None or not revocations.verifies(trusted):
            return self._refuse(Kind.REVOCATIONS, _NO_REF, ErrorCode.NOT_AUTHORISED, now)
        if self.revocation_version.raise_to(revocations.version):
            self.revoked = frozenset(revocations.key_ids)
            self._log(EventKind.REVOCATIONS_UPDATED, key_id=revocations.version)
        stored = RevocationsStored(self.spec.lock_id, self.revocation_version.value, now)
        return Outgoing(stored.signed(self.spec.device_key).frame(), final=True)

    # --- log and refusals ----------------------------------------------------------

    def _log(
        self, kind: EventKind, *, code: int = 0, key_id: int = 0, subject: bytes = _NO_REF
    ) -> int:
        counter = self.counter.next()
        event = Event(self.spec.lock_id, counter, self.lock_time(), kind, code, key_id, subject)
        self.events.append(event.signed(self.spec.device_key))
        return counter

    def _refuse(
        self,
        request: Kind,
        ref: bytes,
        code: ErrorCode,
        now: int,
        detail: int = 0,
        *,
        key: OfflineKey | None = None,
        moved: bool = False,
    ) -> Outgoing:
        self.refusals[code] += 1
        if code in _COUNTED:
            self._limiter.failed(now)
        counter = self._log(
            EventKind.REFUSED,
            code=code,
            key_id=key.key_id if key else 0,
            subject=key.person.bytes if key else ref,
        )
        report = ErrorReport(self.spec.lock_id, ref, request, code, detail, counter, now)
        return Outgoing(report.signed(self.spec.device_key).frame(), final=True, actuated=moved)

    def _battery_crossed(self, before: float) -> None:
        if before >= BATTERY_LOW > self.mechanics.battery:
            self._log(EventKind.BATTERY_LOW)
