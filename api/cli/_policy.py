"""`unitgate policy`: check, explain, verify, diff, report and export the access policy.

Exit codes: 0 ok, 1 an invariant is violated (or decisions changed with `--fail-on-change`),
2 invalid input (the message names file, line, column and field).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import yaml

from api.cli._context import reports_errors
from engine.access import classify
from engine.domain import Channel, DoorKind, Permission, PrincipalKind, Relation, UnitState
from engine.policy import (
    NO_UNIT,
    AccessRequest,
    CompiledPolicy,
    compile_policy,
    default_invariants_path,
    default_policy_path,
    describe_failure,
    diff_policies,
    export_cedar,
    invariants_json_schema,
    load_invariants,
    load_policy,
    policy_json_schema,
    reachability,
    render_row,
    validate_policy,
    verify_policy,
)
from engine.policy._report import html_report

_PATH = click.Path(path_type=Path)


def _parameters(pairs: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            raise click.UsageError(f"--set takes `name=value`, got `{pair}`")
        out[name] = yaml.safe_load(raw)
    return out


def _compiled(path: Path | None, pairs: tuple[str, ...] = ()) -> CompiledPolicy:
    return compile_policy(load_policy(path or default_policy_path(), parameters=_parameters(pairs)))


_set_option = click.option(
    "--set", "pairs", multiple=True, metavar="NAME=VALUE", help="override a parameter (repeatable)"
)
_invariants_option = click.option(
    "--invariants",
    type=_PATH,
    default=None,
    help="invariants file [default: specs/invariants.yaml]",
)


@click.group()
def policy() -> None:
    """The access policy: check, explain, verify, diff, report, export to Cedar."""


@policy.command()
@click.argument("path", type=_PATH, required=False)
@_set_option
@click.option("--strict", is_flag=True, help="treat warnings as errors (exit 2)")
@reports_errors
def check(path: Path | None, pairs: tuple[str, ...], strict: bool) -> None:
    """Load, validate and compile the policy at PATH [default: policy/]."""
    started = time.perf_counter()
    compiled = _compiled(path, pairs)
    issues = validate_policy(compiled)
    elapsed = time.perf_counter() - started
    for issue in issues:
        click.echo(issue.render(), err=True)
    src = compiled.source
    permits = sum(r.effect == "permit" for r in src.rules)
    click.echo(
        f"{src.origin}: {len(src.rules)} rules ({permits} permit, {len(src.rules) - permits} "
        f"forbid) in {len(src.files)} files, {len(src.parameters)} parameters; "
        f"{reachability().total} possible requests compiled in {elapsed * 1000:.0f} ms; "
        f"version {src.version}"
    )
    errors = [i for i in issues if i.severity == "error" or strict]
    if errors:
        raise SystemExit(2)


def _request_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--principal", required=True, type=click.Choice([str(v) for v in PrincipalKind])
        ),
        click.option("--door", required=True, type=click.Choice([str(v) for v in DoorKind])),
        click.option(
            "--unit-state",
            required=True,
            type=click.Choice([*(str(v) for v in UnitState), NO_UNIT]),
        ),
        click.option("--relation", default="none", type=click.Choice([str(v) for v in Relation])),
        click.option(
            "--permission",
            "permissions",
            multiple=True,
            type=click.Choice([str(v) for v in Permission]),
        ),
        click.option("--lease-started/--lease-not-started", default=True),
        click.option("--within-schedule/--outside-schedule", default=True),
        click.option("--in-area/--outside-area", default=True),
        click.option("--grant-active/--grant-inactive", default=True),
        click.option("--other-unit-delinquent", is_flag=True),
        click.option(
            "--channel", default="phone_relay", type=click.Choice([str(v) for v in Channel])
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@policy.command()
@click.argument("path", type=_PATH, required=False)
@_set_option
@_request_options
@reports_errors
def explain(path: Path | None, pairs: tuple[str, ...], **attrs: Any) -> None:
    """Decide one request and show every rule that matched and the one that decided."""
    request = AccessRequest(
        principal=PrincipalKind(attrs["principal"]),
        door=DoorKind(attrs["door"]),
        unit_state=None if attrs["unit_state"] == NO_UNIT else UnitState(attrs["unit_state"]),
        relation=Relation(attrs["relation"]),
        permissions=frozenset(Permission(p) for p in attrs["permissions"]),
        lease_started=attrs["lease_started"],
        within_schedule=attrs["within_schedule"],
        door_in_area=attrs["in_area"],
        grant_active=attrs["grant_active"],
        other_unit_delinquent=attrs["other_unit_delinquent"],
        channel=Channel(attrs["channel"]),
    )
    compiled = _compiled(path, pairs)
    explanation = compiled.explain(request)
    decision = explanation.decision
    click.echo(f"decision: {'PERMIT' if decision.allowed else 'DENY'}")
    deciding = explanation.deciding
    if deciding is None:
        click.echo("decided by: default deny (no rule permits)")
    else:
        click.echo(f"decided by: {deciding.effect} `{deciding.id}` at {deciding.location}")
    click.echo(f"reason: {decision.reason}")
    code = classify(decision, request, None).reason_code
    if code is not None:
        click.echo(f"code: {code}")
    click.echo("matched rules:" if explanation.matched else "matched rules: none")
    for rule in explanation.matched:
        click.echo(f"  {rule.effect:7} {rule.id}  ({rule.location})")
    click.echo(f"policy version: {decision.policy_version}")


@policy.command()
@click.argument("path", type=_PATH, required=False)
@_set_option
@_invariants_option
@reports_errors
def verify(path: Path | None, pairs: tuple[str, ...], invariants: Path | None) -> None:
    """Prove every invariant over every possible request; exit 1 on a violation."""
    started = time.perf_counter()
    compiled = _compiled(path, pairs)
    report = verify_policy(compiled, load_invariants(invariants or default_invariants_path()))
    for result in report.results:
        label = {
            "proved": "proved",
            "violated": "VIOLATED",
            "not_applicable": "GIVEN UP",
            "system": "system",
        }
        detail = f"{result.checked} requests" if result.status == "proved" else result.note
        click.echo(f"{label[result.status]:9} {result.invariant.id}  {detail}")
        if result.status == "violated":
            click.echo(f"          {describe_failure(result)}")
    proved = sum(r.status == "proved" for r in report.results)
    given_up = sum(r.status == "not_applicable" for r in report.results)
    click.echo(
        f"{proved} proved, {len(report.failures)} violated"
        + (f", {given_up} given up by parameters" if given_up else "")
        + f", over {reachability().total} possible "
        f"requests in {time.perf_counter() - started:.2f} s (policy {compiled.version})"
    )
    if not report.ok:
        raise SystemExit(1)


@policy.command()
@click.argument("old", type=_PATH)
@click.argument("new", type=_PATH)
@_set_option
@click.option("--fail-on-change", is_flag=True, help="exit 1 when any decision changes")
@reports_errors
def diff(old: Path, new: Path, pairs: tuple[str, ...], fail_on_change: bool) -> None:
    """Show every request whose decision differs from OLD to NEW (`--set` applies to NEW)."""
    result = diff_policies(_compiled(old), _compiled(new, pairs))
    for row in result.rows:
        click.echo(
            f"{row.before} -> {row.after}  [{row.before_rule or 'default deny'} -> "
            f"{row.after_rule or 'default deny'}]  {row.requests} requests: "
            f"{render_row(row.conditions)}"
        )
    click.echo(
        f"{result.changed} requests change decision; {result.reason_changed} change only their "
        "deciding rule"
    )
    if fail_on_change and not result.empty:
        raise SystemExit(1)


@policy.command()
@click.argument("path", type=_PATH, required=False)
@click.option("-o", "--output", type=_PATH, required=True, help="HTML file to write")
@click.option("--against", type=_PATH, default=None, help="an older policy to diff against")
@_set_option
@_invariants_option
@reports_errors
def report(
    path: Path | None,
    output: Path,
    against: Path | None,
    pairs: tuple[str, ...],
    invariants: Path | None,
) -> None:
    """Write a self-contained HTML report for reviewers; exit 1 if an invariant fails."""
    compiled = _compiled(path, pairs)
    proof = verify_policy(compiled, load_invariants(invariants or default_invariants_path()))
    changes = diff_policies(_compiled(against), compiled) if against is not None else None
    output.write_text(html_report(compiled, proof, datetime.now(UTC), changes), encoding="utf-8")
    click.echo(f"wrote {output}")
    if not proof.ok:
        raise SystemExit(1)


@policy.command("export-cedar")
@click.argument("path", type=_PATH, required=False)
@click.option("-o", "--output", type=_PATH, required=True, help="directory to write into")
@_set_option
@reports_errors
def export_cedar_command(path: Path | None, output: Path, pairs: tuple[str, ...]) -> None:
    """Write policy.cedar, policy.cedarschema and policy.cedarschema.json to OUTPUT."""
    exported = export_cedar(_compiled(path, pairs).source)
    output.mkdir(parents=True, exist_ok=True)
    (output / "policy.cedar").write_text(exported.policies, encoding="utf-8")
    (output / "policy.cedarschema").write_text(exported.schema_text, encoding="utf-8")
    (output / "policy.cedarschema.json").write_text(
        json.dumps(exported.schema_json, indent=2) + "\n", encoding="utf-8"
    )
    click.echo(f"wrote {len(exported.policy_ids)} Cedar policies and the schema to {output}")


@policy.command()
@click.option(
    "-o", "--output", type=_PATH, default=Path("specs"), show_default=True, help="directory"
)
def schema(output: Path) -> None:
    """Write the JSON Schemas of policy and invariants files (specs/*.schema.json)."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "policy.schema.json").write_text(policy_json_schema(), encoding="utf-8")
    (output / "invariants.schema.json").write_text(invariants_json_schema(), encoding="utf-8")
    click.echo(f"wrote {output}/policy.schema.json and {output}/invariants.schema.json")
