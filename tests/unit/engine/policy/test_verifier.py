"""Invariants have teeth: the default policy proves them, and breaking a rule breaks one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from engine.policy import (
    CompiledPolicy,
    Invariant,
    PolicyError,
    compile_policy,
    load_invariants,
    load_policy_files,
    verify_policy,
)
from tests.support.policy import as_files, default_policy_data, mutate_rule, without_rule


def _failures(data: dict[str, Any], invariants: tuple[Invariant, ...]) -> set[str]:
    compiled = compile_policy(load_policy_files(as_files(data)))
    return {r.invariant.id for r in verify_policy(compiled, invariants).failures}


def test_the_default_policy_proves_every_invariant(
    default_policy: CompiledPolicy, invariants: tuple[Invariant, ...]
) -> None:
    report = verify_policy(default_policy, invariants)
    assert report.ok, [r.invariant.id for r in report.failures]
    statuses = {r.invariant.id: r.status for r in report.results}
    assert statuses["inv-01-lien-or-delinquent-unit-closed-to-tenant"] == "proved"
    assert statuses["inv-13-emergency-ends-by-itself"] == "system"
    assert all(r.checked > 0 for r in report.results if r.status == "proved")


# Each forbid of the default policy, and the invariant its deletion must break.
DELETIONS = {
    "outside-schedule": "inv-08b-outside-schedule-denied",
    "outside-access-area": "inv-08c-outside-area-denied-at-entry-points",
    "remote-unlock-needs-permission": "remote-unlock-only-with-permission",
    "no-access-before-lease-start": "inv-07-no-access-before-lease-start",
    "share-not-in-force": "inv-08a-share-not-in-force-denied",
    "delinquent-unit-opens-for-no-one": "inv-03-delinquent-unit-opens-for-no-one",
    "lien-unit-keeps-tenant-out-of-facility": "inv-02-delinquent-tenant-kept-out",
    "any-delinquent-unit-locks-every-gate": "inv-02b-any-delinquent-unit-locks-every-gate",
    "lien-unit-closed-to-tenant": "inv-01-lien-or-delinquent-unit-closed-to-tenant",
    "auction-window-closed": "inv-04b-auction-staff-or-grant-in-window",
}


def test_every_forbid_of_the_default_policy_has_a_deletion_mutant(
    default_policy: CompiledPolicy,
) -> None:
    forbids = {r.id for r in default_policy.source.rules if r.effect == "forbid"}
    assert forbids == set(DELETIONS)


@pytest.mark.parametrize(("rule_id", "invariant"), sorted(DELETIONS.items()))
def test_deleting_a_forbid_breaks_its_invariant(
    rule_id: str, invariant: str, invariants: tuple[Invariant, ...]
) -> None:
    assert invariant in _failures(without_rule(default_policy_data(), rule_id), invariants)


def _drop(attr: str) -> Callable[[dict[str, Any]], None]:
    return lambda rule: rule["when"].pop(attr)


def _narrow(attr: str, value: str) -> Callable[[dict[str, Any]], None]:
    def change(rule: dict[str, Any]) -> None:
        rule["when"][attr] = [v for v in rule["when"][attr] if v != value]

    return change


# Weakenings: a permit loses a condition (grants more) or a forbid loses a value (covers less).
WEAKENINGS: list[tuple[str, str, Callable[[dict[str, Any]], None], str]] = [
    (
        "auction-staff-open-lien-units",
        "no permission",
        _drop("permissions"),
        "inv-04a-pending-auction-only-auction-staff",
    ),
    (
        "auction-staff-open-lien-units",
        "any state",
        _drop("unit_state"),
        "inv-05-available-unit-only-permitted-staff",
    ),
    (
        "auction-staff-open-lien-units",
        "any door",
        _drop("door"),
        "staff-entry-needs-entry-permission",
    ),
    (
        "winner-or-cleanout-opens-auctioned-unit",
        "any relation",
        _drop("relation"),
        "inv-04b-auction-staff-or-grant-in-window",
    ),
    (
        "winner-or-cleanout-opens-auctioned-unit",
        "any state",
        _drop("unit_state"),
        "inv-04a-pending-auction-only-auction-staff",
    ),
    (
        "staff-pass-entry-points",
        "no permission",
        _drop("permissions"),
        "inv-09-no-role-no-rental-no-access",
    ),
    (
        "staff-pass-entry-points",
        "any door",
        _drop("door"),
        "inv-06-occupied-unit-closed-to-staff-without-share",
    ),
    (
        "staff-open-available-units",
        "no permission",
        _drop("permissions"),
        "inv-05-available-unit-only-permitted-staff",
    ),
    (
        "staff-open-available-units",
        "any state",
        _drop("unit_state"),
        "inv-04a-pending-auction-only-auction-staff",
    ),
    ("staff-open-available-units", "any door", _drop("door"), "staff-entry-needs-entry-permission"),
    (
        "tenant-opens-rented-unit",
        "any relation",
        _drop("relation"),
        "inv-09-no-role-no-rental-no-access",
    ),
    (
        "tenant-opens-rented-unit",
        "any state",
        _drop("unit_state"),
        "inv-05-available-unit-only-permitted-staff",
    ),
    (
        "tenant-passes-entry-points",
        "any relation",
        _drop("relation"),
        "inv-09-no-role-no-rental-no-access",
    ),
    (
        "shared-key-opens-shared-unit",
        "any relation",
        _drop("relation"),
        "inv-06-occupied-unit-closed-to-staff-without-share",
    ),
    (
        "shared-key-opens-shared-unit",
        "any state",
        _drop("unit_state"),
        "inv-05-available-unit-only-permitted-staff",
    ),
    (
        "shared-key-holder-unlocks-remotely",
        "any relation",
        _drop("relation"),
        "inv-06-occupied-unit-closed-to-staff-without-share",
    ),
    (
        "lien-unit-closed-to-tenant",
        "spares shared users",
        _narrow("relation", "shared"),
        "inv-01-lien-or-delinquent-unit-closed-to-tenant",
    ),
    (
        "lien-unit-keeps-tenant-out-of-facility",
        "spares overlock",
        _narrow("unit_state", "overlock"),
        "inv-02-delinquent-tenant-kept-out",
    ),
    (
        "no-access-before-lease-start",
        "spares shared users",
        _narrow("relation", "shared"),
        "inv-07-no-access-before-lease-start",
    ),
    (
        "auction-window-closed",
        "spares winners",
        _narrow("relation", "winner"),
        "inv-04b-auction-staff-or-grant-in-window",
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "how", "change", "invariant"),
    WEAKENINGS,
    ids=[f"{w[0]}:{w[1]}" for w in WEAKENINGS],
)
def test_weakening_a_rule_breaks_an_invariant(
    rule_id: str,
    how: str,
    change: Callable[[dict[str, Any]], None],
    invariant: str,
    invariants: tuple[Invariant, ...],
) -> None:
    assert invariant in _failures(mutate_rule(default_policy_data(), rule_id, change), invariants)


def test_a_violation_names_the_smallest_request_and_the_responsible_rules(
    invariants: tuple[Invariant, ...],
) -> None:
    data = without_rule(default_policy_data(), "delinquent-unit-opens-for-no-one")
    compiled = compile_policy(load_policy_files(as_files(data)))
    result = next(
        r
        for r in verify_policy(compiled, invariants).failures
        if r.invariant.id == "inv-03-delinquent-unit-opens-for-no-one"
    )
    example = result.counterexample
    assert example is not None
    assert example.decision.allowed
    assert example.attributes["unit_state"] in ("gatelock", "overlock")
    assert example.attributes["door"] == "unit_lock"
    # smallest: no permissions held, and as few true flags as the permit needs
    assert example.attributes["permissions"] == "{}"
    assert [r.id for r in example.responsible] == [
        example.decision.rule,
        *[r.id for r in example.responsible[1:]],
    ]
    assert example.decision.rule in {"tenant-opens-rented-unit", "shared-key-opens-shared-unit"}
    assert result.violations > 0


CHANNELS_INVARIANT = """\
invariants:
  - id: keypad-tenants-get-in
    source: a facility with keypads
    statement: A tenant whose lease started opens their occupied unit with the keypad.
    given:
      tenant_channels: [phone_relay, keypad]
    when:
      principal: tenant
      relation: tenant
      door: unit_lock
      unit_state: occupied
      lease_started: true
      within_schedule: true
      channel: keypad
    require: permit
