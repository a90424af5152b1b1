"""The simulated lock service: many keypad locks, each with its model's rules and its own
codes, in process (tests, the stateful test) or over HTTP (`unitgate lock-sim`).

It enforces what a vendor does: capacity, a number or name already on the lock, the model's
code rules, devices offline, outages, delays in setting and removing, refusals without a
reason; and it lets a test act *outside* unitgate: create, edit or delete codes by hand,
wipe a lock (factory reset). It keeps a record of every call that touched an unmanaged code.
Codes may be time-bound (Seam's `starts_at`/`ends_at`): `enter` models someone typing a
number at the keypad, which opens only for a set code inside its window, and is logged as
a keypad event (`list_events`, Seam's events) with an increasing id and time.
"""

from __future__ import annotations

import itertools
import random
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from adapters.lockservice.sim._faults import LockFaults
from engine.clock import Clock, SystemClock
from engine.codes import (
    AccessCode,
    CodeModel,
    CodeRejected,
    DeviceInfo,
    Issue,
    KeypadEvent,
    LockServiceDown,
    check_code,
    check_name,
    model_named,
)

__all__ = ["SimulatedLockService"]


@dataclass
class _Code:
    id: str
    code: str
    name: str
    managed: bool
    changed_at: datetime
    removing_since: datetime | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass
class _Device:
    device_id: str
    model: CodeModel
    codes: dict[str, _Code] = field(default_factory=dict)


