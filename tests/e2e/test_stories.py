"""The seeds' stories on the running service, over HTTP only (SQLite and PostgreSQL; `make
smoke` runs them against the server `make run` started).

Each story sets up a facility of its own as the demo's manager would (open around the clock,
so no outcome depends on the hour it runs), with fresh people, so the stories can run again
and again on one server. At each step they check the stored state, the unit's history, the
facility's audit chain and the tenant's activity feed:

- seed 002: the PMS moves a tenant in, gatelocks and overlocks them; the portal takes the
  unit to pending auction and records a sale with a window of seconds; the window ends by
  itself (the service's expiry duty); the next PMS record returns the unit to its PMS status;
  the PMS vacates it and every user is gone.
- seed 001: a tenant locked their phone in the unit: the share with the manager, revoked;
  the emergency pending auction with a remote unlock, ending by itself; the share that lets
  the manager help remotely next time.
- seed 000 steps 6 and 7: no access before the lease starts; a tenant of two companies.
- the sync duty: a simulated PMS and `unitgate sync run` beside the server bring its
  changes in.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.demo import DEMO_COMPANY_ID
from api.demo.run import MANAGER, DemoClient, DemoSite, set_up_site
from tests.support.service import Service, free_port, wait_for

pytestmark = pytest.mark.slow

MARIA = MANAGER
"""The demo's manager: every permission, company-wide."""
WINDOW = 3.0
"""Seconds an auction window or an emergency lasts in these stories."""


def set_up(service: Service, units: tuple[str, ...] = ("U1",)) -> DemoSite:
    """A PMS-linked facility of the demo company, open around the clock, with a gate and
    `units` with locks, made over the API as the manager, and a webhook secret of its own:
    the one `unitgate demo run` sets up (`api.demo.run`)."""
    return set_up_site(DemoClient(service.base, http=service.http), units, label="Story")


def _feed_has(feed: list[dict[str, Any]], kind: str, text: str) -> bool:
    return any(i["kind"] == kind and text in i["summary"] for i in feed)


