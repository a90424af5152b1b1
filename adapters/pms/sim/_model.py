"""The simulated PMS's data: units of facilities, a change log, and realistic change streams."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

__all__ = ["PmsModel"]

_FIRST = ("Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivo", "June", "Kofi")
_LAST = ("Ruiz", "Okafor", "Smith", "Nguyen", "Kowalski", "Haddad", "Berg", "Silva", "Tanaka")


@dataclass
class PmsModel:
    """Facilities with units, each change bumping the unit's `seq` and appended to a log.

    `step()` makes one plausible change: move-ins on vacant units, late payments that go
    late → gatelock → overlock, payments back to current, contact edits, vacates; an
    overlocked unit that went to auction stays delinquent in the PMS (seed 002). With
    `access_levels`, each move-in gets the next of those names (round-robin in move-in
    order, so the random stream is the same as without) as its `access_level`; without,
    records carry no `access_level` at all.
    """

    facilities: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    log: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """(facility ref, record) for every change, in the order the PMS made them."""
    seed: int = 0
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    access_levels: tuple[str, ...] = ()
    """Access-level names given to move-ins in turn (SiteLink's "gate access level")."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()
        self._tenants = 0
        self._phones = 0
        self._orders: dict[str, list[str]] = {}

    @classmethod
    def build(
        cls,
        facility_refs: list[str],
        units: int,
        *,
        seed: int = 0,
        occupancy: float = 0.0,
        access_levels: tuple[str, ...] = (),
    ) -> PmsModel:
        """Facilities with `units` units each; `occupancy` of them rented (as past changes)."""
        refs = {ref: [f"{ref}-{i + 1:06d}" for i in range(units)] for ref in facility_refs}
        return cls.of_units(refs, seed=seed, occupancy=occupancy, access_levels=access_levels)

    @classmethod
    def of_units(
        cls,
        units: dict[str, list[str]],
        *,
        seed: int = 0,
        occupancy: float = 0.0,
        access_levels: tuple[str, ...] = (),
    ) -> PmsModel:
        """Facilities with the given unit refs (e.g. those a unitgate store already has)."""
        model = cls(seed=seed, access_levels=tuple(access_levels))
        for ref, unit_refs in units.items():
            model.facilities[ref] = {}
            for unit_ref in unit_refs:
                model.facilities[ref][unit_ref] = {"unit_ref": unit_ref, "seq": 0}
                model._change(ref, unit_ref, {"status": "vacant"})
                if model.rng.random() < occupancy:
                    model._move_in(ref, unit_ref)
        return model

    def snapshot(self, facility_ref: str) -> list[dict[str, Any]]:
        """Every unit's current record, by unit ref."""
        with self.lock:
            units = self.facilities[facility_ref]
            return [dict(units[k]) for k in sorted(units)]

    def changes(
        self, facility_ref: str, after: int, limit: int
    ) -> tuple[list[dict[str, Any]], int, bool]:
        """Records of the facility's changes after log position `after`; the next position."""
        with self.lock:
            out: list[dict[str, Any]] = []
            pos = after
            while pos < len(self.log) and len(out) < limit:
                ref, record = self.log[pos]
                pos += 1
                if ref == facility_ref:
                    out.append(dict(record))
            more = any(ref == facility_ref for ref, _ in self.log[pos:])
            return out, pos, more

    def step(self, facility_ref: str | None = None) -> tuple[str, dict[str, Any]]:
        """Make one plausible change; the facility and the new record."""
        with self.lock:
            ref = facility_ref or self.rng.choice(sorted(self.facilities))
            unit_ref = self.rng.choice(self._order(ref))
            unit = self.facilities[ref][unit_ref]
            roll = self.rng.random()
            if unit["status"] == "vacant":
                return ref, self._move_in(ref, unit_ref)
            stage = unit.get("delinquency", "none")
            if stage == "overlock" and roll < 0.5:
                return ref, self._change(ref, unit_ref, {})  # at auction: left delinquent
            if stage != "none" and roll < 0.4:
                return ref, self._change(ref, unit_ref, {"delinquency": "none"})  # a payment
            if roll < 0.55:
                later = {"none": "late", "late": "gatelock", "gatelock": "overlock"}
                return ref, self._change(ref, unit_ref, {"delinquency": later.get(stage, stage)})
            if roll < 0.8:
                edit = {"mobile": self._phone()} if self.rng.random() < 0.5 else {"email": None}
                return ref, self._change(ref, unit_ref, edit)
            return ref, self._change(ref, unit_ref, {"status": "vacant"})

    def _order(self, ref: str) -> list[str]:
        """The facility's unit refs in a fixed order (units are only added by `build`)."""
        if len(self._orders.get(ref, ())) != len(self.facilities[ref]):
            self._orders[ref] = sorted(self.facilities[ref])
        return self._orders[ref]

    def change(self, facility_ref: str, unit_ref: str, values: dict[str, Any]) -> dict[str, Any]:
        """Make one given change to a unit (e.g. `{"delinquency": "overlock"}`); its record."""
        with self.lock:
            return self._change(facility_ref, unit_ref, values)

    def set_access_level(
        self, facility_ref: str, unit_ref: str, name: str | None
    ) -> dict[str, Any]:
        """Give a rented unit's rental the access-level name `name` (empty: none; None: the
        record stops carrying the field) as a change of its own; its record. `KeyError` for
        a unit the PMS does not have, `ValueError` for a vacant one."""
        with self.lock:
            unit = self.facilities[facility_ref][unit_ref]
            if unit.get("status") != "occupied":
                raise ValueError(f"unit `{unit_ref}` is vacant: it has no rental to give a level")
            return self._change(facility_ref, unit_ref, {"access_level": name})

    def _move_in(self, ref: str, unit_ref: str) -> dict[str, Any]:
        self._tenants += 1
        n = self._tenants
        first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
        mobile = self._phone() if self.rng.random() < 0.7 else None
        values = {
            "status": "occupied",
            "delinquency": "none",
            "tenant_ref": f"T{self.seed}-{n}",
            "rental_ref": f"R{self.seed}-{n}",
            "first_name": first,
            "last_name": last,
            "email": f"{first}.{last}.{self.seed}.{n}@tenants.example".lower(),
            "mobile": mobile,
            "phone": self._phone(),
            "lease_start": (
                self.today + timedelta(days=self.rng.choice((-30, 0, 0, 3)))
            ).isoformat(),
        }
        if self.access_levels:
            values["access_level"] = self.access_levels[(n - 1) % len(self.access_levels)]
        return self._change(ref, unit_ref, values)

    def _change(self, ref: str, unit_ref: str, values: dict[str, Any]) -> dict[str, Any]:
        unit = self.facilities[ref][unit_ref]
        if values.get("status") == "vacant":  # the rental ends: no tenant fields remain
            seq = unit.get("seq", 0)
            unit.clear()
            unit.update(unit_ref=unit_ref, seq=seq)
        unit.update(values)
        unit["seq"] = unit.get("seq", 0) + 1
        unit["changed_at"] = datetime.now(UTC).isoformat()
        record = {k: v for k, v in unit.items() if v is not None}
        self.log.append((ref, record))
        return dict(record)

    def _phone(self) -> str:
        # Unique numbers: the store finds an existing account by mobile (seed 000 step 7).
        self._phones += 1
        return f"+1555{self.seed % 1000:03d}{self._phones:07d}"
