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
from engine.policy import PolicyEvent, PolicyStore, verify_policy
from engine.policy._report import html_report
from engine.runtime import Runtime

__all__ = ["PolicyLoad", "PolicyStatus", "policy_router"]

_READERS = (Permission.POLICY_MANAGE, Permission.AUDIT_READ)


class PolicyLoad(BaseModel):
    """One attempt to load the policy files."""

    at: datetime
    """When it happened."""
    outcome: str
    """`loaded` or `rejected`."""
    version: str | None
    """The version loaded; null for a rejection."""
    reason: str
    """What was loaded from where, or why the files were refused (file, line, rule)."""
    code: str | None = None
    """Why a rejection happened in one word: `not-a-file`, `invariant-violated`, ..."""
    file: str | None = None
    """The base name of the file at fault, when one is."""
    help: str | None = None
    """What to do about a rejection."""

    @classmethod
    def of(cls, event: PolicyEvent) -> PolicyLoad:
        """The view of a store event."""
        return cls(
            at=event.at,
            outcome=event.outcome,
            version=event.version,
            reason=event.reason,
            code=event.code,
            file=event.file,
            help=event.help,
        )


class PolicyStatus(BaseModel):
    """The policy deciding now."""

    version: str
    """Content hash of the files and parameters; every decision records it."""
    origin: str
    """The policy directory or file it was read from."""
    files: list[str]
    """The files of this version, in load order."""
    parameters: dict[str, object]
    """Parameter values in force, by name."""
    rules: int
    """How many rules it has."""
    loaded_at: datetime
    """When this version was loaded."""
    checked_at: datetime
    """When the files were last read (every `UNITGATE_POLICY_RELOAD_SECONDS`)."""
    reload_error: PolicyLoad | None
    """Why the files as they are now do not serve; null when they are this version."""
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
    status = policies.status
    current = status.policy
    return PolicyStatus(
        version=current.version,
        origin=current.source.origin,
        files=[name for name, _ in current.source.files],
        parameters=current.parameters,
        rules=len(current.source.rules),
        loaded_at=status.loaded_at,
        checked_at=status.checked_at,
        reload_error=PolicyLoad.of(status.refused) if status.refused else None,
        history=[PolicyLoad.of(e) for e in policies.history],
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
