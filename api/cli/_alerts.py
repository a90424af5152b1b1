"""`unitgate alerts check|schema`: the alert rules file (`alerts/rules.yaml`)."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli._context import reports_errors
from engine.alerts import alert_rules_json_schema, default_alert_rules_path, load_alert_rules

_PATH = click.Path(path_type=Path)


@click.group()
def alerts() -> None:
    """Alert rules: what raises an alert, how severe, who is told."""


@alerts.command("check")
@click.argument("path", type=_PATH, required=False)
@reports_errors
def check(path: Path | None) -> None:
    """Check the alert rules at PATH (default: the shipped file); exit 2 naming file, line
    and field of each problem."""
    rules = load_alert_rules(path or default_alert_rules_path())
    for rule in rules.rules:
        click.echo(f"{rule.name}: {rule.when}, {rule.severity}, to {', '.join(rule.recipients)}")
    click.echo(f"{rules.source}: {len(rules.rules)} rules ok")


@alerts.command("schema")
@click.option(
    "-o", "--output", type=_PATH, default=Path("specs"), show_default=True, help="directory"
)
def schema(output: Path) -> None:
    """Write the JSON Schema of alert rules files (specs/alerts.schema.json)."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "alerts.schema.json").write_text(alert_rules_json_schema(), encoding="utf-8")
    click.echo(f"wrote {output}/alerts.schema.json")
