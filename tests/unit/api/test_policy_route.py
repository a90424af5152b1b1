"""The service serves a verified policy and hot-reloads it; a bad reload changes nothing."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engine.policy import PolicyStore
from engine.runtime import Runtime
from tests.support.api import app_for, bearer
from tests.support.policy import BAD_FILES, default_policy_data, without_rule, write_policy
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
        assert first["parameters"]["tenant_channels"] == ["phone_relay", "keypad"]
        assert first["reload_error"] is None

        _publish(policy_dir, without_rule(default_policy_data(), "outside-schedule"), 2)
        body = _wait_for(client, lambda b: b["history"][-1]["outcome"] == "rejected")
        assert body["version"] == first["version"]
        assert "inv-08b-outside-schedule-denied" in body["history"][-1]["reason"]
        assert body["reload_error"]["code"] == "invariant-violated"

        _publish(policy_dir, without_rule(default_policy_data(), "staff-open-available-units"), 3)
        body = _wait_for(client, lambda b: b["version"] != first["version"])
        assert body["version"] != first["version"]
        assert body["rules"] == first["rules"] - 1
        assert body["reload_error"] is None
        assert [h["outcome"] for h in body["history"]] == ["loaded", "rejected", "loaded"]


def _edit(directory: Path, release: int) -> None:
    """A valid edit (a new version), written aside and renamed into place."""
    text = (directory / "facility.yaml").read_text() + f"# release {release}\n"
    (directory / "facility.yaml.new").write_text(text)
    os.replace(directory / "facility.yaml.new", directory / "facility.yaml")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    else:
        path.unlink()


def test_the_reloader_outlives_every_bad_file_and_picks_up_the_next_valid_edit(
    tmp_path: Path, sqlite_runtime: Runtime
) -> None:
    """Issue 20: a bad file used to end the poller, and every later edit was ignored."""
    policy_dir = write_policy(tmp_path / "policy", default_policy_data())
    # An editor's lock file: a symbolic link to nowhere, ignored by name.
    (policy_dir / ".#tenants.yaml").symlink_to("root@host.4242:1700000000")
    world = build_world(sqlite_runtime)
    app = app_for(sqlite_runtime, policy_path=policy_dir, policy_reload_seconds=0.05)
    with TestClient(app) as client:
        client.headers.update(bearer(world.manager_id, world.company_id, "employee"))
        version = client.get("/v1/policy").json()["version"]
        for release, case in enumerate(sorted(BAD_FILES), start=1):
            make, code, *_ = BAD_FILES[case]
            make(policy_dir)
            body = _wait_for(client, lambda b: b["reload_error"] is not None)
            assert body["version"] == version, case
            error = body["reload_error"]
            assert (error["code"], error["file"]) == (code, "x.yaml"), case
            assert "x.yaml" in error["reason"] and ".#tenants.yaml" not in error["reason"]
            assert error["help"]
            health = client.get("/health", headers={"Authorization": ""}).json()["policy"]
            assert health["version"] == version
            assert health["reload_error"] == {"at": error["at"], "code": code, "file": "x.yaml"}

            _remove(policy_dir / "x.yaml")
            _edit(policy_dir, release)
            body = _wait_for(client, lambda b, old=version: b["version"] != old)
            assert body["version"] != version and body["reload_error"] is None, case
            version = body["version"]
        assert client.get("/health").json()["policy"]["reload_error"] is None


def test_the_reloader_outlives_a_failure_outside_the_store(
    tmp_path: Path, sqlite_runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy_dir = write_policy(tmp_path / "policy", default_policy_data())
    world = build_world(sqlite_runtime)
    app = app_for(sqlite_runtime, policy_path=policy_dir, policy_reload_seconds=0.05)
    store: PolicyStore = app.state["policies"]
    real_reload = store.reload
    calls: list[int] = []

    def failing_once(*, force: bool = False) -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("cannot schedule new futures")
        return real_reload(force=force)

    monkeypatch.setattr(store, "reload", failing_once)
    with TestClient(app) as client:
        client.headers.update(bearer(world.manager_id, world.company_id, "employee"))
        version = client.get("/v1/policy").json()["version"]
        _wait_for(client, lambda _: len(calls) >= 2)
        _edit(policy_dir, 1)
        body = _wait_for(client, lambda b: b["version"] != version)
        assert body["version"] != version
        failure = body["history"][1]
        assert (failure["outcome"], failure["code"]) == ("rejected", "internal-error")
        assert failure["reason"] == "reload failed: RuntimeError: cannot schedule new futures"
