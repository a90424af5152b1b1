"""The alert rules file: the shipped one loads, its JSON Schema is fresh, and every mistake
names its file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import cli
from engine.alerts import (
    alert_rules_json_schema,
    default_alert_rules_path,
    load_alert_rules,
    read_alert_rules,
)
from engine.alerts._model import DoorForced
from engine.policy import PolicyError

SPECS = Path(__file__).resolve().parents[4] / "specs"

_GOOD = """\
rules:
  - name: forced
    when: door_forced
    severity: critical
    recipients: [Manager]
"""


def test_the_schema_is_fresh() -> None:
    committed = (SPECS / "alerts.schema.json").read_text()
    assert committed == alert_rules_json_schema(), "run `unitgate alerts schema` to regenerate"


def test_the_shipped_rules_cover_every_kind() -> None:
    rules = load_alert_rules(default_alert_rules_path())
    assert {r.when for r in rules.rules} == {
        "repeated_denials",
        "delinquent_attempt",
        "door_forced",
        "door_held_open",
        "lock_tampered",
        "lock_jammed",
        "battery_low",
    }


def test_defaults_fill_in() -> None:
    [rule] = read_alert_rules(_GOOD, "a.yaml").rules
    assert isinstance(rule, DoorForced)
    assert rule.channels == ["email"] and rule.unlock_seconds == 60


@pytest.mark.parametrize(
    ("text", "line", "field", "code"),
    [
        (_GOOD + "    colour: red\n", 6, "rules[0].colour", "unknown-field"),
        (_GOOD.replace("    severity: critical\n", ""), 2, "rules[0].severity", "missing-field"),
        (_GOOD.replace("critical", "dire"), 4, "rules[0].severity", "literal-error"),
        (
            _GOOD.replace("when: door_forced", "when: door_held_open\n    seconds: 1"),
            4,
            "rules[0].seconds",
            "greater-than-equal",
        ),
        (_GOOD + _GOOD.removeprefix("rules:\n"), 6, "rules[1].name", "duplicate-rule"),
        ("rules: [\n", 2, "", "yaml-syntax"),
    ],
)
def test_mistakes_name_file_line_and_field(text: str, line: int, field: str, code: str) -> None:
    with pytest.raises(PolicyError) as caught:
        read_alert_rules(text, "alerts/mine.yaml")
    [issue] = caught.value.issues
    assert issue.code == code
    assert issue.location is not None
    assert (issue.location.file, issue.location.line) == ("alerts/mine.yaml", line)
    assert issue.location.field == field


def test_the_cli_checks_a_file_and_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(_GOOD.replace("critical", "dire"))
    result = CliRunner().invoke(cli, ["alerts", "check", str(path)])
    assert result.exit_code == 2
    assert f"{path}:4:" in result.output and "rules[0].severity" in result.output
    ok = CliRunner().invoke(cli, ["alerts", "check"])
    assert ok.exit_code == 0 and "8 rules ok" in ok.output
