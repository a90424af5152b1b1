"""`unitgate demo`: the demo company."""

from __future__ import annotations

import click

from api.cli._context import reports_errors, runtime
from api.demo import load_demo


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("load")
@reports_errors
def load_command() -> None:
    """Load the demo company (two facilities, ~50 units); a second run changes nothing."""
    result = load_demo(runtime())
    verb = "loaded" if result.created else "already loaded, nothing changed:"
    click.echo(
        f"demo company {verb} {result.facilities} facilities, "
        f"{result.units} units, {result.transitions} transitions in the database"
    )
