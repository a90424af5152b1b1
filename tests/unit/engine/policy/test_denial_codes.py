"""Denial codes in the policy: every shipped forbid carries one, and the compiled table
classifies every denied request of the space (exhaustively; a deny by default checked
against the reference interpreter on the other channels)."""

from __future__ import annotations

import pytest

from engine.domain import Channel, DenialReason
from engine.errors import InvalidInputError
from engine.policy import (
    SPACE,
    CompiledPolicy,
    compile_policy,
    default_policy_path,
    export_cedar,
    load_policy,
    reachability,
    reference_decide,
)
from tests.support.policy import default_policy_data, request_of

REACHABLE = [c for c, ok in enumerate(reachability().flags) if ok]
PHONE_ONLY = {"tenant_channels": ["phone_relay"]}


def _compiled(parameters: dict[str, object] | None = None) -> CompiledPolicy:
    return compile_policy(load_policy(default_policy_path(), parameters=parameters))  # type: ignore[arg-type]


def test_every_forbid_of_the_shipped_files_carries_a_code_and_no_permit_does() -> None:
    rules = [r for doc in default_policy_data().values() for r in doc.get("rules", [])]
    forbids = [r for r in rules if r["effect"] == "forbid"]
    assert forbids
    for rule in rules:
        if rule["effect"] == "forbid":
            assert DenialReason(rule["code"]), rule["id"]
        else:
            assert "code" not in rule, rule["id"]


@pytest.mark.parametrize("parameters", [None, PHONE_ONLY], ids=["shipped", "phone-only"])
def test_every_denied_request_of_the_space_has_a_code_and_no_allowed_one_has(
    parameters: dict[str, object] | None,
) -> None:
    policy = _compiled(parameters)
    by_rule = {r.id: r.code for r in policy.active}
    seen: set[DenialReason] = set()
    for cell in REACHABLE:
        decision = policy.decision_at(cell)
        if decision.allowed:
            assert decision.reason_code is None
            continue
        assert decision.reason_code is not None, SPACE.describe(cell)
        if decision.rule is not None:
            assert decision.reason_code is by_rule[decision.rule]
        else:
            assert decision.reason_code in (
                DenialReason.NO_ROLE_OR_RENTAL,
                DenialReason.CHANNEL_NOT_PERMITTED,
            )
        seen.add(decision.reason_code)
    assert DenialReason.CHANNEL_NOT_PERMITTED in seen
    assert DenialReason.NO_ROLE_OR_RENTAL in seen


@pytest.mark.parametrize("parameters", [None, PHONE_ONLY], ids=["shipped", "phone-only"])
def test_a_deny_by_default_is_channel_not_permitted_exactly_when_another_channel_opens(
    parameters: dict[str, object] | None,
) -> None:
    """Against the reference interpreter: for a sample of every deny by default, the same
    request through each other channel (when it is a possible request)."""
    policy = _compiled(parameters)
    source = policy.source
    defaults = [c for c in REACHABLE if policy.table[c] == 0]
    checked = 0
    for cell in defaults[:: max(1, len(defaults) // 1500)]:
        request = request_of(cell)
        others = []
        for channel in Channel:
            if channel is request.channel:
                continue
            try:
                others.append(request._replace(channel=channel))
            except InvalidInputError:
                continue  # not a possible request through that channel
        opens = any(reference_decide(source, r).allowed for r in others)
        expected = DenialReason.CHANNEL_NOT_PERMITTED if opens else DenialReason.NO_ROLE_OR_RENTAL
        assert policy.decide(request).reason_code is expected, SPACE.describe(cell)
        checked += opens
    assert checked > 0


def test_the_cedar_export_annotates_each_forbid_with_its_code() -> None:
    policy = _compiled()
    text = export_cedar(policy.source).policies
    for rule in policy.source.rules:
        if rule.code is not None:
            assert f'@id("{rule.id}")\n@code("{rule.code}")\nforbid' in text
