"""The pure plan for one keypad lock: from the codes wanted and those on it, what to create,
update and delete (no I/O; `engine.codes.reconcile` reads and applies it).

Only codes unitgate created and recorded are ever changed or deleted: a code the service
calls managed but that no record of ours names is treated as unmanaged. Unmanaged codes
count against the lock's capacity, and their numbers and names are taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from engine.codes._check import check_code, check_name
from engine.codes._port import AccessCode
from engine.codes._rules import CodeModel

__all__ = ["Create", "Delete", "Held", "LockPlan", "Update", "Want", "plan_lock"]


@dataclass(frozen=True, slots=True)
class Want:
    """A person who must have a code on the lock."""

    person_id: str
    code: str
    """The person's number (the same on every lock)."""
    name: str
    """Their name, used unless it breaks a rule of the lock."""
    reference: str
    """The grant's reference: the name otherwise."""
    via: str
    starts_at: datetime | None = None
    """The code's window on the lock (None, None: always; seed 003's buffers included)."""
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Held:
    """What unitgate recorded of its code for a person on the lock."""

    person_id: str
    code: str
    name: str
    access_code_id: str | None
    status: str
    next_attempt_at: datetime | None = None
    use_reference: bool = False
    """A refusal of the name (or without a reason) made the reference its name."""


@dataclass(frozen=True, slots=True)
class Create:
    person_id: str
    code: str
    name: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Update:
    person_id: str
    access_code_id: str
    code: str
    name: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    person_id: str | None
    access_code_id: str


@dataclass
class LockPlan:
    """What to do on one lock, and what the plan found."""

    deletes: list[Delete] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    creates: list[Create] = field(default_factory=list)
    seen: dict[str, AccessCode] = field(default_factory=dict)
    """Person → their code on the lock as it stands (kept as it is)."""
    absent: set[str] = field(default_factory=set)
    """People whose code is not on the lock and is not planned now (waiting to retry, or
    kept deleted after an outside deletion, or no space)."""
    flags: dict[str, str] = field(default_factory=dict)
    """Person → a warning for the operator (an outside edit kept)."""
    collisions: dict[str, str] = field(default_factory=dict)
    """Person → why their number cannot go on this lock: they need another number."""
    no_space: set[str] = field(default_factory=set)
    """People left without a code because the lock is full."""
    unmanaged: list[AccessCode] = field(default_factory=list)
    spare: int = 0
    """Places left on the lock once the plan is done (if every delete goes through)."""

    @property
    def empty(self) -> bool:
        """Nothing to do on the lock."""
        return not (self.deletes or self.updates or self.creates)


def _name(want: Want, held: Held | None, model: CodeModel, names: list[str]) -> str:
    if held is not None and held.use_reference:
        return want.reference
    return want.reference if check_name(want.name, model, names) else want.name


@dataclass
class _Lock:
    """The lock as the plan goes: codes and names taken, places occupied."""

    model: CodeModel
    on_lock: dict[str, AccessCode]
    held_of: dict[str, Held]
    taken_codes: dict[str, str]
    taken_names: list[str]
    occupied: int
    keep_external_edits: bool


def _place(lock: _Lock, plan: LockPlan, want: Want, now: datetime) -> None:
    """Plan one wanted person's code."""
    mine = lock.held_of.get(want.person_id)
    current = lock.on_lock.get(mine.access_code_id or "") if mine is not None else None
    if current is not None and not current.is_managed:
        current = None
    others = [c for c in lock.taken_codes if current is None or c != current.code]
    names = [n for n in lock.taken_names if current is None or n != current.name]
    name = _name(want, mine, lock.model, names)
    clash = lock.taken_codes.get(want.code)
    if current is not None and current.code == want.code:
        clash = None
    broken = check_code(want.code, lock.model, others)
    if clash is not None or broken:
        plan.collisions[want.person_id] = clash or broken[0].message
        if current is not None:
            plan.seen[want.person_id] = current
        else:
            plan.absent.add(want.person_id)
        return
    if current is not None:
        assert mine is not None  # INVARIANT: a current code is found through a record.
        edited = current.code != mine.code or current.name != mine.name
        if edited and lock.keep_external_edits:
            plan.flags[want.person_id] = "changed outside unitgate: kept"
            plan.seen[want.person_id] = current
        elif (
            current.code != want.code
            or current.name != name
            or (current.starts_at, current.ends_at) != (want.starts_at, want.ends_at)
        ):
            plan.updates.append(
                Update(
                    want.person_id,
                    current.access_code_id,
                    want.code,
                    name,
                    want.starts_at,
                    want.ends_at,
                )
            )
        else:
            plan.seen[want.person_id] = current
        return
    if mine is not None and mine.access_code_id is not None and lock.keep_external_edits:
        plan.flags[want.person_id] = "deleted outside unitgate: kept deleted"
        plan.absent.add(want.person_id)
        return
    if mine is not None and mine.next_attempt_at is not None and now < mine.next_attempt_at:
        plan.absent.add(want.person_id)  # waiting for its retry
        return
    if lock.occupied >= lock.model.max_codes:
        plan.no_space.add(want.person_id)
        plan.absent.add(want.person_id)
        return
    lock.occupied += 1
    lock.taken_codes[want.code] = f"code of person {want.person_id}"
    lock.taken_names.append(name)
    plan.creates.append(Create(want.person_id, want.code, name, want.starts_at, want.ends_at))


def plan_lock(
    model: CodeModel,
    actual: list[AccessCode],
    held: list[Held],
    wanted: list[Want],
    now: datetime,
    *,
    keep_external_edits: bool = False,
) -> LockPlan:
    """The plan that makes the lock hold exactly the `wanted` codes of unitgate, leaving every
    other code alone and never going over `model.max_codes`."""
    plan = LockPlan()
    ours = {h.access_code_id: h for h in held if h.access_code_id is not None}
    on_lock = {a.access_code_id: a for a in actual}
    plan.unmanaged = [a for a in actual if a.access_code_id not in ours or not a.is_managed]
    wanted_people = {w.person_id for w in wanted}
    # Numbers and names the plan may not reuse: everyone else's, and ours kept as they are.
    taken_codes = {a.code: "a code someone else set" for a in plan.unmanaged}
    taken_names = [a.name for a in plan.unmanaged]
    for h in held:
        code = on_lock.get(h.access_code_id or "")
        if code is None or not code.is_managed:
            continue
        if h.person_id not in wanted_people and code.status != "removing":
            plan.deletes.append(Delete(h.person_id, code.access_code_id))
        elif h.person_id in wanted_people:
            taken_codes[code.code] = f"code of person {h.person_id}"
            taken_names.append(code.name)
    state = _Lock(
        model,
        on_lock,
        {h.person_id: h for h in held},
        taken_codes,
        taken_names,
        len(actual) - len(plan.deletes),
        keep_external_edits,
    )
    for want in sorted(wanted, key=lambda w: w.person_id):
        _place(state, plan, want, now)
    plan.spare = model.max_codes - state.occupied
    return plan
