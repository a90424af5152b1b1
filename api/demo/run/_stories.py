"""The seeds' stories as `unitgate demo run` plays them: each step's action and the
decisions expected at named doors after it (the gate; a unit's number for its lock).

Expectations are data: add a `reason_code`, an alert, a door to a step here; a `Door`
checks `reason_code` only where the server's answer carries one, an `AlertRaised` only
where the server has `GET /v1/facilities/{id}/alerts` (and fails only when `strict`).
"""

from __future__ import annotations

from api.demo.run._actions import (
    activate,
    cleanout,
    emergency,
    ends_by_itself,
    look,
    move_in,
    pending_auction,
    pms_status,
    revoke_share,
    sale,
    share_with_manager,
    vacate,
)
from api.demo.run._checks import NO_RULE, ActivationIs, AlertRaised, Door, KeypadCode, UnitState
from api.demo.run._model import Step, Story

__all__ = ["STORIES", "WINDOW"]

WINDOW = 3.0
"""Seconds an auction window, a clean-out or an emergency lasts in the stories."""
_WAIT = WINDOW + 20
"""How long the server's expiry duty may take to end one."""

# Rules of policy/*.yaml and words of their reasons.
_TENANT_GATE = "tenant-passes-entry-points"
_TENANT_UNIT = "tenant-opens-rented-unit"
_BALANCE_DUE = "balance due"
_LIEN = "lien process"

RENTAL = Story(
    "a rental from move-in to vacate",
    "seeds 000, 002, 003",
    ("U1",),
    (
        Step(
            "move-in",
            "the PMS rents U1 to Tara; her activation is sent",
            move_in("U1", "tara"),
            (UnitState("U1", "occupied"), ActivationIs("U1", "sent")),
        ),
        Step(
            "activation",
            "Tara activates the app and opens the gate and her unit",
            activate("tara"),
            (
                Door("gate", "tara", True, _TENANT_GATE, "rent a unit"),
                Door("U1", "tara", True, _TENANT_UNIT, "rent this unit"),
            ),
        ),
        Step(
            "keypad-code",
            "a code for Tara appears on the gate keypad",
            look(),
            (KeypadCode("tara", "active"),),
        ),
        Step(
            "gatelock",
            "payment is late: the PMS gatelocks U1",
            pms_status("U1", "tara", "gatelock"),
            (
                UnitState("U1", "gatelock"),
                Door(
                    "gate",
                    "tara",
                    False,
                    "lien-unit-keeps-tenant-out-of-facility",
                    _BALANCE_DUE,
                    reason_code="gatelocked",
                ),
                KeypadCode("tara", "suspended"),
                AlertRaised("delinquent_at_door", strict=True),
            ),
        ),
        Step(
            "overlock",
            "still unpaid: the PMS overlocks U1",
            pms_status("U1", "tara", "overlock"),
            (
                UnitState("U1", "overlock"),
                Door(
                    "gate",
                    "tara",
                    False,
                    "lien-unit-keeps-tenant-out-of-facility",
                    _BALANCE_DUE,
                    reason_code="overlocked",
                ),
                Door(
                    "U1",
                    "tara",
                    False,
                    "delinquent-unit-opens-for-no-one",
                    _BALANCE_DUE,
                    reason_code="overlocked",
                ),
                Door("U1", "manager", False, "delinquent-unit-opens-for-no-one"),
            ),
        ),
        Step(
            "payment",
            "Tara pays: the PMS restores U1",
            pms_status("U1", "tara", "none"),
            (
                UnitState("U1", "occupied"),
                Door("gate", "tara", True, _TENANT_GATE),
                Door("U1", "tara", True, _TENANT_UNIT),
                KeypadCode("tara", "active"),
            ),
        ),
        Step(
            "overlock-again",
            "60 days late: the PMS overlocks U1 again",
            pms_status("U1", "tara", "overlock"),
            (UnitState("U1", "overlock"), Door("U1", "tara", False, reason=_BALANCE_DUE)),
        ),
        Step(
            "pending-auction",
            "the portal takes U1 to pending auction",
            pending_auction("U1", "lien sale after 60 days overlocked"),
            (
                UnitState("U1", "pending_auction"),
                Door("U1", "tara", False, "lien-unit-closed-to-tenant", _LIEN, reason_code="lien"),
                Door("gate", "tara", False, "lien-unit-keeps-tenant-out-of-facility"),
                Door("U1", "manager", True, "auction-staff-open-lien-units"),
            ),
        ),
        Step(
            "auction-sale",
            f"the portal records the sale: the winner may clear U1 for {WINDOW:.0f} s",
            sale("U1", "win", WINDOW),
            (
                UnitState("U1", "auction"),
                Door("gate", "win", True, "winner-or-cleanout-opens-auctioned-unit"),
                Door("U1", "win", True, "winner-or-cleanout-opens-auctioned-unit"),
                Door("U1", "tara", False, "lien-unit-closed-to-tenant", _LIEN),
            ),
        ),
        Step(
            "sale-window-ends",
            "the winner's window ends by itself: U1 back to pending auction",
            ends_by_itself("U1", "access_expired", _WAIT),
            (
                UnitState("U1", "pending_auction"),
                Door(
                    "U1",
                    "win",
                    False,
                    "auction-window-closed",
                    "window",
                    reason_code="grant_expired",
                ),
            ),
        ),
        Step(
            "cleanout",
            f"the portal gives Sam a clean-out window of {WINDOW:.0f} s",
            cleanout("U1", WINDOW),
            (
                UnitState("U1", "auction"),
                Door("U1", "sam", True, "winner-or-cleanout-opens-auctioned-unit"),
                Door("U1", "tara", False, "lien-unit-closed-to-tenant"),
            ),
        ),
        Step(
            "cleanout-ends",
            "the clean-out window ends by itself",
            ends_by_itself("U1", "access_expired", _WAIT, nth=2),
            (UnitState("U1", "pending_auction"), Door("U1", "sam", False)),
        ),
        Step(
            "pms-record",
            "the next PMS record returns U1 to the PMS's status",
            pms_status("U1", "tara", "overlock"),
            (UnitState("U1", "overlock"),),
        ),
        Step(
            "vacate",
            "the PMS vacates U1: every user gone, the manager's access restored",
            vacate("U1"),
            (
                UnitState("U1", "available"),
                Door("U1", "tara", False, NO_RULE),
                Door("U1", "manager", True, "staff-open-available-units"),
                KeypadCode("tara", "removed"),
            ),
        ),
    ),
)

