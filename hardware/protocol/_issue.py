"""The server side: signing commands, offline keys and revocation lists for locks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from hardware.protocol._codes import Action, Kind
from hardware.protocol._crypto import PublicKey, SecretKey, sign
from hardware.protocol._frame import encode_frame
from hardware.protocol._requests import (
    MAX_OFFLINE_LOCKS,
    MAX_REVOKED_IDS,
    NONCE_SIZE,
    Command,
    OfflineKey,
    Revocations,
)

__all__ = [
    "CommandIssuer",
    "FacilityKey",
    "OfflineKeyIssuer",
    "RevocationIssuer",
    "TrustedKey",
    "end_of_local_day",
]


@dataclass(frozen=True, slots=True)
class TrustedKey:
    """A facility public key as a lock holds it (provisioned at install)."""

    key_id: int
    """The id commands name it by."""
    public: PublicKey
    """The Ed25519 public key."""


@dataclass(frozen=True, slots=True)
class FacilityKey:
    """The facility's signing key (server side only) and its id."""

    key_id: int
    """The id that commands carry so locks pick the right trusted key."""
    secret: SecretKey
    """The Ed25519 secret key."""

    @property
    def trusted(self) -> TrustedKey:
        """What a lock is provisioned with."""
        return TrustedKey(self.key_id, self.secret.public)


class CommandIssuer:
    """Builds and signs the command for one lock's challenge (the server's half of a relay)."""

    def __init__(self, key: FacilityKey) -> None:
        self._key = key

    @property
    def key_id(self) -> int:
        """The facility key id commands carry."""
        return self._key.key_id

    def issue(
        self,
        lock_id: UUID,
        action: Action,
        challenge: bytes,
        not_before: int,
        not_after: int,
        command_id: UUID,
    ) -> bytes:
        """The signed COMMAND frame; the window is unix seconds, as the policy decided it."""
        if len(challenge) != NONCE_SIZE:
            raise ValueError(f"a challenge has {NONCE_SIZE} bytes, not {len(challenge)}")
        if not_after < not_before:
            raise ValueError("the command's window ends before it starts")
        body = Command(
            self._key.key_id, lock_id, action, challenge, not_before, not_after, command_id
        ).body()
        return encode_frame(Kind.COMMAND, body + sign(self._key.secret, Command.SIGNED_AS, body))


def end_of_local_day(instant: datetime, zone: ZoneInfo) -> datetime:
    """The last second of `instant`'s day in `zone` (DST-aware), as UTC."""
    local = instant.astimezone(zone)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=zone)
    return (midnight - timedelta(seconds=1)).astimezone(UTC)


class OfflineKeyIssuer:
    """Issues offline keys: valid to the end of the facility's local day at most."""

    def __init__(self, key: FacilityKey, zone: ZoneInfo) -> None:
        self._key = key
        self._zone = zone

    def issue(
        self,
        *,
        key_id: int,
        person: UUID,
        phone_key: PublicKey,
        locks: tuple[UUID, ...],
        now: datetime,
        until: datetime | None = None,
    ) -> OfflineKey:
        """A signed key for `person`'s phone at `locks`, from `now` to `until` or day's end.

        The policy decides before calling this whether the person may have one now.
        """
        if not 1 <= len(locks) <= MAX_OFFLINE_LOCKS:
            raise ValueError(f"an offline key names 1..{MAX_OFFLINE_LOCKS} locks")
        end = end_of_local_day(now, self._zone)
        if until is not None:
            end = min(end, until)
        key = OfflineKey(
            key_id,
            self._key.key_id,
            person,
            phone_key.raw,
            int(now.timestamp()),
            int(end.timestamp()),
            locks,
        )
        return replace(key, signature=sign(self._key.secret, OfflineKey.SIGNED_AS, key.body()))


class RevocationIssuer:
    """Signs revocation lists (the ids of offline keys revoked and not yet expired)."""

    def __init__(self, key: FacilityKey) -> None:
        self._key = key

    def issue(self, version: int, issued_at: int, key_ids: tuple[int, ...]) -> bytes:
        """The signed REVOCATIONS frame of list `version`."""
        if len(key_ids) > MAX_REVOKED_IDS:
            raise ValueError(f"a revocation list holds at most {MAX_REVOKED_IDS} ids")
        body = Revocations(self._key.key_id, version, issued_at, key_ids).body()
        signature = sign(self._key.secret, Revocations.SIGNED_AS, body)
        return Revocations(self._key.key_id, version, issued_at, key_ids, signature).frame()
