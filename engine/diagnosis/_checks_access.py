"""The last item before contacting support (seed 000 step 11): what the access policy
answers the tenant at their unit's doors right now, with its explanation."""

from __future__ import annotations

from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, CheckStatus

__all__ = ["access_check"]


def access_check(f: SectionFacts) -> Check:
    """Every door of the unit (its lock and the entry points serving it) through the app;
    a preview, never recorded as an access attempt."""
    title = "Access decision now"
    if not f.access:
        return Check("access", 11, title, CheckStatus.UNKNOWN, "no rented unit to look at")
    evidence = {
        "channel": "phone_relay",
        "recorded": False,
        "doors": [
            {
                "door": a.name,
                "kind": a.kind,
                "allowed": a.allowed,
                "reason": a.reason,
                "rule": a.rule,
                "matched_rules": list(a.matched),
                "request": a.request,
            }
            for a in f.access
        ],
    }
    denied = [a for a in f.access if not a.allowed]
    if not denied:
        names = ", ".join(a.name for a in f.access)
        return Check("access", 11, title, CheckStatus.PASS, f"opens now: {names}", evidence)
    said = "; ".join(
        f"{a.name}: {a.reason}" + (f" (rule `{a.rule}`)" if a.rule else " (no rule permits)")
        for a in denied
    )
    return Check(
        "access",
        11,
        title,
        CheckStatus.FAIL,
        f"denied now at {', '.join(a.name for a in denied)}",
        evidence,
        f"The policy tells the tenant: {said}. Explain it to them, or correct what it rests "
        "on (the unit's status, the lease start, the access hours).",
    )
