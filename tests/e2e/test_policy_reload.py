"""Policy hot reload on the real server (issue 20): an editor's lock file is ignored, a
directory named `x.yaml` is refused and shown in `/health` and `GET /v1/policy` while the old
version serves, and once it is gone the next valid edit serves, all over HTTP."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.demo import DEMO_COMPANY_ID
from engine.policy import default_policy_path
from tests.support.service import Service, database, start_service, wait_for

pytestmark = pytest.mark.slow

MARIA = ("maria@acme-storage.example", DEMO_COMPANY_ID, "employee")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Path]]:
    """The server on SQLite, polling its own copy of policy/ every 0.2 s."""
    workdir = tmp_path_factory.mktemp("policy-reload")
    policy = Path(shutil.copytree(default_policy_path(), workdir / "policy"))
    with (
        database("sqlite", workdir) as url,
        start_service(
            workdir,
            url,
            UNITGATE_POLICY_PATH=str(policy),
            UNITGATE_POLICY_RELOAD_SECONDS="0.2",
        ) as service,
    ):
        yield service, policy


def _policy_health(service: Service) -> dict[str, Any]:
    return service.get("/health")["policy"]  # type: ignore[no-any-return]


def _two_polls_later(service: Service) -> dict[str, Any]:
    """`/health` once the files were read twice more (one full poll after now)."""
    seen = [_policy_health(service)["checked_at"]]

    def probe() -> dict[str, Any] | None:
        health = _policy_health(service)
        if health["checked_at"] != seen[-1]:
            seen.append(health["checked_at"])
        return health if len(seen) >= 3 else None

    return wait_for(probe, timeout=20, every=0.05, what="two policy polls")


def test_bad_files_are_refused_visibly_and_the_next_valid_edit_serves(
    served: tuple[Service, Path],
) -> None:
    service, policy = served
    maria = service.as_(*MARIA)
    first = _policy_health(service)
    assert first["reload_error"] is None

    # An editor's lock file: a symbolic link to nowhere. Ignored by name.
    (policy / ".#tenants.yaml").symlink_to("maria@office.4242:1700000000")
    health = _two_polls_later(service)
    assert (health["version"], health["reload_error"]) == (first["version"], None)

    # A directory named like a policy file: refused, shown, the old version serves.
    (policy / "x.yaml").mkdir()
    health = wait_for(
        lambda: (h := _policy_health(service))["reload_error"] and h,
        what="the refusal of x.yaml in /health",
    )
    assert health["version"] == first["version"]
    assert health["reload_error"]["code"] == "not-a-file"
    assert health["reload_error"]["file"] == "x.yaml"
    assert "reason" not in health["reload_error"]  # public: no paths, no file contents
    status = service.get("/v1/policy", maria)
    assert status["version"] == first["version"]
    assert "x.yaml" in status["reload_error"]["reason"]
    assert "a directory named like a policy file" in status["reload_error"]["reason"]
    assert status["history"][-1]["outcome"] == "rejected"

    # Gone, and a valid edit renamed into place: the new version serves decisions.
    (policy / "x.yaml").rmdir()
    text = (policy / "facility.yaml").read_text() + "# reviewed by the compliance team\n"
    (policy / "facility.yaml.new").write_text(text)
    os.replace(policy / "facility.yaml.new", policy / "facility.yaml")
    health = wait_for(
        lambda: (h := _policy_health(service))["version"] != first["version"] and h,
        what="the edited policy to serve",
    )
    assert health["reload_error"] is None
    assert health["loaded_at"] > first["loaded_at"]
    facilities = service.get("/v1/facilities", maria)
    doors = service.get(f"/v1/facilities/{facilities[0]['id']}/doors", maria)
    gate = next(d for d in doors if d["kind"] == "gate")
    decision = service.post(f"/v1/doors/{gate['id']}/access-requests", {}, maria)
    assert decision["policy_version"] == health["version"]
    assert service.get("/v1/policy", maria)["reload_error"] is None
