"""Phone relay and offline keys over HTTP on the real server, with a simulated lock that
trusts the facility's key (SQLite and PostgreSQL).

A tenant's phone asks the lock for a challenge, sends it with the access request and writes
the signed command back: the lock unlocks. After the PMS overlocks the unit the server
refuses, and a command captured before is refused by the lock. An offline key opens the lock
with no server at all, stops at its end (the lock's clock moved on), and stops once the
revocation list fetched after the delinquency reaches the lock.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlmodel import select

from api.demo.run import DemoSite as Site
from api.locks import HardwareSigner
from engine.clock import ManualClock
from engine.locks import facility_key, register_lock
from engine.persistence import Database
from engine.persistence.tables import Door
from hardware.protocol import (
    CLOCK_TOLERANCE,
    Action,
    Challenge,
    ChallengeRequest,
    Complete,
    ErrorCode,
    ErrorReport,
    OfflineKey,
    OfflineOpen,
    PublicKey,
    SecretKey,
    TrustedKey,
    decode_reply,
    sign,
)
from hardware.sim import LockFirmware, LockSpec
from tests.e2e.test_stories import set_up
from tests.support.service import Service

pytestmark = pytest.mark.slow


def _provision(service: Service, site: Site, door_id: str) -> LockSpec:
    """Install a lock on `door_id`: the facility's key made as the server makes it, the lock
    registered and named by the door (the lock registry's API is another route's)."""
    lock_id, device = uuid4(), SecretKey.generate()
    db = Database(service.database_url)
    try:
        with db.transaction() as s:
            now = datetime.now(UTC)
            key = facility_key(s, site.facility_id, HardwareSigner().public_of, now)
            register_lock(
                s,
                site.facility_id,
                lock_id=str(lock_id),
                name="U1 lock",
                public_key=device.public.raw.hex(),
                address=None,
                gateway_id=None,
                now=now,
            )
            door = s.exec(select(Door).where(Door.id == door_id)).one()
            door.lock_ref = str(lock_id)
            s.add(door)
            trusted = TrustedKey(key.key_id, PublicKey(bytes.fromhex(key.public)))
    finally:
        db.dispose()
    return LockSpec(lock_id, device, (trusted,))


def _challenge(lock: LockFirmware) -> bytes:
    return lock.handle(ChallengeRequest().frame())[0].frame


def _final(lock: LockFirmware, frame: bytes) -> Complete | ErrorReport:
    reply = decode_reply(lock.handle(frame)[-1].frame)
    assert isinstance(reply, Complete | ErrorReport)
    return reply


def _ask(service: Service, door_id: str, who: dict[str, str], challenge: bytes) -> dict[str, Any]:
    body = {"challenge": base64.b64encode(challenge).decode()}
    return dict(service.post(f"/v1/doors/{door_id}/access-requests", body, who))


def _offline(lock: LockFirmware, credential: bytes, phone: SecretKey) -> ErrorCode | None:
    challenge = decode_reply(_challenge(lock))
    assert isinstance(challenge, Challenge)
    key = OfflineKey.unpack(credential)
    use = OfflineOpen(key, Action.UNLOCK, challenge.nonce)
    proof = sign(phone, OfflineOpen.SIGNED_AS, use.proof_body(lock.spec.lock_id))
    reply = _final(lock, OfflineOpen(key, Action.UNLOCK, challenge.nonce, proof).frame())
    return reply.code if isinstance(reply, ErrorReport) else None


def test_relay_commands_follow_the_decision_and_offline_keys_end_or_are_revoked(
    service: Service,
) -> None:
    site = set_up(service)
    door = site.locks["U1"]
    spec = _provision(service, site, door)
    clock = ManualClock(datetime.now(UTC))
    lock = LockFirmware(spec, clock)
    site.move_in("U1", "tara")
    tara = site.as_("tara")

    # Allowed: the answer carries the command for this challenge; the lock unlocks.
    got = _ask(service, door, tara, _challenge(lock))
    assert got["allowed"] is True
    auth = got["authorization"]
    assert auth["lock_id"] == str(spec.lock_id)
    window = datetime.fromisoformat(auth["not_after"]) - datetime.fromisoformat(auth["not_before"])
    assert timedelta(0) < window <= timedelta(seconds=30)
    assert isinstance(_final(lock, base64.b64decode(auth["command"])), Complete)

    # A challenge of another lock, or a frame that is no challenge: refused with why.
    other = LockFirmware(LockSpec(uuid4(), SecretKey.generate(), spec.trusted), clock)
    wrong = service.http.post(
        f"/v1/doors/{door}/access-requests",
        json={"challenge": base64.b64encode(_challenge(other)).decode()},
        headers=tara,
    )
    assert wrong.status_code == 400, wrong.text
    assert "not this door's" in wrong.text
    # Without a challenge: today's authorisation, no command.
    bare = site.open(door, tara)["authorization"]
    assert bare is not None and bare["command"] is None
    # The gate has no registered Bluetooth lock: a challenge there is a 409 saying so.
    gate = service.http.post(
        f"/v1/doors/{site.gate_id}/access-requests",
        json={"challenge": base64.b64encode(_challenge(lock)).decode()},
        headers=tara,
    )
    assert gate.status_code == 409, gate.text

    # An offline key for today, issued while the policy allows her.
    phone = SecretKey.generate()
    issued = service.post(
        "/v1/me/offline-keys",
        {"facility_id": site.facility_id, "phone_public_key": phone.public.raw.hex()},
        tara,
    )
    assert issued["locks"] == [str(spec.lock_id)]
    assert site.units["U1"] in issued["unit_ids"]
    credential = base64.b64decode(issued["credential"])
    not_after = datetime.fromisoformat(issued["not_after"])
    assert not_after <= datetime.now(UTC) + timedelta(days=1)
    assert _offline(lock, credential, phone) is None  # no server involved
    mine = service.get("/v1/me/offline-keys", tara)
    assert [k["key_id"] for k in mine] == [issued["key_id"]]

    # A command captured while she was allowed, not yet used ...
    captured = _ask(service, door, tara, _challenge(lock))["authorization"]["command"]

    # ... then the PMS overlocks the unit: the server refuses and gives no command.
    site.push("U1", status="occupied", delinquency="overlock", **site.tenant("tara"))
    assert site.unit("U1")["state"] == "overlock"
    refused = _ask(service, door, tara, _challenge(lock))
    assert refused["allowed"] is False and refused["authorization"] is None
    # The captured command: its challenge is no longer the lock's (and its window passes).
    stale = _final(lock, base64.b64decode(captured))
    assert isinstance(stale, ErrorReport)
    assert stale.code in (ErrorCode.STALE_CHALLENGE, ErrorCode.BAD_CHALLENGE)
    # No new key while overlocked: nothing would open, and the answer says why.
    none = service.http.post(
        "/v1/me/offline-keys",
        json={"facility_id": site.facility_id, "phone_public_key": phone.public.raw.hex()},
        headers=tara,
    )
    assert none.status_code == 409, none.text

    # The overlock revoked her offline key in its transaction; the signed list says so.
    listed = service.get(f"/v1/facilities/{site.facility_id}/revocations", tara)
    assert issued["key_id"] in listed["key_ids"] and listed["version"] >= 1
    [key] = service.get("/v1/me/offline-keys", tara)
    assert key["revoked_at"] is not None and "overlock" in key["revoke_reason"]

    # A copy of the lock nobody contacts since: the revoked key still opens it until its
    # end (+ the lock's clock tolerance), never after: the spec's longest window.
    untouched_clock = ManualClock(datetime.now(UTC))
    untouched = LockFirmware(spec, untouched_clock)
    assert _offline(untouched, credential, phone) is None
    untouched_clock.set(not_after + timedelta(seconds=CLOCK_TOLERANCE))
    assert _offline(untouched, credential, phone) is None
    untouched_clock.advance(timedelta(seconds=1))
    assert _offline(untouched, credential, phone) is ErrorCode.EXPIRED

    # The list reaches the lock (an online phone writes it): the key is refused at once.
    assert _offline(lock, credential, phone) is None  # before it arrives
    lock.handle(base64.b64decode(listed["frame"]))
    assert lock.revocation_version.value == listed["version"]
    assert _offline(lock, credential, phone) is ErrorCode.REVOKED
    assert UUID(issued["person_id"])  # the key names its holder
