"""`unitgate lifecycle`: the diagram and the reviewer table of the unit lifecycle."""

from __future__ import annotations

from pathlib import Path

import click

from engine.lifecycle import markdown_table, mermaid_diagram


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@click.group()
def lifecycle() -> None:
    """The unit lifecycle machine."""


@lifecycle.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), help="write to this file")
def diagram(output: Path | None) -> None:
    """Print the lifecycle as a Mermaid state diagram (specs/lifecycle.mmd)."""
    _emit(mermaid_diagram(), output)


@lifecycle.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), help="write to this file")
def table(output: Path | None) -> None:
    """Print every (state, event, source) with its outcome (specs/lifecycle-table.md)."""
    _emit(markdown_table(), output)
