"""The code rules file's JSON Schema is committed fresh, the file names it for editors and
meets the model it is generated from, and an error in the file names file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.codes import MODELS_PATH, CodeModelsFileSpec, code_models_json_schema, load_models
from engine.errors import InvalidInputError

SCHEMA = Path(__file__).parents[4] / "specs" / "code-models.schema.json"


def test_the_committed_schema_is_fresh() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == code_models_json_schema(), (
        "run `unitgate codes schema`"
    )


def test_the_rules_file_names_and_meets_its_schema() -> None:
    text = MODELS_PATH.read_text()
    assert text.startswith("# yaml-language-server: $schema=../../specs/code-models.schema.json")
    CodeModelsFileSpec.model_validate(yaml.safe_load(text))  # the model the schema is of


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    unique_prefix: 4\n",
            "    unique_prefx: 4\n",
            "code_models.yaml:43: model `schlage_encode` field `unique_prefx`: unknown field",
        ),
        (
            "    max_codes: 200\n  schlage",
            "    max_codes: 0\n  schlage",
            "code_models.yaml:39: model `nuki_keypad_2` field `max_codes`: must be a positive",
        ),
        (
            "  name_max: 30\n",
            "  name_max: many\n",
            "code_models.yaml:17: model `generic_keypad` field `name_max`: must be a positive",
        ),
    ],
)
def test_an_error_names_file_line_and_field(old: str, new: str, message: str) -> None:
    text = MODELS_PATH.read_text()
    assert old in text
    with pytest.raises(InvalidInputError) as caught:
        load_models(text.replace(old, new), "code_models.yaml")
    assert caught.value.message.startswith(message)
