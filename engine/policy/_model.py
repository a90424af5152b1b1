"""The policy and invariants file formats as pydantic models (also the JSON Schema source).

Condition values are checked against the request space here, so a typo is reported at its
own line with the values that would be accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from engine.domain import DenialReason
from engine.policy._space import DISPLAY_ORDER, SPACE

__all__ = [
    "Conditions",
    "FlagTest",
    "InvariantFileSpec",
    "InvariantSpec",
    "ParameterSpec",
    "PermissionTest",
    "PolicyFileSpec",
    "RuleSpec",
    "ValueTest",
]

PARAM_PATTERN = r"^\$[a-z][a-z0-9_]*$"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


def _is_param(value: object) -> bool:
    return isinstance(value, str) and value.startswith("$")


@dataclass(frozen=True)
class ValueTest:
    """An enum attribute is (`negated=False`) or is not (`True`) one of `values`.

    Values are value names, group names, or one `$parameter` holding a list of names.
    """

    values: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class PermissionTest:
    """The held access permissions include `all`, `any` or `none` of `values`."""

    mode: Literal["all", "any", "none"]
    values: tuple[str, ...]


@dataclass(frozen=True)
class FlagTest:
    """A true/false attribute equals `value`, a literal or a `$parameter`."""

    value: bool | str


def _error(code: str, message: str, help: str, index: int | None = None) -> PydanticCustomError:
    return PydanticCustomError(code, message, {"help": help, "index": index})


def _check_names(dim_name: str, raw: list[Any]) -> tuple[str, ...]:
    dim = SPACE.dimension(dim_name)
    known = dim.names
    out = []
    for i, value in enumerate(raw):
        if _is_param(value):
            if len(raw) > 1:
                raise _error(
                    "mixed-parameter",
                    f"`{value}` must stand alone",
                    "a parameter holds the whole list of values",
                    i,
                )
            out.append(value)
            continue
        if not isinstance(value, str):
            raise _error(
                "wrong-type",
                f"`{dim_name}` values are names, got `{value!r}`",
                f"use one of: {', '.join(known)}",
                i,
            )
        if value not in known:
            raise _error(
                "unknown-value",
                f"unknown {dim_name} `{value}`",
                f"expected one of: {', '.join(known)}",
                i,
            )
        out.append(value)
    if not out:
        raise _error("empty-list", f"`{dim_name}` lists no values", "list at least one value")
    return tuple(out)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _enum_parser(dim_name: str) -> PlainValidator:
    def parse(value: Any) -> ValueTest:
        if isinstance(value, ValueTest):
            return value
        if isinstance(value, dict):
            if set(value) != {"not"}:
                raise _error(
                    "wrong-type",
                    f"`{dim_name}` takes a value, a list, or `{{not: [...]}}`",
                    f"unexpected keys: {', '.join(sorted(map(str, value)))}",
                )
            return ValueTest(_check_names(dim_name, _as_list(value["not"])), negated=True)
        return ValueTest(_check_names(dim_name, _as_list(value)))

    return PlainValidator(parse)


def _enum_schema(dim_name: str) -> WithJsonSchema:
    dim = SPACE.dimension(dim_name)
    names: dict[str, Any] = {
        "anyOf": [
            {"enum": list(dim.names)},
            {"type": "string", "pattern": PARAM_PATTERN},
        ]
    }
    schema = {
        "description": dim.description,
        "anyOf": [
            names,
            {"type": "array", "items": names, "minItems": 1},
            {
                "type": "object",
                "properties": {"not": {"anyOf": [names, {"type": "array", "items": names}]}},
                "required": ["not"],
                "additionalProperties": False,
            },
        ],
    }
    return WithJsonSchema(schema)


def _permission_test(value: Any) -> PermissionTest:
    if isinstance(value, PermissionTest):
        return value
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in ("all", "any", "none"):
            raise _error(
                "wrong-type",
                "`permissions` takes one of `all:`, `any:` or `none:` with a list",
                "e.g. `permissions: {all: [units.auction_access]}`",
            )
        mode, raw = next(iter(value.items()))
    else:
        mode, raw = "all", value
    values = _check_names("permissions", _as_list(raw))
    return PermissionTest(mode, values)


_PERMISSION_NAMES: dict[str, Any] = {
    "anyOf": [
        {"enum": list(SPACE.dimension("permissions").values)},
        {"type": "string", "pattern": PARAM_PATTERN},
    ]
}
_PERMISSION_LIST = {"type": "array", "items": _PERMISSION_NAMES, "minItems": 1}
PermissionField = Annotated[
    PermissionTest,
    PlainValidator(_permission_test),
    WithJsonSchema(
        {
            "description": SPACE.dimension("permissions").description
            + "; a plain list means all of them",
            "anyOf": [
                _PERMISSION_LIST,
                *(
                    {
                        "type": "object",
                        "properties": {mode: _PERMISSION_LIST},
                        "required": [mode],
                        "additionalProperties": False,
                    }
                    for mode in ("all", "any", "none")
                ),
            ],
        }
    ),
]


def _flag_parser(dim_name: str) -> PlainValidator:
    def parse(value: Any) -> FlagTest:
        if isinstance(value, FlagTest):
            return value
        if isinstance(value, bool) or _is_param(value):
            return FlagTest(value)
        raise _error(
            "wrong-type",
            f"`{dim_name}` is true or false, got `{value!r}`",
            "write `true`, `false` or a `$parameter` (no quotes around true/false)",
        )

    return PlainValidator(parse)


def _flag_schema(dim_name: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "description": SPACE.dimension(dim_name).description,
            "anyOf": [{"type": "boolean"}, {"type": "string", "pattern": PARAM_PATTERN}],
        }
    )


class Conditions(BaseModel):
    """Conditions on request attributes; all must hold. An absent attribute matches any value."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    principal: Annotated[ValueTest, _enum_parser("principal"), _enum_schema("principal")] | None = (
        None
    )
    permissions: PermissionField | None = None
    relation: Annotated[ValueTest, _enum_parser("relation"), _enum_schema("relation")] | None = None
    door: Annotated[ValueTest, _enum_parser("door"), _enum_schema("door")] | None = None
    unit_state: (
        Annotated[ValueTest, _enum_parser("unit_state"), _enum_schema("unit_state")] | None
    ) = None
    lease_started: (
        Annotated[FlagTest, _flag_parser("lease_started"), _flag_schema("lease_started")] | None
    ) = None
    within_schedule: (
        Annotated[FlagTest, _flag_parser("within_schedule"), _flag_schema("within_schedule")] | None
    ) = None
    door_in_area: (
        Annotated[FlagTest, _flag_parser("door_in_area"), _flag_schema("door_in_area")] | None
    ) = None
    grant_active: (
        Annotated[FlagTest, _flag_parser("grant_active"), _flag_schema("grant_active")] | None
    ) = None
    other_unit_delinquent: (
        Annotated[
            FlagTest, _flag_parser("other_unit_delinquent"), _flag_schema("other_unit_delinquent")
        ]
        | None
    ) = None
    channel: Annotated[ValueTest, _enum_parser("channel"), _enum_schema("channel")] | None = None

    def tests(self) -> dict[str, ValueTest | PermissionTest | FlagTest]:
        """The attributes this condition set constrains, by name."""
        return {name: getattr(self, name) for name in DISPLAY_ORDER if getattr(self, name)}


