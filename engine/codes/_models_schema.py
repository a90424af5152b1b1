"""The JSON Schema of the keypad code rules file (committed as
`specs/code-models.schema.json`; `code_models.yaml` names it for editors), and where in the
file a field is (errors name file, line and field)."""

from __future__ import annotations

from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from engine.policy import schema_document

__all__ = ["CodeModelsFileSpec", "code_models_json_schema", "line_of"]


class CodeModelSpec(BaseModel):
    """One lock model's rules (a field left out takes the file's `defaults`)."""

    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    lengths: list[int] | None = Field(default=None, min_length=1)
    """Code lengths the lock takes."""
    default_length: int | None = Field(default=None, ge=1)
    max_codes: int | None = Field(default=None, ge=1)
    """Codes the lock holds (active or not), everyone's."""
    digits: str | None = Field(default=None, pattern=r"^[0-9]+$")
    forbidden_prefixes: list[str] | None = None
    unique_prefix: int | None = Field(default=None, ge=1)
    """Codes on one lock differ in their first this-many digits (null: no such rule)."""
    no_triple_repeat: bool | None = None
    min_distinct: int | None = Field(default=None, ge=1)
    no_sequence: bool | None = None
    no_all_same: bool | None = None
    name_max: int | None = Field(default=None, ge=1)
    name_unique: bool | None = None
    name_charset: Literal["gsm7", "any"] | None = None
    name_forbidden: str | None = None


class CodeModelsFileSpec(BaseModel):
    """`engine/codes/code_models.yaml`: defaults, and each lock model's rules."""

    model_config = ConfigDict(extra="forbid")

    defaults: CodeModelSpec = Field(default_factory=CodeModelSpec)
    models: dict[str, CodeModelSpec]


def code_models_json_schema() -> str:
    """`specs/code-models.schema.json`: editors validate `code_models.yaml` against it."""
    return schema_document(
        CodeModelsFileSpec, "unitgate keypad code rules file", "code-models.schema.json"
    )


def line_of(text: str, *path: str) -> int | None:
    """The 1-based line of the mapping key at `path` in a YAML text (the deepest found)."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line: int | None = None
    for key in path:
        if not isinstance(node, yaml.MappingNode):
            break
        found = next(((k, v) for k, v in node.value if getattr(k, "value", None) == key), None)
        if found is None:
            break
        line, node = found[0].start_mark.line + 1, found[1]
    return line
