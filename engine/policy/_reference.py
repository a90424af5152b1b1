"""The reference semantics: rules interpreted directly on a request, slowly and plainly.

This is the specification the compiled table is tested against: it shares no code with
the box resolution, the region walk or the cell encoding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.policy._model import Conditions, FlagTest, PermissionTest, ValueTest
from engine.policy._request import AccessRequest
from engine.policy._resolve import ParameterValue
from engine.policy._source import PolicySource, Rule
from engine.policy._space import ACCESS_PERMISSIONS, NO_UNIT, SPACE

__all__ = ["ReferenceResult", "conditions_hold", "reference_decide"]


@dataclass(frozen=True)
class ReferenceResult:
    """What the reference interpreter concludes for one request."""

    allowed: bool
    rule: str | None
    matched: tuple[str, ...]


def _names(attr: str, values: tuple[str, ...], params: Mapping[str, ParameterValue]) -> set[str]:
    groups = dict(SPACE.dimension(attr).groups)
    out: set[str] = set()
    for value in values:
        held = params[value[1:]] if value.startswith("$") else value
        for name in held if isinstance(held, list) else [held]:
            out.update(groups.get(str(name), (str(name),)))
    return out


def conditions_hold(
    conditions: Conditions, request: AccessRequest, params: Mapping[str, ParameterValue]
) -> bool:
    """Whether every condition holds for `request`."""
    for attr, test in conditions.tests().items():
        actual = getattr(request, attr)
        if isinstance(test, ValueTest):
            value = NO_UNIT if actual is None else str(actual)
            if (value in _names(attr, test.values, params)) == test.negated:
                return False
        elif isinstance(test, PermissionTest):
            wanted = _names(attr, test.values, params)
            held = {str(p) for p in request.permissions if p in ACCESS_PERMISSIONS}
            ok = {
                "all": wanted <= held,
                "any": bool(wanted & held),
                "none": not wanted & held,
            }[test.mode]
            if not ok:
                return False
        elif isinstance(test, FlagTest):
            expected = params[test.value[1:]] if isinstance(test.value, str) else test.value
            if actual is not expected:
                return False
    return True


def _matches(rule: Rule, request: AccessRequest, params: Mapping[str, ParameterValue]) -> bool:
    if not rule.enabled or not conditions_hold(rule.when, request, params):
        return False
    return rule.unless is None or not conditions_hold(rule.unless, request, params)


def reference_decide(source: PolicySource, request: AccessRequest) -> ReferenceResult:
    """Deny by default; any matching forbid wins; else the first matching permit allows."""
    params = source.parameter_values
    matched = [r for r in source.rules if _matches(r, request, params)]
    forbids = [r.id for r in matched if r.effect == "forbid"]
    permits = [r.id for r in matched if r.effect == "permit"]
    ids = tuple(r.id for r in matched)
    if forbids:
        return ReferenceResult(False, forbids[0], ids)
    if permits:
        return ReferenceResult(True, permits[0], ids)
    return ReferenceResult(False, None, ids)
