"""Seed 000's checklist over a real database: a healthy tenant passes every check; breaking
one item at a time fails exactly that item (named the likely cause, with its fix) and only
the checks that follow from it."""

from __future__ import annotations

import pytest

from engine.diagnosis import CHECKS, CheckStatus, Diagnosis, diagnose
from engine.persistence.tables import Person
from engine.policy import CompiledPolicy, compile_policy, default_policy_path, load_policy
from engine.runtime import Runtime
from tests.support.diagnosis import BREAKS, Healthy, healthy_tenant

NAMES = [c.__name__.removesuffix("_check") for c in CHECKS]

# Besides the broken item, what else cannot pass, and why: the consequences.
CONSEQUENCES: dict[str, dict[str, CheckStatus]] = {
    # No rental: everything about the rental is unknown; the account and app still known.
    "rental": {n: CheckStatus.UNKNOWN for n in NAMES if n not in ("rental", "account", "app")},
    "unit_state": {"access": CheckStatus.FAIL},  # gatelock denies at every door
    # No number takes an SMS, so the activation goes to the email on file.
    "mobile/wrong number": {"email": CheckStatus.FAIL},
    "mobile/landline": {"email": CheckStatus.FAIL},
    "email": {"mobile": CheckStatus.UNKNOWN},  # no number in the PMS at all
    # Nothing is sent before the lease starts, and the policy denies until then.
    "lease": {"message": CheckStatus.UNKNOWN, "access": CheckStatus.FAIL},
}


@pytest.fixture(scope="module")
def policy() -> CompiledPolicy:
    return compile_policy(load_policy(default_policy_path()))


def _diagnose(h: Healthy, policy: CompiledPolicy) -> Diagnosis:
    rt = h.rt
    with rt.db.read() as s:
        person = s.get(Person, h.person_id)
        assert person is not None
        return diagnose(s, rt.access, policy, person, h.world.company_id, rt.clock.now())


def test_a_healthy_tenant_passes_every_check(runtime: Runtime, policy: CompiledPolicy) -> None:
    h = healthy_tenant(runtime)
    (section,) = _diagnose(h, policy).sections
    assert {c.name: c.status for c in section.checks} == dict.fromkeys(NAMES, CheckStatus.PASS)
    assert [c.step for c in section.checks] == sorted(c.step for c in section.checks)
    assert section.likely_cause is None


@pytest.mark.parametrize("broken", list(BREAKS))
def test_breaking_one_item_fails_that_item(
    sqlite_runtime: Runtime, policy: CompiledPolicy, broken: str
) -> None:
    h = healthy_tenant(sqlite_runtime)
    BREAKS[broken](h)
    diagnosis = _diagnose(h, policy)
    (section,) = diagnosis.sections
    name = broken.partition("/")[0]
    expected = dict.fromkeys(NAMES, CheckStatus.PASS) | CONSEQUENCES.get(broken, {})
    expected[name] = CheckStatus.FAIL
    assert {c.name: c.status for c in section.checks} == expected
    cause = section.likely_cause
    assert cause is not None and cause.name == name
    assert cause.fix, "a failing check says what to do"
    assert diagnosis.failed
