"""The audit log: append-only and hash-chained per facility, written with the change it records."""

from engine.audit._binding import EntryRow, RowBinding
from engine.audit._canonical import canonical_json
from engine.audit._chain import GENESIS_HASH, AuditLog, ChainTip, PendingEntry, entry_hash
from engine.audit._checkpoint import (
    CHECKPOINT_FORMAT,
    Checkpoint,
    CheckpointChain,
    CheckpointChainDocument,
    CheckpointDocument,
    checkpoint_from_document,
    take_checkpoint,
)
from engine.audit._registry import Registry
from engine.audit._seal import SealReport, seal_unregistered
from engine.audit._verify import ChainProblem, ChainWalk, VerifyReport, verify_chain, walk_chain

__all__ = [
    "CHECKPOINT_FORMAT",
    "GENESIS_HASH",
    "AuditLog",
    "ChainProblem",
    "ChainTip",
    "ChainWalk",
    "Checkpoint",
    "CheckpointChain",
    "CheckpointChainDocument",
    "CheckpointDocument",
    "EntryRow",
    "PendingEntry",
    "Registry",
    "RowBinding",
    "SealReport",
    "VerifyReport",
    "canonical_json",
    "checkpoint_from_document",
    "entry_hash",
    "seal_unregistered",
    "take_checkpoint",
    "verify_chain",
    "walk_chain",
]
