"""The demo as data: each company's site file, tenants, and each unit's story.

Sites (roles, facilities, units, doors, locks, employees) are the site files next to this
module; what happens to the units (move-ins, delinquency, liens, shares) is here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from engine.persistence import stable_id

__all__ = ["COMPANIES", "SHARES", "TENANTS", "DemoCompany", "DemoFacility", "DemoUnit"]


@dataclass(frozen=True)
class DemoUnit:
    """A unit and what happens to it: tenant (by key), then lifecycle steps by name."""

    number: str
    tenant: str | None = None
    story: tuple[str, ...] = ()
    lease_starts_in_days: int = -30


@dataclass(frozen=True)
class DemoFacility:
    """A facility of a site file (by key) and its units' stories (units without one stay
    available)."""

    key: str
    units: tuple[DemoUnit, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DemoCompany:
    """A demo company: its site file and the stories of its facilities' units."""

    id: str
    site_file: Path
    tenant_prefix: str
    """The PMS's tenant refs of this company start with it (each company has its own PMS)."""
    facilities: tuple[DemoFacility, ...]


# key -> (name, email, mobile); valid mobile-capable numbers (`engine.notify.check_number`),
# so the demo's activations go out by SMS (555-01xx numbers are fictional: phonenumbers
# refuses them).
TENANTS: dict[str, tuple[str, str | None, str | None]] = {
    f"t{i:02d}": (name, f"{name.split()[0].lower()}@mail.example", f"+1415555{2600 + i}")
    for i, name in enumerate(
        [
            "Olivia Park",
            "Liam Chen",
            "Emma Diaz",
            "Noah Patel",
            "Ava Kim",
            "Elijah Brown",
            "Sophia Rossi",
            "Lucas Novak",
            "Mia Okafor",
            "Mason Silva",
            "Isabella Cruz",
            "Logan Meyer",
            "Amelia Singh",
            "Ethan Moreau",
            "Harper Ito",
            "James Walsh",
            "Evelyn Costa",
            "Benjamin Haas",
            "Abigail Lund",
            "Henry Adler",
            "Ella Duarte",
            "Jack Romero",
            "Grace Tan",
            "Owen Fischer",
            "Chloe Ng",
            "Wyatt Holm",
            "Zoe Laine",
            "Leo Marsh",
            "Nora Vance",
            "Caleb Stone",
            "Lily Frost",
            "Isaac Reed",
            "Aria Blake",
            "Ryan Cole",
        ]
    )
}
TENANTS["winner"] = ("Wendy Winner", "wendy@bids.example", "+14155552690")
TENANTS["friend"] = ("Frank Friend", "frank@mail.example", "+14155552691")
TENANTS["b01"] = ("Priya Raman", "priya@mail.example", "+14155552692")
TENANTS["b02"] = ("Tom Becker", "tom@mail.example", "+14155552693")

_OCC = ("occupied",)


def _units(prefix: str, start: int, specs: list[DemoUnit]) -> tuple[DemoUnit, ...]:
    return tuple(
        DemoUnit(f"{prefix}{start + i}", u.tenant, u.story, u.lease_starts_in_days)
        for i, u in enumerate(specs)
    )


_RIVERSIDE = (
    [DemoUnit("", f"t{i:02d}", _OCC) for i in range(12)]
    + [
        DemoUnit("", "t12", ("gatelock",)),
        DemoUnit("", "t13", ("gatelock",)),
        DemoUnit("", "t14", ("overlock",)),
        DemoUnit("", "t15", ("overlock", "pending_auction")),
        DemoUnit("", "t16", ("gatelock", "pending_auction")),
        DemoUnit("", "t17", ("overlock", "pending_auction", "auction_sale")),
        DemoUnit("", "t18", ("overlock", "pending_auction", "cleanout")),
        DemoUnit("", "t19", ("emergency",)),
        DemoUnit("", "t20", _OCC, lease_starts_in_days=5),
        DemoUnit("", "t00", _OCC),  # Olivia rents a second unit here
        DemoUnit("", "t01", ("gatelock",)),  # Liam: one unit current, one delinquent
    ]
    + [DemoUnit("") for _ in range(9)]
)

_HILLTOP = (
    [DemoUnit("", f"t{i:02d}", _OCC) for i in range(21, 31)]
    + [
        DemoUnit("", "t31", ("gatelock",)),
        DemoUnit("", "t32", ("overlock",)),
        DemoUnit("", "t33", ("overlock", "pending_auction")),
        DemoUnit("", "t02", _OCC),  # Emma rents at both facilities
    ]
    + [DemoUnit("") for _ in range(6)]
)

_HERE = Path(__file__).parent

COMPANIES: tuple[DemoCompany, ...] = (
    DemoCompany(
        stable_id("demo", "company"),
        _HERE / "acme.yaml",
        "demo",
        (
            DemoFacility("riverside", _units("A", 101, _RIVERSIDE)),
            DemoFacility("hilltop", _units("B", 201, _HILLTOP)),
        ),
    ),
    DemoCompany(
        stable_id("demo", "company", "bolt"),
        _HERE / "bolt.yaml",
        "bolt",
        (
            DemoFacility(
                "downtown",
                (
                    DemoUnit("C101", "t00", _OCC),  # Olivia Park rents at Acme too
                    DemoUnit("C102", "b01", _OCC),
                    DemoUnit("D1", "b02", ("gatelock",)),
                ),
            ),
        ),
    ),
)
"""Acme first: its employees act in the stories, and Olivia's account is made there."""

SHARES: tuple[tuple[str, str, str, int | None], ...] = (
    # (facility key, unit number, grantee tenant key, expires in days or None)
    ("riverside", "A101", "friend", None),
    ("riverside", "A102", "friend", 7),
    ("hilltop", "B201", "t03", None),
)
