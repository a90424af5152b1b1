"""engine.locks: relay commands in the decision's window, offline keys decided by the policy
at issue time, revoked with the access they came from, and the signed revocation list; a
simulated lock trusting the facility's key checks what the engine signed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sqlmodel import select

from api.locks import HardwareSigner
from engine.access import Caller
from engine.domain import Channel, LifecycleEvent
from engine.errors import InvalidInputError, PermissionDeniedError, RefusedError
from engine.levels import WEEKDAYS
from engine.locks import (
    KeyCache,
    facility_key,
    issue_offline_key,
    relay_command,
    revocation_frame,
    revocation_list,
    revoke_key,
)
from engine.persistence import Database
from engine.persistence.tables import (
    AccessLevel,
    AccessSchedule,
    Door,
    Facility,
    FacilityLockKey,
    OfflineKeyRecord,
)
from engine.policy import CompiledPolicy, compile_policy, default_policy_path, load_policy
from engine.runtime import Runtime
from engine.units import revoke_share, share_key
from hardware.protocol import (
    CLOCK_TOLERANCE,
    ChallengeRequest,
    Complete,
    ErrorCode,
    ErrorReport,
    SecretKey,
    decode_reply,
    end_of_local_day,
)
from hardware.sim import LockFirmware, LockSpec
from tests.support.api import tenant_of
from tests.support.locks import challenge_of, install_lock, offline_open
from tests.support.world import World, build_world

SIGNER = HardwareSigner()


@pytest.fixture
def world(runtime: Runtime) -> World:
    w = build_world(runtime)
    w.pms(w.units[0], LifecycleEvent.MOVE_IN, "a")
    return w


@pytest.fixture(scope="module")
def policy() -> CompiledPolicy:
    return compile_policy(load_policy(default_policy_path()))


def _install(world: World, door_id: str) -> LockFirmware:
    """A lock on `door_id` trusting the facility's key (made as the service makes it)."""
    return install_lock(world.rt, world.facility_id, door_id)


def _unit_door(world: World, index: int = 0) -> str:
    with world.rt.db.read() as s:
        return s.exec(select(Door.id).where(Door.unit_id == world.units[index])).one()


def _tenant(world: World, index: int = 0) -> Caller:
    return Caller(tenant_of(world.rt, world.units[index]), world.company_id, "tenant")


def _relay(world: World, caller: Caller, door: str, challenge: bytes, policy: CompiledPolicy):  # type: ignore[no-untyped-def]
    outcome = asyncio.run(world.rt.access.decide(caller, door, Channel.PHONE_RELAY, policy))
    return outcome, relay_command(world.rt.db, SIGNER, KeyCache(), outcome, challenge)


def _issue(world: World, caller: Caller, policy: CompiledPolicy, phone: SecretKey):  # type: ignore[no-untyped-def]
    rt = world.rt
    with rt.db.transaction() as s:
        return issue_offline_key(
            s,
            rt.access,
            rt.audit,
            SIGNER,
            policy,
            caller,
            facility_id=world.facility_id,
            phone_public=phone.public.raw,
            now=rt.clock.now(),
        )


# --- relay ---------------------------------------------------------------------------


def test_an_allowed_decision_gives_a_command_the_lock_accepts_in_the_decision_window(
    world: World, policy: CompiledPolicy
) -> None:
    door = _unit_door(world)
    lock = _install(world, door)
    outcome, command = _relay(world, _tenant(world), door, challenge_of(lock), policy)
    assert outcome.decision.allowed and command is not None
    assert command.not_before == outcome.at.replace(microsecond=0)
    assert timedelta(0) < command.not_after - command.not_before <= timedelta(seconds=30)
    reply = decode_reply(lock.handle(command.frame)[-1].frame)
    assert isinstance(reply, Complete)


