"""`GET /v1/policy`: the access policy serving now, and this process's load history."""

from __future__ import annotations

from datetime import datetime

from litestar import get
from litestar.di import NamedDependency
from pydantic import BaseModel

from engine.policy import PolicyStore

__all__ = ["PolicyStatus", "policy_status"]


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


@get("/v1/policy", tags=["policy"], sync_to_thread=False)
def policy_status(policies: NamedDependency[PolicyStore]) -> PolicyStatus:
    """The policy version serving now, where it came from, and refused reloads with reasons."""
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
