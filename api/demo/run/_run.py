"""Playing the stories against a running server: one facility set up for the run, then
each story's steps in order, each outcome handed to the caller as it is known."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.demo.run._checks import Result, poll
from api.demo.run._client import DemoClient, DemoError, Who
from api.demo.run._model import Step, Story
from api.demo.run._site import DemoSite, set_up_site

__all__ = ["Run", "StepOutcome", "play"]

CLEANOUT_EMPLOYEE = "sam@acme-storage.example"
"""The demo's employee assigned to clean units out."""
_ROLES = {"win": "auction_winner"}
_EMPLOYEES = {"sam": CLEANOUT_EMPLOYEE}


@dataclass
class Run:
    """One run's site, simulators and what its steps learnt (tokens, ids)."""

    client: DemoClient
    site: DemoSite
    sms_sim: str | None = None
    """The SMS simulator's base URL, when the server sends through one."""
    tokens: dict[str, Who] = field(default_factory=dict)
    """Tenants' headers from a redeemed activation (else the demo issuer's)."""
    memo: dict[str, Any] = field(default_factory=dict)
    _people: dict[str, str] = field(default_factory=dict)
    _keypad: bool | None = None

    def who(self, name: str) -> Who:
        """The header of `name`: `manager`, a demo employee, or a story's person."""
        if name == "manager":
            return self.site.manager
        if name in _EMPLOYEES:
            return self.client.as_(_EMPLOYEES[name], self.site.company_id, "employee")
        return self.tokens.get(name) or self.site.as_(name, _ROLES.get(name, "tenant"))

    def door(self, name: str) -> str:
        """The id of door `name`: `gate`, or a unit's number for its lock."""
        return self.site.gate_id if name == "gate" else self.site.locks[name]

    def person_id(self, name: str) -> str:
        """`name`'s person id (`GET /v1/me`)."""
        if name not in self._people:
            self._people[name] = str(self.client.get("/v1/me", self.who(name))["id"])
        return self._people[name]

    def keypad_reconciled(self, within: float = 20.0) -> bool:
        """Whether the server reconciles the gate keypad (it shows among the facility's
        keypad locks within `within` seconds of the first look), found out once."""
        if self._keypad is None:
            path = f"/v1/facilities/{self.site.facility_id}/keypad-locks"

            def listed() -> bool | None:
                locks = self.client.get(path, self.site.manager)
                return True if any(k["device_id"] == self.site.keypad for k in locks) else None

            self._keypad = bool(poll(listed, within))
        return self._keypad

    def wait_for_event(self, unit: str, event: str, within: float, nth: int = 1) -> None:
        """Until unit `unit`'s history has `event` `nth` times (recorded by the server's
        duties)."""

        def seen() -> bool | None:
            return [e[0] for e in self.site.events(unit)].count(event) >= nth or None

        if poll(seen, within) is None:
            raise DemoError(f"no `{event}` (#{nth}) in unit {unit}'s history after {within:.0f} s")


@dataclass(frozen=True)
class StepOutcome:
    """A step played: its note, each expectation's result, or the error that stopped it."""

    story: str
    seeds: str
    step: str
    does: str
    note: str | None = None
    results: tuple[Result, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """No error and no expectation failed."""
        return self.error is None and all(r.status != "fail" for r in self.results)

    def as_json(self) -> dict[str, Any]:
        """The outcome as JSON (`demo run --json`)."""
        return {
            "story": self.story,
            "seeds": self.seeds,
            "step": self.step,
            "does": self.does,
            "ok": self.ok,
            "note": self.note,
            "error": self.error,
            "checks": [
                {"status": r.status, "line": r.line, "decision": r.decision} for r in self.results
            ],
        }


def play(
    client: DemoClient,
    stories: Iterable[Story],
    *,
    sms_sim: str | None = None,
    lock_sim: str | None = None,
    pms_secret: str | None = None,
    started: Callable[[DemoSite], None] | None = None,
    emit: Callable[[StepOutcome], None] | None = None,
) -> list[StepOutcome]:
    """Set up a fresh facility (a keypad on its gate on `lock_sim` when given) and play
    `stories` on it, PMS pushes signed with `pms_secret` (default: a new secret of the demo
    company, made through the API); every step's outcome, also `emit`ted as it is known.
    A step whose action fails ends its story (the next steps need what it did)."""
    stories = tuple(stories)
    units = tuple(dict.fromkeys(u for story in stories for u in story.units))
    keypad = _keypad_device(lock_sim) if lock_sim else None
    site = set_up_site(client, units, keypad=keypad, sms=sms_sim is not None, secret=pms_secret)
    if started is not None:
        started(site)
    run = Run(client, site, sms_sim=sms_sim)
    outcomes = []
    for story in stories:
        for step in story.steps:
            outcome = _play_step(run, story, step)
            outcomes.append(outcome)
            if emit is not None:
                emit(outcome)
            if outcome.error is not None:
                break
    return outcomes


def _play_step(run: Run, story: Story, step: Step) -> StepOutcome:
    try:
        note = step.action(run)
    except DemoError as exc:
        return StepOutcome(story.name, story.seeds, step.name, step.does, error=str(exc))
    results = []
    for expectation in step.expect:
        try:
            results.append(expectation.check(run))
        except DemoError as exc:
            results.append(Result("fail", f"{type(expectation).__name__}: {exc}"))
    return StepOutcome(story.name, story.seeds, step.name, step.does, note, tuple(results))


def _keypad_device(lock_sim: str) -> str:
    """A keypad of this run's own on the lock simulator (its control API); its device id."""
    device = f"kp-demo-{uuid.uuid4().hex[:8]}"
    body = {"device_id": device, "model": "nuki_keypad"}
    try:
        got = httpx.post(f"{lock_sim.rstrip('/')}/control/devices", json=body, timeout=10)
    except httpx.TransportError as exc:
        raise DemoError(f"the lock simulator at {lock_sim}: {exc}") from exc
    if got.status_code != 200:
        raise DemoError(f"the lock simulator at {lock_sim}: {got.status_code} {got.text[:200]}")
    return device
