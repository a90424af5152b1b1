"""Seed 000 steps 9 and 10: the unit's lock has power and answers through its gateway, and
its battery is not low. `unknown` where unitgate has no fleet data for the lock."""

from __future__ import annotations

from typing import Any

from engine.diagnosis._facts import SectionFacts
from engine.diagnosis._model import Check, CheckStatus
from engine.diagnosis._text import ago, iso, sentence

__all__ = ["battery_check", "lock_check"]

_PASS, _FAIL, _UNKNOWN = CheckStatus.PASS, CheckStatus.FAIL, CheckStatus.UNKNOWN
_HASP = (
    "Verify the hasp is in the unlocked position and ask the tenant to release tension on "
    "the hasp (step on the door handle)."
)


def _no_lock(f: SectionFacts, name: str, step: int, title: str) -> Check | None:
    if f.unit is None:
        return Check(name, step, title, _UNKNOWN, "no rented unit to look at")
    if f.door is None:
        return Check(name, step, title, _UNKNOWN, f"unit {f.unit.number} has no lock door")
    if f.lock is None:
        ref = f"`{f.door.lock_ref}`" if f.door.lock_ref else "none"
        return Check(
            name,
            step,
            title,
            _UNKNOWN,
            f"the door {f.door.name} has no registered Bluetooth lock (lock {ref}): no fleet data",
            {"door": f.door.name, "lock_ref": f.door.lock_ref},
        )
    return None


def _health(f: SectionFacts) -> dict[str, Any]:
    return dict(f.lock.health or {}) if f.lock is not None else {}


def _advice(health: dict[str, Any], default: str, *, battery: bool = False) -> str:
    """The lock's stored advice on its battery (`battery`) or on the rest, else `default`."""
    advice = health.get("advice")
    items = [str(a) for a in advice] if isinstance(advice, list) else []
    chosen = [a for a in items if ("battery" in a) == battery]
    return sentence("; ".join(chosen)) if chosen else default


def lock_check(f: SectionFacts) -> Check:
    """Step 9: the lock has power and answers (connectivity, tamper, jam, its gateway)."""
    title = "Lock power and contact"
    missing = _no_lock(f, "lock", 9, title)
    if missing is not None:
        return missing
    lock, gateway, health = f.lock, f.gateway, _health(f)
    assert lock is not None
    evidence = {
        "lock_id": lock.id,
        "last_contact_at": iso(lock.last_contact_at),
        "connectivity": health.get("connectivity"),
        "tamper": health.get("tamper"),
        "jammed": health.get("jammed"),
        "gateway": gateway.name if gateway else None,
        "gateway_reachable": gateway.reachable if gateway else None,
        "gateway_last_seen_at": iso(gateway.last_seen_at) if gateway else None,
    }
    contact = (
        f"last contact {ago(f.now, lock.last_contact_at)}"
        if lock.last_contact_at
        else ("never heard from")
    )
    link = health.get("connectivity")
    if link == "disconnected":
        return Check(
            "lock",
            9,
            title,
            _FAIL,
            f"the lock stopped answering ({contact})",
            evidence,
            _advice(health, "Make sure the lock has power; move the hub closer to it."),
        )
    if gateway is not None and gateway.reachable is False:
        seen = ago(f.now, gateway.last_seen_at) if gateway.last_seen_at else "never"
        return Check(
            "lock",
            9,
            title,
            _FAIL,
            f"the lock's gateway {gateway.name} does not answer (last seen {seen})",
            evidence,
            "Check the gateway's power and its network (Wi-Fi).",
        )
    for flag, what in (("jammed", "the motor is blocked"), ("tamper", "the tamper switch tripped")):
        if health.get(flag):
            return Check(
                "lock", 9, title, _FAIL, what, evidence, (_advice(health, "") + " " + _HASP).strip()
            )
    if link == "flaky":
        return Check(
            "lock",
            9,
            title,
            _FAIL,
            f"the lock misses some of its polls ({contact})",
            evidence,
            _advice(health, "Move the hub closer to the lock."),
        )
    if link != "connected" or lock.last_contact_at is None:
        return Check("lock", 9, title, _UNKNOWN, f"connection not known yet ({contact})", evidence)
    return Check("lock", 9, title, _PASS, f"the lock answers ({contact})", evidence)


def battery_check(f: SectionFacts) -> Check:
    """Step 10: the lock's battery, from its last signed status."""
    title = "Lock battery"
    missing = _no_lock(f, "battery", 10, title)
    if missing is not None:
        return missing
    assert f.lock is not None
    health = _health(f)
    level, pct = health.get("battery"), health.get("battery_percent")
    evidence = {"battery": level, "battery_percent": pct, "status_at": iso(f.lock.status_at)}
    if level is None:
        return Check("battery", 10, title, _UNKNOWN, "no battery reading yet", evidence)
    if level in ("low", "critical"):
        return Check(
            "battery",
            10,
            title,
            _FAIL,
            f"battery {level}: {pct} %",
            evidence,
            _advice(health, "Replace the lock's battery.", battery=True),
        )
    return Check("battery", 10, title, _PASS, f"battery {level}: {pct} %", evidence)
