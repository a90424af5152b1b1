"""Diffs list every changed request; the validator flags dead, shadowed and idle rules."""

from __future__ import annotations

import pytest

from engine.policy import (
    CompiledPolicy,
    compile_policy,
    default_policy_path,
    diff_policies,
    load_policy,
    load_policy_files,
    reachability,
    validate_policy,
)
from engine.policy._boxes import box_cells
from engine.policy._reach import box_of
from tests.support.policy import as_files, default_policy_data, without_rule


def test_a_policy_does_not_differ_from_itself(default_policy: CompiledPolicy) -> None:
    result = diff_policies(default_policy, compile_policy(load_policy(default_policy_path())))
    assert result.empty and result.rows == () and result.reason_changed == 0


def test_diff_rows_cover_exactly_the_changed_requests(default_policy: CompiledPolicy) -> None:
    new = compile_policy(
        load_policy_files(
            as_files(without_rule(default_policy_data(), "staff-open-available-units"))
        )
    )
    result = diff_policies(default_policy, new)
    flags = reachability().flags
    changed = {
        c
        for c, f in enumerate(flags)
        if f and default_policy.allowed_cell(c) != new.allowed_cell(c)
    }
    assert result.changed == len(changed) > 0
    assert sum(r.requests for r in result.rows) == len(changed)
    described: set[int] = set()
    for row in result.rows:
        assert (row.before, row.after) == ("permit", "deny")
        assert row.before_rule == "staff-open-available-units"
        assert row.conditions["unit_state"] == ("available",)
        names = {k: list(vals) for k, vals in row.conditions.items() if k != "permissions"}
        cells = [c for c in box_cells(box_of(names)) if flags[c] and c in changed]
        described.update(cells)
    assert described == changed


RULE = (
    "rules:\n  - id: {id}\n    effect: {effect}\n    description: d\n    reason: r\n"
    "    when: {when}\n"
)


def _issues(*rules: tuple[str, str, str]) -> dict[str, str]:
    text = "rules:\n" + "".join(
        RULE.format(id=i, effect=e, when=w)[len("rules:\n") :]
        + ("    code: lien\n" if e == "forbid" else "")
        for i, e, w in rules
    )
    return {
        i.code: i.message
        for i in validate_policy(compile_policy(load_policy_files({"p.yaml": text})))
    }


def test_a_rule_that_can_never_match_is_an_error() -> None:
    codes = _issues(("dead", "permit", "{principal: tenant, permissions: [entry.open]}"))
    assert "never-matches" in codes and "`dead`" in codes["never-matches"]


def test_a_permit_every_request_of_which_is_forbidden_is_a_warning() -> None:
    codes = _issues(
        ("p", "permit", "{principal: tenant, door: gate}"),
        ("f", "forbid", "{principal: tenant}"),
    )
    assert "permit-shadowed" in codes


def test_a_forbid_with_no_permit_to_override_is_a_warning() -> None:
    codes = _issues(
        ("p", "permit", "{principal: tenant, door: gate}"),
        ("f", "forbid", "{principal: employee}"),
    )
    assert "forbid-without-effect" in codes


@pytest.mark.parametrize("name", ["facility.yaml"])
def test_an_unused_parameter_is_a_warning(name: str) -> None:
    data = default_policy_data()
    data[name]["parameters"]["spare"] = {"value": True, "description": "unused"}
    compiled = compile_policy(load_policy_files(as_files(data)))
    assert [i.code for i in validate_policy(compiled)] == ["unused-parameter"]


def test_the_default_policy_has_no_issues(default_policy: CompiledPolicy) -> None:
    assert validate_policy(default_policy) == []
