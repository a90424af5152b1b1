"""A facility of the demo company set up for one run of the stories, over the API as the
demo's manager: open around the clock (no outcome depends on the hour), a gate, units with
Bluetooth locks behind a gateway, and a PMS webhook secret of its own, so every run has
fresh units and people and can run again on the same server."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.demo._data import COMPANIES
from api.demo.run._client import DemoClient, DemoError, Who

__all__ = ["MANAGER", "DemoSite", "applied", "set_up_site"]

MANAGER = "maria@acme-storage.example"
"""The demo's manager: every permission, company-wide."""
_COMPANY = COMPANIES[0].id
_NOWHERE = "http://127.0.0.1:9"
"""The gateway the run's locks are behind: nothing answers there (a remote unlock is
decided and logged, its action ends `gateway_down`), since the demo's own gateway serves
only the locks of the facilities it was started with."""

_AREAS: tuple[int, ...] = (201, 206, 212, 213, 303, 305, 312, 404, 408, 503)
_AREAS += (510, 512, 602, 617, 646, 650, 702, 713, 720, 917)
"""US area codes whose 555 numbers `engine.notify.check_number` takes as mobile-capable."""


@dataclass
class DemoSite:
    """The facility a run set up, its doors and the PMS's view of its units."""

    client: DemoClient
    company_id: str
    facility_id: str
    gate_id: str
    units: dict[str, str]
    """Unit number → unit id."""
    locks: dict[str, str]
    """Unit number → the id of its lock's door."""
    tag: str
    secret: str
    keypad: str | None = None
    """The gate keypad's device id on the lock service (None: no keypad)."""
    sms: bool = False
    """Tenants have a mobile (activations go by SMS): only with an SMS simulator, since a
    number of the fictional range may still be someone's phone."""
    seqs: dict[str, int] = field(default_factory=dict)
    mobiles: dict[str, str] = field(default_factory=dict)

    @property
    def manager(self) -> Who:
        """The demo manager's header."""
        return self.client.as_(MANAGER, self.company_id, "employee")

    def push(self, number: str, **record: Any) -> dict[str, Any]:
        """The PMS's next record of unit `number`, pushed signed; the webhook's answer."""
        self.seqs[number] = self.seqs.get(number, 0) + 1
        body = {"unit_ref": self.ref(number), "seq": self.seqs[number], **record}
        return dict(self.client.push_pms(self.company_id, self.facility_id, [body], self.secret))

    def move_in(self, number: str, person: str, lease_start: date | None = None) -> None:
        """The PMS rents unit `number` to `person` (default: a lease started 30 days ago)."""
        applied(self.push(number, status="occupied", **self.tenant(person, lease_start)))

    def tenant(self, person: str, lease_start: date | None = None) -> dict[str, Any]:
        """The PMS record fields of `person`'s rental (with `sms`, a mobile of its own)."""
        start = lease_start or (datetime.now(UTC) - timedelta(days=30)).date()
        record = {
            "tenant_ref": f"T-{person}-{self.tag}",
            "rental_ref": f"R-{person}-{self.tag}",
            "first_name": person.title(),
            "last_name": "Demo",
            "email": self.email(person),
            "lease_start": start.isoformat(),
        }
        if self.sms:
            record["mobile"] = self.mobile(person)
        return record

    def ref(self, number: str) -> str:
        """Unit `number`'s PMS reference."""
        return f"{self.tag}-{number}"

    def email(self, person: str) -> str:
        """`person`'s email in this run."""
        return f"{person}.{self.tag}@demo-run.example"

    def mobile(self, person: str) -> str:
        """`person`'s mobile in this run (E.164, AAA-555-3000 to 9999 in one of 20 area
        codes: a move-in takes the account with its mobile when the email is new, so each
        run draws its own, away from the demo's and the tests' 555-01xx and 555-26xx)."""
        if person not in self.mobiles:
            area = _AREAS[secrets.randbelow(len(_AREAS))]
            self.mobiles[person] = f"+1{area}555{3000 + secrets.randbelow(7000):04d}"
        return self.mobiles[person]

    def as_(self, person: str, role: str = "tenant") -> Who:
        """The header of `person` (a story's tenant, shared user or winner) in this run."""
        return self.client.as_(self.email(person), self.company_id, role)

    def open(self, door_id: str, who: Who) -> dict[str, Any]:
        """An access request at `door_id` by the app (phone relay): the decision."""
        return dict(self.client.post(f"/v1/doors/{door_id}/access-requests", {}, who))

    def remote_unlock(self, door_id: str, who: Who, reason: str) -> dict[str, Any]:
        """An employee's remote unlock of `door_id`: the decision (and its action)."""
        body = {"reason": reason}
        return dict(self.client.post(f"/v1/doors/{door_id}/remote-unlocks", body, who))

    def unit(self, number: str) -> dict[str, Any]:
        """`GET /v1/units/{id}` as the manager."""
        return dict(self.client.get(f"/v1/units/{self.units[number]}", self.manager))

    def events(self, number: str) -> list[tuple[str, str, str]]:
        """The unit's history, oldest first: (event, source, to state)."""
        history = self.unit(number)["history"]
        return [(t["event"], t["source"], t["to_state"]) for t in reversed(history)]

    def feed(self, person: str) -> list[dict[str, Any]]:
        """`person`'s activity feed, newest first."""
        return list(self.client.get("/v1/me/activity", self.as_(person), limit=500))

    def chain_verifies(self) -> bool:
        """Whether the facility's audit chain verifies, over HTTP."""
        path = f"/v1/facilities/{self.facility_id}/audit/verify"
        return bool(self.client.get(path, self.manager)["ok"])


