"""Loader errors: each names the file, line, column and field, with a short message."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.policy import PolicyError, load_policy, load_policy_files
from engine.policy._yaml import MAX_FILE_BYTES

FORBID = "effect: forbid\n    reason: closed"

GOOD_RULE = """\
rules:
  - id: tenant-opens
    effect: permit
    description: tenants open their unit
    when:
      principal: tenant
      door: unit_lock
"""


def _error(text: str, name: str = "p.yaml") -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy_files({name: text})
    return info.value


def test_a_good_file_loads_with_rule_locations() -> None:
    source = load_policy_files({"p.yaml": GOOD_RULE})
    rule = source.rule("tenant-opens")
    assert (rule.location.file, rule.location.line, rule.location.column) == ("p.yaml", 2, 5)
    assert source.version.startswith("sha256:")


@pytest.mark.parametrize(
    ("text", "code", "line", "column", "field", "words"),
    [
        ("rules:\n  - id: x\n    effect: [permit\n", "yaml-syntax", 4, 1, "", "malformed yaml"),
        ("", "empty-file", 1, 1, "", "file is empty"),
        ("# only a comment\n", "empty-file", 1, 1, "", "file is empty"),
        (
            GOOD_RULE.replace("door:", "doorway:"),
            "unknown-attribute",
            7,
            7,
            "rules[0].when.doorway",
            "`doorway`",
        ),
        (
            GOOD_RULE.replace("unit_lock", "unit_lok"),
            "unknown-value",
            7,
            13,
            "rules[0].when.door",
            "`unit_lok`",
        ),
        (
            GOOD_RULE + "      lease_started: maybe\n",
            "wrong-type",
            8,
            22,
            "rules[0].when.lease_started",
            "true or false",
        ),
        (
            GOOD_RULE.replace("effect: permit", "effect: allow"),
            "wrong-type",
            3,
            13,
            "rules[0].effect",
            "`'allow'`",
        ),
        (
            GOOD_RULE.replace("    description: tenants open their unit\n", ""),
            "missing-field",
            2,
            5,
            "rules[0].description",
            "`description`",
        ),
        (
            GOOD_RULE + GOOD_RULE[len("rules:\n") :],
            "duplicate-rule-id",
            8,
            9,
            "rules[1].id",
            "`tenant-opens` is used twice",
        ),
        (GOOD_RULE + "      door: gate\n", "duplicate-key", 8, 7, "", "`door` appears twice"),
        (
            GOOD_RULE.replace("effect: permit", "effect: forbid\n    code: lien"),
            "missing-reason",
            2,
            5,
            "rules[0]",
            "has no `reason`",
        ),
        (
            GOOD_RULE.replace("effect: permit", FORBID),
            "missing-code",
            2,
            5,
            "rules[0].code",
            "forbid rule `tenant-opens` has no `code`",
        ),
        (
            GOOD_RULE.replace("effect: permit", "effect: permit\n    code: lien"),
            "permit-with-code",
            4,
            11,
            "rules[0].code",
            "permit rule `tenant-opens` has a `code`",
        ),
        (
            GOOD_RULE.replace("effect: permit", FORBID + "\n    code: lein"),
            "wrong-type",
            5,
            11,
            "rules[0].code",
            "`rules[0].code`",
        ),
        (
            GOOD_RULE + "      channel: $channels\n",
            "unknown-parameter",
            8,
            16,
            "rules[0].when.channel",
            "`$channels`",
        ),
        ("rules: 3\n", "wrong-type", 1, 8, "rules", "valid list"),
        ("- a\n- b\n", "wrong-type", 1, 1, "", "mapping"),
        (
            GOOD_RULE.replace("principal: tenant", "principal: [tenant, $who]"),
            "mixed-parameter",
            6,
            27,
            "rules[0].when.principal[1]",
            "stand alone",
        ),
    ],
)
def test_bad_input_is_reported_at_its_location(
    text: str, code: str, line: int, column: int, field: str, words: str
) -> None:
    issue = _error(text).issues[0]
    assert issue.code == code
    assert issue.location is not None
    assert (issue.location.file, issue.location.line) == ("p.yaml", line)
    assert issue.location.column == column
    assert issue.location.field == field
    assert words in issue.message
    assert issue.message[0].islower() or issue.message[0] in "`"


def test_a_forbid_without_a_code_names_the_codes_it_may_take() -> None:
    issue = _error(GOOD_RULE.replace("effect: permit", FORBID)).issues[0]
    assert issue.help is not None and "gatelocked" in issue.help and "share_expired" in issue.help


def test_a_forbid_code_is_kept_on_its_rule_and_a_permit_has_none() -> None:
    forbid = GOOD_RULE.replace("effect: permit", FORBID + "\n    code: lien")
    assert load_policy_files({"p.yaml": forbid}).rules[0].code == "lien"
    assert load_policy_files({"p.yaml": GOOD_RULE}).rules[0].code is None


def test_every_error_of_a_file_is_reported_not_just_the_first() -> None:
    text = GOOD_RULE.replace("unit_lock", "unit_lok").replace("tenant\n", "tenat\n")
    codes = [i.code for i in _error(text).issues]
    assert codes == ["unknown-value", "unknown-value"]


def test_a_file_over_the_size_limit_is_refused_before_parsing() -> None:
    text = "description: " + "x" * MAX_FILE_BYTES + "\n"
    issue = _error(text).issues[0]
    assert issue.code == "file-too-large"
    assert str(MAX_FILE_BYTES) in issue.message


def test_unknown_value_help_lists_the_accepted_values() -> None:
    issue = _error(GOOD_RULE.replace("unit_lock", "unit_lok")).issues[0]
    assert issue.help is not None
    assert "entry_point" in issue.help and "unit_lock" in issue.help


def test_rule_ids_must_be_unique_across_files() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_files({"a.yaml": GOOD_RULE, "b.yaml": GOOD_RULE})
    issue = info.value.issues[0]
    assert issue.code == "duplicate-rule-id"
    assert issue.location is not None and issue.location.file == "b.yaml"
    assert issue.help is not None and "a.yaml:2:9" in issue.help


def test_parameters_substitute_and_overrides_change_the_version() -> None:
    text = (
        "parameters:\n  chans:\n    value: [keypad]\n    description: how\n"
        + GOOD_RULE
        + "      channel: $chans\n"
    )
    base = load_policy_files({"p.yaml": text})
    other = load_policy_files({"p.yaml": text}, parameters={"chans": ["phone_relay"]})
    assert base.version != other.version
    assert other.parameters[0].overridden


def test_an_override_of_an_unknown_parameter_is_an_error() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_files({"p.yaml": GOOD_RULE}, parameters={"nope": True})
    assert info.value.issues[0].code == "unknown-parameter"


def test_a_parameter_of_the_wrong_kind_is_an_error_at_its_use() -> None:
    text = "parameters:\n  flag:\n    value: true\n    description: d\n" + GOOD_RULE
    text += "      channel: $flag\n"
    issue = _error(text).issues[0]
    assert issue.code == "parameter-type"
    assert issue.location is not None and issue.location.field == "rules[0].when.channel"


def test_a_missing_directory_or_an_empty_one_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no policy at"):
        load_policy(tmp_path / "absent")
    with pytest.raises(PolicyError, match="no policy files"):
        load_policy(tmp_path)
