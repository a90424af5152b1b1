"""Properties of the lock's command check, on the simulator's firmware."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

from hypothesis import given, settings
from hypothesis import strategies as st

from hardware.protocol import (
    Action,
    Challenge,
    ChallengeRequest,
    ErrorCode,
    ErrorReport,
    Kind,
    decode_reply,
)
from hardware.sim import LockFirmware
from tests.support.locks import Rig

FAST = settings(max_examples=150, deadline=None)


def _challenge(firmware: LockFirmware) -> Challenge:
    (reply,) = firmware.handle(ChallengeRequest().frame())
    challenge = decode_reply(reply.frame)
    assert isinstance(challenge, Challenge)
    return challenge


def _command(rig: Rig, firmware: LockFirmware, lock_id: UUID | None = None, **window: int) -> bytes:
    challenge = _challenge(firmware)
    now = int(rig.clock.now().timestamp())
    return rig.issuer.issue(
        lock_id or firmware.spec.lock_id,
        Action.UNLOCK,
        challenge.nonce,
        window.get("not_before", now),
        window.get("not_after", now + 30),
        uuid4(),
    )


def _refusal(firmware: LockFirmware, frame: bytes) -> ErrorCode | None:
    """The code of the lock's final answer to `frame` (None: it carried it out)."""
    unlocks = firmware.mechanics.unlocks
    final = decode_reply(firmware.handle(frame)[-1].frame)
    if isinstance(final, ErrorReport):
        assert firmware.mechanics.unlocks == unlocks
        return final.code
    assert firmware.mechanics.unlocks == unlocks + 1
    return None


def test_a_fresh_command_opens() -> None:
    rig = Rig()
    firmware = rig.firmware()
    assert _refusal(firmware, _command(rig, firmware)) is None


@FAST
@given(data=st.data())
def test_no_single_byte_flip_is_accepted(data: st.DataObject) -> None:
    rig = Rig()
    firmware = rig.firmware()
    frame = _command(rig, firmware)
    position = data.draw(st.integers(0, len(frame) - 1))
    flip = data.draw(st.integers(1, 255))
    tampered = frame[:position] + bytes([frame[position] ^ flip]) + frame[position + 1 :]
    assert _refusal(firmware, tampered) is not None
    # the genuine command still works afterwards: a tampered copy spent nothing it needs
    assert _refusal(firmware, frame) is None


@FAST
@given(data=st.data())
def test_no_truncation_or_extension_is_accepted(data: st.DataObject) -> None:
    rig = Rig()
    firmware = rig.firmware()
    frame = _command(rig, firmware)
    if data.draw(st.booleans()):
        changed = frame[: data.draw(st.integers(0, len(frame) - 1))]
    else:
        changed = frame + data.draw(st.binary(min_size=1, max_size=64))
    assert _refusal(firmware, changed) is not None


@FAST
@given(replays=st.integers(1, 4), fresh_challenge=st.booleans())
def test_no_command_is_accepted_twice(replays: int, fresh_challenge: bool) -> None:
    rig = Rig()
    firmware = rig.firmware()
    frame = _command(rig, firmware)
    assert _refusal(firmware, frame) is None
    for _ in range(replays):
        if fresh_challenge:
            _challenge(firmware)
        assert _refusal(firmware, frame) is ErrorCode.REPLAYED
    assert firmware.mechanics.unlocks == 1
    assert firmware.refusals[ErrorCode.REPLAYED] == replays


@FAST
@given(a=st.integers(2, 128), offset=st.integers(1, 127))
def test_a_command_for_lock_a_is_refused_by_lock_b(a: int, offset: int) -> None:
    rig = Rig()
    lock_a, lock_b = rig.firmware(a), rig.firmware(a + offset)
    _challenge(lock_a)
    for_a = _command(rig, lock_b, lock_id=lock_a.spec.lock_id)  # lock B's challenge, A's id
    assert _refusal(lock_b, for_a) is ErrorCode.WRONG_LOCK
    assert lock_b.refusals[ErrorCode.WRONG_LOCK] == 1


@FAST
@given(late=st.integers(1, 10_000), length=st.integers(0, 300))
def test_a_command_past_its_window_is_refused(late: int, length: int) -> None:
    from hardware.protocol import CLOCK_TOLERANCE

    rig = Rig()
    firmware = rig.firmware()
    now = int(rig.clock.now().timestamp())
    # the window ended `late` seconds beyond the lock's clock tolerance
    frame = _command(
        rig,
        firmware,
        not_before=now - length - CLOCK_TOLERANCE - late,
        not_after=now - CLOCK_TOLERANCE - late,
    )
    assert _refusal(firmware, frame) is ErrorCode.EXPIRED


def test_a_challenge_older_than_its_ttl_is_stale() -> None:
    rig = Rig()
    firmware = rig.firmware()
    now = int(rig.clock.now().timestamp())
    frame = _command(rig, firmware, not_after=now + 600)
    rig.clock.advance(timedelta(seconds=31))
    assert _refusal(firmware, frame) is ErrorCode.STALE_CHALLENGE


def test_a_command_for_an_earlier_challenge_is_refused() -> None:
    rig = Rig()
    firmware = rig.firmware()
    frame = _command(rig, firmware)
    _challenge(firmware)  # a newer challenge replaces the one the command answers
    assert _refusal(firmware, frame) is ErrorCode.BAD_CHALLENGE


def test_a_command_signed_by_another_facility_is_not_authorised() -> None:
    rig, other = Rig(), Rig()
    other.facility = type(other.facility)(1, type(other.facility.secret).generate())
    firmware = rig.firmware()
    challenge = _challenge(firmware)
    now = int(rig.clock.now().timestamp())
    forged = other.issuer.issue(
        firmware.spec.lock_id, Action.UNLOCK, challenge.nonce, now, now + 30, uuid4()
    )
    assert _refusal(firmware, forged) is ErrorCode.NOT_AUTHORISED


def test_guessing_locks_the_lock_out_for_a_while() -> None:
    from hardware.protocol import LOCKOUT_ATTEMPTS, LOCKOUT_SECONDS

    rig = Rig()
    firmware = rig.firmware()
    for _ in range(LOCKOUT_ATTEMPTS):
        assert _refusal(firmware, b"\x01\x02\x00\x00junk") is ErrorCode.MALFORMED
    good = _command(rig, firmware)
    assert _refusal(firmware, good) is ErrorCode.TOO_MANY_ATTEMPTS
    rig.clock.advance(timedelta(seconds=LOCKOUT_SECONDS))
    assert _refusal(firmware, _command(rig, firmware)) is None


def test_a_malformed_frame_names_its_kind() -> None:
    rig = Rig()
    firmware = rig.firmware()
    frame = _command(rig, firmware)
    report = decode_reply(firmware.handle(frame[:-1])[-1].frame)
    assert isinstance(report, ErrorReport)
    assert (report.code, report.request) == (ErrorCode.MALFORMED, Kind.COMMAND)
