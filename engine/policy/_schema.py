"""JSON Schemas of the policy and invariants files (committed under specs/)."""

from __future__ import annotations

import json

from pydantic import BaseModel

from engine.policy._model import InvariantFileSpec, PolicyFileSpec

__all__ = ["invariants_json_schema", "policy_json_schema", "schema_document"]


def schema_document(model: type[BaseModel], title: str, ident: str) -> str:
    """The JSON Schema (2020-12) of a file format's pydantic model, as committed text."""
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": ident,
        **model.model_json_schema(),
    }
    schema["title"] = title
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


def policy_json_schema() -> str:
    """`specs/policy.schema.json`: editors validate `policy/*.yaml` against it."""
    return schema_document(PolicyFileSpec, "unitgate policy file", "policy.schema.json")


def invariants_json_schema() -> str:
    """`specs/invariants.schema.json`: the format of `specs/invariants.yaml`."""
    return schema_document(InvariantFileSpec, "unitgate invariants file", "invariants.schema.json")
