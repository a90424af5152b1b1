"""The audit log: append-only and hash-chained per facility, written with the change it records."""

from engine.audit._canonical import canonical_json
from engine.audit._chain import GENESIS_HASH, AuditLog, PendingEntry, entry_hash
from engine.audit._verify import ChainProblem, VerifyReport, verify_chain

__all__ = [
    "GENESIS_HASH",
    "AuditLog",
    "ChainProblem",
    "PendingEntry",
    "VerifyReport",
    "canonical_json",
    "entry_hash",
    "verify_chain",
]
