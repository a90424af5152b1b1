"""Differential test: the Cedar export decides every possible request as the table does.

All 122,400 reachable requests go through `cedarpy.is_authorized_batch` with the policy set
and entities parsed once (about 60 µs each, so a few seconds): no sampling needed.
"""

from __future__ import annotations

import json

import cedarpy
import pytest

from engine.policy import (
    SPACE,
    CompiledPolicy,
    export_cedar,
    load_policy_files,
    reachability,
)
from engine.policy._cedar import cedar_entities, cedar_request
from tests.support.policy import as_files, default_policy_data

pytestmark = pytest.mark.slow


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
    entities = cedarpy.Entities.from_json_str(json.dumps(cedar_entities()))
    cells = [c for c, f in enumerate(reachability().flags) if f]
    mismatches = []
    for start in range(0, len(cells), 5000):
        chunk = cells[start : start + 5000]
        results = cedarpy.is_authorized_batch([cedar_request(c) for c in chunk], policies, entities)
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
    assert len(cells) == 122_400


def test_a_switched_off_rule_is_left_out_of_the_export() -> None:
    data = default_policy_data()
    data["facility.yaml"]["parameters"]["hold_auctions"] = {"value": False, "description": "d"}
    for doc in data.values():
        for rule in doc.get("rules", []):
            if rule["id"] == "auction-staff-open-lien-units":
                rule["enabled"] = "$hold_auctions"
            if rule["id"] == "staff-open-available-units":
                rule["enabled"] = False
    exported = export_cedar(load_policy_files(as_files(data)))
    assert "auction-staff-open-lien-units" not in exported.policy_ids
    assert "staff-open-available-units" not in exported.policy_ids
    assert "`auction-staff-open-lien-units` is switched off by $hold_auctions" in exported.policies
    assert "`staff-open-available-units` is switched off by `enabled: false`" in exported.policies
