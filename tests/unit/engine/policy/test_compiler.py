"""The compiled table agrees with the reference interpreter: exhaustively and on random policies."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.domain import DoorKind, Permission, PrincipalKind, Relation, UnitState
from engine.errors import InvalidInputError
from engine.policy import (
    SPACE,
    AccessRequest,
    CompiledPolicy,
    compile_policy,
    load_policy_files,
    reachability,
    reference_decide,
)
from tests.support.policy import request_of

REACHABLE = [c for c, f in enumerate(reachability().flags) if f]


@pytest.mark.slow
def test_default_policy_table_equals_reference_on_every_possible_request(
    default_policy: CompiledPolicy,
) -> None:
    source = default_policy.source
    for cell in REACHABLE:
        request = request_of(cell)
        assert request.cell == cell
        expected = reference_decide(source, request)
        decision = default_policy.decide(request)
        assert (decision.allowed, decision.rule) == (expected.allowed, expected.rule), (
            SPACE.describe(cell)
        )


def test_reachable_space_size_is_what_the_docs_say() -> None:
    assert SPACE.cells == 860_160
    assert reachability().total == 122_400


@pytest.mark.parametrize(
    "kwargs",
    [
        {"principal": PrincipalKind.TENANT, "permissions": frozenset({Permission.ENTRY_OPEN})},
        {"principal": PrincipalKind.EMPLOYEE, "relation": Relation.TENANT},
        {"principal": PrincipalKind.TENANT, "door": DoorKind.UNIT_LOCK, "unit_state": None},
        {"principal": PrincipalKind.EMPLOYEE, "relation": Relation.SHARED, "unit_state": None},
    ],
)
def test_impossible_requests_are_refused_when_built(kwargs: dict[str, Any]) -> None:
    fields: dict[str, Any] = {"door": DoorKind.GATE, "unit_state": UnitState.OCCUPIED} | kwargs
    with pytest.raises(InvalidInputError, match="not a possible request"):
        AccessRequest(**fields)


def test_non_access_permissions_do_not_change_the_cell() -> None:
    base = AccessRequest(PrincipalKind.EMPLOYEE, DoorKind.GATE, None, permissions=frozenset())
    more = AccessRequest(
        PrincipalKind.EMPLOYEE, DoorKind.GATE, None, permissions=frozenset({Permission.AUDIT_READ})
    )
    assert base.cell == more.cell


def test_explain_lists_every_matching_rule_and_the_decider(default_policy: CompiledPolicy) -> None:
    request = AccessRequest(
        PrincipalKind.TENANT,
        DoorKind.UNIT_LOCK,
        UnitState.GATELOCK,
        relation=Relation.TENANT,
        lease_started=True,
        within_schedule=True,
    )
    explanation = default_policy.explain(request)
    assert not explanation.decision.allowed
    assert explanation.deciding is not None
    assert explanation.deciding.id == "delinquent-unit-opens-for-no-one"
    # file order: delinquency.yaml is read before tenants.yaml
    assert [r.id for r in explanation.matched] == [
        "delinquent-unit-opens-for-no-one",
        "tenant-opens-rented-unit",
    ]
    assert explanation.decision.policy_version == default_policy.version


# --- random well-formed policies -------------------------------------------------------

_ENUMS = {
    d.name: [str(v) for v in (*d.values, *(g for g, _ in d.groups))]
    for d in SPACE.dimensions
    if d.kind == "enum"
}
_FLAGS = [d.name for d in SPACE.dimensions if d.kind == "bool"]
_PERMS = [str(v) for v in SPACE.dimension("permissions").values]


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in draw(
        st.lists(st.sampled_from([*_ENUMS, *_FLAGS, "permissions"]), unique=True, max_size=4)
    ):
        if name in _ENUMS:
            values = draw(
                st.lists(st.sampled_from(_ENUMS[name]), min_size=1, max_size=3, unique=True)
            )
            out[name] = {"not": values} if draw(st.booleans()) else values
        elif name in _FLAGS:
            out[name] = draw(st.booleans())
        else:
            mode = draw(st.sampled_from(["all", "any", "none"]))
            out[name] = {
                mode: draw(st.lists(st.sampled_from(_PERMS), min_size=1, max_size=3, unique=True))
            }
    return out


@st.composite
def policies(draw: st.DrawFn) -> dict[str, str]:
    rules = []
    for i in range(draw(st.integers(1, 7))):
        effect = draw(st.sampled_from(["permit", "forbid"]))
        rule: dict[str, Any] = {
            "id": f"r{i}",
            "effect": effect,
            "description": "d",
            "reason": "r",
            "when": draw(conditions()),
        }
        if effect == "forbid":
            rule["code"] = "lien"
        if draw(st.integers(0, 3)) == 0:
            rule["unless"] = draw(conditions())
        rules.append(rule)
    return {"p.yaml": yaml.safe_dump({"rules": rules})}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=policies(), cells=st.lists(st.sampled_from(REACHABLE), min_size=50, max_size=50))
def test_random_policies_compile_to_what_the_reference_decides(
    files: dict[str, str], cells: list[int]
) -> None:
    source = load_policy_files(files)
    compiled = compile_policy(source)
    for cell in cells:
        request = request_of(cell)
        expected = reference_decide(source, request)
        decision = compiled.decide(request)
        assert (decision.allowed, decision.rule) == (expected.allowed, expected.rule)
        assert [r.id for r in compiled.matching_rules(cell)] == list(expected.matched)
