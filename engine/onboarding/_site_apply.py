"""Making the store what a site file says, in one transaction, idempotent by natural keys.

Companies are found by id (or name), roles by name, facilities by key, units by number and
entry points by name within their facility, employees by email. A listed facility's
`units` and `doors` are complete (what is not listed is removed, never a rented unit), and
so is `employees` (people not listed lose their roles in the company); leaving a list out
leaves those things as they are. Any error names its file, line and field and writes
nothing; a dry run rolls back what it did, so it prints exactly what applying would.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import time
from typing import Any

from sqlmodel import col, select

from engine.domain import DoorKind, Permission
from engine.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    RefusedError,
    UnitgateError,
)
from engine.onboarding._context import EditContext
from engine.onboarding._door_edits import edit_door, new_door, remove_door, set_lock
from engine.onboarding._facility_edits import add_facility, edit_facility
from engine.onboarding._lock_edits import ensure_gateway, ensure_lock
from engine.onboarding._scopes import Scope
from engine.onboarding._site_checks import static_issues
from engine.onboarding._site_levels import apply_access
from engine.onboarding._site_model import FacilitySpec, SiteFileSpec
from engine.onboarding._staff_edits import (
    Placement,
    ensure_role,
    place_employee,
    placements_in,
    unassign,
)
from engine.onboarding._unit_edits import edit_unit, new_unit, remove_unit, unit_door
from engine.persistence.tables import Company, Door, Facility, Person, Role, RoleAssignment, Unit
from engine.policy import Located, PolicyError, PolicyIssue, parse_model, read_yaml
from engine.sites import create_company

__all__ = ["MAX_SITE_FILE_BYTES", "SiteFileError", "apply_site", "read_site_file"]

MAX_SITE_FILE_BYTES = 16 * 1024 * 1024
"""A company of 100,000 units fits; a larger file is a mistake."""
Path_ = tuple[str | int, ...]
_CODES: tuple[tuple[type[UnitgateError], str], ...] = (
    (RefusedError, "refused"),
    (ConflictError, "conflict"),
    (NotFoundError, "not-found"),
    (PermissionDeniedError, "denied"),
    (InvalidInputError, "invalid"),
)
_HELP = {
    "empty-file": "a site file holds `company:`, `roles:`, `facilities:` and `employees:`",
    "file-too-large": "describe one company per file",
}


class SiteFileError(PolicyError):
    """A site file cannot be applied; `issues` says where and why. Nothing was written."""

    title = "invalid site file"


def read_site_file(text: str, name: str) -> tuple[Located, SiteFileSpec]:
    """Parse and check a site file; `SiteFileError` lists every problem found."""
    try:
        located = read_yaml(text, name, max_bytes=MAX_SITE_FILE_BYTES)
        spec = parse_model(SiteFileSpec, located)
    except PolicyError as exc:
        issues = [
            PolicyIssue(i.severity, i.code, i.message, i.location, _HELP.get(i.code, i.help))
            for i in exc.issues
        ]
        raise SiteFileError(issues) from exc
    issues = static_issues(located, spec)
    if issues:
        raise SiteFileError(issues)
    return located, spec


def apply_site(ctx: EditContext, located: Located, spec: SiteFileSpec) -> Company:
    """Apply a checked site file in `ctx`'s transaction (its changes land in `ctx.changes`)."""
    return _Applier(ctx, located, spec).run()


def _hours(value: str) -> time:
    return time(int(value[:2]), int(value[3:]))


