"""`unitgate db`: schema migrations (and sealing the audit log written before its registry)."""

from __future__ import annotations

import click

from api.cli._context import redacted, reports_errors, runtime
from engine.audit import seal_unregistered
from engine.persistence import applied_revisions, current_revision, head_revision, upgrade
from engine.runtime import Runtime

SEALING_REVISION = "0005"
"""The migration that added head codes and the chain registry: the upgrade that applies it
seals the chains written before (once: afterwards a chain missing from the registry is
reported by `audit verify`, never sealed as found)."""


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
    if SEALING_REVISION in applied_revisions(before, after):
        _seal(rt)


def _seal(rt: Runtime) -> None:
    report = seal_unregistered(rt.db, rt.audit, rt.clock.now())
    if report.sealed:
        click.echo(
            f"audit log: sealed {len(report.sealed)} chains written before the chain registry"
        )
    for problem in report.refused:
        click.echo(f"NOT SEALED {problem}", err=True)
    if report.refused:
        click.echo(
            "audit log: chains that do not verify were left unsealed; "
            "`unitgate audit verify` reports them",
            err=True,
        )
        raise SystemExit(1)


@db.command("status")
@reports_errors
def status_command() -> None:
    """Show the schema revision and whether it is current."""
    rt = runtime()
    current, head = current_revision(rt.db), head_revision()
    click.echo(f"database {redacted(rt.db.url)}: revision {current or 'empty'} (newest {head})")
    if current != head:
        raise SystemExit(1)
