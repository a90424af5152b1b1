"""Fixtures for policy tests: the default policy compiled once, and the invariants."""

from __future__ import annotations

import pytest

from engine.policy import (
    CompiledPolicy,
    Invariant,
    compile_policy,
    default_invariants_path,
    default_policy_path,
    load_invariants,
    load_policy,
)


@pytest.fixture(scope="session")
def default_policy() -> CompiledPolicy:
    """The shipped policy/ compiled."""
    return compile_policy(load_policy(default_policy_path()))


@pytest.fixture(scope="session")
def invariants() -> tuple[Invariant, ...]:
    """specs/invariants.yaml."""
    return load_invariants(default_invariants_path())