def test_seed_002_the_pms_decides_delinquency_and_an_auction_runs_its_course(
    service: Service,
) -> None:
    site = set_up(service)
    lock = site.locks["U1"]

    # The PMS rents the unit: occupied, the tenant opens the gate and the unit.
    site.move_in("U1", "tara")
    assert site.unit("U1")["state"] == "occupied"
    tara = site.as_("tara")
    assert site.open(site.gate_id, tara)["allowed"] is True
    assert site.open(lock, tara)["allowed"] is True

    # Gatelock: the gate refuses her; overlock: the unit too. Only the PMS did this.
    site.push("U1", status="occupied", delinquency="gatelock", **site.tenant("tara"))
    assert site.unit("U1")["state"] == "gatelock"
    refused = site.open(site.gate_id, tara)
    assert refused["allowed"] is False
    assert refused["rule"] is not None
    assert refused["reason_code"] == "gatelocked"
    site.push("U1", status="occupied", delinquency="overlock", **site.tenant("tara"))
    assert site.unit("U1")["state"] == "overlock"
    refused = site.open(lock, tara)
    assert (refused["allowed"], refused["reason_code"]) == (False, "overlocked")

    # The portal: pending auction, then a sale whose window lasts seconds.
    unit_id = site.units["U1"]
    reason = {"reason": "lien sale after 60 days overlocked"}
    service.post(f"/v1/units/{unit_id}/pending-auction", reason, site.manager)
    now = datetime.now(UTC)
    winner = {"name": "Win Ner", "email": site.email("win")}
    sale = {
        **reason,
        "winner": winner,
        "window_start": (now - timedelta(minutes=1)).isoformat(),
        "window_end": (now + timedelta(seconds=WINDOW)).isoformat(),
    }
    sold = service.post(f"/v1/units/{unit_id}/auction-sale", sale, site.manager)
    assert sold["unit"]["state"] == "auction"
    win = site.as_("win", "auction_winner")
    assert site.open(lock, win)["allowed"] is True
    refused = site.open(lock, tara)
    assert (refused["allowed"], refused["reason_code"]) == (False, "lien")

    # The window ends by itself: recorded by the service's expiry duty, the grant revoked.
    wait_for(
        lambda: any(e[0] == "access_expired" for e in site.events("U1")),
        timeout=WINDOW + 15,
        what="the expiry of the auction window",
    )
    detail = site.unit("U1")
    assert (detail["state"], detail["effective_state"]) == ("pending_auction", "pending_auction")
    expired = next(t for t in detail["history"] if t["event"] == "access_expired")
    assert (expired["actor"], expired["source"]) == ("system:clock", "system")
    assert all(g["revoked_at"] is not None for g in detail["grants"])
    refused = site.open(lock, win)
    assert (refused["allowed"], refused["reason_code"]) == (False, "grant_expired")

    # The next PMS record returns pending auction to the PMS status (seed 002).
    site.push("U1", status="occupied", delinquency="overlock", **site.tenant("tara"))
    assert site.unit("U1")["state"] == "overlock"
    assert _feed_has(site.feed("tara"), "transition", "access_expired")

    # The PMS vacates the unit: every user gone, the manager's access restored.
    site.push("U1", status="vacant")
    assert site.unit("U1")["state"] == "available"
    assert service.get("/v1/me/units", tara) == []
    assert site.open(lock, site.manager)["allowed"] is True
    assert site.events("U1") == [
        ("move_in", "pms", "occupied"),
        ("delinquent_gate", "pms", "gatelock"),
        ("delinquent_over", "pms", "overlock"),
        ("mark_pending_auction", "portal", "pending_auction"),
        ("record_auction_sale", "portal", "auction"),
        ("access_expired", "system", "pending_auction"),
        ("delinquent_over", "pms", "overlock"),
        ("vacate", "pms", "available"),
    ]
    assert site.chain_verifies()


def test_seed_001_a_phone_locked_in_the_unit(service: Service) -> None:
    site = set_up(service)
    lock, unit_id = site.locks["U1"], site.units["U1"]
    site.move_in("U1", "pia")
    pia = site.as_("pia")
    manager = site.manager

    # The tenant shares a key with the manager, who opens for her; she revokes it after.
    share = service.post(f"/v1/units/{unit_id}/shares", {"email": MARIA}, pia)
    assert share["active"] is True
    assert share["grantee_name"] != "Maria Manager"  # the account's name is never revealed
    assert site.open(lock, manager)["allowed"] is True
    revoked = service.http.delete(f"/v1/shares/{share['id']}", headers=pia)
    assert revoked.status_code == 200, revoked.text
    assert site.open(lock, manager)["allowed"] is False

    # After hours, nobody on site: the emergency pending auction, ending by itself.
    ends = datetime.now(UTC) + timedelta(seconds=WINDOW)
    body = {
        "reason": "tenant's phone is locked in the unit",
        "identity_verification": "photo ID matched the PMS record over video",
        "ends_at": ends.isoformat(),
    }
    started = service.post(f"/v1/units/{unit_id}/emergency", body, manager)
    assert started["unit"]["state"] == "pending_auction"
    assert site.open(lock, pia)["allowed"] is False
    remote = service.post(
        f"/v1/doors/{lock}/remote-unlocks", {"reason": "phone locked in, ID checked"}, manager
    )
    assert remote["allowed"] is True, remote
    wait_for(
        lambda: any(e[0] == "emergency_expired" for e in site.events("U1")),
        timeout=WINDOW + 15,
        what="the end of the emergency",
    )
    assert site.unit("U1")["state"] == "occupied"
    assert site.open(lock, pia)["allowed"] is True

    # Next time: the share lets the manager help remotely without the emergency path.
    again = service.post(f"/v1/units/{unit_id}/shares", {"email": MARIA}, pia)
    helped = service.post(
        f"/v1/doors/{lock}/remote-unlocks", {"reason": "phone locked in again"}, manager
    )
    assert helped["allowed"] is True, helped
    assert helped["rule"] == "shared-key-holder-unlocks-remotely"

    # Everything is in her feed (invariant 10) and the chain verifies.
    feed = site.feed("pia")
    assert _feed_has(feed, "share_created", "key shared")
    assert _feed_has(feed, "share_revoked", "revoked")
    assert _feed_has(feed, "transition", "emergency_expired")
    assert _feed_has(feed, "access", "phone locked in, ID checked")
    employee_opens = [i for i in feed if i["kind"] == "access" and i["actor_kind"] == "employee"]
    assert len(employee_opens) >= 3
    assert again["active"] is True
    assert site.chain_verifies()