def test_a_command_past_the_decisions_window_is_refused_by_the_lock(
    world: World, policy: CompiledPolicy, clock
) -> None:  # type: ignore[no-untyped-def]
    door = _unit_door(world)
    lock = _install(world, door)
    _, command = _relay(world, _tenant(world), door, challenge_of(lock), policy)
    assert command is not None
    clock.advance(timedelta(seconds=30 + CLOCK_TOLERANCE + 1))
    reply = decode_reply(lock.handle(command.frame)[-1].frame)
    assert isinstance(reply, ErrorReport)
    assert reply.code in (ErrorCode.EXPIRED, ErrorCode.STALE_CHALLENGE)


def test_a_denied_decision_gives_no_command(world: World, policy: CompiledPolicy) -> None:
    door = _unit_door(world, 2)  # an available unit: its tenant-less lock
    lock = _install(world, door)
    outcome, command = _relay(world, _tenant(world), door, challenge_of(lock), policy)
    assert not outcome.decision.allowed and command is None


def test_another_locks_challenge_or_no_challenge_is_refused_with_why(
    world: World, policy: CompiledPolicy
) -> None:
    door = _unit_door(world)
    lock = _install(world, door)
    stranger = LockFirmware(LockSpec(uuid4(), SecretKey.generate(), lock.spec.trusted), lock._clock)
    with pytest.raises(InvalidInputError, match="not this door's"):
        _relay(world, _tenant(world), door, challenge_of(stranger), policy)
    with pytest.raises(InvalidInputError, match="not a lock's challenge"):
        _relay(world, _tenant(world), door, ChallengeRequest().frame(), policy)


def test_a_door_without_a_registered_lock_says_so(world: World, policy: CompiledPolicy) -> None:
    with pytest.raises(RefusedError, match="no registered Bluetooth lock"):
        _relay(world, _tenant(world), world.gate_id, b"\x00" * 40, policy)


def test_the_facility_key_is_made_once_even_when_two_makers_race(runtime: Runtime) -> None:
    world = build_world(runtime)
    now = runtime.clock.now()
    keys = KeyCache()
    first = keys.get(runtime.db, world.facility_id, SIGNER, now)
    with runtime.db.transaction() as s:  # another replica: finds the row, makes none
        again = facility_key(s, world.facility_id, SIGNER.public_of, now)
    assert bytes.fromhex(again.seed) == first.seed
    with runtime.db.read() as s:
        assert len(s.exec(select(FacilityLockKey)).all()) == 1


# --- offline keys ----------------------------------------------------------------------


def test_an_offline_key_names_the_allowed_doors_locks_and_ends_with_the_day_or_the_hours(
    world: World, policy: CompiledPolicy
) -> None:
    unit_lock = _install(world, _unit_door(world))
    gate_lock = _install(world, world.gate_id)
    _install(world, _unit_door(world, 1))  # another tenant's unit: not hers
    phone = SecretKey.generate()
    issued = _issue(world, _tenant(world), policy, phone)
    assert issued.record.locks == [str(gate_lock.spec.lock_id), str(unit_lock.spec.lock_id)]
    assert issued.record.unit_ids == [world.units[0]]
    # The facility closes at 22:00 UTC (build_world): before the local day's end.
    now = world.rt.clock.now()
    assert issued.record.not_after == now.replace(hour=22, minute=0, second=0, microsecond=0)
    assert issued.record.not_after <= end_of_local_day(now, UTC)
    assert offline_open(unit_lock, issued.credential, phone) is None
    assert offline_open(gate_lock, issued.credential, phone) is None


