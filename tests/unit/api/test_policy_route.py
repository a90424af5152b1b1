"""The service serves a verified policy and hot-reloads it; a bad reload changes nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from engine.runtime import Runtime
from tests.support.api import app_for, bearer
from tests.support.policy import default_policy_data, without_rule, write_policy
from tests.support.world import build_world


def _wait_for(
    client: TestClient[Litestar], predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get("/v1/policy").json()
        if predicate(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def _publish(link: Path, data: dict[str, Any], release: int) -> Path:
    """Deploy a policy release atomically: write it aside, then swap the symlink.

    Rewriting files in place lets the poller read a half-written directory, which it
    rightly refuses; that would add rejections this test does not expect.
    """
    target = write_policy(link.parent / f"release-{release}", data)
    staged = link.parent / "policy.staged"
    staged.symlink_to(target)
    os.replace(staged, link)
    return link


def test_policy_is_served_and_reloaded_only_when_proven(
    tmp_path: Path, sqlite_runtime: Runtime
) -> None:
    policy_dir = _publish(tmp_path / "policy", default_policy_data(), 1)
    world = build_world(sqlite_runtime)
    app = app_for(sqlite_runtime, policy_path=policy_dir, policy_reload_seconds=0.05)
    with TestClient(app) as client:
        client.headers.update(bearer(world.manager_id, world.company_id, "employee"))
        first = client.get("/v1/policy").json()
        assert first["version"].startswith("sha256:")
        assert first["parameters"]["delinquency_locks_every_gate"] is True

        _publish(policy_dir, without_rule(default_policy_data(), "outside-access-hours"), 2)
        body = _wait_for(client, lambda b: b["history"][-1]["outcome"] == "rejected")
        assert body["version"] == first["version"]
        assert "inv-08b-outside-access-hours-denied" in body["history"][-1]["reason"]

        data = default_policy_data()
        data["facility.yaml"]["parameters"]["delinquency_locks_every_gate"]["value"] = False
        _publish(policy_dir, data, 3)
        body = _wait_for(client, lambda b: b["version"] != first["version"])
        assert body["version"] != first["version"]
        assert body["parameters"]["delinquency_locks_every_gate"] is False
        assert [h["outcome"] for h in body["history"]] == ["loaded", "rejected", "loaded"]
