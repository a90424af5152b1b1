"""Conditions to boxes: groups expanded, `$parameters` substituted, permissions to subsets."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from engine.policy._boxes import Box
from engine.policy._errors import PolicyIssue, SourceLocation
from engine.policy._model import Conditions, FlagTest, PermissionTest, ValueTest
from engine.policy._space import SPACE, Dimension

__all__ = ["ParameterValue", "ResolveError", "conditions_box", "expand_names"]

ParameterValue = bool | str | list[str]
Locate = Callable[[str], SourceLocation]


class ResolveError(Exception):
    """A condition cannot be turned into a box; carries the issue to report."""

    def __init__(self, issue: PolicyIssue) -> None:
        super().__init__(issue.message)
        self.issue = issue


def _parameter(
    ref: str, attr: str, params: Mapping[str, ParameterValue], locate: Locate
) -> ParameterValue:
    name = ref[1:]
    if name not in params:
        known = ", ".join(f"${p}" for p in sorted(params)) or "none defined"
        raise ResolveError(
            PolicyIssue(
                "error",
                "unknown-parameter",
                f"unknown parameter `{ref}`",
                locate(attr),
                f"parameters: {known}",
            )
        )
    return params[name]


def _names(
    dim: Dimension, values: tuple[str, ...], params: Mapping[str, ParameterValue], locate: Locate
) -> list[str]:
    names: list[str] = []
    for value in values:
        if not value.startswith("$"):
            names.append(value)
            continue
        held = _parameter(value, dim.name, params, locate)
        items = held if isinstance(held, list) else [held]
        known = dim.names
        bad = [v for v in items if not isinstance(v, str) or v not in known]
        if bad:
            raise ResolveError(
                PolicyIssue(
                    "error",
                    "parameter-type",
                    f"parameter `{value}` holds `{bad[0]!r}`, not a {dim.name} value",
                    locate(dim.name),
                    f"`{dim.name}` values: {', '.join(known)}",
                )
            )
        names.extend(str(v) for v in items)
    return [value for name in names for value in dim.expand(name)]


def expand_names(
    dim: Dimension, values: tuple[str, ...], params: Mapping[str, ParameterValue]
) -> list[str]:
    """The values a linked condition lists, groups and `$parameters` expanded, each once."""

    def nowhere(attr: str) -> SourceLocation:
        return SourceLocation("<linked policy>", 1, 1, attr)

    return list(dict.fromkeys(_names(dim, values, params, nowhere)))


def _enum_mask(
    dim: Dimension, test: ValueTest, params: Mapping[str, ParameterValue], loc: Locate
) -> int:
    mask = 0
    for name in _names(dim, test.values, params, loc):
        mask |= 1 << dim.index(name)
    return dim.full_mask ^ mask if test.negated else mask


def _permission_mask(
    dim: Dimension, test: PermissionTest, params: Mapping[str, ParameterValue], loc: Locate
) -> int:
    wanted = 0
    for name in _names(dim, test.values, params, loc):
        wanted |= 1 << dim.index(name)
    mask = 0
    for held in range(dim.size):
        common = held & wanted
        ok = {"all": common == wanted, "any": common != 0, "none": common == 0}[test.mode]
        if ok:
            mask |= 1 << held
    return mask


def _flag_mask(
    dim: Dimension, test: FlagTest, params: Mapping[str, ParameterValue], loc: Locate
) -> int:
    value = test.value
    if isinstance(value, str):
        value_held = _parameter(value, dim.name, params, loc)
        if not isinstance(value_held, bool):
            raise ResolveError(
                PolicyIssue(
                    "error",
                    "parameter-type",
                    f"parameter `{value}` holds `{value_held!r}`, not true or false",
                    loc(dim.name),
                    f"`{dim.name}` compares with true or false",
                )
            )
        value = value_held
    return 1 << int(value)


def conditions_box(
    conditions: Conditions, params: Mapping[str, ParameterValue], locate: Locate
) -> Box:
    """The box of requests satisfying every condition; `locate(attr)` places errors."""
    box = list(SPACE.full_box)
    for name, test in conditions.tests().items():
        dim = SPACE.dimension(name)
        if isinstance(test, ValueTest):
            mask = _enum_mask(dim, test, params, locate)
        elif isinstance(test, PermissionTest):
            mask = _permission_mask(dim, test, params, locate)
        else:
            mask = _flag_mask(dim, test, params, locate)
        box[SPACE.position[name]] = mask
    return tuple(box)
