"""What a site file must get right before anything is read from the store: no key twice."""

from __future__ import annotations

from collections.abc import Iterable

from engine.onboarding._site_model import FacilitySpec, SiteFileSpec
from engine.policy import Located, PolicyIssue

__all__ = ["static_issues"]

Path_ = tuple[str | int, ...]


def _duplicates(
    located: Located, items: Iterable[tuple[str | None, Path_]], what: str
) -> list[PolicyIssue]:
    seen: dict[str, Path_] = {}
    out = []
    for value, path in items:
        if value is None:
            continue
        if value in seen:
            first = located.location(seen[value])
            out.append(
                PolicyIssue(
                    "error",
                    "duplicate",
                    f"{what} `{value}` appears twice",
                    located.location(path),
                    f"first at line {first.line}",
                )
            )
        else:
            seen[value] = path
    return out


def _facility_issues(located: Located, i: int, fac: FacilitySpec) -> list[PolicyIssue]:
    base: Path_ = ("facilities", i)
    units, doors = fac.units or [], fac.doors or []
    issues = _duplicates(
        located, ((u.number, (*base, "units", j, "number")) for j, u in enumerate(units)), "unit"
    )
    issues += _duplicates(
        located, ((d.name, (*base, "doors", j, "name")) for j, d in enumerate(doors)), "door"
    )
    issues += _duplicates(
        located, ((u.pms_ref, (*base, "units", j, "pms_ref")) for j, u in enumerate(units)),
        "unit PMS ref",
    )  # fmt: skip
    locks = [(u.lock, (*base, "units", j, "lock")) for j, u in enumerate(units)]
    locks += [(d.lock, (*base, "doors", j, "lock")) for j, d in enumerate(doors)]
    issues += _duplicates(located, locks, "lock")
    numbers = {u.number for u in units}
    for j, door in enumerate(doors):
        for k, scope in enumerate(door.serves):
            where = located.location((*base, "doors", j, "serves", k))
            if scope.unit is not None and (scope.building or scope.floor):
                issues.append(
                    PolicyIssue(
                        "error", "bad-scope", "a scope names a unit, or a building and/or floor",
                        where, "split it into two entries",
                    )
                )  # fmt: skip
            elif scope.unit is None and scope.building is None and scope.floor is None:
                issues.append(
                    PolicyIssue(
                        "error", "bad-scope", "an empty scope serves nothing", where,
                        "name a `unit`, `building` or `floor`; without `serves` it serves all",
                    )
                )  # fmt: skip
            elif scope.unit is not None and fac.units is not None and scope.unit not in numbers:
                issues.append(
                    PolicyIssue(
                        "error", "unknown-unit", f"no unit `{scope.unit}` in this facility", where,
                        "list the unit under the facility's `units`",
                    )
                )  # fmt: skip
    return issues


def static_issues(located: Located, spec: SiteFileSpec) -> list[PolicyIssue]:
    """Every key used twice in the file, and scopes that name nothing or too much."""
    issues = _duplicates(
        located, ((f.key, ("facilities", i, "key")) for i, f in enumerate(spec.facilities)),
        "facility key",
    )  # fmt: skip
    issues += _duplicates(
        located, ((r.name, ("roles", i, "name")) for i, r in enumerate(spec.roles)), "role"
    )
    issues += _duplicates(
        located,
        ((e.email.lower(), ("employees", i, "email")) for i, e in enumerate(spec.employees or [])),
        "employee email",
    )
    for i, fac in enumerate(spec.facilities):
        issues += _facility_issues(located, i, fac)
    return issues
