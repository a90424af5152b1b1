"""`unitgate pms secret rotate|list`: a company's webhook secrets from the command line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from api.demo import DEMO_COMPANY_ID


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNITGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'unitgate.db'}")
    monkeypatch.setenv("UNITGATE_AUDIT_KEY", "cli-test-audit-key")
    for step in (["db", "upgrade"], ["demo", "load"]):
        assert run(*step).exit_code == 0


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_rotate_prints_the_secret_once_and_list_never(env: None) -> None:
    empty = run("pms", "secret", "list", "--company", DEMO_COMPANY_ID)
    assert "no secrets (UNITGATE_PMS_WEBHOOK_SECRET verifies" in empty.output
    first = run("pms", "secret", "rotate", "--company", DEMO_COMPANY_ID)
    assert first.exit_code == 0, first.output
    [secret] = re.findall(r"^[0-9a-f]{64}$", first.output, re.M)
    second = run("pms", "secret", "rotate", "--company", DEMO_COMPANY_ID, "--overlap-hours", "1")
    assert re.search(r"^secret 1 still verifies until \S+$", second.output, re.M), second.output
    listed = run("pms", "secret", "list", "--company", DEMO_COMPANY_ID).output
    assert secret not in listed
    assert [line.split("\t")[2] for line in listed.splitlines()] == ["verifying", "verifying"]
    now = run("pms", "secret", "rotate", "--company", DEMO_COMPANY_ID, "--overlap-hours", "0")
    assert "still verifies" not in now.output
    states = [
        line.split("\t")[2]
        for line in run("pms", "secret", "list", "--company", DEMO_COMPANY_ID).output.splitlines()
    ]
    assert states == ["verifying", "retired", "retired"]


def test_unknown_company_and_bad_overlap(env: None) -> None:
    missing = CliRunner().invoke(cli, ["pms", "secret", "rotate", "--company", "nope"])
    assert missing.exit_code == 2
    assert "no company `nope`" in missing.output
    bad = CliRunner().invoke(
        cli, ["pms", "secret", "rotate", "--company", DEMO_COMPANY_ID, "--overlap-hours", "721"]
    )
    assert bad.exit_code == 2
    assert "--overlap-hours" in bad.output
