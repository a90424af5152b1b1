"""Hot reload: a proven policy replaces the running one; anything else is refused."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from engine.clock import ManualClock
from engine.domain import DoorKind, Permission, PrincipalKind, UnitState
from engine.policy import AccessRequest, Invariant, PolicyRejected, PolicyStore
from engine.policy import _store as store_module
from tests.support.policy import (
    BAD_FILES,
    default_policy_data,
    mutate_rule,
    without_rule,
    write_policy,
)

STAFF_AT_AVAILABLE_UNIT = AccessRequest(
    PrincipalKind.EMPLOYEE,
    DoorKind.UNIT_LOCK,
    UnitState.AVAILABLE,
    permissions=frozenset({Permission.UNITS_OPEN_AVAILABLE}),
    within_schedule=True,
)


@pytest.fixture
def store(tmp_path: Path, invariants: tuple[Invariant, ...], clock: ManualClock) -> PolicyStore:
    write_policy(tmp_path / "policy", default_policy_data())
    return PolicyStore(tmp_path / "policy", invariants, clock)


def test_unchanged_files_are_not_reloaded(store: PolicyStore) -> None:
    assert store.reload() is False
    assert [e.outcome for e in store.history] == ["loaded"]


def test_a_proven_change_replaces_the_policy_and_decisions_carry_the_new_version(
    store: PolicyStore, clock: ManualClock
) -> None:
    old = store.current
    write_policy(store.path, without_rule(default_policy_data(), "staff-open-available-units"))
    assert old.decide(STAFF_AT_AVAILABLE_UNIT).allowed
    clock.advance(timedelta(minutes=1))
    assert store.reload() is True
    decision = store.current.decide(STAFF_AT_AVAILABLE_UNIT)
    assert not decision.allowed
    assert decision.policy_version == store.current.version != old.version
    assert [e.outcome for e in store.history] == ["loaded", "loaded"]
    assert store.status.loaded_at == store.status.checked_at == clock.now()
    assert store.status.refused is None


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
    write_policy(store.path, without_rule(default_policy_data(), "outside-schedule"))
    with pytest.raises(PolicyRejected, match="inv-08b-outside-schedule-denied"):
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


def _valid_edit(directory: Path) -> None:
    """Change the policy's text (so its version) without changing a decision, atomically."""
    text = (directory / "facility.yaml").read_text() + "# reviewed again\n"
    (directory / "facility.yaml.tmp").write_text(text)
    os.replace(directory / "facility.yaml.tmp", directory / "facility.yaml")


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_at_reload_is_refused_recorded_once_and_a_later_edit_loads(
    store: PolicyStore, clock: ManualClock, case: str
) -> None:
    make, code, *_ = BAD_FILES[case]
    old = store.current
    make(store.path)
    clock.advance(timedelta(seconds=5))
    with pytest.raises(PolicyRejected) as info:
        store.reload()
    assert (info.value.code, info.value.file) == (code, "x.yaml")
    assert store.current is old
    refused = store.status.refused
    assert refused is not None
    assert (refused.code, refused.file, refused.at) == (code, "x.yaml", clock.now())
    assert "x.yaml" in refused.reason and refused.help

    clock.advance(timedelta(seconds=5))
    assert store.reload() is False  # the same refusal: not recorded or raised again
    assert store.status.checked_at == clock.now() and store.status.refused == refused
    assert [e.outcome for e in store.history] == ["loaded", "rejected"]

    bad = store.path / "x.yaml"
    bad.rmdir() if bad.is_dir() and not bad.is_symlink() else bad.unlink()
    _valid_edit(store.path)
    assert store.reload() is True
    assert store.current.version != old.version
    assert store.status.refused is None
    assert store.status.loaded_at == clock.now()


def test_files_back_to_the_serving_version_clear_the_refusal(store: PolicyStore) -> None:
    (store.path / "x.yaml").mkdir()
    with pytest.raises(PolicyRejected):
        store.reload()
    (store.path / "x.yaml").rmdir()
    assert store.reload() is False
    assert store.status.refused is None


def test_an_unforeseen_failure_is_a_recorded_refusal(
    store: PolicyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = store.current

    def broken(*_: object, **__: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(store_module, "prepare_policy", broken)
    _valid_edit(store.path)
    with pytest.raises(PolicyRejected) as info:
        store.reload()
    assert info.value.code == "internal-error"
    assert isinstance(info.value.__cause__, KeyError)
    assert store.current is old
    refused = store.status.refused
    assert refused is not None and refused.reason == "reload failed: KeyError: 'a bug'"
    assert store.reload() is False  # those files failed already
    monkeypatch.undo()
    _valid_edit(store.path)
    assert store.reload() is True
    assert store.status.refused is None


def test_a_failure_reading_the_files_is_recorded_too(
    store: PolicyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: Path) -> dict[str, str]:
        raise MemoryError

    monkeypatch.setattr(store_module, "policy_files", broken)
    with pytest.raises(PolicyRejected, match="reload failed: MemoryError"):
        store.reload()
    assert store.status.refused is not None
    assert store.status.refused.code == "internal-error"
