"""Offline keys at the lock: they open without the server until the end of the facility's
local day, and not after their id reached the lock on a revocation list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from engine.clock import ManualClock
from hardware.protocol import (
    CLOCK_TOLERANCE,
    Action,
    Challenge,
    ChallengeRequest,
    Complete,
    ErrorCode,
    ErrorReport,
    OfflineKey,
    OfflineKeyIssuer,
    OfflineOpen,
    RevocationIssuer,
    SecretKey,
    decode_reply,
    end_of_local_day,
    sign,
)
from hardware.sim import LockFirmware
from tests.support.locks import Rig

CHICAGO = ZoneInfo("America/Chicago")
PERSON = UUID(int=77)


def _open(firmware: LockFirmware, key: OfflineKey, phone: SecretKey) -> ErrorCode | None:
    challenge = decode_reply(firmware.handle(ChallengeRequest().frame())[0].frame)
    assert isinstance(challenge, Challenge)
    use = OfflineOpen(key, Action.UNLOCK, challenge.nonce)
    proof = sign(phone, OfflineOpen.SIGNED_AS, use.proof_body(firmware.spec.lock_id))
    final = decode_reply(
        firmware.handle(OfflineOpen(key, Action.UNLOCK, challenge.nonce, proof).frame())[-1].frame
    )
    if isinstance(final, ErrorReport):
        return final.code
    assert isinstance(final, Complete)
    return None


@pytest.fixture
def setup() -> tuple[Rig, LockFirmware, SecretKey, OfflineKey]:
    rig = Rig(clock=ManualClock(datetime(2026, 6, 1, 15, 0, tzinfo=UTC)))  # 10:00 in Chicago
    firmware = rig.firmware()
    phone = SecretKey(b"p" * 32)
    key = OfflineKeyIssuer(rig.facility, CHICAGO).issue(
        key_id=9,
        person=PERSON,
        phone_key=phone.public,
        locks=(firmware.spec.lock_id,),
        now=rig.clock.now(),
    )
    return rig, firmware, phone, key


def test_end_of_local_day_follows_the_facility_zone() -> None:
    morning = datetime(2026, 6, 1, 15, 0, tzinfo=UTC)
    assert end_of_local_day(morning, CHICAGO) == datetime(2026, 6, 2, 4, 59, 59, tzinfo=UTC)
    # the day a DST change shortens: still the local day's last second
    assert end_of_local_day(datetime(2026, 3, 8, 12, tzinfo=UTC), CHICAGO) == datetime(
        2026, 3, 9, 4, 59, 59, tzinfo=UTC
    )


def test_an_offline_key_opens_without_the_server_and_is_logged(setup) -> None:
    rig, firmware, phone, key = setup
    assert key.not_after == int(end_of_local_day(rig.clock.now(), CHICAGO).timestamp())
    assert _open(firmware, key, phone) is None
    event = firmware.events[-1]
    assert (event.key_id, event.subject) == (9, PERSON.bytes)


def test_it_stops_at_the_end_of_the_local_day(setup) -> None:
    rig, firmware, phone, key = setup
    end = end_of_local_day(rig.clock.now(), CHICAGO)
    rig.clock.set(end + timedelta(seconds=CLOCK_TOLERANCE))
    assert _open(firmware, key, phone) is None  # within the lock's clock tolerance
    rig.clock.advance(timedelta(seconds=1))
    assert _open(firmware, key, phone) is ErrorCode.EXPIRED


def test_a_revoked_key_opens_a_lock_nobody_contacted_only_until_its_expiry(setup) -> None:
    """The spec's bound: end of the local day of issue + the clock tolerance, at most."""
    rig, firmware, phone, _ = setup
    untouched = rig.firmware(5)
    key_both = OfflineKeyIssuer(rig.facility, CHICAGO).issue(
        key_id=9,
        person=PERSON,
        phone_key=phone.public,
        locks=(firmware.spec.lock_id, untouched.spec.lock_id),
        now=rig.clock.now(),
    )
    revocations = RevocationIssuer(rig.facility).issue(1, int(rig.clock.now().timestamp()), (9,))
    firmware.handle(revocations)  # a gateway or online phone pushed the list to this lock
    assert _open(firmware, key_both, phone) is ErrorCode.REVOKED
    rig.clock.set(datetime.fromtimestamp(key_both.not_after + CLOCK_TOLERANCE, UTC))
    assert _open(untouched, key_both, phone) is None  # nobody told it: the bound's last second
    rig.clock.advance(timedelta(seconds=1))
    assert _open(untouched, key_both, phone) is ErrorCode.EXPIRED


def test_an_older_revocation_list_never_replaces_a_newer_one(setup) -> None:
    rig, firmware, phone, key = setup
    issue = RevocationIssuer(rig.facility).issue
    now = int(rig.clock.now().timestamp())
    firmware.handle(issue(2, now, (9,)))
    firmware.handle(issue(1, now, ()))
    assert firmware.revocation_version.value == 2
    assert _open(firmware, key, phone) is ErrorCode.REVOKED


def test_a_key_for_other_locks_a_stolen_credential_and_a_forged_list_fail(setup) -> None:
    rig, firmware, phone, key = setup
    other = rig.firmware(6)
    assert _open(other, key, phone) is ErrorCode.WRONG_LOCK
    thief = SecretKey(b"t" * 32)  # the credential copied to another phone
    assert _open(firmware, key, thief) is ErrorCode.NOT_AUTHORISED
    stranger = Rig()
    stranger.facility = type(rig.facility)(1, SecretKey(b"s" * 32))
    forged = RevocationIssuer(stranger.facility).issue(5, 0, ())
    report = decode_reply(firmware.handle(forged)[-1].frame)
    assert isinstance(report, ErrorReport)
    assert report.code is ErrorCode.NOT_AUTHORISED
    assert firmware.revocation_version.value == 0
