"""Seed 000 steps 3 and 4: a mobile number that takes an SMS, or an email registration."""

from __future__ import annotations

from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, CheckStatus
from engine.diagnosis._text import resend
from engine.notify import Channel, ContactRoute, contact_route

__all__ = ["email_check", "mobile_check", "route_of"]

_PASS, _FAIL, _UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN


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
        kind = check.line_type.replace("_", " ")
        return Check(
            "mobile",
            3,
            title,
            _PASS,
            f"{route.recipient} from the PMS {field} field is a valid {kind} number",
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
        f"phone), let it sync, then {resend(f.unit.id if f.unit else None)}.",
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
