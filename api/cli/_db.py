"""`unitgate db`: schema migrations."""

from __future__ import annotations

import click

from api.cli._context import redacted, reports_errors, runtime
from engine.persistence import current_revision, head_revision, upgrade


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="target revision")
@reports_errors
def upgrade_command(revision: str) -> None:
    """Create or migrate the database schema."""
    rt = runtime()
    before = current_revision(rt.db)
    upgrade(rt.db, revision)
    after = current_revision(rt.db)
    state = "already at" if before == after else f"migrated from {before or 'empty'} to"
    click.echo(f"database {redacted(rt.db.url)}: {state} revision {after}")


@db.command("status")
@reports_errors
def status_command() -> None:
    """Show the schema revision and whether it is current."""
    rt = runtime()
    current, head = current_revision(rt.db), head_revision()
    click.echo(f"database {redacted(rt.db.url)}: revision {current or 'empty'} (newest {head})")
    if current != head:
        raise SystemExit(1)
