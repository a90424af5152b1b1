"""Portal: a facility's hash-chained audit log, its verification, and signed checkpoints."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from pydantic import BaseModel
from sqlmodel import Session, col, select

from api.problems import problems
from api.routes._deps import employee_facility
from api.schemas import ApiTime
from engine.access import Caller, permissions_at
from engine.audit import CheckpointDocument, checkpoint_from_document, take_checkpoint, verify_chain
from engine.domain import Permission
from engine.errors import PermissionDeniedError
from engine.persistence.tables import AuditEntry, Facility
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


class CheckpointIn(CheckpointDocument):
    """A checkpoint sent back to be verified against (its time under the API's time rule)."""

    at: ApiTime
    """When the checkpoint was taken."""


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
    """Recompute every hash and code of the facility's chain and its head, check it is in
    the registry of chains, and compare each decision and transition row with its entry."""
    with runtime.db.snapshot() as s:
        employee_facility(s, caller, facility_id, Permission.AUDIT_READ)
        report = verify_chain(s, runtime.audit, facility_id)
    return AuditVerifyOut(
        ok=report.ok, entries=report.entries, problems=[str(p) for p in report.problems]
    )


@get("/audit/checkpoint", responses=problems(403, 409), sync_to_thread=True)
def audit_checkpoint(
    runtime: NamedDependency[Runtime], caller: NamedDependency[Caller]
) -> CheckpointDocument:
    """A signed checkpoint of the chains of every facility of your company where you hold
    `audit.read`: keep it, and later `POST /v1/audit/verify` it to check that the log only
    grew since (a rollback to an earlier state passes every other check)."""
    with runtime.db.snapshot() as s:
        audited = _audited_facilities(s, caller)
        checkpoint = take_checkpoint(
            s,
            runtime.audit,
            runtime.clock.now(),
            facility_ids=audited,
            company_id=caller.company_id,
        )
    return CheckpointDocument.model_validate(checkpoint.document())


@post("/audit/verify", status_code=200, responses=problems(403, 404), sync_to_thread=True)
def verify_against_checkpoint(
    runtime: NamedDependency[Runtime],
    caller: NamedDependency[Caller],
    data: JSONBody[CheckpointIn],
) -> AuditVerifyOut:
    """Verify the chains of a checkpoint (from `GET /v1/audit/checkpoint`) as the facility
    verification does, and that each still holds the entry the checkpoint recorded; a
    checkpoint whose code is wrong is refused (400)."""
    checkpoint = checkpoint_from_document(runtime.audit, data)
    entries = 0
    found: dict[str, None] = {}  # problems in order, each once (registry ones repeat)
    with runtime.db.snapshot() as s:
        for chain in checkpoint.chains:
            employee_facility(s, caller, chain.facility_id, Permission.AUDIT_READ)
        for chain in checkpoint.chains:
            report = verify_chain(s, runtime.audit, chain.facility_id, against=checkpoint)
            entries += report.entries
            found.update(dict.fromkeys(str(p) for p in report.problems))
    return AuditVerifyOut(ok=not found, entries=entries, problems=list(found))


def _audited_facilities(session: Session, caller: Caller) -> list[str]:
    """The company's facilities where the caller holds `audit.read` (403 when none)."""
    facilities = session.exec(
        select(Facility.id).where(Facility.company_id == caller.company_id)
    ).all()
    audited = [
        f
        for f in sorted(facilities)
        if caller.is_employee
        and Permission.AUDIT_READ in permissions_at(session, caller.person_id, f, caller.company_id)
    ]
    if not audited:
        raise PermissionDeniedError(
            "`audit.read` is needed at a facility of the company",
            help="ask a manager to give your role this permission",
        )
    return audited


audit_router = Router(
    "/v1",
    route_handlers=[query_audit, verify_audit, audit_checkpoint, verify_against_checkpoint],
    tags=["portal: audit"],
)
