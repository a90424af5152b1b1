"""Load, compile, validate and verify in one step: what the service and the CLI trust."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.policy._compiler import CompiledPolicy, compile_policy
from engine.policy._cover import render_row
from engine.policy._errors import PolicyError, PolicyIssue, PolicyRejected
from engine.policy._loader import load_policy_files
from engine.policy._resolve import ParameterValue
from engine.policy._validator import validate_policy
from engine.policy._verifier import Invariant, InvariantResult, VerifyReport, verify_policy

__all__ = ["PreparedPolicy", "describe_failure", "prepare_policy"]


@dataclass(frozen=True)
class PreparedPolicy:
    """A compiled policy with its validation issues and its proof."""

    policy: CompiledPolicy
    issues: tuple[PolicyIssue, ...]
    proof: VerifyReport


def describe_failure(result: InvariantResult) -> str:
    """One line: which invariant fails, on which smallest request, because of which rules."""
    example = result.counterexample
    if example is None:
        return f"invariant `{result.invariant.id}` violated: {result.note}"
    row = {k: (v,) for k, v in example.attributes.items()}
    rules = (
        ", ".join(f"`{r.id}` ({r.location})" for r in example.responsible) or "no permit matches"
    )
    verdict = "permitted" if example.decision.allowed else "denied"
    return (
        f"invariant `{result.invariant.id}` violated on {result.violations} request(s), "
        f"smallest: {render_row(row)} is {verdict} by {rules}"
    )


def prepare_policy(
    files: Mapping[str, str],
    invariants: tuple[Invariant, ...],
    *,
    origin: str,
    parameters: Mapping[str, ParameterValue] | None = None,
) -> PreparedPolicy:
    """The policy in `files` (`{name: text}`), ready to serve; `PolicyRejected` says why not."""
    try:
        policy = compile_policy(load_policy_files(files, origin=origin, parameters=parameters))
    except PolicyError as exc:
        raise PolicyRejected.of("invalid policy", exc) from exc
    issues = tuple(validate_policy(policy))
    errors = [i for i in issues if i.severity == "error"]
    if errors:
        raise PolicyRejected.of("invalid policy", PolicyError(errors))
    proof = verify_policy(policy, invariants)
    if not proof.ok:
        raise PolicyRejected(describe_failure(proof.failures[0]), code="invariant-violated")
    return PreparedPolicy(policy, issues, proof)
