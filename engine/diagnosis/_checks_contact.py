"""Seed 000 steps 3 to 5: a mobile number that takes an SMS, an email registration instead,
and what became of the activation message."""

from __future__ import annotations

from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, CheckStatus
from engine.diagnosis._text import SYNC_BOUND, ago, iso
from engine.notify import Channel, ContactRoute, contact_route

__all__ = ["email_check", "message_check", "mobile_check", "route_of"]

_PASS, _FAIL, _UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN
_FAILED = {"undelivered", "failed", "given_up", "undeliverable"}


def route_of(f: SectionFacts) -> ContactRoute | None:
    """Where the rental's activation goes (the same rule the activation uses)."""
    r = f.rental
    if r is None:
        return None
    return contact_route(r.mobile, r.phone, r.email, f.facility.country)


def mobile_check(f: SectionFacts) -> Check:
    """Step 3: the PMS's mobile field (else its primary phone) holds a valid mobile number."""
    title = "Mobile number"
    route = route_of(f)
    if route is None:
        return Check("mobile", 3, title, _UNKNOWN, "no rental to look at")
    assert f.rental is not None
    evidence = {
        "region": f.facility.country,
        "numbers": [
            {"raw": c.raw, "e164": c.e164, "line_type": c.line_type, "problem": c.problem}
            for c in route.checks
        ],
        "chosen_from": route.source,
    }
    if route.channel is Channel.SMS and route.recipient is not None:
        check = next(c for c in route.checks if c.e164 == route.recipient)
        field = "mobile" if route.source == "mobile" else "primary phone"
        return Check(
            "mobile",
            3,
            title,
            _PASS,
            f"{route.recipient} from the PMS {field} field is a valid {check.line_type} number",
            evidence,
        )
    problems = [c.problem for c in route.checks if c.problem]
    if not problems:
        if route.channel is Channel.EMAIL:
            return Check(
                "mobile",
                3,
                title,
                _UNKNOWN,
                "the PMS has no mobile or phone number for the tenant",
                evidence,
                "If the tenant wants the code by SMS, enter their mobile number in the PMS.",
            )
        problems = [route.problem or "no mobile, phone or email"]
    return Check(
        "mobile",
        3,
        title,
        _FAIL,
        "no number can take an SMS: " + "; ".join(problems),
        evidence,
        "Correct the tenant's mobile number in the PMS (its mobile field, else the primary "
        "phone), let it sync, then resend the activation.",
    )


def email_check(f: SectionFacts) -> Check:
    """Step 4: an email registration gets no SMS; the link and a temporary PIN go by email."""
    title = "Email registration"
    route = route_of(f)
    if route is None:
        return Check("email", 4, title, _UNKNOWN, "no rental to look at")
    assert f.rental is not None
    sent_by = f.activation.channel if f.activation is not None else None
    evidence = {
        "email": f.rental.email,
        "route": route.channel.value,
        "activation_channel": sent_by,
    }
    email = (f.activation.recipient if sent_by == "email" and f.activation else None) or (
        route.recipient if route.channel is Channel.EMAIL else None
    )
    if email is not None:
        why = (
            "no number in the PMS takes an SMS (step 3)"
            if route.checks
            else "the tenant registered with an email"
        )
        return Check(
            "email",
            4,
            title,
            _FAIL,
            f"{why}: no SMS is sent, the app link and a temporary PIN go to {email}",
            evidence,
            f"Have the tenant look in {email}, including the spam or junk folder, for the "
            "download link and PIN.",
        )
    if route.recipient is None:
        return Check(
            "email", 4, title, _UNKNOWN, "the PMS has no email for the tenant either", evidence
        )
    return Check("email", 4, title, _PASS, "the activation goes by SMS", evidence)


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
            "Resend the activation.",
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
            "Check that the service runs (it sends due activations), or resend the activation.",
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
            "resend the activation."
            if m.status == "undeliverable"
            else f"Ask the tenant whether their phone has signal or Wi-Fi and whether "
            f"{m.recipient} is theirs; correct it in the PMS if not, then resend the activation."
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
