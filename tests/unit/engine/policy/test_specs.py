"""Generated policy specs in specs/ are fresh."""

from __future__ import annotations

from pathlib import Path

from engine.policy import invariants_json_schema, policy_json_schema

SPECS = Path(__file__).resolve().parents[4] / "specs"


def test_policy_schema_is_fresh() -> None:
    committed = (SPECS / "policy.schema.json").read_text()
    assert committed == policy_json_schema(), "run `unitgate policy schema` to regenerate"


def test_invariants_schema_is_fresh() -> None:
    committed = (SPECS / "invariants.schema.json").read_text()
    assert committed == invariants_json_schema(), "run `unitgate policy schema` to regenerate"
