"""Portal: a facility's hash-chained audit log, and its verification."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from pydantic import BaseModel
from sqlmodel import col, select

from api.problems import problems
from api.routes._deps import employee_facility
from engine.access import Caller
from engine.audit import verify_chain
from engine.domain import Permission
from engine.persistence.tables import AuditEntry
from engine.runtime import Runtime

__all__ = ["audit_router"]


class AuditEntryOut(BaseModel):
    """One entry of the chain."""

    seq: int
    at: datetime
    kind: str
    actor: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class AuditVerifyOut(BaseModel):
    """Whether the facility's chain is intact, and where it breaks if not."""

    ok: bool
    entries: int
    problems: list[str]


@get("/facilities/{facility_id:str}/audit", responses=problems(403, 404), sync_to_thread=True)
def query_audit(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    facility_id: FromPath[str],
    kind: Annotated[
        str | None, QueryParameter(max_length=40, description="only entries of this kind")
    ] = None,
    subject: Annotated[
        str | None, QueryParameter(max_length=100, description="only about this unit or door")
    ] = None,
    after_seq: Annotated[
        int,
        QueryParameter(ge=0, le=2_147_483_647, description="entries after this sequence number"),
    ] = 0,
    limit: Annotated[
        int, QueryParameter(ge=1, le=1000, description="at most this many, oldest first")
    ] = 100,
) -> list[AuditEntryOut]:
    """Entries in sequence order; page with `after_seq` = the last `seq` you received."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.AUDIT_READ)
        query = select(AuditEntry).where(
            AuditEntry.facility_id == facility_id, AuditEntry.seq > after_seq
        )
        if kind is not None:
            query = query.where(AuditEntry.kind == kind)
        if subject is not None:
            query = query.where(AuditEntry.subject == subject)
        rows = s.exec(query.order_by(col(AuditEntry.seq)).limit(limit)).all()
        return [
            AuditEntryOut(
                seq=e.seq,
                at=e.at,
                kind=e.kind,
                actor=e.actor,
                subject=e.subject,
                payload=json.loads(e.payload),
                prev_hash=e.prev_hash,
                hash=e.hash,
            )
            for e in rows
        ]


@get(
    "/facilities/{facility_id:str}/audit/verify", responses=problems(403, 404), sync_to_thread=True
)
def verify_audit(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller], facility_id: FromPath[str]
) -> AuditVerifyOut:
    """Recompute every hash and MAC of the facility's chain."""
    with runtime.db.read() as s:
        employee_facility(s, caller, facility_id, Permission.AUDIT_READ)
        report = verify_chain(s, runtime.audit, facility_id)
    return AuditVerifyOut(
        ok=report.ok, entries=report.entries, problems=[str(p) for p in report.problems]
    )


audit_router = Router("/v1", route_handlers=[query_audit, verify_audit], tags=["portal: audit"])
