"""Where a tenant's activation goes (seed 000 steps 3 and 4): the mobile field, else the
primary phone field, by SMS; a tenant with no usable number but an email gets an email."""

from __future__ import annotations

from dataclasses import dataclass

from engine.notify._kinds import Channel
from engine.notify._numbers import NumberCheck, check_number

__all__ = ["ContactRoute", "contact_route"]


@dataclass(frozen=True)
class ContactRoute:
    """The channel and recipient chosen, the numbers looked at, and why none was usable."""

    channel: Channel
    recipient: str | None
    """E.164 number or lowercase email; None when `problem` says why nothing can be sent."""
    source: str
    """Which PMS field it came from: `mobile`, `phone`, `email` or `none`."""
    checks: tuple[NumberCheck, ...]
    """Every number looked at, in order (the diagnosis shows them)."""
    problem: str | None = None


def contact_route(
    mobile: str | None, phone: str | None, email: str | None, region: str | None
) -> ContactRoute:
    """The route for a rental's contact fields; `region` is the facility's country."""
    checks: list[NumberCheck] = []
    for source, raw in (("mobile", mobile), ("phone", phone)):
        if not raw or any(c.raw == raw for c in checks):
            continue
        check = check_number(raw, region)
        checks.append(check)
        if check.sms_ok:
            return ContactRoute(Channel.SMS, check.e164, source, tuple(checks))
    if email:
        return ContactRoute(Channel.EMAIL, email.strip().lower(), "email", tuple(checks))
    problem = "; ".join(c.problem for c in checks if c.problem) or "no mobile, phone or email"
    return ContactRoute(Channel.SMS, None, "none", tuple(checks), problem)
