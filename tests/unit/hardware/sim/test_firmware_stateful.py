"""The simulator under any sequence of requests, replays, junk and time: its counters never
go back, its log is numbered without gaps, and no command id moves the motor twice."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from hardware.protocol import (
    Action,
    Challenge,
    ChallengeRequest,
    Complete,
    LogRequest,
    RevocationIssuer,
    StatusRequest,
    decode_reply,
)
from tests.support.locks import Rig


class LockFirmwareMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.rig = Rig()
        self.firmware = self.rig.firmware()
        self.other = self.rig.firmware(3)
        self.nonce: bytes | None = None
        self.sent: list[bytes] = []
        self.completed: set[UUID] = set()
        self.moves_by_id: dict[UUID, int] = {}
        self.last_counter = 0
        self.last_revocation = 0

    def _send(self, frame: bytes) -> None:
        for reply in self.firmware.handle(frame):
            message = decode_reply(reply.frame)
            if isinstance(message, Challenge):
                self.nonce = message.nonce
            if isinstance(message, Complete):
                self.moves_by_id[message.command_id] = (
                    self.moves_by_id.get(message.command_id, 0) + 1
                )
                self.completed.add(message.command_id)

    @rule()
    def ask_challenge(self) -> None:
        self._send(ChallengeRequest().frame())

    @precondition(lambda self: self.nonce is not None)
    @rule(action=st.sampled_from(Action), window=st.integers(-400, 400), reuse=st.booleans())
    def command(self, action: Action, window: int, reuse: bool) -> None:
        assert self.nonce is not None
        now = int(self.rig.clock.now().timestamp())
        command_id = next(iter(self.completed)) if reuse and self.completed else uuid4()
        frame = self.rig.issuer.issue(
            self.firmware.spec.lock_id,
            action,
            self.nonce,
            now + window,
            now + window + 30,
            command_id,
        )
        self.sent.append(frame)
        self._send(frame)

    @precondition(lambda self: bool(self.sent))
    @rule(index=st.integers(0, 1000))
    def replay(self, index: int) -> None:
        self._send(self.sent[index % len(self.sent)])

    @precondition(lambda self: self.nonce is not None)
    @rule()
    def foreign(self) -> None:
        assert self.nonce is not None
        now = int(self.rig.clock.now().timestamp())
        self._send(
            self.rig.issuer.issue(
                self.other.spec.lock_id, Action.UNLOCK, self.nonce, now, now + 30, uuid4()
            )
        )

    @rule(junk=st.binary(max_size=80))
    def junk(self, junk: bytes) -> None:
        self._send(junk)

    @rule(seconds=st.integers(0, 90))
    def time_passes(self, seconds: int) -> None:
        self.rig.clock.advance(timedelta(seconds=seconds))

    @rule(version=st.integers(0, 20), ids=st.lists(st.integers(0, 50), max_size=5))
    def revocations(self, version: int, ids: list[int]) -> None:
        now = int(self.rig.clock.now().timestamp())
        self._send(RevocationIssuer(self.rig.facility).issue(version, now, tuple(ids)))

    @rule(after=st.integers(0, 50))
    def read(self, after: int) -> None:
        self._send(StatusRequest(b"s" * 16).frame())
        self._send(LogRequest(after, b"l" * 16).frame())

    @rule(door=st.booleans())
    def door(self, door: bool) -> None:
        if door:
            self.firmware.open_door()
        else:
            self.firmware.close_door()

    @invariant()
    def counters_never_go_back(self) -> None:
        assert self.firmware.counter.value >= self.last_counter
        assert self.firmware.revocation_version.value >= self.last_revocation
        self.last_counter = self.firmware.counter.value
        self.last_revocation = self.firmware.revocation_version.value

    @invariant()
    def the_log_is_numbered_without_gaps(self) -> None:
        counters = [e.counter for e in self.firmware.events]
        assert counters == list(range(1, len(counters) + 1))
        assert not counters or counters[-1] == self.firmware.counter.value

    @invariant()
    def no_command_id_moves_twice(self) -> None:
        assert all(n == 1 for n in self.moves_by_id.values())
        assert self.firmware.mechanics.moves == len(self.moves_by_id)


LockFirmwareMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=40, deadline=None
)
TestLockFirmware = LockFirmwareMachine.TestCase
