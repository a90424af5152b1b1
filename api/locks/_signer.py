"""The engine's `LockSigner` port over `hardware.protocol`."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from uuid import UUID
from zoneinfo import ZoneInfo

from engine.errors import InvalidInputError
from engine.locks import KeyMaterial
from hardware.protocol import (
    Action,
    Challenge,
    CommandIssuer,
    FacilityKey,
    FrameError,
    Kind,
    OfflineKeyIssuer,
    PublicKey,
    RevocationIssuer,
    SecretKey,
    decode_frame,
)

__all__ = ["HardwareSigner"]


@lru_cache(maxsize=1024)
def _keys(key_id: int, seed: bytes) -> tuple[FacilityKey, CommandIssuer]:
    # Deriving the key pair from its seed costs about what one signature does: once per key.
    key = FacilityKey(key_id, SecretKey(seed))
    return key, CommandIssuer(key)


def _facility_key(key: KeyMaterial) -> FacilityKey:
    return _keys(key.key_id, key.seed)[0]


class HardwareSigner:
    """Signs commands, offline keys and revocation lists with a facility's key."""

    def public_of(self, seed: bytes) -> bytes:
        """The Ed25519 public key of `seed`."""
        return SecretKey(seed).public.raw

    def command(
        self,
        key: KeyMaterial,
        *,
        lock_id: str,
        action: str,
        challenge: bytes,
        not_before: datetime,
        not_after: datetime,
        command_id: UUID,
    ) -> bytes:
        """The signed COMMAND frame; the window is the decision's, in unix seconds."""
        return _keys(key.key_id, key.seed)[1].issue(
            UUID(lock_id),
            Action[action.upper()],
            challenge,
            int(not_before.timestamp()),
            int(not_after.timestamp()),
            command_id,
        )

    def challenge_nonce(self, lock_id: str, frame: bytes) -> bytes:
        """The nonce of lock `lock_id`'s CHALLENGE frame."""
        try:
            decoded = decode_frame(frame)
            if decoded.kind is not Kind.CHALLENGE:
                raise FrameError(f"a {decoded.kind.name.lower()} frame")
            challenge = Challenge.unpack(decoded.payload)
        except FrameError as exc:
            raise InvalidInputError(
                f"`challenge` is not a lock's challenge frame: {exc}",
                help="send the CHALLENGE frame the lock notified, base64",
            ) from None
        if str(challenge.lock_id) != lock_id:
            raise InvalidInputError(
                f"the challenge is lock `{challenge.lock_id}`'s, not this door's",
                help="ask this door's lock for a challenge",
            )
        return challenge.nonce

    def offline_key(
        self,
        key: KeyMaterial,
        zone: str,
        *,
        key_id: int,
        person_id: str,
        phone_public: bytes,
        locks: list[str],
        now: datetime,
        until: datetime | None,
    ) -> tuple[bytes, datetime]:
        """The signed credential and its end (the facility's local day at most)."""
        issued = OfflineKeyIssuer(_facility_key(key), ZoneInfo(zone)).issue(
            key_id=key_id,
            person=UUID(person_id),
            phone_key=PublicKey(phone_public),
            locks=tuple(UUID(lock) for lock in locks),
            now=now,
            until=until,
        )
        return issued.pack(), datetime.fromtimestamp(issued.not_after, now.tzinfo)

    def revocations(
        self, key: KeyMaterial, *, version: int, issued_at: datetime, key_ids: list[int]
    ) -> bytes:
        """The signed REVOCATIONS frame."""
        return RevocationIssuer(_facility_key(key)).issue(
            version, int(issued_at.timestamp()), tuple(key_ids)
        )
