"""Which files are the policy, and every file named like one that cannot be read is refused
naming it (a `PolicyError`, never an `OSError` or `RecursionError`)."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli
from engine.policy import (
    PolicyError,
    is_policy_file_name,
    load_invariants,
    load_policy,
    policy_files,
    read_policy_file,
)
from engine.policy import _files as files_module
from tests.support.policy import BAD_FILES, default_policy_data, write_policy


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    return write_policy(tmp_path / "policy", default_policy_data())


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_refuses_the_policy_naming_the_file(policy_dir: Path, case: str) -> None:
    make, code, line, column, words = BAD_FILES[case]
    make(policy_dir)
    with pytest.raises(PolicyError) as info:
        load_policy(policy_dir)
    [issue] = info.value.issues
    assert issue.code == code
    assert issue.location is not None
    assert Path(issue.location.file).name == "x.yaml"
    if line is not None:
        assert (issue.location.line, issue.location.column) == (line, column)
    assert words in issue.message


def test_policy_check_names_the_bad_file_and_exits_2(policy_dir: Path) -> None:
    (policy_dir / "x.yaml").mkdir()
    result = CliRunner().invoke(cli, ["policy", "check", str(policy_dir)])
    assert result.exit_code == 2
    assert "x.yaml:1:1: error[not-a-file]: a directory named like a policy file" in result.stderr


def test_every_bad_file_is_listed_not_only_the_first(policy_dir: Path) -> None:
    (policy_dir / "x.yaml").mkdir()
    (policy_dir / "y.yaml").symlink_to(policy_dir / "gone")
    with pytest.raises(PolicyError) as info:
        load_policy(policy_dir)
    assert [Path(i.location.file).name for i in info.value.issues if i.location] == [
        "x.yaml",
        "y.yaml",
    ]


@pytest.mark.parametrize(
    "name",
    [".#tenants.yaml", "#tenants.yaml#", ".tenants.yaml.swp", "tenants.yaml~", "~$tenants.yaml",
     "tenants.yaml.bak", ".hidden.yaml", "notes.txt"],
)  # fmt: skip
def test_editor_lock_swap_and_backup_files_are_ignored(policy_dir: Path, name: str) -> None:
    before = load_policy(policy_dir).version
    # Emacs makes its lock `.#name` a symbolic link to nowhere (user@host.pid).
    (policy_dir / name).symlink_to("root@host.4242:1700000000")
    assert not is_policy_file_name(name)
    assert load_policy(policy_dir).version == before


def test_policy_file_names() -> None:
    assert is_policy_file_name("tenants.yaml") and is_policy_file_name("extra.rules.yml")
    assert not is_policy_file_name("tenants.json")


def test_a_file_that_vanishes_between_listing_and_reading_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        read_policy_file(tmp_path / "tenants.yaml", "policy/tenants.yaml")
    [issue] = info.value.issues
    assert issue.code == "vanished"
    assert issue.location is not None and issue.location.file == "policy/tenants.yaml"


def test_an_unreadable_file_is_refused(policy_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # As root (CI containers) chmod 000 still reads, so the refusal of open() is simulated.
    real_open = os.open

    def open_(path: object, flags: int, *args: int) -> int:
        if Path(str(path)).name == "tenants.yaml":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(files_module.os, "open", open_)
    with pytest.raises(PolicyError) as info:
        policy_files(policy_dir)
    [issue] = info.value.issues
    assert (issue.code, issue.message) == ("unreadable", "cannot read the file: permission denied")


def test_the_invariants_file_is_read_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "invariants.yaml"
    path.write_bytes(b"invariants: \xff\n")
    with pytest.raises(PolicyError) as info:
        load_invariants(path)
    assert info.value.issues[0].code == "not-utf8"
    path.write_text("invariants: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(PolicyError, match="nesting deeper than 20 levels"):
        load_invariants(path)
