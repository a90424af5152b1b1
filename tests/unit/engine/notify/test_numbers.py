"""Tenants' numbers as a PMS holds them: E.164 with the facility's country as default."""

from __future__ import annotations

import pytest

from engine.notify import Channel, check_number, contact_route


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+1 415 555 2671", "US", "+14155552671"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("0151 23456789", "DE", "+4915123456789"),
        ("+49 151 23456789", "US", "+4915123456789"),  # an explicit country code wins
        ("07400 123456", "GB", "+447400123456"),
    ],
)
def test_a_mobile_number_is_normalised_with_the_facility_country(
    raw: str, region: str, e164: str
) -> None:
    check = check_number(raw, region)
    assert (check.e164, check.problem, check.sms_ok) == (e164, None, True)


def test_a_landline_is_refused_naming_it() -> None:
    check = check_number("020 7946 0958", "GB")
    assert check.e164 == "+442079460958"
    assert check.line_type == "fixed_line"
    assert not check.sms_ok
    assert check.problem == "`+442079460958` is a landline: no SMS can go to it"


@pytest.mark.parametrize("raw", ["abc", "123", "(555) 010-1234"])
def test_an_invalid_number_is_refused_with_the_number_in_backticks(raw: str) -> None:
    check = check_number(raw, "US")
    assert check.e164 is None and check.line_type == "invalid"
    assert check.problem is not None and check.problem.startswith(f"`{raw}` is not")


def test_the_route_is_the_mobile_then_the_primary_phone_then_the_email() -> None:
    mobile = contact_route("+1 415 555 2671", "+1 415 555 2672", "a@x.example", "US")
    assert (mobile.channel, mobile.recipient, mobile.source) == (
        Channel.SMS,
        "+14155552671",
        "mobile",
    )
    phone = contact_route("123", "+1 415 555 2672", None, "US")
    assert (phone.recipient, phone.source, len(phone.checks)) == ("+14155552672", "phone", 2)
    email = contact_route(None, "020 7946 0958", "Ann@X.example", "GB")
    assert (email.channel, email.recipient, email.source) == (
        Channel.EMAIL,
        "ann@x.example",
        "email",
    )
    none = contact_route("020 7946 0958", None, None, "GB")
    assert (none.recipient, none.source) == (None, "none")
    assert none.problem == "`+442079460958` is a landline: no SMS can go to it"
    assert contact_route(None, None, None, "US").problem == "no mobile, phone or email"
