"""`unitgate demo`: the demo company."""

from __future__ import annotations

import click

from api.cli._context import reports_errors, runtime, settings
from api.demo import load_demo


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@reports_errors
def load_command() -> None:
    """Load the demo companies (Acme, Bolt; ~60 units); a second run changes nothing."""
    result = load_demo(runtime(), settings().lock_gateway_url)
    for line in result.updates:
        click.echo(line)
    if result.created:
        verb = "loaded:"
    elif result.updates:
        verb = f"updated ({len(result.updates)} changes):"
    else:
        verb = "already loaded, nothing changed:"
    click.echo(
        f"demo {verb} {result.companies} companies, {result.facilities} facilities, "
        f"{result.units} units, {result.transitions} transitions in the database"
    )
