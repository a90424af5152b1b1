"""The site file: applied once, re-applied without changes, dry runs that write nothing, and
refusals (a rented unit orphaned, bad input) that name file, line and field and write nothing.
Each test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, col, select

from api.demo._data import COMPANIES
from engine.audit import verify_chain
from engine.domain import LifecycleEvent, Permission
from engine.onboarding import SiteFileError, apply_site_file, read_site_file
from engine.persistence.tables import (
    AuditEntry,
    Door,
    Facility,
    Person,
    Role,
    RoleAssignment,
    Unit,
)
from engine.runtime import Runtime
from engine.units import PmsEvent, PmsTenant, apply_pms_event

SITE = """\
company:
  name: Lakeside Storage
roles:
  - name: Manager
    permissions: all
  - name: Desk
    permissions: [facility.view, entry.open]
facilities:
  - key: lakeside
    name: Lakeside Self Storage
    timezone: Europe/Berlin
    country: DE
    hours: {opens: 06:00, closes: "22:00"}
    pms_ref: pms-lakeside
    units:
      - {number: L1, building: North, floor: 1, lock: lock-l1, pms_ref: u-l1}
      - {number: L2, building: North, floor: 2, lock: lock-l2, pms_ref: u-l2}
      - {number: L3, lock: lock-l3, pms_ref: u-l3}
    doors:
      - {name: Gate, kind: gate, lock: lock-gate}
      - name: North door
        kind: building_door
        serves: [{building: North}, {unit: L3}]
employees:
  - email: Lena@lakeside.example
    name: Lena Lake
    roles: [{role: Manager}]
  - email: dan@lakeside.example
    name: Dan Desk
    roles: [{role: Desk, facility: lakeside}]