PHONE_LOCKED_IN = Story(
    "a tenant's phone locked in the unit",
    "seed 001",
    ("U2",),
    (
        Step(
            "move-in",
            "the PMS rents U2 to Pia",
            move_in("U2", "pia"),
            (Door("U2", "pia", True, _TENANT_UNIT),),
        ),
        Step(
            "no-share-no-help",
            "her phone is in U2: the manager cannot open an occupied unit unasked",
            look(),
            (
                Door("U2", "manager", False, NO_RULE),
                Door("U2", "manager", False, NO_RULE, remote="phone locked in, no share"),
            ),
        ),
        Step(
            "share-with-manager",
            "alternative: Pia shares a key with the manager, who opens U2 for her",
            share_with_manager("U2", "pia"),
            (Door("U2", "manager", True, "shared-key-opens-shared-unit"),),
        ),
        Step(
            "revoke",
            "Pia has her phone and revokes the manager's key",
            revoke_share("pia"),
            (Door("U2", "manager", False, "share-not-in-force", reason_code="share_revoked"),),
        ),
        Step(
            "emergency",
            "after hours, nobody on site: the emergency pending auction, a remote unlock",
            emergency("U2", WINDOW),
            (
                UnitState("U2", "pending_auction"),
                Door("U2", "pia", False, "lien-unit-closed-to-tenant", _LIEN),
                Door(
                    "U2",
                    "manager",
                    True,
                    "auction-staff-open-lien-units",
                    remote="phone locked in, ID checked",
                ),
            ),
        ),
        Step(
            "emergency-ends",
            "the emergency ends by itself: U2 occupied, Pia's access back",
            ends_by_itself("U2", "emergency_expired", _WAIT),
            (UnitState("U2", "occupied"), Door("U2", "pia", True, _TENANT_UNIT)),
        ),
        Step(
            "share-for-next-time",
            "next time: the shared key lets the manager help remotely",
            share_with_manager("U2", "pia"),
            (
                Door(
                    "U2",
                    "manager",
                    True,
                    "shared-key-holder-unlocks-remotely",
                    remote="phone locked in again",
                ),
            ),
        ),
    ),
)

LEASE_NOT_STARTED = Story(
    "a lease that has not started",
    "seed 000 step 6",
    ("U3",),
    (
        Step(
            "future-lease",
            "the PMS rents U3 to Lea from in 5 days: no access, the activation waits",
            move_in("U3", "lea", lease_in_days=5),
            (
                ActivationIs("U3", "scheduled"),
                Door(
                    "U3",
                    "lea",
                    False,
                    "no-access-before-lease-start",
                    "lease has not started",
                    reason_code="lease_not_started",
                ),
            ),
        ),
    ),
)

STORIES = (RENTAL, PHONE_LOCKED_IN, LEASE_NOT_STARTED)
"""Every story `unitgate demo run` plays, in order."""
