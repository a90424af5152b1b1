"""Helpers for policy tests: requests from cells, policy files as data, mutations."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
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
        within_schedule=v["within_schedule"] == "true",
        door_in_area=v["door_in_area"] == "true",
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


Maker = Callable[[Path], None]
"""Puts a bad `x.yaml` into a policy directory."""


def _dangling_link(d: Path) -> None:
    (d / "x.yaml").symlink_to(d / "gone.yaml")


def _directory(d: Path) -> None:
    (d / "x.yaml").mkdir()


def _fifo(d: Path) -> None:
    os.mkfifo(d / "x.yaml")


def _nested_5000_deep(d: Path) -> None:
    (d / "x.yaml").write_text("rules: " + "[" * 5000 + "]" * 5000 + "\n")


def _not_utf8(d: Path) -> None:
    (d / "x.yaml").write_bytes(b"description: ok\nrules:\n  - id: caf\xe9\n")


def _impossible_date(d: Path) -> None:
    (d / "x.yaml").write_text("description: 2026-02-30\n")


def _alias_bomb(d: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 7)]
    (d / "x.yaml").write_text("\n".join(lines) + "\n")


BAD_FILES: dict[str, tuple[Maker, str, int | None, int | None, str]] = {
    "dangling symlink": (_dangling_link, "not-a-file", 1, 1, "symbolic link to nothing"),
    "directory": (_directory, "not-a-file", 1, 1, "a directory named like a policy file"),
    "named pipe": (_fifo, "not-a-file", 1, 1, "a named pipe"),
    "nested 5000 deep": (_nested_5000_deep, "too-deep", 1, 28, "nesting deeper than 20"),
    "invalid utf-8": (_not_utf8, "not-utf8", 3, 12, "byte `0xe9`"),
    "impossible date": (_impossible_date, "bad-value", 1, 14, "`2026-02-30`"),
    "alias bomb": (_alias_bomb, "too-many-values", None, None, "more than 100000 values"),
}
"""`x.yaml` made unreadable in a policy directory, as the issue found (a broken link, a
directory, YAML nested 5,000 deep) and more: case -> (make it, the issue code, its line and
column, words of the message). An alias's values carry the anchor's lines, so the alias
bomb's place is not checked."""