def applied(answer: dict[str, Any]) -> None:
    """Fail unless the PMS webhook applied the one record it was pushed."""
    if answer.get("outcomes") != {"applied": 1}:
        raise DemoError(f"the PMS webhook did not apply the record: {answer}")


def set_up_site(
    client: DemoClient,
    units: tuple[str, ...] = ("U1",),
    *,
    keypad: str | None = None,
    sms: bool = False,
    secret: str | None = None,
    label: str = "Demo run",
    company_id: str = _COMPANY,
) -> DemoSite:
    """A PMS-linked facility of the demo company, open around the clock, with a gate (its
    lock the keypad device `keypad` when given) and `units` with remote locks, made over the
    API as the manager. PMS pushes are signed with `secret`, else with a new webhook secret
    of the company (the older ones keep verifying for a day). `sms`: tenants get a mobile."""
    manager = client.as_(MANAGER, company_id, "employee")
    tag = f"r{uuid.uuid4().hex[:8]}"
    facility = client.post(
        "/v1/facilities",
        {
            "key": tag,
            "name": f"{label} {tag}",
            "timezone": "America/Chicago",
            "country": "US",
            "access_opens": "00:00",
            "access_closes": "00:00",
            "pms_ref": f"pms-{tag}",
        },
        manager,
    )
    fid = facility["id"]
    gate_body: dict[str, Any] = {"name": "Gate", "kind": "gate"}
    if keypad:
        gate_body["lock_ref"] = keypad
    gate = client.post(f"/v1/facilities/{fid}/doors", gate_body, manager)
    ids = {
        number: client.post(
            f"/v1/facilities/{fid}/units",
            {"number": number, "pms_ref": f"{tag}-{number}", "lock_ref": f"lock-{tag}-{number}"},
            manager,
        )["id"]
        for number in units
    }
    locks = {
        number: door["id"]
        for door in client.get(f"/v1/facilities/{fid}/doors", manager)
        for number, unit_id in ids.items()
        if door["unit_id"] == unit_id
    }
    _remote_locks(client, manager, fid, locks)
    secret = secret or client.post("/v1/pms/webhook-secrets", {}, manager)["secret"]
    return DemoSite(client, company_id, fid, gate["id"], ids, locks, tag, secret, keypad, sms)


def _remote_locks(client: DemoClient, manager: Who, fid: str, locks: dict[str, str]) -> None:
    """A Bluetooth lock on each unit's door behind a gateway (remote unlock needs both)."""
    client.post(f"/v1/facilities/{fid}/gateways", {"name": "hub", "url": _NOWHERE}, manager)
    for number, door in locks.items():
        lock_id = str(uuid.uuid4())
        body = {
            "lock_id": lock_id,
            "name": f"lock {number}",
            "public_key": uuid.uuid4().hex * 2,
            "gateway": "hub",
        }
        client.post(f"/v1/facilities/{fid}/locks", body, manager)
        client.call("PUT", f"/v1/doors/{door}/lock", manager, {"lock_ref": lock_id})
