"""Sealing chains written before the registry: their heads signed, each registered once.

A database migrated to the registry holds chains whose heads carry no code and that no
registry row names. Sealing takes each as it stands, once its entries verify and its head
agrees with its last entry, and records in its registry row the entry it was sealed at.
Truncation before the seal cannot be detected afterwards (it could not be before either).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import col, select

from engine.audit._chain import AuditLog
from engine.audit._registry import is_registered, lock_registry, register_chain
from engine.audit._verify import ChainProblem, VerifyReport, registry_problems, walk_chain
from engine.persistence import Database, table_of
from engine.persistence.tables import AuditChain, AuditHead

__all__ = ["SealReport", "seal_unregistered"]


@dataclass
class SealReport:
    """The chains sealed, and those refused with why."""

    sealed: list[str] = field(default_factory=list)
    refused: list[ChainProblem] = field(default_factory=list)


def seal_unregistered(db: Database, log: AuditLog, now: datetime, batch: int = 5000) -> SealReport:
    """Register and sign every chain without a registry row (one transaction each).

    Refuses all when the registry itself does not verify (a registry row removed would
    otherwise let its chain be sealed again as found), and a chain whose entries or head
    do not verify.
    """
    report = SealReport()
    with db.read() as s:
        broken = registry_problems(s, log, None)
        if broken:
            report.refused.extend(broken)
            return report
        unregistered = s.exec(
            select(AuditHead.facility_id)
            .where(col(AuditHead.facility_id).not_in(select(AuditChain.facility_id)))
            .order_by(col(AuditHead.facility_id))
        ).all()
    for facility_id in unregistered:
        with db.transaction() as s:
            conn = s.connection()
            registry = lock_registry(conn, log)
            tip = log.tip(s, facility_id)
            if is_registered(conn, facility_id):
                continue  # registered since we looked
            walk = walk_chain(s, log, facility_id, VerifyReport(), batch)
            problem = walk.problem
            if problem is None and (walk.last, walk.last_hash) != (tip.seq, tip.hash):
                problem = ChainProblem(
                    facility_id,
                    walk.last + 1,
                    None,
                    f"the chain ends at #{walk.last} but its head records #{tip.seq}",
                )
            if problem is None and tip.mac is not None and not tip.authentic:
                problem = ChainProblem(
                    facility_id, tip.seq, None, "its head's authentication code is wrong"
                )
            if problem is not None or walk.first_hash is None:
                report.refused.append(
                    problem or ChainProblem(facility_id, 1, None, "the chain has no entries")
                )
                continue
            mac = log.head_mac(facility_id, tip.seq, tip.hash)
            conn.execute(_SIGN_HEAD, {"fid": facility_id, "new_mac": mac})
            register_chain(
                conn, log, registry, facility_id, walk.first_hash, now, sealed_seq=tip.seq
            )
            report.sealed.append(facility_id)
    return report


_heads = table_of(AuditHead)
_SIGN_HEAD = (
    update(_heads).where(_heads.c.facility_id == bindparam("fid")).values(mac=bindparam("new_mac"))
)
