"""Phone numbers as tenants type them into a PMS, normalised to E.164 (`phonenumbers`)."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

__all__ = ["NumberCheck", "check_number"]

_SMS_TYPES = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE, PhoneNumberType.PAGER}
)


@dataclass(frozen=True)
class NumberCheck:
    """A number's E.164 form and line type, or why no SMS can go to it."""

    raw: str
    e164: str | None
    line_type: str
    """`mobile`, `fixed_line_or_mobile`, `fixed_line`, `voip`, ... or `invalid`."""
    problem: str | None
    """None when an SMS can be sent to `e164`."""

    @property
    def sms_ok(self) -> bool:
        return self.problem is None


def check_number(raw: str, region: str | None) -> NumberCheck:
    """Normalise `raw` with `region` (the facility's country, ISO 3166 alpha-2) as default;
    a number that is invalid, or a landline, gets a `problem` a manager can act on."""
    try:
        parsed = phonenumbers.parse(raw, (region or "US").upper())
    except phonenumbers.NumberParseException as exc:
        return NumberCheck(raw, None, "invalid", f"`{raw}` is not a phone number ({exc})")
    if not phonenumbers.is_valid_number(parsed):
        return NumberCheck(raw, None, "invalid", f"`{raw}` is not a valid number in {region}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    kind = phonenumbers.number_type(parsed)
    line_type = PhoneNumberType.to_string(kind).lower()
    if kind not in _SMS_TYPES:
        what = "a landline" if kind is PhoneNumberType.FIXED_LINE else f"a {line_type} number"
        return NumberCheck(raw, e164, line_type, f"`{e164}` is {what}: no SMS can go to it")
    return NumberCheck(raw, e164, line_type, None)