class SimulatedLockService:
    """An in-process lock service implementing `engine.codes.LockService`."""

    def __init__(self, clock: Clock | None = None, seed: int = 0) -> None:
        self.clock = clock or SystemClock()
        self.faults = LockFaults()
        self.unmanaged_touched: list[str] = []
        """Calls through the API that updated or deleted an unmanaged code (must stay empty)."""
        self.calls = 0
        self._devices: dict[str, _Device] = {}
        self._ids = itertools.count(1)
        self._events: list[KeypadEvent] = []
        self._rng = random.Random(seed)
        self._lock = threading.RLock()

    # --- set-up and outside actions (control API) ---------------------------------------

    def add_device(self, device_id: str, model: str) -> None:
        """A keypad lock of `model` (a shipped model name), empty."""
        with self._lock:
            self._devices.setdefault(device_id, _Device(device_id, model_named(model)))

    def external_create(self, device_id: str, code: str, name: str) -> str:
        """Someone adds a code on the lock's own app (unmanaged); its id."""
        with self._lock:
            device = self._device(device_id)
            new = _Code(f"ac{next(self._ids)}", code, name, False, self.clock.now())
            device.codes[new.id] = new
            return new.id

    def external_update(self, access_code_id: str, code: str | None, name: str | None) -> None:
        """Someone edits a code (ours or not) outside unitgate."""
        with self._lock:
            found = self._find(access_code_id)
            if found is not None:
                found.code = code or found.code
                found.name = name or found.name

    def external_delete(self, access_code_id: str) -> None:
        """Someone deletes a code (ours or not) outside unitgate."""
        with self._lock:
            for device in self._devices.values():
                device.codes.pop(access_code_id, None)

    def wipe(self, device_id: str) -> None:
        """A factory reset: every code on the lock is gone."""
        with self._lock:
            self._device(device_id).codes.clear()

    def snapshot(self) -> dict[str, list[AccessCode]]:
        """Every device's codes, ignoring faults (what tests check)."""
        with self._lock:
            self._settle()
            return {
                d: [self._view(d, c) for c in dev.codes.values()]
                for d, dev in self._devices.items()
            }

    def enter(self, device_id: str, code: str) -> tuple[bool, str]:
        """Someone types `code` at the keypad now: whether the lock opens, and why not; the
        attempt is logged as a keypad event."""
        with self._lock:
            device = self._device(device_id)
            self._settle(device)
            opens, why, code_id = self._try(device, code)
            at = self.clock.now()
            if self._events and at <= self._events[-1].occurred_at:
                at = self._events[-1].occurred_at + timedelta(microseconds=1)
            kind = "unlocked" if opens else "denied"
            event_id = f"evt{len(self._events) + 1}"
            self._events.append(
                KeypadEvent(event_id, device_id, kind, at, code_id, "" if opens else why)
            )
            return opens, why

    def _try(self, device: _Device, code: str) -> tuple[bool, str, str | None]:
        now = self.clock.now()
        for c in device.codes.values():
            if c.code != code:
                continue
            status = self._view(device.device_id, c).status
            if status != "set":
                return False, f"code {status}", c.id
            if c.starts_at is not None and now < c.starts_at:
                return False, "before the code's window", c.id
            if c.ends_at is not None and now >= c.ends_at:
                return False, "after the code's window", c.id
            return True, "opened", c.id
        return False, "unknown code", None

    def model_of(self, device_id: str) -> CodeModel:
        """The device's model."""
        with self._lock:
            return self._device(device_id).model

    # --- the port ------------------------------------------------------------------------

    def list_devices(self) -> list[DeviceInfo]:
        """Every device with its online state and errors."""
        with self._lock:
            self._enter()
            return [self._info(d) for d in self._devices.values()]

    def list_codes(self, device_id: str) -> list[AccessCode]:
        """Every code on the device."""
        with self._lock:
            device = self._on_device(device_id)
            self._settle(device)
            return [self._view(device_id, c) for c in device.codes.values()]

    def create_code(
        self,
        device_id: str,
        code: str,
        name: str,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> AccessCode:
        """A managed code, `setting` until the device confirms (time-bound when given)."""
        with self._lock:
            device = self._on_device(device_id)
            _check_window(starts_at, ends_at)
            self._admit(device, code, name, None)
            if len(self._live(device)) >= device.model.max_codes:
                raise CodeRejected("no_space_on_device", "the lock holds as many codes as it can")
            new = _Code(f"ac{next(self._ids)}", code, name, True, self.clock.now())
            new.starts_at, new.ends_at = starts_at, ends_at
            device.codes[new.id] = new
            return self._view(device_id, new)

    def update_code(
        self,
        access_code_id: str,
        code: str,
        name: str,
        starts_at: datetime | None = None,
        ends_at: datetime | None = None,
    ) -> AccessCode:
        """Change a code's number, name or window."""
        with self._lock:
            self._enter()
            device, found = self._located(access_code_id)
            if device.device_id in self.faults.offline:
                raise LockServiceDown("device_offline", "the device is offline")
            if not found.managed:
                self.unmanaged_touched.append(f"update {access_code_id}")
            _check_window(starts_at, ends_at)
            self._admit(device, code, name, access_code_id)
            found.code, found.name, found.changed_at = code, name, self.clock.now()
            found.starts_at, found.ends_at = starts_at, ends_at
            return self._view(device.device_id, found)

    def delete_code(self, access_code_id: str) -> None:
        """Remove a code (`removing` for the remove delay, then gone)."""
        with self._lock:
            self._enter()
            located = self._search(access_code_id)
            if located is None:
                return
            device, found = located
            if device.device_id in self.faults.offline:
                raise LockServiceDown("device_offline", "the device is offline")
            if not found.managed:
                self.unmanaged_touched.append(f"delete {access_code_id}")
            if found.removing_since is None:
                found.removing_since = self.clock.now()
            self._settle(device)

    def list_events(self, since: datetime | None) -> list[KeypadEvent]:
        """Keypad events at or after `since`, oldest first."""
        with self._lock:
            self._enter()
            return [e for e in self._events if since is None or e.occurred_at >= since]

    # --- internals -----------------------------------------------------------------------

    def _enter(self) -> None:
        self.calls += 1
        if self.faults.outage:
            raise LockServiceDown("provider_outage", "the lock provider is unavailable")
        if self.faults.fail_rate and self._rng.random() < self.faults.fail_rate:
            raise LockServiceDown("failed", "the lock service failed")

    def _on_device(self, device_id: str) -> _Device:
        self._enter()
        device = self._device(device_id)
        if device_id in self.faults.offline:
            raise LockServiceDown("device_offline", "the device is offline")
        return device

    def _device(self, device_id: str) -> _Device:
        try:
            return self._devices[device_id]
        except KeyError:
            raise CodeRejected("device_not_found", f"no device `{device_id}`") from None

    def _search(self, access_code_id: str) -> tuple[_Device, _Code] | None:
        for device in self._devices.values():
            if access_code_id in device.codes:
                return device, device.codes[access_code_id]
        return None

    def _located(self, access_code_id: str) -> tuple[_Device, _Code]:
        found = self._search(access_code_id)
        if found is None or found[1].removing_since is not None:
            raise CodeRejected("access_code_not_found", f"no code `{access_code_id}`")
        return found

    def _find(self, access_code_id: str) -> _Code | None:
        found = self._search(access_code_id)
        return found[1] if found is not None else None

    @staticmethod
    def _live(device: _Device) -> list[_Code]:
        return list(device.codes.values())

    def _admit(self, device: _Device, code: str, name: str, own: str | None) -> None:
        others = [c for c in device.codes.values() if c.id != own]
        if any(c.code == code for c in others):
            raise CodeRejected("duplicate_code_on_device", "the number is already on the lock")
        if device.model.name_unique and any(c.name.casefold() == name.casefold() for c in others):
            raise CodeRejected("duplicate_name_on_device", "the name is already on the lock")
        broken = check_code(code, device.model, [c.code for c in others])
        broken += check_name(name, device.model)
        if broken:
            raise CodeRejected("code_constraints_violated", broken[0].message)
        left = self.faults.reject_next.get(device.device_id, 0)
        if left > 0:
            self.faults.reject_next[device.device_id] = left - 1
            raise CodeRejected("failed_to_set", "")
        if self.faults.reject_rate and self._rng.random() < self.faults.reject_rate:
            raise CodeRejected("failed_to_set", "")

    def _settle(self, only: _Device | None = None) -> None:
        """Codes whose removal finished disappear (on `only`, or every device)."""
        now, delay = self.clock.now(), timedelta(seconds=self.faults.remove_delay_seconds)
        for device in [only] if only is not None else list(self._devices.values()):
            done = [
                c.id
                for c in device.codes.values()
                if c.removing_since is not None and now >= c.removing_since + delay
            ]
            for gone in done:
                del device.codes[gone]

    def _view(self, device_id: str, c: _Code) -> AccessCode:
        delay = timedelta(seconds=self.faults.set_delay_seconds)
        setting = self.clock.now() < c.changed_at + delay
        status = "removing" if c.removing_since is not None else "setting" if setting else "set"
        warnings = (
            (Issue("delay_in_setting", "the device has not confirmed the code"),)
            if status == "setting"
            else ()
        )
        view = AccessCode(c.id, device_id, c.code, c.name, status, c.managed)
        return replace(view, warnings=warnings, starts_at=c.starts_at, ends_at=c.ends_at)

    def _info(self, device: _Device) -> DeviceInfo:
        online = device.device_id not in self.faults.offline
        errors: list[Issue] = [] if online else [Issue("device_offline", "the device is offline")]
        if len(device.codes) >= device.model.max_codes:
            errors.append(Issue("max_access_codes_reached", "the lock is full"))
        return DeviceInfo(device.device_id, device.model.name, online, tuple(errors))


def _check_window(starts_at: datetime | None, ends_at: datetime | None) -> None:
    """Seam's rule: a time-bound code has both ends, the end not before the start."""
    if (starts_at is None) != (ends_at is None):
        raise CodeRejected("invalid_time_window", "give both `starts_at` and `ends_at`, or neither")
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise CodeRejected("invalid_time_window", "`ends_at` is before `starts_at`")