"""


def test_an_invariant_given_a_parameter_is_given_up_plainly_by_another_value(
    tmp_path: Any,
) -> None:
    (tmp_path / "inv.yaml").write_text(CHANNELS_INVARIANT)
    invariant = load_invariants(tmp_path / "inv.yaml")
    files = as_files(default_policy_data())
    assert verify_policy(compile_policy(load_policy_files(files)), invariant).results[0].status == (
        "proved"
    )
    off = compile_policy(load_policy_files(files, parameters={"tenant_channels": ["phone_relay"]}))
    [result] = verify_policy(off, invariant).results
    assert result.status == "not_applicable"
    assert result.note == (
        "given up: this policy sets `tenant_channels` to ['phone_relay'], and the invariant "
        "holds only with ['phone_relay', 'keypad']"
    )


def test_a_policy_without_a_parameter_an_invariant_needs_fails_it(tmp_path: Any) -> None:
    (tmp_path / "inv.yaml").write_text(CHANNELS_INVARIANT.replace("tenant_channels", "chans"))
    invariant = load_invariants(tmp_path / "inv.yaml")
    report = verify_policy(
        compile_policy(load_policy_files(as_files(default_policy_data()))), invariant
    )
    assert [r.invariant.id for r in report.failures] == ["keypad-tenants-get-in"]


def test_delinquency_at_another_unit_locks_every_gate_with_no_way_to_turn_it_off(
    default_policy: CompiledPolicy, invariants: tuple[Invariant, ...]
) -> None:
    """DESIGN invariant 2 holds at every facility: no parameter switches its rule off."""
    rule = default_policy.source.rule("any-delinquent-unit-locks-every-gate")
    assert rule.enabled and rule.enabled_by is None
    inv = next(i for i in invariants if i.id == "inv-02b-any-delinquent-unit-locks-every-gate")
    assert inv.spec.given == {}
    assert all(not i.spec.given for i in invariants)


# Permits an invariant requires, and that invariant.
REQUIRED_PERMITS = {
    "shared-key-holder-unlocks-remotely": "shared-key-manager-can-help",
    "auction-staff-open-lien-units": "emergency-manager-can-help",
    "tenant-opens-rented-unit": "current-tenant-gets-in",
}


@pytest.mark.parametrize(("rule_id", "invariant"), sorted(REQUIRED_PERMITS.items()))
def test_deleting_a_required_permit_breaks_its_invariant(
    rule_id: str, invariant: str, invariants: tuple[Invariant, ...]
) -> None:
    assert invariant in _failures(without_rule(default_policy_data(), rule_id), invariants)


def test_invariant_file_errors_name_their_location(tmp_path: Any) -> None:
    path = tmp_path / "inv.yaml"
    path.write_text(
        "invariants:\n  - id: x\n    statement: s\n    source: t\n    when:\n      door: gat\n"
        "    require: deny\n"
    )
    with pytest.raises(PolicyError) as info:
        load_invariants(path)
    issue = info.value.issues[0]
    assert issue.code == "unknown-value"
    assert issue.location is not None and issue.location.line == 6
    path.write_text("invariants:\n  - id: x\n    statement: s\n    source: t\n")
    with pytest.raises(PolicyError, match="exactly one of"):
        load_invariants(path)
