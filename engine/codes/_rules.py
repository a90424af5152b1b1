"""Per-model keypad code rules, as data: `code_models.yaml` shipped beside this module."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from engine.codes._models_schema import line_of
from engine.errors import InvalidInputError

__all__ = ["MODELS_PATH", "CodeModel", "load_models", "model_named", "shipped_models"]

MODELS_PATH = Path(__file__).with_name("code_models.yaml")
"""The shipped rules."""


@dataclass(frozen=True, slots=True)
class CodeModel:
    """What one lock model accepts as a code and as a code's name."""

    name: str
    description: str
    lengths: tuple[int, ...]
    default_length: int
    max_codes: int
    """Codes the lock holds (active or not), ours and everyone else's."""
    digits: str
    forbidden_prefixes: tuple[str, ...]
    unique_prefix: int | None
    """Codes on one lock differ in their first this-many digits (None: no such rule)."""
    no_triple_repeat: bool
    min_distinct: int | None
    no_sequence: bool
    no_all_same: bool
    name_max: int
    name_unique: bool
    name_charset: str
    """`gsm7` (the GSM 03.38 basic alphabet) or `any`."""
    name_forbidden: str
    """Characters refused in names even where the charset has them."""


_INTS = {"default_length", "max_codes", "name_max"}
_OPT_INTS = {"unique_prefix", "min_distinct"}
_BOOLS = {"no_triple_repeat", "no_sequence", "no_all_same", "name_unique"}
_STRS = {"description", "digits", "name_charset", "name_forbidden"}
_KNOWN = {f.name for f in fields(CodeModel)} - {"name"}


def _at(source: str, text: str, model: str, key: str | None = None) -> str:
    """`file:line: model `m`` (field `k`), the line where the model (or the field, or the
    defaults' field it takes) is written."""
    path = ("models", model, key) if key else ("models", model)
    line = line_of(text, *path)
    if key and line == line_of(text, "models", model):
        line = line_of(text, "defaults", key) or line  # inherited from the defaults
    where = f"{source}:{line}" if line else source
    return f"{where}: model `{model}`" + (f" field `{key}`" if key else "")


def _field(model: str, key: str, value: Any, source: str, text: str = "") -> Any:
    where = _at(source, text, model, key)
    if key in _INTS and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
        raise InvalidInputError(f"{where}: must be a positive integer")
    if key in _OPT_INTS and value is not None and (not isinstance(value, int) or value < 1):
        raise InvalidInputError(f"{where}: must be a positive integer or null")
    if key in _BOOLS and not isinstance(value, bool):
        raise InvalidInputError(f"{where}: must be true or false")
    if key in _STRS and not isinstance(value, str):
        raise InvalidInputError(f"{where}: must be text")
    if key == "lengths":
        if not isinstance(value, list) or not value or not all(isinstance(n, int) for n in value):
            raise InvalidInputError(f"{where}: must be a list of lengths")
        return tuple(sorted(value))
    if key == "forbidden_prefixes":
        if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
            raise InvalidInputError(f"{where}: must be a list of digit strings")
        return tuple(value)
    return value


def load_models(text: str, source: str = "code_models.yaml") -> dict[str, CodeModel]:
    """The models of a rules file (`InvalidInputError` naming the file and field)."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InvalidInputError(f"{source}{line}: not valid YAML") from None
    if not isinstance(data, dict):
        raise InvalidInputError(f"{source}:1: a mapping of `defaults` and `models` is needed")
    defaults = data.get("defaults", {})
    out: dict[str, CodeModel] = {}
    for name, given in (data.get("models") or {}).items():
        merged = {"description": "", **defaults, **(given or {})}
        unknown = set(merged) - _KNOWN
        if unknown:
            raise InvalidInputError(f"{_at(source, text, name, min(unknown))}: unknown field")
        missing = _KNOWN - set(merged)
        if missing:
            raise InvalidInputError(f"{_at(source, text, name)} lacks field `{min(missing)}`")
        values = {k: _field(name, k, v, source, text) for k, v in merged.items()}
        model = CodeModel(name=name, **values)
        if model.default_length not in model.lengths:
            model = CodeModel(**{**values, "name": name, "default_length": model.lengths[-1]})
        if model.name_charset not in ("gsm7", "any"):
            raise InvalidInputError(f"{_at(source, text, name, 'name_charset')}: gsm7 or any")
        out[name] = model
    return out


@cache
def shipped_models() -> dict[str, CodeModel]:
    """The models shipped with unitgate."""
    return load_models(MODELS_PATH.read_text(), str(MODELS_PATH.name))


def model_named(name: str) -> CodeModel:
    """The shipped model `name` (`InvalidInputError` when unknown)."""
    try:
        return shipped_models()[name]
    except KeyError:
        known = ", ".join(sorted(shipped_models()))
        raise InvalidInputError(f"unknown lock model `{name}`", help=f"one of {known}") from None