class _Applier:
    def __init__(self, ctx: EditContext, located: Located, spec: SiteFileSpec) -> None:
        self.ctx, self.located, self.spec = ctx, located, spec
        self.s = ctx.session

    @contextmanager
    def at(self, *path: str | int, key: bool = False) -> Iterator[None]:
        """Errors inside name this place of the file."""
        try:
            yield
        except PolicyError:
            raise
        except UnitgateError as exc:
            code = next(c for cls, c in _CODES if isinstance(exc, cls))
            where = self.located.location(path, key=key)
            raise SiteFileError([PolicyIssue("error", code, exc.message, where, exc.help)]) from exc

    def run(self) -> Company:
        with self.at("company"):
            company = self._company()
        for i, role in enumerate(self.spec.roles):
            with self.at("roles", i):
                held = list(Permission) if role.permissions == "all" else role.permissions
                ensure_role(self.ctx, company.id, role.name, held)
        for i, facility in enumerate(self.spec.facilities):
            self._facility(company, i, facility)
        if self.spec.employees is not None:
            self._employees(company)
        return company

    def _company(self) -> Company:
        c = self.spec.company
        if c.id is not None:
            found = self.s.get(Company, c.id)
        else:
            named = self.s.exec(select(Company).where(Company.name == c.name)).all()
            if len(named) > 1:
                raise InvalidInputError(
                    f"two companies are called `{c.name}`", help="give the company's `id`"
                )
            found = named[0] if named else None
        if found is None:
            company = create_company(self.s, c.name, self.ctx.now, id=c.id)
            self.ctx.record([], "company_created", company.id, f"+ company {c.name}", {})
            return company
        if found.name != c.name:
            old = found.name
            found.name = c.name
            self.s.add(found)
            self.ctx.record(
                self.ctx.company_facilities(found.id),
                "company_changed",
                found.id,
                f"~ company {old}: name {old} -> {c.name}",
                {"before": old, "after": c.name},
            )
        return found

    def _find_facility(self, company: Company, spec: FacilitySpec) -> Facility | None:
        """By key; else a facility made before keys existed, by PMS ref or by name."""
        own = select(Facility).where(Facility.company_id == company.id)
        found = self.s.exec(own.where(Facility.key == spec.key)).first()
        keyless = own.where(col(Facility.key).is_(None))
        if found is None and spec.pms_ref is not None:
            found = self.s.exec(keyless.where(Facility.pms_ref == spec.pms_ref)).first()
        if found is None:
            found = self.s.exec(keyless.where(Facility.name == spec.name)).first()
        return found

    def _facility(self, company: Company, i: int, spec: FacilitySpec) -> None:
        base: Path_ = ("facilities", i)
        values: dict[str, Any] = {
            "key": spec.key,
            "name": spec.name,
            "timezone": spec.timezone,
            "country": spec.country,
            "access_opens": _hours(spec.hours.opens),
            "access_closes": _hours(spec.hours.closes),
            "pms_ref": spec.pms_ref,
        }
        if spec.notifications_off is not None:
            values["notifications_off"] = list(spec.notifications_off)
        with self.at(*base):
            facility = self._find_facility(company, spec)
            if facility is None:
                facility = add_facility(
                    self.ctx,
                    company.id,
                    key=spec.key,
                    name=spec.name,
                    timezone=spec.timezone,
                    country=spec.country,
                    opens=values["access_opens"],
                    closes=values["access_closes"],
                    pms_ref=spec.pms_ref,
                )
                if spec.notifications_off:
                    off = {"notifications_off": values["notifications_off"]}
                    edit_facility(self.ctx, facility, off)
            else:
                edit_facility(self.ctx, facility, values)
        for j, g in enumerate(spec.gateways):
            with self.at(*base, "gateways", j):
                ensure_gateway(self.ctx, facility, g.name, g.url)
        for j, lock in enumerate(spec.bluetooth_locks):
            with self.at(*base, "bluetooth_locks", j):
                ensure_lock(
                    self.ctx,
                    facility,
                    lock_id=lock.id,
                    name=lock.name,
                    public_key=lock.public_key,
                    address=lock.address,
                    gateway=lock.gateway,
                )
        with self.at(*base):
            self._release_moving_locks(facility, spec)
        if spec.units is not None:
            self._units(facility, spec, base)
        if spec.doors is not None:
            self._doors(facility, spec, base)
        if spec.doors is not None:
            listed = {d.name for d in spec.doors}
            for door in self._entry_points(facility):
                if door.name not in listed:
                    with self.at(*base, "doors", key=True):
                        remove_door(self.ctx, door, facility)
        if spec.units is not None:
            numbers = {u.number for u in spec.units}
            for unit in self._units_in_service(facility):
                if unit.number not in numbers:
                    with self.at(*base, "units", key=True):
                        remove_unit(self.ctx, unit, facility)
        if spec.access is not None:
            apply_access(self.ctx, facility, spec.access, self.at, base)

    def _units_in_service(self, facility: Facility) -> list[Unit]:
        return list(
            self.s.exec(
                select(Unit)
                .where(Unit.facility_id == facility.id, col(Unit.removed_at).is_(None))
                .order_by(col(Unit.number))
            ).all()
        )

    def _entry_points(self, facility: Facility) -> list[Door]:
        return list(
            self.s.exec(
                select(Door)
                .where(
                    Door.facility_id == facility.id,
                    col(Door.unit_id).is_(None),
                    col(Door.removed_at).is_(None),
                )
                .order_by(col(Door.name))
            ).all()
        )

    def _release_moving_locks(self, facility: Facility, spec: FacilitySpec) -> None:
        """Take a lock off a door the file gives it away from (so locks can move and swap)."""
        wanted: dict[str, tuple[str, str]] = {}
        for u in spec.units or []:
            if u.lock is not None:
                wanted[u.lock] = ("unit", u.number)
        for d in spec.doors or []:
            if d.lock is not None:
                wanted[d.lock] = ("door", d.name)
        if not wanted:
            return
        holders = self.s.exec(
            select(Door).where(Door.facility_id == facility.id, col(Door.lock_ref).in_(wanted))
        ).all()
        for door in holders:
            unit = self.s.get(Unit, door.unit_id) if door.unit_id else None
            identity = ("unit", unit.number) if unit is not None else ("door", door.name)
            managed = spec.units is not None if unit is not None else spec.doors is not None
            if door.lock_ref is not None and identity != wanted[door.lock_ref] and managed:
                set_lock(self.ctx, door, facility, None)

    def _units(self, facility: Facility, spec: FacilitySpec, base: Path_) -> None:
        current = {u.number: u for u in self._units_in_service(facility)}
        for j, u in enumerate(spec.units or []):
            path = (*base, "units", j)
            existing = current.get(u.number)
            if existing is None:
                with self.at(*path):
                    new_unit(
                        self.ctx,
                        facility,
                        u.number,
                        building=u.building,
                        floor=u.floor,
                        pms_ref=u.pms_ref,
                        lock_ref=u.lock,
                    )
                continue
            field = ("pms_ref",) if existing.pms_ref != u.pms_ref else ()
            with self.at(*path, *field):
                edit_unit(
                    self.ctx,
                    existing,
                    facility,
                    {"building": u.building, "floor": u.floor, "pms_ref": u.pms_ref},
                )
            with self.at(*path, "lock"):
                set_lock(self.ctx, unit_door(self.ctx, existing), facility, u.lock)

    def _doors(self, facility: Facility, spec: FacilitySpec, base: Path_) -> None:
        current = {d.name: d for d in self._entry_points(facility)}
        units = {u.number: u.id for u in self._units_in_service(facility)}
        for j, d in enumerate(spec.doors or []):
            path = (*base, "doors", j)
            scopes = []
            for k, scope in enumerate(d.serves):
                unit_id = None
                if scope.unit is not None:
                    unit_id = units.get(scope.unit)
                    if unit_id is None:
                        with self.at(*path, "serves", k, "unit"):
                            raise NotFoundError(f"no unit `{scope.unit}` in this facility")
                scopes.append(Scope(scope.building, scope.floor, unit_id))
            existing = current.get(d.name)
            with self.at(*path):
                if existing is None:
                    new_door(
                        self.ctx,
                        facility,
                        d.name,
                        DoorKind(d.kind),
                        scopes=scopes,
                        lock_ref=d.lock,
                        direction=d.direction,
                        anti_passback=d.anti_passback,
                    )
                    continue
                edit_door(
                    self.ctx,
                    existing,
                    facility,
                    kind=DoorKind(d.kind),
                    scopes=scopes,
                    direction=d.direction,
                    anti_passback=d.anti_passback,
                )
            with self.at(*path, "lock"):
                set_lock(self.ctx, existing, facility, d.lock)

    def _placement(self, company: Company, path: Path_, role: str, key: str | None) -> Placement:
        found = self.s.exec(
            select(Role.id).where(Role.company_id == company.id, Role.name == role)
        ).first()
        if found is None:
            with self.at(*path, "role"):
                raise NotFoundError(
                    f"no role `{role}` in the company", help="list it under `roles`"
                )
        if key is None:
            return found, None
        facility = self.s.exec(
            select(Facility.id).where(Facility.company_id == company.id, Facility.key == key)
        ).first()
        if facility is None:
            with self.at(*path, "facility"):
                raise NotFoundError(f"no facility `{key}` in the company")
        return found, facility

    def _employees(self, company: Company) -> None:
        listed: set[str] = set()
        for k, e in enumerate(self.spec.employees or []):
            path: Path_ = ("employees", k)
            placements = [
                self._placement(company, (*path, "roles", m), p.role, p.facility)
                for m, p in enumerate(e.roles)
            ]
            with self.at(*path):
                person = place_employee(self.ctx, company.id, e.email, e.name, placements)
            listed.add(person.id)
        holders = self.s.exec(
            select(RoleAssignment.person_id)
            .join(Role, col(Role.id) == col(RoleAssignment.role_id))
            .where(Role.company_id == company.id)
            .distinct()
        ).all()
        for person_id in sorted(set(holders) - listed):
            gone = self.s.get(Person, person_id)
            assert gone is not None  # INVARIANT: role assignments reference people.
            held = placements_in(self.ctx, person_id, company.id)
            for placement, assignment_id in sorted(held.items(), key=str):
                unassign(self.ctx, company.id, gone, placement, assignment_id)