def test_seed_000_no_access_before_the_lease_starts_and_two_companies(service: Service) -> None:
    site = set_up(service)
    lock = site.locks["U1"]
    start = (datetime.now(UTC) + timedelta(days=5)).date()
    site.move_in("U1", "lea", lease_start=start)
    lea = site.as_("lea")
    refused = site.open(lock, lea)
    assert (refused["allowed"], refused["reason_code"]) == (False, "lease_not_started")
    assert "lease" in refused["reason"].lower()
    mine = service.get("/v1/me/units", lea)
    assert [d["allowed"] for u in mine for d in u["doors"]] == [False, False]

    # A tenant of two storage companies sees both in one account (the demo's Olivia).
    olivia = service.as_("olivia@mail.example", DEMO_COMPANY_ID)
    companies = {f["company_name"] for f in service.get("/v1/me", olivia)["facilities"]}
    assert len(companies) == 2


def test_the_sync_duty_brings_the_pms_changes_in(service: Service) -> None:
    site = set_up(service, units=())
    manager = site.manager
    pms_ref = f"pms-{site.tag}"
    # The simulator names its units `<facility ref>-000001`...: the store gets the same ones.
    for i in range(1, 6):
        service.post(
            f"/v1/facilities/{site.facility_id}/units",
            {"number": f"N{i}", "pms_ref": f"{pms_ref}-{i:06d}"},
            manager,
        )
    port = free_port()
    pms = f"http://127.0.0.1:{port}"
    service.start_worker(
        "pms-sim", "--facility", pms_ref, "--units", "5", "--occupancy", "1.0",
        "--port", str(port), name=f"pms-sim-{site.tag}",
    )  # fmt: skip
    # A process start (the app's imports) takes seconds, more on a loaded machine.
    wait_for(
        lambda: _answers(f"{pms}/v1/facilities/{pms_ref}/units"),
        timeout=60,
        what="the PMS simulator",
    )
    service.start_worker(
        "sync",
        "run",
        "--pms-url",
        pms,
        "--facility",
        pms_ref,
        "--name",
        f"story-{site.tag}",
        name=f"sync-{site.tag}",
    )

    def synced() -> bool:
        units = service.get(f"/v1/facilities/{site.facility_id}/units", manager)
        return all(u["last_pms_seq"] > 0 for u in units) and all(
            u["state"] == "occupied" for u in units
        )

    wait_for(synced, timeout=60, what="the sync worker's first pass")
    status = service.get(f"/v1/facilities/{site.facility_id}/sync", manager)
    assert status["units_synced"] == 5
    # A change the PMS makes later arrives without anyone asking.
    httpx.post(f"{pms}/v1/admin/advance", params={"steps": 10}, timeout=10)
    seqs = {u["id"]: u["last_pms_seq"] for u in service.get(
        f"/v1/facilities/{site.facility_id}/units", manager
    )}  # fmt: skip
    wait_for(
        lambda: any(
            u["last_pms_seq"] > seqs[u["id"]]
            for u in service.get(f"/v1/facilities/{site.facility_id}/units", manager)
        ),
        timeout=60,
        what="a later PMS change",
    )
    assert site.chain_verifies()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        time.sleep(0.1)
        return False
