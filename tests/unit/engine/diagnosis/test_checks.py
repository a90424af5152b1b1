"""Each check alone, over facts built in memory: the branches the break-each-item test
does not take (quarantine, a failing PMS, queued or undeliverable messages, an existing
account, locks without fleet data, a disconnected lock or gateway)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from sqlmodel import SQLModel

from engine.access import Caller
from engine.diagnosis import CheckStatus, InboxItem, Places, SectionFacts, SyncFacts
from engine.diagnosis._checks_contact import email_check, mobile_check
from engine.diagnosis._checks_lock import battery_check, lock_check
from engine.diagnosis._checks_message import message_check
from engine.diagnosis._checks_pms import rental_check, sync_check, unit_state_check
from engine.diagnosis._checks_tenant import account_check, app_check, lease_check
from engine.persistence.tables import (
    Activation,
    Door,
    Facility,
    LockDevice,
    LockGateway,
    OutboxMessage,
    Person,
    Rental,
    SyncState,
    Unit,
)

T = TypeVar("T", bound=SQLModel)
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
FAIL, PASS, UNKNOWN = CheckStatus.FAIL, CheckStatus.PASS, CheckStatus.UNKNOWN


def _facts(**changes: object) -> SectionFacts:
    facility = Facility(
        id="f", company_id="c", name="Riverside", pms_ref="F", country="GB", created_at=NOW
    )
    unit = Unit(id="u", facility_id="f", number="A1", pms_ref="U", state="occupied", updated_at=NOW)
    rental = Rental(
        id="r",
        unit_id="u",
        person_id="p",
        lease_start=date(2026, 3, 1),
        mobile="07400 123456",
        email="a@t.example",
        started_at=NOW - 2 * HOUR,
    )
    person = Person(id="p", name="Alex", created_at=NOW - 2 * HOUR, app_seen_at=NOW - HOUR)
    lock = LockDevice(
        id="l",
        facility_id="f",
        name="A1",
        public_key="00" * 32,
        gateway_id="g",
        created_at=NOW,
        last_contact_at=NOW,
        health={"battery": "good", "battery_percent": 80, "connectivity": "connected"},
    )
    gateway = LockGateway(
        id="g", facility_id="f", name="hub", url="http://h", created_at=NOW, reachable=True
    )
    base = SectionFacts(
        now=NOW,
        local_today="2026-03-02",
        facility=facility,
        person=person,
        caller=Caller("p", "c", "tenant"),
        rental=rental,
        ended=(),
        unit=unit,
        unit_state="occupied",
        move_in=None,
        sync=SyncFacts(True, SyncState(facility_id="f", last_poll_at=NOW), NOW - HOUR, (), 0, None),
        activation=None,
        message=None,
        places=Places((("f", "Riverside (tenant)"),), 0),
        door=Door(id="d", facility_id="f", name="A1", kind="unit", unit_id="u", lock_ref="l"),
        lock=lock,
        gateway=gateway,
        access=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _with(row: T, **changes: object) -> T:
    """A copy of a table row with `changes` (rows are not dataclasses)."""
    copy = row.model_copy(update=changes)
    assert all(getattr(copy, k) == v for k, v in changes.items())
    return copy


def _message(
    status: str, channel: str = "sms", reason: str | None = None, age: timedelta = HOUR
) -> OutboxMessage:
    return OutboxMessage(
        id="m",
        facility_id="f",
        kind="activation",
        channel=channel,
        recipient="+447400123456",
        idempotency_key="k",
        status=status,
        status_reason=reason,
        next_attempt_at=NOW,
        created_at=NOW - age,
        updated_at=NOW - age,
    )


def _activation(status: str = "sent", due: date = date(2026, 3, 1)) -> Activation:
    return Activation(
        id="a",
        rental_id="r",
        person_id="p",
        facility_id="f",
        due_on=due,
        status=status,
        message_id="m",
        created_at=NOW,
    )


def test_the_rental_check_fails_without_an_active_rental_and_says_when_the_last_ended() -> None:
    ended = Rental(
        id="old",
        unit_id="u",
        person_id="p",
        lease_start=date(2025, 1, 1),
        started_at=NOW - 900 * HOUR,
        ended_at=NOW - 72 * HOUR,
    )
    check = rental_check(_facts(rental=None, ended=(ended,)))
    assert check.status is FAIL and "ended 3 days ago" in check.summary
    assert rental_check(_facts()).status is PASS


def test_sync_fails_for_a_quarantined_event_a_pms_error_or_an_old_poll() -> None:
    base = _facts()
    assert sync_check(base).status is PASS
    assert base.sync is not None
    quarantined = InboxItem(7, 3, "quarantined", NOW - HOUR, "unknown unit `U`")
    check = sync_check(_facts(sync=replace(base.sync, unit_inbox=(quarantined,))))
    assert check.status is FAIL and "unknown unit" in check.summary
    assert check.fix is not None and "unitgate sync retry F 7" in check.fix
    failing = SyncState(facility_id="f", last_poll_at=NOW, last_error="pms answered 503")
    assert sync_check(_facts(sync=replace(base.sync, state=failing))).summary.endswith("503")
    old = SyncState(facility_id="f", last_poll_at=NOW - 6 * timedelta(minutes=1))
    assert "last polled 6 min ago" in sync_check(_facts(sync=replace(base.sync, state=old))).summary
    recent = InboxItem(8, 4, "pending", NOW - timedelta(minutes=2), None)
    assert sync_check(_facts(sync=replace(base.sync, unit_inbox=(recent,)))).status is PASS


def test_unit_states_other_than_occupied_fail_with_their_own_fix() -> None:
    for state in ("overlock", "pending_auction", "auction", "available"):
        check = unit_state_check(_facts(unit_state=state))
        assert check.status is FAIL and check.fix


def test_numbers_in_the_primary_phone_field_and_none_at_all() -> None:
    base = _facts()
    assert base.rental is not None
    phone_only = _with(base.rental, mobile=None, phone="07400 123456")
    assert "primary phone" in mobile_check(_facts(rental=phone_only)).summary
    nothing = _with(base.rental, mobile=None, phone=None, email=None)
    assert mobile_check(_facts(rental=nothing)).status is FAIL
    assert email_check(_facts(rental=nothing)).status is UNKNOWN


def test_message_statuses() -> None:
    sent = _activation()
    assert message_check(_facts(activation=None)).status is UNKNOWN
    assert message_check(_facts(activation=_activation("existing_account"))).status is PASS
    overdue = _activation("scheduled", date(2026, 3, 1))
    assert message_check(_facts(activation=overdue)).status is FAIL
    assert message_check(_facts(activation=sent, message=_message("sent"))).status is UNKNOWN
    assert message_check(_facts(activation=sent, message=_message("sent", "email"))).status is PASS
    stuck = message_check(_facts(activation=sent, message=_message("queued")))
    assert stuck.status is FAIL and "still queued" in stuck.summary
    fresh = _message("queued", age=timedelta(seconds=20))
    assert message_check(_facts(activation=sent, message=fresh)).status is UNKNOWN
    nowhere = message_check(
        _facts(activation=sent, message=_message("undeliverable", reason="no number"))
    )
    assert nowhere.status is FAIL and nowhere.fix is not None and "no number" in nowhere.fix


def test_an_existing_account_fails_until_the_app_is_seen_after_the_rental() -> None:
    places = Places((("f", "Riverside (tenant)"), ("h", "Hilltop (tenant)")), 1)
    before = _with(_facts().person, app_seen_at=NOW - 5 * HOUR)
    facts = _facts(places=places, activation=_activation("existing_account"), person=before)
    check = account_check(facts)
    assert check.status is FAIL
    assert "also at Hilltop (tenant); at 1 other storage company" in check.summary
    assert check.fix is not None and "dropdown" in check.fix and "log out" in check.fix
    assert account_check(replace(facts, person=_facts().person)).status is PASS
    assert app_check(facts).status is UNKNOWN  # seen, but before this rental


def test_a_tenant_whose_app_never_called_fails_unless_the_lease_is_ahead() -> None:
    never = _with(_facts().person, app_seen_at=None)
    assert app_check(_facts(person=never)).status is FAIL
    rental = _facts().rental
    assert rental is not None
    ahead = _with(rental, lease_start=date(2026, 4, 1))
    assert app_check(_facts(person=never, rental=ahead)).status is UNKNOWN
    assert lease_check(_facts(rental=ahead)).status is FAIL


def test_locks_without_fleet_data_are_unknown_never_a_pass() -> None:
    base = _facts()
    assert base.door is not None
    unregistered = _facts(lock=None, gateway=None, door=_with(base.door, lock_ref="vendor-9"))
    for check in (lock_check(unregistered), battery_check(unregistered)):
        assert check.status is UNKNOWN and "`vendor-9`" in check.summary
    assert lock_check(_facts(door=None, lock=None)).status is UNKNOWN
    assert base.lock is not None
    unread = _with(base.lock, health=None, last_contact_at=None)
    assert lock_check(_facts(lock=unread)).status is UNKNOWN
    assert battery_check(_facts(lock=unread)).status is UNKNOWN


def test_a_disconnected_lock_an_unreachable_gateway_or_a_jam_fail() -> None:
    base = _facts()
    assert base.lock is not None and base.gateway is not None
    assert lock_check(base).status is PASS
    gone = _with(
        base.lock, health={"connectivity": "disconnected", "advice": ["move the hub closer"]}
    )
    check = lock_check(_facts(lock=gone))
    assert check.status is FAIL and check.fix == "Move the hub closer."
    down = _with(base.gateway, reachable=False, last_seen_at=NOW - HOUR)
    assert "gateway hub does not answer" in lock_check(_facts(gateway=down)).summary
    jammed = _with(base.lock, health={"connectivity": "connected", "jammed": True})
    check = lock_check(_facts(lock=jammed))
    assert check.status is FAIL and check.fix is not None and "hasp" in check.fix
    critical = _with(
        base.lock,
        health={
            "battery": "critical",
            "battery_percent": 3,
            "advice": ["replace the battery now: the lock may stop opening"],
        },
    )
    check = battery_check(_facts(lock=critical))
    assert (
        check.status is FAIL and check.fix == "Replace the battery now: the lock may stop opening."
    )
