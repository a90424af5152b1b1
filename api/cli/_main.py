"""The `unitgate` command group; each area adds its commands from its own module."""

from __future__ import annotations

import click

from api.cli._lifecycle import lifecycle


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """unitgate: access control and unit lifecycle for self-storage facilities."""


cli.add_command(lifecycle)


def main() -> None:
    """Console-script entry point."""
    cli()
