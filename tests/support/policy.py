"""Helpers for policy tests: requests from cells, policy files as data, mutations."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from engine.domain import Channel, DoorKind, Permission, PrincipalKind, Relation, UnitState
from engine.policy import NO_UNIT, SPACE, AccessRequest, default_policy_path


def request_of(cell: int) -> AccessRequest:
    """The access request at `cell` of the space."""
    v = SPACE.describe(cell)
    mask = SPACE.decode(cell)[SPACE.position["permissions"]]
    perms = SPACE.dimension("permissions").values
    return AccessRequest(
        principal=PrincipalKind(v["principal"]),
        door=DoorKind(v["door"]),
        unit_state=None if v["unit_state"] == NO_UNIT else UnitState(v["unit_state"]),
        relation=Relation(v["relation"]),
        permissions=frozenset(Permission(p) for b, p in enumerate(perms) if mask >> b & 1),
        lease_started=v["lease_started"] == "true",
        within_access_hours=v["within_access_hours"] == "true",
        grant_active=v["grant_active"] == "true",
        other_unit_delinquent=v["other_unit_delinquent"] == "true",
        channel=Channel(v["channel"]),
    )


def default_policy_data() -> dict[str, dict[str, Any]]:
    """The shipped policy as `{file name: parsed YAML}`."""
    return {
        p.name: yaml.safe_load(p.read_text()) for p in sorted(default_policy_path().glob("*.yaml"))
    }


def as_files(data: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Policy data back to `{file name: YAML text}`."""
    return {name: yaml.safe_dump(doc, sort_keys=False) for name, doc in data.items()}


def without_rule(data: dict[str, dict[str, Any]], rule_id: str) -> dict[str, dict[str, Any]]:
    """A copy of the policy with one rule deleted."""
    out = copy.deepcopy(data)
    for doc in out.values():
        doc["rules"] = [r for r in doc.get("rules", []) if r["id"] != rule_id]
    return out


def mutate_rule(
    data: dict[str, dict[str, Any]], rule_id: str, change: Any
) -> dict[str, dict[str, Any]]:
    """A copy of the policy with `change(rule)` applied to one rule (in place)."""
    out = copy.deepcopy(data)
    for doc in out.values():
        for rule in doc.get("rules", []):
            if rule["id"] == rule_id:
                change(rule)
    return out


def write_policy(directory: Path, data: dict[str, dict[str, Any]]) -> Path:
    """Write policy data as files into `directory` (replacing what is there)."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("*.yaml"):
        old.unlink()
    for name, text in as_files(data).items():
        (directory / name).write_text(text)
    return directory
