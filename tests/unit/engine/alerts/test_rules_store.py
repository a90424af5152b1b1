"""Reloading the alert rules file: a valid edit serves, an invalid one is refused naming
file, line and field while the old rules serve, and is told once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine.alerts import AlertRulesStore, default_alert_rules_path
from engine.alerts._model import RepeatedDenials
from engine.policy import PolicyError, PolicyRejected


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return Path(shutil.copyfile(default_alert_rules_path(), tmp_path / "rules.yaml"))


def _count(store: AlertRulesStore, name: str) -> int:
    rule = next(r for r in store.current.rules if r.name == name)
    assert isinstance(rule, RepeatedDenials)
    return rule.count


def test_an_edit_serves_and_an_unchanged_file_is_no_reload(path: Path) -> None:
    store = AlertRulesStore(path)
    assert _count(store, "repeated_denials_person") == 5
    assert store.reload() is False
    path.write_text(path.read_text().replace("count: 5", "count: 2", 1))
    assert store.reload() is True
    assert _count(store, "repeated_denials_person") == 2
    assert store.reload() is False


def test_a_broken_file_keeps_the_old_rules_and_names_file_line_and_field(path: Path) -> None:
    store = AlertRulesStore(path)
    before = store.current
    lines = path.read_text().splitlines()
    at = lines.index("    count: 5") + 1
    lines.insert(at, "    bogus: 1")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(PolicyRejected) as refused:
        store.reload()
    assert f"rules.yaml:{at + 1}" in str(refused.value)
    assert "unknown field `bogus`" in str(refused.value)
    assert store.current is before and store.refused is refused.value
    assert store.reload() is False  # the same refused file: told once
    path.write_text(path.read_text().replace("    bogus: 1\n", "").replace("count: 5", "count: 7"))
    assert store.reload() is True and store.refused is None
    assert _count(store, "repeated_denials_person") == 7


def test_a_missing_file_is_refused_once_and_the_old_rules_serve(path: Path) -> None:
    store = AlertRulesStore(path)
    before = store.current
    path.unlink()
    with pytest.raises(PolicyRejected, match="cannot read"):
        store.reload()
    assert store.reload() is False
    assert store.current is before


def test_an_invalid_file_at_start_is_an_error(path: Path) -> None:
    path.write_text("rules: [{name: x}]\n")
    with pytest.raises(PolicyError, match=r"rules\.yaml:1"):
        AlertRulesStore(path)
