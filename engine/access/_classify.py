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

_G, _O, _L = DenialReason.GATELOCKED, DenialReason.OVERLOCKED, DenialReason.LIEN
_SR, _SE, _GE = DenialReason.SHARE_REVOKED, DenialReason.SHARE_EXPIRED, DenialReason.GRANT_EXPIRED
_GATELOCK, _OVERLOCK = UnitState.GATELOCK, UnitState.OVERLOCK
_PENDING, _AUCTION = UnitState.PENDING_AUCTION, UnitState.AUCTION


def classify(decision: Decision, request: AccessRequest, lapsed: DenialReason | None) -> Decision:
    """`decision` with its code refined (the same object when nothing changes); `lapsed`:
    why the request's share or grant is not in force, when it is not."""
    # Identity tests: an enum's hash is a Python call, and this runs on every decision.
    code = decision.reason_code
    if code is None:
        return decision
    refined = code
    if code is _G or code is _O or code is _L:
        state = request.unit_state
        if state is _GATELOCK:
            refined = _G
        elif state is _OVERLOCK:
            refined = _O
        elif state is _PENDING or state is _AUCTION:
            refined = _L
    elif (code is _SR or code is _SE or code is _GE) and lapsed is not None:
        refined = lapsed
    return decision if refined is code else replace(decision, reason_code=refined)