def test_an_offline_key_ends_when_the_access_levels_window_closes(
    world: World, policy: CompiledPolicy
) -> None:
    """Access levels (issue 19): a key issued inside a level's window ends with the window,
    not with the facility's daily hours."""
    _install(world, world.gate_id)
    weekly = {day: [{"opens": "08:00", "closes": "13:30"}] for day in WEEKDAYS}
    with world.rt.db.transaction() as s:
        schedule = AccessSchedule(
            facility_id=world.facility_id, name="mornings", spec={"weekly": weekly}
        )
        s.add(schedule)
        s.flush()
        s.add(
            AccessLevel(
                facility_id=world.facility_id, name="m", schedule_id=schedule.id, is_default=True
            )
        )
        facility = s.get(Facility, world.facility_id)
        assert facility is not None
        facility.levels_version += 1
    now = world.rt.clock.now()
    assert now.hour == 12  # build_world's clock, inside the window
    issued = _issue(world, _tenant(world), policy, SecretKey.generate())
    assert issued.record.not_after == now.replace(hour=13, minute=30, second=0, microsecond=0)


def test_no_offline_key_when_nothing_would_open_and_none_for_employees(
    world: World, policy: CompiledPolicy
) -> None:
    _install(world, _unit_door(world))
    world.pms(world.units[0], LifecycleEvent.DELINQUENT_OVER, "a")
    with pytest.raises(RefusedError, match="no door of this facility would open"):
        _issue(world, _tenant(world), policy, SecretKey.generate())
    employee = Caller(world.manager_id, world.company_id, "employee")
    with pytest.raises(PermissionDeniedError):
        _issue(world, employee, policy, SecretKey.generate())


@pytest.mark.parametrize(
    "event", [LifecycleEvent.DELINQUENT_GATE, LifecycleEvent.DELINQUENT_OVER, LifecycleEvent.VACATE]
)
def test_a_transition_ending_access_revokes_the_units_keys_in_its_transaction(
    world: World, policy: CompiledPolicy, event: LifecycleEvent
) -> None:
    lock = _install(world, _unit_door(world))
    phone = SecretKey.generate()
    issued = _issue(world, _tenant(world), policy, phone)
    key_id = issued.record.id
    result = world.pms(world.units[0], event, "a")
    assert result.outcome is not None
    with world.rt.db.read() as s:
        record = s.get(OfflineKeyRecord, key_id)
        assert record is not None and record.revoked_at is not None
        version, ids = revocation_list(s, world.facility_id, world.rt.clock.now())
        key = s.get(FacilityLockKey, world.facility_id)
        assert key is not None
        _, _, frame = revocation_frame(
            s,
            SIGNER,
            KeyCache().get(world.rt.db, world.facility_id, SIGNER, world.rt.clock.now()),
            world.facility_id,
            world.rt.clock.now(),
        )
    assert (version, ids) == (1, [key_id])
    assert offline_open(lock, issued.credential, phone) is None  # the list has not reached it
    lock.handle(frame)
    assert offline_open(lock, issued.credential, phone) is ErrorCode.REVOKED


def test_the_pms_batch_path_revokes_as_the_one_event_path(
    world: World, policy: CompiledPolicy
) -> None:
    from engine.units import PmsEvent, apply_pms_batch

    _install(world, _unit_door(world))
    issued = _issue(world, _tenant(world), policy, SecretKey.generate())
    world.seqs[world.units[0]] += 1
    ev = PmsEvent(
        world.units[0],
        world.seqs[world.units[0]],
        LifecycleEvent.DELINQUENT_GATE,
        world.tenant("a"),
    )
    with world.rt.db.transaction() as s:
        apply_pms_batch(s, world.rt.lifecycle, [ev])
    with world.rt.db.read() as s:
        assert revocation_list(s, world.facility_id, world.rt.clock.now()) == (
            1,
            [issued.record.id],
        )


