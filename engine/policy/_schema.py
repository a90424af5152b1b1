"""JSON Schemas of the policy and invariants files (committed under specs/)."""

from __future__ import annotations

import json
from typing import Any

from engine.policy._model import InvariantFileSpec, PolicyFileSpec

__all__ = ["invariants_json_schema", "policy_json_schema"]


def _dump(schema: dict[str, Any], title: str, ident: str) -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": ident, **schema}
    schema["title"] = title
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def policy_json_schema() -> str:
    """`specs/policy.schema.json`: editors validate `policy/*.yaml` against it."""
    return _dump(PolicyFileSpec.model_json_schema(), "unitgate policy file", "policy.schema.json")


def invariants_json_schema() -> str:
    """`specs/invariants.schema.json`: the format of `specs/invariants.yaml`."""
    return _dump(
        InvariantFileSpec.model_json_schema(), "unitgate invariants file", "invariants.schema.json"
    )
