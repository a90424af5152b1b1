"""`unitgate policy …`: outputs and exit codes (0 ok, 1 violated/changed, 2 invalid input)."""

from __future__ import annotations

from pathlib import Path

import cedarpy
from click.testing import CliRunner

from api.cli import cli
from tests.support.policy import default_policy_data, without_rule, write_policy


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["policy", *args])
    return result.exit_code, result.stdout, result.stderr


def test_check_summarises_the_default_policy() -> None:
    code, out, _ = _run("check")
    assert code == 0
    assert "18 rules (8 permit, 10 forbid) in 5 files" in out
    assert "122400 possible requests" in out


def test_check_reports_a_bad_file_with_its_location_and_exits_2(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(
        "rules:\n  - id: a\n    effect: permit\n    description: d\n    when:\n      door: gait\n"
    )
    code, _, err = _run("check", str(tmp_path))
    assert code == 2
    assert "p.yaml:6:13: error[unknown-value]: unknown door `gait`" in err
    assert "--> field `rules[0].when.door`" in err
    assert "= help: expected one of:" in err


def test_malformed_yaml_exits_2(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("rules: [\n")
    code, _, err = _run("verify", str(tmp_path))
    assert code == 2
    assert "error[yaml-syntax]" in err


def test_verify_proves_the_default_policy() -> None:
    code, out, _ = _run("verify")
    assert code == 0
    assert "0 violated" in out


def test_verify_exits_1_naming_the_broken_invariant(tmp_path: Path) -> None:
    write_policy(tmp_path, without_rule(default_policy_data(), "no-access-before-lease-start"))
    code, out, _ = _run("verify", str(tmp_path))
    assert code == 1
    assert "VIOLATED  inv-07-no-access-before-lease-start" in out
    assert "lease_started=false" in out


def test_explain_names_the_deciding_rule_and_every_match() -> None:
    code, out, _ = _run(
        "explain", "--principal", "tenant", "--relation", "tenant", "--door", "gate",
        "--unit-state", "occupied", "--other-unit-delinquent",
    )  # fmt: skip
    assert code == 0
    assert "decision: DENY" in out
    assert "forbid `any-delinquent-unit-locks-every-gate` at policy/delinquency.yaml" in out
    assert "code: gatelocked" in out
    assert "permit  tenant-passes-entry-points" in out


def test_explain_refines_the_code_by_the_units_state() -> None:
    code, out, _ = _run(
        "explain", "--principal", "tenant", "--relation", "tenant", "--door", "gate",
        "--unit-state", "auction",
    )  # fmt: skip
    assert code == 0, out
    assert "forbid `lien-unit-keeps-tenant-out-of-facility`" in out
    assert "code: lien" in out


def test_explain_refuses_an_impossible_request_with_exit_2() -> None:
    code, _, err = _run(
        "explain", "--principal", "tenant", "--permission", "entry.open", "--door", "gate",
        "--unit-state", "none",
    )  # fmt: skip
    assert code == 2
    assert "not a possible request" in err


def test_diff_with_fail_on_change(tmp_path: Path) -> None:
    code, out, _ = _run("diff", "policy", "policy", "--fail-on-change")
    assert code == 0 and "0 requests change decision" in out
    code, out, _ = _run(
        "diff", "policy", "policy", "--set", "tenant_channels=[phone_relay]", "--fail-on-change"
    )
    assert code == 1
    assert "permit -> deny  [tenant-opens-rented-unit -> default deny]" in out
    assert "channel=keypad" in out


def test_verify_and_report_say_plainly_which_invariant_a_parameter_gives_up(tmp_path: Path) -> None:
    invariants = tmp_path / "inv.yaml"
    invariants.write_text(
        "invariants:\n  - id: keypads-work\n    source: s\n    statement: s\n"
        "    given: {tenant_channels: [phone_relay, keypad]}\n"
        "    when: {principal: tenant, channel: keypad}\n    require: deny\n"
    )
    code, out, _ = _run(
        "verify", "--invariants", str(invariants), "--set", "tenant_channels=[phone_relay]"
    )
    assert code == 0
    assert "GIVEN UP  keypads-work  given up: this policy sets `tenant_channels`" in out
    assert "0 violated, 1 given up by parameters" in out
    report = tmp_path / "report.html"
    code, _, _ = _run(
        "report", "-o", str(report), "--invariants", str(invariants),
        "--set", "tenant_channels=[phone_relay]",
    )  # fmt: skip
    assert code == 0
    assert "given up by this policy's parameters: keypads-work" in report.read_text()


def test_report_writes_a_self_contained_page(tmp_path: Path) -> None:
    out_file = tmp_path / "report.html"
    code, _, _ = _run("report", "-o", str(out_file), "--against", "policy")
    assert code == 0
    html = out_file.read_text()
    for heading in ("Decision matrix", "Invariants", "Rules", "Unit lifecycle", "Changes against"):
        assert heading in html
    assert "inv-01-lien-or-delinquent-unit-closed-to-tenant" in html
    assert "<th>code</th>" in html and "<td><code>share_revoked</code></td>" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html


def test_export_cedar_writes_valid_policies(tmp_path: Path) -> None:
    code, out, _ = _run("export-cedar", "-o", str(tmp_path))
    assert code == 0 and "18 Cedar policies" in out
    policies = (tmp_path / "policy.cedar").read_text()
    result = cedarpy.validate_policies(policies, (tmp_path / "policy.cedarschema").read_text())
    assert result.validation_passed


def test_a_bad_parameter_override_exits_2() -> None:
    code, _, err = _run("check", "--set", "nope=true")
    assert code == 2
    assert "unknown parameter `nope`" in err
