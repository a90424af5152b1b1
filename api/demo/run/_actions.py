"""The actions of the stories' steps, over HTTP as the PMS, the portal or the app would
take them; each factory answers an `Action` for a step."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from api.demo.run._checks import poll
from api.demo.run._client import DemoError
from api.demo.run._model import Action
from api.demo.run._run import CLEANOUT_EMPLOYEE, Run
from api.demo.run._site import MANAGER, applied

__all__ = [
    "activate",
    "cleanout",
    "emergency",
    "ends_by_itself",
    "look",
    "move_in",
    "pending_auction",
    "pms_status",
    "revoke_share",
    "sale",
    "share_with_manager",
    "vacate",
]

_CODE = re.compile(r"\bcode (\w{4,12})\b")


def look(note: str | None = None) -> Action:
    """Nothing done: the step only looks."""
    return lambda _run: note


def move_in(unit: str, person: str, *, lease_in_days: int = -30) -> Action:
    """The PMS rents `unit` to `person`, the lease starting `lease_in_days` from today."""

    def act(run: Run) -> str:
        start = (datetime.now(UTC) + timedelta(days=lease_in_days)).date()
        run.site.move_in(unit, person, start)
        return f"PMS: {unit} rented to {person.title()} Demo, lease from {start}"

    return act


def pms_status(unit: str, person: str, delinquency: str) -> Action:
    """The PMS's next record of `person`'s rental of `unit` with `delinquency`."""

    def act(run: Run) -> str:
        record = run.site.tenant(person)
        applied(run.site.push(unit, status="occupied", delinquency=delinquency, **record))
        return f"PMS: {unit} occupied, delinquency {delinquency}"

    return act


def vacate(unit: str) -> Action:
    """The PMS vacates `unit`."""

    def act(run: Run) -> str:
        applied(run.site.push(unit, status="vacant"))
        return f"PMS: {unit} vacant"

    return act


def activate(person: str) -> Action:
    """`person` activates the app: with an SMS simulator, the code in the activation SMS is
    redeemed (`POST /v1/activations/redeem`) and the token it answers used from then on."""

    def act(run: Run) -> str:
        if run.sms_sim is None:
            return "no SMS simulator (--sms-sim): the tenant's token comes from the demo issuer"
        mobile = run.site.mobile(person)

        def sms() -> str | None:
            state = _sim_state(run.sms_sim or "")
            bodies = [str(m["body"]) for m in state["messages"] if m["to"] == mobile]
            found = [m.group(1) for b in bodies if (m := _CODE.search(b))]
            return found[-1] if found else None

        code = poll(sms, 30.0)
        if code is None:
            raise DemoError(f"no activation SMS to {mobile} at {run.sms_sim} within 30 s")
        got = run.client.post("/v1/activations/redeem", {"code": code, "contact": mobile})
        run.tokens[person] = {"Authorization": f"Bearer {got['token']}"}
        return f"SMS to {mobile} with code {code[:2]}****: redeemed, the app is signed in"

    return act


def pending_auction(unit: str, reason: str) -> Action:
    """The portal moves `unit` to pending auction."""

    def act(run: Run) -> str:
        path = f"/v1/units/{run.site.units[unit]}/pending-auction"
        run.client.post(path, {"reason": reason}, run.site.manager)
        return f"portal: {unit} to pending auction ({reason})"

    return act


def sale(unit: str, winner: str, seconds: float) -> Action:
    """The portal records `unit`'s sale to `winner`, their window ending in `seconds`."""

    def act(run: Run) -> str:
        now = datetime.now(UTC)
        body = {
            "reason": "lien sale",
            "winner": {"name": f"{winner.title()} Winner", "email": run.site.email(winner)},
            "window_start": (now - timedelta(minutes=1)).isoformat(),
            "window_end": (now + timedelta(seconds=seconds)).isoformat(),
        }
        run.client.post(f"/v1/units/{run.site.units[unit]}/auction-sale", body, run.site.manager)
        return f"portal: {unit} sold at auction, the winner's window ends in {seconds:.0f} s"

    return act


def cleanout(unit: str, seconds: float) -> Action:
    """The portal gives the demo's clean-out employee access to `unit` for `seconds`."""

    def act(run: Run) -> str:
        employees = run.client.get("/v1/employees", run.site.manager)
        [sam] = [e for e in employees if e["email"] == CLEANOUT_EMPLOYEE] or [None]
        if sam is None:
            raise DemoError(f"no employee `{CLEANOUT_EMPLOYEE}` in the demo company")
        now = datetime.now(UTC)
        body = {
            "reason": "clean-out after the sale",
            "employee_id": sam["person_id"],
            "window_start": (now - timedelta(minutes=1)).isoformat(),
            "window_end": (now + timedelta(seconds=seconds)).isoformat(),
        }
        run.client.post(f"/v1/units/{run.site.units[unit]}/cleanout", body, run.site.manager)
        return f"portal: {sam['name']} may clean {unit} out for {seconds:.0f} s"

    return act


def ends_by_itself(unit: str, event: str, within: float, nth: int = 1) -> Action:
    """Wait for the server's expiry duty to record `event` on `unit` (its `nth` time)."""

    def act(run: Run) -> str:
        run.wait_for_event(unit, event, within, nth)
        return f"the server recorded {event} by itself"

    return act


def share_with_manager(unit: str, person: str) -> Action:
    """`person` shares a key to `unit` with the demo's manager."""

    def act(run: Run) -> str:
        path = f"/v1/units/{run.site.units[unit]}/shares"
        share = run.client.post(path, {"email": MANAGER}, run.who(person))
        run.memo[f"share:{person}"] = share["id"]
        return f"app: {person.title()} shares a key to {unit} with the manager"

    return act


def revoke_share(person: str) -> Action:
    """`person` revokes the key they last shared."""

    def act(run: Run) -> str:
        share = run.memo.get(f"share:{person}")
        if share is None:
            raise DemoError(f"{person} shared no key in this run")
        run.client.call("DELETE", f"/v1/shares/{share}", run.who(person))
        return f"app: {person.title()} revokes the manager's key"

    return act


def emergency(unit: str, seconds: float) -> Action:
    """The manager, the tenant's identity checked, starts an emergency pending auction of
    `unit` ending in `seconds`."""

    def act(run: Run) -> str:
        body = {
            "reason": "tenant's phone is locked in the unit",
            "identity_verification": "photo ID matched the PMS record over video",
            "ends_at": (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(),
        }
        run.client.post(f"/v1/units/{run.site.units[unit]}/emergency", body, run.site.manager)
        return f"portal: emergency pending auction of {unit}, ends in {seconds:.0f} s"

    return act


def _sim_state(base: str) -> dict[str, list[dict[str, object]]]:
    try:
        got = httpx.get(f"{base.rstrip('/')}/control/state", timeout=10)
    except httpx.TransportError as exc:
        raise DemoError(f"the SMS simulator at {base}: {exc}") from exc
    if got.status_code != 200:
        raise DemoError(f"the SMS simulator at {base}: {got.status_code}")
    return dict(got.json())
