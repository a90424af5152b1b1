"""A denial's code refined from its request and the facts behind it: the one place.

The policy decides, and each forbid names one `DenialReason`; a deny by default is
classified by the compiled table (`CompiledPolicy.decision_at`). Where one rule covers
several causes, the cause is read here, never decided here (allowed stays as decided):

- a balance-due or lien forbid (code `gatelocked`, `overlocked` or `lien`) is refined by the
  state of the unit asked for: gatelock → `gatelocked`, overlock → `overlocked`, pending
  auction or auction → `lien`; asked for a paid-up unit (another unit's balance locks the
  gates), it keeps the rule's code;
- a forbid of a grant not in force (`share_revoked`, `share_expired`, `grant_expired`) is
  refined by the candidate's facts: a share revoked → `share_revoked`, a share past its
  expiry → `share_expired`, an auction or clean-out window not open → `grant_expired`.
"""

from __future__ import annotations

from dataclasses import replace

from engine.domain import DenialReason, UnitState
from engine.policy import AccessRequest, Decision

__all__ = ["classify"]

_BALANCE = frozenset({DenialReason.GATELOCKED, DenialReason.OVERLOCKED, DenialReason.LIEN})
_BY_STATE = {
    UnitState.GATELOCK: DenialReason.GATELOCKED,
    UnitState.OVERLOCK: DenialReason.OVERLOCKED,
    UnitState.PENDING_AUCTION: DenialReason.LIEN,
    UnitState.AUCTION: DenialReason.LIEN,
}
_LAPSED = frozenset(
    {DenialReason.SHARE_REVOKED, DenialReason.SHARE_EXPIRED, DenialReason.GRANT_EXPIRED}
)


def classify(decision: Decision, request: AccessRequest, lapsed: DenialReason | None) -> Decision:
    """`decision` with its code refined (the same object when nothing changes); `lapsed`:
    why the request's share or grant is not in force, when it is not."""
    code = decision.reason_code
    if code is None:
        return decision
    refined = code
    if code in _BALANCE and request.unit_state is not None:
        refined = _BY_STATE.get(request.unit_state, code)
    elif code in _LAPSED and lapsed is not None:
        refined = lapsed
    return decision if refined is code else replace(decision, reason_code=refined)
