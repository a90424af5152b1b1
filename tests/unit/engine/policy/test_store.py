"""Hot reload: a proven policy replaces the running one; anything else is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.domain import DoorKind, PrincipalKind, Relation, UnitState
from engine.policy import AccessRequest, Invariant, PolicyRejected, PolicyStore
from tests.support.policy import default_policy_data, mutate_rule, without_rule, write_policy

TENANT_AT_GATE_OTHER_DELINQUENT = AccessRequest(
    PrincipalKind.TENANT,
    DoorKind.GATE,
    UnitState.OCCUPIED,
    relation=Relation.TENANT,
    lease_started=True,
    within_access_hours=True,
    other_unit_delinquent=True,
)


@pytest.fixture
def store(tmp_path: Path, invariants: tuple[Invariant, ...], clock: ManualClock) -> PolicyStore:
    write_policy(tmp_path / "policy", default_policy_data())
    return PolicyStore(tmp_path / "policy", invariants, clock)


def test_unchanged_files_are_not_reloaded(store: PolicyStore) -> None:
    assert store.reload() is False
    assert [e.outcome for e in store.history] == ["loaded"]


def test_a_proven_change_replaces_the_policy_and_decisions_carry_the_new_version(
    store: PolicyStore,
) -> None:
    old = store.current
    data = default_policy_data()
    data["facility.yaml"]["parameters"]["delinquency_locks_every_gate"]["value"] = False
    write_policy(store.path, data)
    assert not old.decide(TENANT_AT_GATE_OTHER_DELINQUENT).allowed
    assert store.reload() is True
    decision = store.current.decide(TENANT_AT_GATE_OTHER_DELINQUENT)
    assert decision.allowed
    assert decision.policy_version == store.current.version != old.version
    assert [e.outcome for e in store.history] == ["loaded", "loaded"]


def test_an_invalid_policy_is_refused_and_the_old_one_keeps_serving(store: PolicyStore) -> None:
    old = store.current
    (store.path / "tenants.yaml").write_text("rules:\n  - id: broken\n    effect: maybe\n")
    with pytest.raises(PolicyRejected, match=r"invalid policy: .*tenants.yaml:3:13"):
        store.reload()
    assert store.current is old
    assert store.history[-1].outcome == "rejected"
    assert store.reload() is False  # the same rejected files are not retried


def test_a_policy_breaking_an_invariant_is_refused_with_the_invariant_named(
    store: PolicyStore,
) -> None:
    old = store.current
    write_policy(store.path, without_rule(default_policy_data(), "outside-access-hours"))
    with pytest.raises(PolicyRejected, match="inv-08b-outside-access-hours-denied"):
        store.reload()
    assert store.current is old
    assert "smallest:" in store.history[-1].reason


def test_a_policy_with_a_dead_rule_is_refused(store: PolicyStore) -> None:
    def contradict(rule: dict[str, object]) -> None:
        rule["when"] = {"principal": "tenant", "permissions": ["entry.open"]}

    write_policy(
        store.path, mutate_rule(default_policy_data(), "staff-pass-entry-points", contradict)
    )
    with pytest.raises(PolicyRejected, match="matches no possible request"):
        store.reload()


def test_a_deleted_policy_directory_is_refused(store: PolicyStore) -> None:
    old = store.current
    for path in store.path.glob("*.yaml"):
        path.unlink()
    with pytest.raises(PolicyRejected, match="no policy files"):
        store.reload()
    assert store.current is old