class ParameterSpec(BaseModel):
    """A named value a facility may set; rules refer to it as `$name`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    value: bool | str | list[str]
    """`true`/`false` for `enabled:` and flag conditions, or value names for a list condition."""
    description: str = Field(min_length=1)
    """What the parameter decides, for reviewers and facility managers."""


class RuleSpec(BaseModel):
    """One rule: when its conditions hold (and `unless` does not), it permits or forbids."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    """Unique across the policy's files; kebab-case; appears in every decision it makes."""
    effect: Literal["permit", "forbid"]
    """`permit` grants access; `forbid` denies and wins over every permit."""
    description: str = Field(min_length=1)
    """Why the rule exists, for reviewers (cite the seed or regulation)."""
    reason: str | None = Field(default=None, min_length=1, max_length=300)
    """What the person at the door is told when this rule decides (forbids need one)."""
    code: DenialReason | None = None
    """A forbid's stable denial code (`engine.domain.DenialReason`) beside its `reason`;
    forbids need one, permits have none."""
    enabled: bool | Annotated[str, Field(pattern=PARAM_PATTERN)] = True
    """`false`, or a `$parameter` holding `false`, switches the rule off."""
    when: Conditions = Conditions()
    """The requests the rule applies to."""
    unless: Conditions | None = None
    """Requests excluded from `when`."""


class PolicyFileSpec(BaseModel):
    """One file of a policy; a policy is every `*.yaml` file of its directory."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    description: str | None = None
    """What this file covers."""
    deny_reason: str | None = Field(default=None, min_length=1, max_length=300)
    """What a person is told when no rule permits (set in at most one file)."""
    parameters: dict[Annotated[str, Field(pattern=NAME_PATTERN)], ParameterSpec] = {}
    """Named values a facility may set, each defined in one file only."""
    rules: list[RuleSpec] = []
    """The rules; order does not change decisions (forbid wins, deny by default)."""


class InvariantSpec(BaseModel):
    """A property every policy must have, proven over every request of the space."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    id: str = Field(pattern=ID_PATTERN, max_length=80)
    """Stable name, cited by tests and reports."""
    statement: str = Field(min_length=1)
    """The invariant in plain words."""
    source: str = Field(min_length=1)
    """Where it comes from (DESIGN.md invariant N, a seed)."""
    check: Literal["policy", "system"] = "policy"
    """`policy`: proven on the decision table; `system`: tested on the running system."""
    given: dict[str, bool | str | list[str]] = {}
    """Applies only when the policy's parameters have these values."""
    when: Conditions = Conditions()
    """The requests it speaks about."""
    require: Literal["deny", "permit"] | None = None
    """Every such request is denied (or permitted)."""
    allow_only_if: list[Conditions] | None = None
    """Such a request may be permitted only if one of these condition sets holds."""
    tested_by: list[str] = []
    """For `system` invariants: the tests that check it."""


class InvariantFileSpec(BaseModel):
    """`specs/invariants.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    invariants: list[InvariantSpec] = Field(min_length=1)
    """The invariants, in DESIGN.md order."""