def test_a_shared_users_key_ends_with_the_share_and_is_revoked_with_it(
    world: World, policy: CompiledPolicy, clock
) -> None:  # type: ignore[no-untyped-def]
    from engine.persistence.tables import Rental
    from engine.sites import add_person

    _install(world, _unit_door(world))
    rt, now = world.rt, world.rt.clock.now()
    with rt.db.transaction() as s:
        friend = add_person(s, "Friend", now, email="friend@t.example").id
        rental = s.exec(select(Rental).where(Rental.unit_id == world.units[0])).one()
        share = share_key(
            s,
            rt.audit,
            rental=rental,
            grantee_id=friend,
            now=now,
            expires_at=now + timedelta(hours=2),
        )
    shared = Caller(friend, world.company_id, "shared_user")
    theirs = _issue(world, shared, policy, SecretKey.generate())
    assert theirs.record.not_after == now + timedelta(hours=2)
    mine = _issue(world, _tenant(world), policy, SecretKey.generate())
    with rt.db.transaction() as s:
        revoke_share(s, rt.audit, share_id=share.id, actor="person:x", now=now)
    with rt.db.read() as s:
        assert revocation_list(s, world.facility_id, now) == (1, [theirs.record.id])
        assert mine.record.id is not None


def test_an_employee_revokes_a_key_once(world: World, policy: CompiledPolicy) -> None:
    _install(world, _unit_door(world))
    issued = _issue(world, _tenant(world), policy, SecretKey.generate())
    assert issued.record.id is not None
    now = world.rt.clock.now()
    with world.rt.db.transaction() as s:
        _, first = revoke_key(s, world.facility_id, issued.record.id, now, "person:m")
        _, second = revoke_key(s, world.facility_id, issued.record.id, now, "person:m")
    assert (first, second) == (True, False)
    with world.rt.db.read() as s:
        assert revocation_list(s, world.facility_id, now) == (1, [issued.record.id])
    # Once the key has ended, the list no longer carries it.
    with world.rt.db.read() as s:
        assert revocation_list(s, world.facility_id, now + timedelta(days=1))[1] == []


def test_a_revoked_key_opens_an_uncontacted_lock_only_until_its_end(
    world: World, policy: CompiledPolicy, clock
) -> None:  # type: ignore[no-untyped-def]
    """The spec's bound: until the key's not_after (+ the lock's clock tolerance), at most
    the end of the facility's local day of issue."""
    lock = _install(world, _unit_door(world))
    phone = SecretKey.generate()
    issued = _issue(world, _tenant(world), policy, phone)
    world.pms(world.units[0], LifecycleEvent.DELINQUENT_OVER, "a")
    end = issued.record.not_after
    assert end <= end_of_local_day(issued.record.issued_at, UTC)
    clock.set(end + timedelta(seconds=CLOCK_TOLERANCE))
    assert offline_open(lock, issued.credential, phone) is None  # nobody told this lock
    clock.advance(timedelta(seconds=1))
    assert offline_open(lock, issued.credential, phone) is ErrorCode.EXPIRED
    assert UUID(issued.record.person_id)
    assert issued.record.not_after < datetime.max.replace(tzinfo=UTC)


def test_two_replicas_making_the_key_at_once_end_with_the_same_key(runtime: Runtime) -> None:
    """The second insert waits for the first transaction, loses, and takes the winner's
    row (PostgreSQL); on SQLite the writers queue and the second finds it."""
    import threading

    world = build_world(runtime)
    now = runtime.clock.now()
    made: dict[str, str] = {}
    first_inserted, release = threading.Event(), threading.Event()

    def first() -> None:
        with runtime.db.transaction() as s:
            made["first"] = facility_key(s, world.facility_id, SIGNER.public_of, now).seed
            first_inserted.set()
            release.wait(5)

    def second() -> None:
        first_inserted.wait(5)
        other = Database(runtime.db.url)  # another replica's connections
        try:
            with other.transaction() as s:
                made["second"] = facility_key(s, world.facility_id, SIGNER.public_of, now).seed
        finally:
            other.dispose()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    first_inserted.wait(5)
    threading.Timer(0.3, release.set).start()
    for t in threads:
        t.join(10)
    assert made["first"] == made["second"]
    with runtime.db.read() as s:
        assert len(s.exec(select(FacilityLockKey)).all()) == 1
