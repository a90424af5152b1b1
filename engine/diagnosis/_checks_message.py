"""Seed 000 step 5: what became of the activation message (delivered, or why not in the
provider's words), the SMS having to reach a phone with signal or Wi-Fi."""

from __future__ import annotations

from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, CheckStatus
from engine.diagnosis._text import SYNC_BOUND, ago, iso, resend, sentence

__all__ = ["message_check"]

_PASS, _FAIL, _UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN
_FAILED = {"undelivered", "failed", "given_up", "undeliverable"}


def _resend(f: SectionFacts) -> str:
    return resend(f.unit.id if f.unit else None)


def message_check(f: SectionFacts) -> Check:
    """Step 5: the activation message was delivered (or why not, in the provider's words)."""
    title = "Activation message"
    a = f.activation
    if f.rental is None:
        return Check("message", 5, title, _UNKNOWN, "no rental to look at")
    if a is None:
        return Check(
            "message",
            5,
            title,
            _UNKNOWN,
            "no activation is recorded for this rental",
            {},
            sentence(_resend(f)),
        )
    evidence: dict[str, object] = {
        "activation": a.status,
        "due_on": a.due_on.isoformat(),
        "channel": a.channel,
        "recipient": a.recipient,
        "sends": a.sends,
        "last_sent_at": iso(a.last_sent_at),
    }
    if a.status == "existing_account":
        return Check(
            "message",
            5,
            title,
            _PASS,
            "none needed: the tenant already has an account (step 7)",
            evidence,
        )
    if a.status == "scheduled":
        if a.due_on.isoformat() > f.local_today:
            return Check(
                "message",
                5,
                title,
                _UNKNOWN,
                f"nothing sent yet: scheduled for {a.due_on.isoformat()}, the lease start",
                evidence,
            )
        return Check(
            "message",
            5,
            title,
            _FAIL,
            f"due since {a.due_on.isoformat()} and not sent",
            evidence,
            f"Check that the service runs (it sends due activations), or {_resend(f)}.",
        )
    m = f.message
    if m is None:
        return Check(
            "message", 5, title, _UNKNOWN, "the activation's message is not found", evidence
        )
    evidence |= {
        "message_id": m.id,
        "status": m.status,
        "reason": m.status_reason,
        "attempts": m.attempts,
        "queued_at": iso(m.created_at),
        "sent_at": iso(m.sent_at),
        "updated_at": iso(m.updated_at),
    }
    to = f"{m.channel} to {m.recipient}" if m.recipient else m.channel
    if m.status == "delivered":
        return Check(
            "message", 5, title, _PASS, f"{to}: delivered {ago(f.now, m.updated_at)}", evidence
        )
    if m.status == "sent":
        if m.channel == "email":
            return Check("message", 5, title, _PASS, f"{to}: accepted by the mail server", evidence)
        return Check(
            "message",
            5,
            title,
            _UNKNOWN,
            f"{to}: sent {ago(f.now, m.sent_at or m.updated_at)}, no delivery report yet",
            evidence,
        )
    if m.status in _FAILED:
        reason = m.status_reason or "no reason given"
        fix = (
            f"Nothing valid to send to ({reason}): correct the contact in the PMS, then "
            f"{_resend(f)}."
            if m.status == "undeliverable"
            else f"Ask the tenant whether their phone has signal or Wi-Fi and whether "
            f"{m.recipient} is theirs; correct it in the PMS if not, then {_resend(f)}."
        )
        return Check("message", 5, title, _FAIL, f"{to}: {m.status}: {reason}", evidence, fix)
    if f.now - m.created_at > SYNC_BOUND:
        return Check(
            "message",
            5,
            title,
            _FAIL,
            f"{to}: still queued, since {ago(f.now, m.created_at)}",
            evidence,
            "Check that the outbox is being delivered (the service or `unitgate outbox run`).",
        )
    return Check(
        "message", 5, title, _UNKNOWN, f"{to}: queued {ago(f.now, m.created_at)}", evidence
    )
