"""The access decision point: a person at a door, decided by the policy and logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from engine.access._relations import Candidate, candidates
from engine.access._scope import Caller, company_door, permissions_at
from engine.audit import AuditLog
from engine.clock import Clock
from engine.domain import Channel
from engine.persistence.tables import AccessDecisionRecord, Door, Facility
from engine.policy import ACCESS_PERMISSIONS, CompiledPolicy, Decision, Explanation

__all__ = ["AccessOutcome", "AccessPoint", "Evaluation"]

UNLOCK_VALIDITY = timedelta(seconds=30)
"""How long an unlock authorisation may wait before the lock command is issued."""


@dataclass(frozen=True)
class Evaluation:
    """One request the policy was asked for this door, and its decision."""

    candidate: Candidate
    decision: Decision


@dataclass(frozen=True)
class AccessOutcome:
    """The decision at a door, the evaluation that made it, and where it was recorded."""

    door: Door
    facility: Facility
    at: datetime
    chosen: Evaluation
    evaluations: tuple[Evaluation, ...]
    record_id: int | None
    """The `access_decision` row; None for a dry run (what the app shows before asking)."""

    @property
    def decision(self) -> Decision:
        """The final decision."""
        return self.chosen.decision

    @property
    def unlock_expires_at(self) -> datetime | None:
        """Until when an allowed decision may be turned into a lock command."""
        return self.at + UNLOCK_VALIDITY if self.decision.allowed else None


def choose(evaluations: list[Evaluation]) -> Evaluation:
    """Granted if any request is permitted; else the denial that says most (a named forbid)."""
    # INVARIANT: candidates() returns at least one request.
    for ev in evaluations:
        if ev.decision.allowed:
            return ev
    for ev in evaluations:
        if ev.decision.rule is not None:
            return ev
    return evaluations[0]


@dataclass
class AccessPoint:
    """Decides access requests with the policy serving now and writes each to the audit log."""

    audit: AuditLog
    clock: Clock

    def evaluate(
        self,
        session: Session,
        caller: Caller,
        door: Door,
        facility: Facility,
        channel: Channel,
        policy: CompiledPolicy,
        now: datetime,
    ) -> tuple[Evaluation, ...]:
        """Every request for `caller` at `door` with its decision (nothing recorded)."""
        held = (
            permissions_at(session, caller.person_id, facility)
            if caller.is_employee
            else frozenset()
        )
        found = candidates(session, caller, door, facility, channel, now, held)
        return tuple(Evaluation(c, policy.decide(c.request)) for c in found)

    def preview(
        self,
        session: Session,
        caller: Caller,
        door: Door,
        facility: Facility,
        channel: Channel,
        policy: CompiledPolicy,
    ) -> AccessOutcome:
        """The decision `caller` would get at `door` now, without recording it."""
        now = self.clock.now()
        evaluations = self.evaluate(session, caller, door, facility, channel, policy, now)
        return AccessOutcome(door, facility, now, choose(list(evaluations)), evaluations, None)

    def decide(
        self,
        session: Session,
        caller: Caller,
        door_id: str,
        channel: Channel,
        policy: CompiledPolicy,
        *,
        note: str | None = None,
    ) -> AccessOutcome:
        """Decide `caller`'s request at `door_id` and record it in the caller's transaction."""
        door, facility = company_door(session, caller, door_id)
        preview = self.preview(session, caller, door, facility, channel, policy)
        chosen = preview.chosen
        decision = chosen.decision
        request = chosen.candidate.request
        record = AccessDecisionRecord(
            facility_id=facility.id,
            door_id=door.id,
            unit_id=chosen.candidate.unit_id,
            person_id=caller.person_id,
            principal_kind=request.principal.value,
            channel=channel.value,
            allowed=decision.allowed,
            deciding_rule=decision.rule,
            reason=decision.reason[:500],
            policy_version=decision.policy_version,
            note=note[:300] if note else None,
            at=preview.at,
        )
        session.add(record)
        session.flush()
        assert record.id is not None  # INVARIANT: the flush assigned the row id.
        record_id = record.id
        self.audit.append(
            session,
            facility_id=facility.id,
            at=preview.at,
            kind="access_decision",
            actor=caller.actor,
            subject=chosen.candidate.unit_id or door.id,
            payload={
                "decision_id": record_id,
                "door_id": door.id,
                "unit_id": chosen.candidate.unit_id,
                "allowed": decision.allowed,
                "rule": decision.rule,
                "reason": decision.reason,
                "policy_version": decision.policy_version,
                "via": chosen.candidate.via,
                "request": request_attributes(chosen.candidate),
                "note": note,
            },
        )
        return AccessOutcome(door, facility, preview.at, chosen, preview.evaluations, record_id)

    @staticmethod
    def explain(policy: CompiledPolicy, evaluations: tuple[Evaluation, ...]) -> list[Explanation]:
        """Every rule that matched each evaluated request."""
        return [policy.explain(ev.candidate.request) for ev in evaluations]


def request_attributes(candidate: Candidate) -> dict[str, object]:
    """A request as plain values, for the log and for explanations."""
    r = candidate.request
    return {
        "principal": r.principal.value,
        "door": r.door.value,
        "unit_state": r.unit_state.value if r.unit_state is not None else None,
        "relation": r.relation.value,
        "permissions": sorted(p.value for p in r.permissions if p in ACCESS_PERMISSIONS),
        "lease_started": r.lease_started,
        "within_access_hours": r.within_access_hours,
        "grant_active": r.grant_active,
        "other_unit_delinquent": r.other_unit_delinquent,
        "channel": r.channel.value,
    }
