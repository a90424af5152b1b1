"""Checkpoints: the head of every chain at a time, signed, that a later verify holds the log to.

Every code in the database verifies after a rollback to an earlier valid state (a restored
backup, or a chain's head and entries put back as they were): only something kept outside
the database can tell. A checkpoint is that: each chain's (facility, seq, hash) and the
registry's count, with an HMAC under a key derived from the audit key (so its code can be
neither an entry's nor a head's). Verifying against it checks that each chain still has
entry #seq with that hash, i.e. the log only grew since.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlmodel import Session, col, select

from engine.audit._canonical import canonical_json
from engine.audit._chain import AuditLog
from engine.audit._registry import REGISTRY_ID, registry_mac
from engine.domain import refuse_nul
from engine.errors import InvalidInputError, RefusedError
from engine.persistence.tables import AuditHead, AuditRegistry

__all__ = [
    "CHECKPOINT_FORMAT",
    "Checkpoint",
    "CheckpointChain",
    "CheckpointChainDocument",
    "CheckpointDocument",
    "checkpoint_from_document",
    "take_checkpoint",
]

CHECKPOINT_FORMAT = "unitgate-audit-checkpoint/1"
"""The `format` of a checkpoint document."""

_KEY_LABEL = b"unitgate audit checkpoint key"

_Hex64 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


@dataclass(frozen=True)
class CheckpointChain:
    """Where one facility's chain ended when the checkpoint was taken."""

    facility_id: str
    seq: int
    hash: str


@dataclass(frozen=True)
class Checkpoint:
    """The chains' heads at `at`, and the code that authenticates them."""

    at: datetime
    chains: tuple[CheckpointChain, ...]
    registered: int | None
    """The registry's count (a checkpoint of every chain); None for one company's chains."""
    company_id: str | None
    """The company whose chains these are; None: every chain of the deployment."""
    mac: str

    def document(self) -> dict[str, Any]:
        """The checkpoint as a JSON-ready document (what `unitgate audit checkpoint` writes)."""
        return {
            "format": CHECKPOINT_FORMAT,
            "at": self.at.astimezone(UTC).isoformat(),
            "company_id": self.company_id,
            "registered": self.registered,
            "chains": [
                {"facility_id": c.facility_id, "seq": c.seq, "hash": c.hash} for c in self.chains
            ],
            "mac": self.mac,
        }


def checkpoint_mac(
    log: AuditLog,
    at: datetime,
    chains: Sequence[CheckpointChain],
    registered: int | None,
    company_id: str | None,
) -> str:
    """HMAC-SHA256 of a checkpoint's content under the checkpoint key."""
    key = hmac.new(log.key, _KEY_LABEL, hashlib.sha256).digest()
    body = canonical_json(
        {
            "format": CHECKPOINT_FORMAT,
            "at": at.astimezone(UTC),
            "company_id": company_id,
            "registered": registered,
            "chains": [[c.facility_id, c.seq, c.hash] for c in chains],
        }
    )
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def take_checkpoint(
    session: Session,
    log: AuditLog,
    now: datetime,
    *,
    facility_ids: Sequence[str] | None = None,
    company_id: str | None = None,
) -> Checkpoint:
    """A signed checkpoint of every chain (or of `facility_ids`, those of `company_id`).

    Refuses a head whose code does not verify, and for every chain a registry whose code
    does not: signing them would vouch for a rewritten log.
    """
    query = select(AuditHead).order_by(col(AuditHead.facility_id))
    if facility_ids is not None:
        query = query.where(col(AuditHead.facility_id).in_(facility_ids))
    chains = []
    for head in session.exec(query):
        if not log.head_is_authentic(head.facility_id, head.seq, head.hash, head.mac):
            raise RefusedError(
                f"the head of facility `{head.facility_id}`'s chain does not verify",
                help="run `unitgate audit verify`; a checkpoint vouches only for a sound log",
            )
        chains.append(CheckpointChain(head.facility_id, head.seq, head.hash))
    registered = None
    if facility_ids is None:
        registry = session.get(AuditRegistry, REGISTRY_ID)
        registered = registry.chains if registry is not None else 0
        if registry is not None and not hmac.compare_digest(
            registry_mac(log, registry.chains), registry.mac
        ):
            raise RefusedError(
                "the chain registry does not verify",
                help="run `unitgate audit verify`; a checkpoint vouches only for a sound log",
            )
    at = now.astimezone(UTC)
    mac = checkpoint_mac(log, at, chains, registered, company_id)
    return Checkpoint(at, tuple(chains), registered, company_id, mac)


class CheckpointChainDocument(BaseModel):
    """One chain of a checkpoint document."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    facility_id: str = Field(min_length=1, max_length=36)
    """The facility whose chain it is."""
    seq: int = Field(ge=1, le=2_147_483_647)
    """The chain's last entry when the checkpoint was taken."""
    hash: _Hex64
    """That entry's hash."""

    _no_nul = field_validator("facility_id", mode="after")(refuse_nul)


class CheckpointDocument(BaseModel):
    """A signed checkpoint: each chain's head at a time; the log must still hold them later."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    format: Literal["unitgate-audit-checkpoint/1"]
    """Always `unitgate-audit-checkpoint/1`."""
    at: AwareDatetime
    """When the checkpoint was taken."""
    company_id: str | None = Field(default=None, max_length=36)
    """The company whose chains it holds; null: every chain of the deployment."""
    registered: int | None = Field(default=None, ge=0, le=2_147_483_647)
    """How many chains the registry counted (a checkpoint of every chain)."""
    chains: list[CheckpointChainDocument] = Field(max_length=1_000_000)
    """Each chain's head."""
    mac: _Hex64
    """HMAC-SHA256 of the rest under a key derived from the audit key."""

    _no_nul = field_validator("company_id", mode="after")(refuse_nul)


def checkpoint_from_document(
    log: AuditLog, data: Mapping[str, Any] | CheckpointDocument
) -> Checkpoint:
    """The checkpoint `data` holds, once its code verifies; `InvalidInputError` otherwise
    (`ValidationError` for a document of the wrong shape)."""
    doc = data if isinstance(data, CheckpointDocument) else CheckpointDocument.model_validate(data)
    chains = tuple(CheckpointChain(c.facility_id, c.seq, c.hash) for c in doc.chains)
    if len({c.facility_id for c in chains}) != len(chains):
        raise InvalidInputError("the checkpoint names a facility twice")
    expected = checkpoint_mac(log, doc.at, chains, doc.registered, doc.company_id)
    if not hmac.compare_digest(expected, doc.mac):
        raise InvalidInputError(
            "the checkpoint's authentication code is wrong",
            help="it was changed after it was taken, or taken with another audit key",
        )
    return Checkpoint(doc.at.astimezone(UTC), chains, doc.registered, doc.company_id, doc.mac)