"""


DAN = (
    "  - email: dan@lakeside.example\n    name: Dan Desk\n"
    "    roles: [{role: Desk, facility: lakeside}]\n"
)


def write(tmp_path: Path, body: str, name: str = "site.yaml") -> Path:
    path = tmp_path / name
    path.write_text(dedent(body), encoding="utf-8")
    return path


def counts(rt: Runtime) -> dict[str, int]:
    """Rows per table: what "nothing written" is checked against."""
    with rt.db.engine.connect() as conn:
        return {
            t.name: conn.execute(text(f'SELECT count(*) FROM "{t.name}"')).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


def lakeside(rt: Runtime) -> Facility:
    with rt.db.read() as s:
        return s.exec(select(Facility).where(Facility.key == "lakeside")).one()


def move_in(rt: Runtime, number: str) -> None:
    with rt.db.transaction() as s:
        unit = s.exec(select(Unit).where(Unit.number == number)).one()
        tenant = PmsTenant("T1", "Tia Tenant", rt.clock.now().date(), email="tia@t.example")
        apply_pms_event(s, rt.lifecycle, PmsEvent(unit.id, 1, LifecycleEvent.MOVE_IN, tenant))


def test_apply_makes_the_site_and_a_second_apply_changes_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    path = write(tmp_path, SITE)
    first = apply_site_file(runtime, path)
    lines = [c.text for c in first.changes]
    assert lines[:4] == [
        "+ company Lakeside Storage",
        "+ role Manager",
        "+ role Desk",
        "+ facility lakeside",
    ]
    assert "+ unit L1 (lakeside)" in lines
    assert (
        "+ door North door (lakeside): building_door, serves building North, unit L3, lock none"
        in lines
    )
    assert "+ employee lena@lakeside.example: Manager at every facility" in lines
    assert "+ employee dan@lakeside.example: Desk at lakeside" in lines
    facility = lakeside(runtime)
    assert (facility.timezone, facility.country, facility.pms_ref) == (
        "Europe/Berlin",
        "DE",
        "pms-lakeside",
    )
    assert facility.access_opens.strftime("%H:%M") == "06:00"  # unquoted 06:00 is YAML 1.1's 360
    with runtime.db.read() as s:
        l1 = s.exec(select(Unit).where(Unit.number == "L1")).one()
        assert (l1.building, l1.floor, l1.pms_ref) == ("North", "1", "u-l1")
        lock = s.exec(select(Door.lock_ref).where(Door.unit_id == l1.id)).one()
        assert lock == "lock-l1"
        manager = s.exec(select(Role).where(Role.name == "Manager")).one()
        assert set(manager.permissions) == {p.value for p in Permission}
        entries = s.exec(select(AuditEntry).where(AuditEntry.facility_id == facility.id)).all()
        assert {e.actor for e in entries} == {"site-file:site.yaml"}
        assert {"facility_created", "unit_added", "door_added", "role_assigned"} <= {
            e.kind for e in entries
        }
        assert verify_chain(s, runtime.audit, facility.id).ok
    before = counts(runtime)
    again = apply_site_file(runtime, path)
    assert again.changes == ()
    assert again.company_id == first.company_id
    assert counts(runtime) == before


def test_a_dry_run_prints_the_changes_and_writes_nothing(runtime: Runtime, tmp_path: Path) -> None:
    path = write(tmp_path, SITE)
    before = counts(runtime)
    dry = apply_site_file(runtime, path, dry_run=True)
    assert dry.dry_run
    assert counts(runtime) == before
    real = apply_site_file(runtime, path)
    assert [c.text for c in real.changes] == [c.text for c in dry.changes]


def test_changes_are_applied_and_printed(runtime: Runtime, tmp_path: Path) -> None:
    apply_site_file(runtime, write(tmp_path, SITE))
    changed = (
        SITE.replace("lock: lock-gate", "lock: lock-gate-2")
        .replace("{number: L2, building: North, floor: 2", "{number: L2, building: North, floor: 3")
        .replace("      - {number: L3, lock: lock-l3, pms_ref: u-l3}\n", "")
        .replace(", {unit: L3}", "")
        .replace(DAN, "")
    )
    result = apply_site_file(runtime, write(tmp_path, changed, "changed.yaml"))
    assert [c.text for c in result.changes] == [
        "~ unit L2 (lakeside): floor 2 -> 3",
        "~ door Gate (lakeside): lock lock-gate -> lock-gate-2",
        "~ door North door (lakeside): serves building North, unit L3 -> building North",
        "- unit L3 (lakeside)",
        "- employee dan@lakeside.example: Desk at lakeside",
    ]
    with runtime.db.read() as s:
        l3 = s.exec(select(Unit).where(Unit.number == "L3")).one()
        assert l3.removed_at is not None and l3.pms_ref is None
        dan = s.exec(select(Person).where(Person.email == "dan@lakeside.example")).one()
        assert s.exec(select(RoleAssignment).where(RoleAssignment.person_id == dan.id)).all() == []
    # Back as it was: the removed unit comes back (same row, its history kept).
    back = apply_site_file(runtime, write(tmp_path, SITE))
    assert "+ unit L3 (lakeside)" in [c.text for c in back.changes]
    with runtime.db.read() as s:
        again = s.exec(select(Unit).where(Unit.number == "L3")).one()
        assert again.id == l3.id and again.removed_at is None and again.pms_ref == "u-l3"


def test_locks_move_and_swap_between_units(runtime: Runtime, tmp_path: Path) -> None:
    apply_site_file(runtime, write(tmp_path, SITE))
    swapped = SITE.replace("lock: lock-l1", "lock: TMP").replace("lock: lock-l2", "lock: lock-l1")
    swapped = swapped.replace("lock: TMP", "lock: lock-l2")
    apply_site_file(runtime, write(tmp_path, swapped, "swapped.yaml"))
    with runtime.db.read() as s:
        locks = dict(
            s.exec(
                select(Unit.number, Door.lock_ref).join(Door, col(Door.unit_id) == col(Unit.id))
            ).all()
        )
    assert locks == {"L1": "lock-l2", "L2": "lock-l1", "L3": "lock-l3"}


def test_removing_a_rented_unit_is_refused_at_its_line_and_nothing_is_written(
    runtime: Runtime, tmp_path: Path
) -> None:
    apply_site_file(runtime, write(tmp_path, SITE))
    move_in(runtime, "L3")
    orphaning = SITE.replace("      - {number: L3, lock: lock-l3, pms_ref: u-l3}\n", "")
    orphaning = orphaning.replace(", {unit: L3}", "").replace(
        "lock: lock-gate", "lock: lock-gate-9"
    )
    before = counts(runtime)
    with pytest.raises(SiteFileError) as refused:
        apply_site_file(runtime, write(tmp_path, orphaning, "orphaning.yaml"))
    issue = refused.value.issues[0]
    assert issue.code == "refused"
    assert "unit `L3` is rented; removing it would orphan its rental" in issue.message
    assert issue.location is not None
    assert (issue.location.file.endswith("orphaning.yaml"), issue.location.line) == (True, 15)
    assert issue.location.field == "facilities[0].units"
    assert counts(runtime) == before  # the gate's new lock, applied before, was rolled back
    with runtime.db.read() as s:
        assert s.exec(select(Door.lock_ref).where(Door.name == "Gate")).one() == "lock-gate"


def test_moving_a_rented_unit_away_from_its_pms_record_is_refused(
    runtime: Runtime, tmp_path: Path
) -> None:
    apply_site_file(runtime, write(tmp_path, SITE))
    move_in(runtime, "L1")
    moved = SITE.replace("pms_ref: u-l1", "pms_ref: u-elsewhere")
    with pytest.raises(SiteFileError) as refused:
        apply_site_file(runtime, write(tmp_path, moved, "moved.yaml"))
    issue = refused.value.issues[0]
    assert "unit `L1` is rented; changing its PMS ref would orphan its rental" in issue.message
    assert issue.location is not None
    assert (issue.location.line, issue.location.field) == (16, "facilities[0].units[0].pms_ref")


@pytest.mark.parametrize(
    ("edit", "line", "field", "message"),
    [
        (("timezone: Europe/Berlin", "timezone: Europe/Atlantis"), 11, "facilities[0].timezone",
         "`Europe/Atlantis` is not an IANA time zone"),
        (("    country: DE", "    country: NO"), 12, "facilities[0].country",
         "YAML read this country code as `false`"),
        (("{number: L2, building", "{numbr: L2, building"), 17, "facilities[0].units[1].numbr",
         "unknown field `numbr`"),
        (("{number: L2, building", "{number: L1, building"), 17, "facilities[0].units[1].number",
         "unit `L1` appears twice"),
        (("lock: lock-l2", "lock: lock-l1"), 17, "facilities[0].units[1].lock",
         "lock `lock-l1` appears twice"),
        (("[{role: Desk, facility: lakeside}]", "[{role: Clerk}]"), 30,
         "employees[1].roles[0].role", "no role `Clerk` in the company"),
        (("{unit: L3}", "{unit: L9}"), 23, "facilities[0].doors[1].serves[1]",
         "no unit `L9` in this facility"),
    ],
)  # fmt: skip
def test_bad_input_names_file_line_and_field_and_writes_nothing(
    runtime: Runtime,
    tmp_path: Path,
    edit: tuple[str, str],
    line: int,
    field: str,
    message: str,
) -> None:
    assert edit[0] in SITE
    path = write(tmp_path, SITE.replace(edit[0], edit[1]), "bad.yaml")
    before = counts(runtime)
    with pytest.raises(SiteFileError) as bad:
        apply_site_file(runtime, path)
    issue = next((i for i in bad.value.issues if message in i.message), None)
    assert issue is not None, bad.value.render()
    assert issue.location is not None
    assert issue.location.file.endswith("bad.yaml")
    assert (issue.location.line, issue.location.field) == (line, field), issue.render()
    assert counts(runtime) == before


def test_the_demo_site_files_are_valid_and_carry_the_demo_ids() -> None:
    for company in COMPANIES:
        _, spec = read_site_file(company.site_file.read_text(), company.site_file.name)
        assert spec.company.id == company.id
        numbers = {u.number for f in spec.facilities for u in f.units or []}
        stories = {u.number for f in company.facilities for u in f.units}
        assert stories <= numbers


def test_a_facility_turns_tenant_notifications_off_and_on(
    sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    hours = '    hours: {opens: 06:00, closes: "22:00"}\n'
    off = SITE.replace(hours, hours + "    notifications_off: [share_first_used]\n")
    changed = apply_site_file(sqlite_runtime, write(tmp_path, off))
    assert "~ facility lakeside: notifications_off none -> share_first_used" in [
        c.text for c in changed.changes
    ]
    with sqlite_runtime.db.read() as s:
        assert s.exec(select(Facility.notifications_off)).one() == ["share_first_used"]
    kept = apply_site_file(sqlite_runtime, write(tmp_path, SITE))  # left out: unchanged
    assert kept.changes == ()
    on = SITE.replace(hours, hours + "    notifications_off: []\n")
    apply_site_file(sqlite_runtime, write(tmp_path, on))
    with sqlite_runtime.db.read() as s:
        assert s.exec(select(Facility.notifications_off)).one() == []
