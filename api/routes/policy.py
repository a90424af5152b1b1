"""Portal: the access policy serving now, its reviewer report, and this process's load history."""

from __future__ import annotations

from datetime import datetime

from litestar import MediaType, Response, Router, get
from litestar.di import NamedDependency
from pydantic import BaseModel
from sqlmodel import Session

from api.problems import problems
from engine.access import Caller, permissions_anywhere
from engine.domain import Permission
from engine.errors import PermissionDeniedError
from engine.policy import PolicyStore, verify_policy
from engine.policy._report import html_report
from engine.runtime import Runtime

__all__ = ["PolicyStatus", "policy_router"]

_READERS = (Permission.POLICY_MANAGE, Permission.AUDIT_READ)


class PolicyLoad(BaseModel):
    """One attempt to load the policy files."""

    at: datetime
    outcome: str
    version: str | None
    reason: str


class PolicyStatus(BaseModel):
    """The policy deciding now."""

    version: str
    """Content hash of the files and parameters; every decision records it."""
    origin: str
    files: list[str]
    parameters: dict[str, object]
    rules: int
    history: list[PolicyLoad]
    """Loads and refused reloads in this process, oldest first."""


def _require_reader(session: Session, caller: Caller) -> None:
    """Policy readers hold `policy.manage` or `audit.read` through a role of the company."""
    held = permissions_anywhere(session, caller.person_id, caller.company_id)
    if caller.is_employee and held & set(_READERS):
        return
    raise PermissionDeniedError(
        "`policy.manage` or `audit.read` is needed to read the policy",
        help="ask a manager to give your role one of them",
    )


@get("/policy", responses=problems(403), sync_to_thread=True)
def policy_status(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    caller: NamedDependency[Caller],
) -> PolicyStatus:
    """The policy version serving now, where it came from, and refused reloads with reasons."""
    with runtime.db.read() as s:
        _require_reader(s, caller)
    current = policies.current
    return PolicyStatus(
        version=current.version,
        origin=current.source.origin,
        files=[name for name, _ in current.source.files],
        parameters=current.parameters,
        rules=len(current.source.rules),
        history=[
            PolicyLoad(at=e.at, outcome=e.outcome, version=e.version, reason=e.reason)
            for e in policies.history
        ],
    )


@get("/policy/report", responses=problems(403), media_type=MediaType.HTML, sync_to_thread=True)
def policy_report(
    runtime: NamedDependency[Runtime],
    policies: NamedDependency[PolicyStore],
    caller: NamedDependency[Caller],
) -> Response[str]:
    """The reviewer report of the serving policy (decision matrix, invariants and proofs, rules)."""
    with runtime.db.read() as s:
        _require_reader(s, caller)
    current = policies.current
    proof = verify_policy(current, policies.invariants)
    return Response(html_report(current, proof, runtime.clock.now()), media_type=MediaType.HTML)


policy_router = Router(
    "/v1", route_handlers=[policy_status, policy_report], tags=["portal: policy"]
)
