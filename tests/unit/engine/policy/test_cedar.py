"""Differential test: the Cedar export decides every possible request as the table does.

All 69,552 reachable requests go through `cedarpy.is_authorized_batch` with the policy set
and entities parsed once (about 60 µs each, so a few seconds): no sampling needed.
"""

from __future__ import annotations

import json

import cedarpy
import pytest

from engine.policy import (
    SPACE,
    CompiledPolicy,
    default_policy_path,
    export_cedar,
    load_policy,
    reachability,
)

pytestmark = pytest.mark.slow


def _entities() -> tuple[list[dict[str, object]], dict[tuple[int, int], str]]:
    perms = SPACE.dimension("permissions")
    entities: list[dict[str, object]] = []
    principal_ids: dict[tuple[int, int], str] = {}
    for k, kind in enumerate(SPACE.dimension("principal").values):
        for mask in range(perms.size):
            uid = f"{kind}-{mask}"
            principal_ids[(k, mask)] = uid
            held = [str(p) for b, p in enumerate(perms.values) if mask >> b & 1]
            entities.append(
                {
                    "uid": {"type": "Unitgate::Principal", "id": uid},
                    "attrs": {"kind": str(kind), "permissions": held},
                    "parents": [],
                }
            )
    for door in SPACE.dimension("door").values:
        entities.append(
            {
                "uid": {"type": "Unitgate::Door", "id": str(door)},
                "attrs": {"kind": str(door)},
                "parents": [],
            }
        )
    return entities, principal_ids


def _request(cell: int, principal_ids: dict[tuple[int, int], str]) -> dict[str, object]:
    idx = SPACE.decode(cell)
    values = SPACE.describe(cell)
    pos = SPACE.position
    context: dict[str, object] = {}
    for d in SPACE.dimensions:
        if d.name in ("principal", "permissions", "door"):
            continue
        context[d.name] = values[d.name] == "true" if d.kind == "bool" else values[d.name]
    return {
        "principal": {
            "type": "Unitgate::Principal",
            "id": principal_ids[(idx[pos["principal"]], idx[pos["permissions"]])],
        },
        "action": {"type": "Unitgate::Action", "id": "open"},
        "resource": {"type": "Unitgate::Door", "id": values["door"]},
        "context": context,
    }


def test_exported_policy_validates_against_the_exported_schema(
    default_policy: CompiledPolicy,
) -> None:
    exported = export_cedar(default_policy.source)
    for schema in (exported.schema_json, exported.schema_text):
        result = cedarpy.validate_policies(exported.policies, schema)
        assert result.validation_passed, result.errors


def test_cedar_decides_every_possible_request_like_the_table(
    default_policy: CompiledPolicy,
) -> None:
    exported = export_cedar(default_policy.source)
    policies = cedarpy.PolicySet.from_str(exported.policies)
    entity_list, principal_ids = _entities()
    entities = cedarpy.Entities.from_json_str(json.dumps(entity_list))
    cells = [c for c, f in enumerate(reachability().flags) if f]
    mismatches = []
    for start in range(0, len(cells), 5000):
        chunk = cells[start : start + 5000]
        results = cedarpy.is_authorized_batch(
            [_request(c, principal_ids) for c in chunk], policies, entities
        )
        for cell, result in zip(chunk, results, strict=True):
            assert not result.diagnostics.errors, result.diagnostics.errors
            allowed = result.decision == cedarpy.Decision.Allow
            determining = {
                exported.policy_ids[int(p.removeprefix("policy"))]
                for p in result.diagnostics.reasons
            }
            ours = default_policy.matching_rules(cell)
            expected = {r.id for r in ours if r.effect == ("permit" if allowed else "forbid")}
            if allowed != default_policy.allowed_cell(cell) or determining != expected:
                mismatches.append(SPACE.describe(cell))
    assert not mismatches, mismatches[:3]
    assert len(cells) == 69_552


def test_a_switched_off_rule_is_left_out_of_the_export(default_policy: CompiledPolicy) -> None:
    source = load_policy(default_policy_path(), parameters={"delinquency_locks_every_gate": False})
    exported = export_cedar(source)
    assert "any-delinquent-unit-locks-every-gate" not in exported.policy_ids
    assert "switched off by $delinquency_locks_every_gate" in exported.policies
