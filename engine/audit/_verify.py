"""Checking a facility's chain: the first edited, missing, reordered or forged entry."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from engine.audit._chain import GENESIS_HASH, AuditLog, entry_hash
from engine.persistence.tables import AuditEntry, AuditHead

__all__ = ["ChainProblem", "VerifyReport", "verify_chain"]


@dataclass(frozen=True)
class ChainProblem:
    """The first bad entry of one facility's chain."""

    facility_id: str
    seq: int
    """Where the chain breaks (for a missing entry: the sequence number expected there)."""
    entry_id: int | None
    problem: str

    def __str__(self) -> str:
        row = f" (row {self.entry_id})" if self.entry_id is not None else ""
        return f"facility `{self.facility_id}`: entry #{self.seq}{row}: {self.problem}"


@dataclass
class VerifyReport:
    """What `verify_chain` found: how much it checked and the first problem of each chain."""

    entries: int = 0
    facilities: int = 0
    problems: list[ChainProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every chain verified."""
        return not self.problems


def verify_chain(
    session: Session, log: AuditLog, facility_id: str | None = None, batch: int = 5000
) -> VerifyReport:
    """Verify every facility's chain (or one), streaming entries in sequence order."""
    heads_query = select(AuditHead)
    facilities_query = select(AuditEntry.facility_id).distinct()
    if facility_id is not None:
        heads_query = heads_query.where(AuditHead.facility_id == facility_id)
        facilities_query = facilities_query.where(AuditEntry.facility_id == facility_id)
    heads = sorted(session.exec(heads_query).all(), key=lambda h: h.facility_id)
    report = VerifyReport()
    for head in heads:
        report.facilities += 1
        problem = _verify_one(session, log, head, report, batch)
        if problem is not None:
            report.problems.append(problem)
    headless = set(session.exec(facilities_query).all()) - {h.facility_id for h in heads}
    for fid in sorted(headless):
        report.problems.append(ChainProblem(fid, 1, None, "entries exist without a chain head"))
    return report


def _verify_one(
    session: Session, log: AuditLog, head: AuditHead, report: VerifyReport, batch: int
) -> ChainProblem | None:
    fid = head.facility_id
    expected, prev = 1, GENESIS_HASH
    while True:
        rows = session.exec(
            select(AuditEntry)
            .where(AuditEntry.facility_id == fid, AuditEntry.seq >= expected)
            .order_by(col(AuditEntry.seq), col(AuditEntry.id))
            .limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            report.entries += 1
            problem = _check_entry(log, entry, expected, prev)
            if problem is not None:
                return ChainProblem(fid, expected, entry.id, problem)
            expected, prev = entry.seq + 1, entry.hash
    last = expected - 1
    if head.seq != last or head.hash != prev:
        return ChainProblem(
            fid,
            min(head.seq, last) + 1,
            None,
            f"the chain ends at #{last} but its head records #{head.seq}: "
            "entries were removed or added outside the log",
        )
    return None


def _check_entry(log: AuditLog, e: AuditEntry, expected: int, prev: str) -> str | None:
    if e.seq != expected:
        return f"entry #{expected} is missing (the next one is #{e.seq})"
    if e.prev_hash != prev:
        return "it does not follow the entry before it (reordered or replaced)"
    digest = entry_hash(
        e.prev_hash, e.facility_id, e.seq, e.at, e.kind, e.actor, e.subject, e.payload
    )
    if digest != e.hash:
        return "its content was edited after it was written"
    if not hmac.compare_digest(log.mac(e.hash), e.mac):
        return "its authentication code is wrong: it was written without the audit key"
    return None
