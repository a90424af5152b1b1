"""The demo company as data: facilities, doors, people, roles and each unit's story."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from engine.domain import DoorKind, Permission

__all__ = ["EMPLOYEES", "FACILITIES", "ROLES", "TENANTS", "DemoFacility", "DemoUnit"]

P = Permission


@dataclass(frozen=True)
class DemoUnit:
    """A unit and what happens to it: tenant (by key), then lifecycle steps by name."""

    number: str
    tenant: str | None = None
    story: tuple[str, ...] = ()
    lease_starts_in_days: int = -30


@dataclass(frozen=True)
class DemoFacility:
    """A facility with its entry points and units."""

    key: str
    name: str
    timezone: str
    opens: time
    closes: time
    doors: tuple[tuple[str, DoorKind], ...]
    units: tuple[DemoUnit, ...] = field(default_factory=tuple)


ROLES: dict[str, tuple[Permission, ...]] = {
    "Manager": tuple(Permission),
    "Auction clerk": (
        P.FACILITY_VIEW,
        P.ENTRY_OPEN,
        P.UNITS_AUCTION_ACCESS,
        P.LIEN_MARK_PENDING_AUCTION,
        P.LIEN_RESTORE,
        P.AUCTION_RECORD_SALE,
        P.AUCTION_ASSIGN_CLEANOUT,
    ),
    "Maintenance": (P.FACILITY_VIEW, P.ENTRY_OPEN, P.UNITS_OPEN_AVAILABLE),
    "Auditor": (P.FACILITY_VIEW, P.AUDIT_READ),
}

# key -> (name, email, mobile, role, facility key or None for every facility)
EMPLOYEES: dict[str, tuple[str, str, str, str, str | None]] = {
    "maria": ("Maria Manager", "maria@acme-storage.example", "+15550100001", "Manager", None),
    "alex": ("Alex Auction", "alex@acme-storage.example", "+15550100002", "Auction clerk", None),
    "sam": (
        "Sam Maintenance",
        "sam@acme-storage.example",
        "+15550100003",
        "Maintenance",
        "riverside",
    ),
    "ada": ("Ada Auditor", "ada@acme-storage.example", "+15550100004", "Auditor", None),
}

# key -> (name, email, mobile)
TENANTS: dict[str, tuple[str, str | None, str | None]] = {
    f"t{i:02d}": (name, f"{name.split()[0].lower()}@mail.example", f"+1555020{i:04d}")
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
TENANTS["winner"] = ("Wendy Winner", "wendy@bids.example", "+15550300001")
TENANTS["friend"] = ("Frank Friend", "frank@mail.example", "+15550300002")

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

FACILITIES: tuple[DemoFacility, ...] = (
    DemoFacility(
        "riverside",
        "Riverside Self Storage",
        "America/Chicago",
        time(6, 0),
        time(22, 0),
        (
            ("Main gate", DoorKind.GATE),
            ("Exit gate", DoorKind.GATE),
            ("Office door", DoorKind.BUILDING_DOOR),
            ("Elevator A", DoorKind.ELEVATOR),
        ),
        _units("A", 101, _RIVERSIDE),
    ),
    DemoFacility(
        "hilltop",
        "Hilltop Storage",
        "America/Denver",
        time(5, 0),
        time(23, 0),
        (("Front gate", DoorKind.GATE), ("Building B door", DoorKind.BUILDING_DOOR)),
        _units("B", 201, _HILLTOP),
    ),
)

SHARES: tuple[tuple[str, str, str, int | None], ...] = (
    # (facility key, unit number, grantee tenant key, expires in days or None)
    ("riverside", "A101", "friend", None),
    ("riverside", "A102", "friend", 7),
    ("hilltop", "B201", "t03", None),
)
