"""What a step of `unitgate demo run` expects, as data: the decisions at named doors, a
unit's state, an activation, a keypad code, an alert. Each looks over HTTP and answers
`ok`, `fail` or `skip` (what the server does not have, e.g. no lock service) with a line."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

if TYPE_CHECKING:
    from api.demo.run._run import Run

__all__ = [
    "NO_RULE",
    "ActivationIs",
    "AlertRaised",
    "Door",
    "Expectation",
    "KeypadCode",
    "Result",
    "UnitState",
]

Status = Literal["ok", "fail", "skip"]
NO_RULE = ""
"""A `Door.rule` saying no rule decides: nothing permits, denied by default."""
T = TypeVar("T")


@dataclass(frozen=True)
class Result:
    """One expectation looked at: its status, a line to print, and the decision if any."""

    status: Status
    line: str
    decision: dict[str, Any] | None = None


class Expectation(Protocol):
    """Something a step expects of the server after its action."""

    def check(self, run: Run) -> Result:
        """Look over HTTP; `fail` when the server disagrees."""
        ...


@dataclass(frozen=True)
class Door:
    """`who` asks to open door `door` (`gate`, or a unit's number for its lock) from the
    app, or with `remote` as an employee's remote unlock: the decision expected."""

    door: str
    who: str
    allowed: bool
    rule: str | None = None
    """The deciding rule's id (None: not checked; `NO_RULE`: denied by default)."""
    reason: str | None = None
    """Words the human reason contains, any case (None: not checked)."""
    reason_code: str | None = None
    """The classified reason, checked when the server's answer carries `reason_code`."""
    remote: str | None = None
    """A remote unlock with this reason instead of the app."""

    def check(self, run: Run) -> Result:
        door_id = run.door(self.door)
        who = run.who(self.who)
        got = (
            run.site.remote_unlock(door_id, who, self.remote)
            if self.remote
            else run.site.open(door_id, who)
        )
        wrong = []
        if got["allowed"] is not self.allowed:
            wrong.append(f"expected {_verdict(self.allowed)}")
        if self.rule is not None and (got.get("rule") or NO_RULE) != self.rule:
            wrong.append(f"expected rule {self.rule or '(none: denied by default)'}")
        if self.reason is not None and self.reason.lower() not in str(got["reason"]).lower():
            wrong.append(f"expected a reason saying `{self.reason}`")
        code = got.get("reason_code")
        if self.reason_code is not None and "reason_code" in got and code != self.reason_code:
            wrong.append(f"expected reason code {self.reason_code}")
        channel = "remote" if self.remote else "app"
        line = (
            f"{self.door:<6} {self.who:<8} {channel:<6} {_verdict(got['allowed']):<7} "
            f"{got.get('rule') or '(no rule)'}{f' [{code}]' if code else ''}: "
            f"{' '.join(str(got['reason']).split())}"
        )
        if wrong:
            return Result("fail", f"{line}  <- {'; '.join(wrong)}", got)
        return Result("ok", line, got)


@dataclass(frozen=True)
class UnitState:
    """Unit `unit` is in lifecycle state `state` (`GET /v1/units/{id}`)."""

    unit: str
    state: str

    def check(self, run: Run) -> Result:
        got = run.site.unit(self.unit)["state"]
        line = f"unit {self.unit} is {got}"
        return Result("ok", line) if got == self.state else _fail(line, f"expected {self.state}")


@dataclass(frozen=True)
class ActivationIs:
    """Unit `unit`'s activation has status `status` (`GET /v1/units/{id}/activation`)."""

    unit: str
    status: str

    def check(self, run: Run) -> Result:
        path = f"/v1/units/{run.site.units[self.unit]}/activation"
        got = run.client.get(path, run.site.manager)
        message = got.get("message") or {}
        line = (
            f"activation of {self.unit}: {got['status']}"
            + (f" by {got['channel']} to {got['recipient']}" if got.get("channel") else "")
            + (f", message {message['status']}" if message.get("status") else "")
            + f", due {got['due_on']}"
        )
        if got["status"] != self.status:
            return _fail(line, f"expected {self.status}")
        return Result("ok", line)


@dataclass(frozen=True)
class KeypadCode:
    """`who`'s code on the gate keypad reaches `state` (`active` and set on the lock,
    `suspended` or `removed`) within `within` seconds (`GET /v1/keypad-locks/{id}/codes`);
    skipped when the run has no keypad or the server reconciles none."""

    who: str
    state: Literal["active", "suspended", "removed"]
    within: float = 30.0

    def check(self, run: Run) -> Result:
        device = run.site.keypad
        if device is None:
            return Result("skip", "keypad codes: skipped (no lock simulator: --lock-sim URL)")
        if not run.keypad_reconciled():
            return Result(
                "skip",
                f"keypad codes: skipped (the server reconciles no code on `{device}`:"
                " is UNITGATE_LOCK_SERVICE_URL its lock service?)",
            )
        person = run.person_id(self.who)
        path = f"/v1/keypad-locks/{device}/codes"

        def mine() -> dict[str, Any] | None:
            codes = run.client.get(path, run.site.manager)
            found = [c for c in codes if c["person_id"] == person]
            return found[0] if found else None

        def reached() -> dict[str, Any] | None:
            code = mine()
            if code is None or code["state"] != self.state:
                return None
            return code if self.state != "active" or code["status"] == "set" else None

        code = poll(reached, self.within) or mine()
        if code is None:
            return _fail(f"keypad {device}: no code of {self.who}", f"expected {self.state}")
        line = (
            f"keypad {device}: {self.who}'s code {code['masked']} {code['state']}, {code['status']}"
        )
        if code["state"] != self.state or (self.state == "active" and code["status"] != "set"):
            return _fail(line, f"expected {self.state}{' and set' * (self.state == 'active')}")
        return Result("ok", line)


@dataclass(frozen=True)
class AlertRaised:
    """An alert for the facility's manager whose JSON mentions `mentions` (any case) within
    `within` seconds (`GET /v1/facilities/{id}/alerts`); skipped where the server has no
    such route (404). Not `strict`: a missing alert is printed as a note, not a failure."""

    mentions: str
    strict: bool = False
    within: float = 10.0

    def check(self, run: Run) -> Result:
        path = f"/v1/facilities/{run.site.facility_id}/alerts"
        status = run.client.status(path, run.site.manager)
        if status == 404:
            return Result("skip", "alerts: skipped (the server has no alerts route: 404)")

        def found() -> dict[str, Any] | None:
            got = run.client.get(path, run.site.manager)
            items = got.get("items", []) if isinstance(got, dict) else got
            hits = [a for a in items if self.mentions.lower() in json.dumps(a).lower()]
            return hits[0] if hits else None

        alert = poll(found, self.within)
        if alert is None:
            line = f"alerts: none mentioning `{self.mentions}`"
            if self.strict:
                return _fail(line, "expected one")
            return Result("skip", f"{line} (not strict yet: noted)")
        summary = alert.get("summary") or alert.get("kind") or alert.get("rule") or alert
        return Result("ok", f"alert: {summary}")


def poll(probe: Callable[[], T | None], within: float, every: float = 0.25) -> T | None:
    """`probe()` until it answers something, for up to `within` seconds (None: never)."""
    deadline = time.monotonic() + within
    while True:
        got = probe()
        if got is not None or time.monotonic() >= deadline:
            return got
        time.sleep(every)


def _verdict(allowed: bool) -> str:
    return "allowed" if allowed else "denied"


def _fail(line: str, why: str) -> Result:
    return Result("fail", f"{line}  <- {why}")
