"""`unitgate audit`: verifying the hash-chained audit log."""

from __future__ import annotations

import click

from api.cli._context import reports_errors, runtime
from engine.audit import verify_chain


@click.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option("--facility", default=None, help="verify one facility's chain only")
@reports_errors
def verify_command(facility: str | None) -> None:
    """Check every entry; exit 1 and name the first bad entry of each broken chain."""
    rt = runtime()
    with rt.db.read() as session:
        report = verify_chain(session, rt.audit, facility)
    for problem in report.problems:
        click.echo(f"BROKEN {problem}", err=True)
    status = "ok" if report.ok else f"{len(report.problems)} broken chain(s)"
    click.echo(
        f"audit log {status}: {report.entries} entries in {report.facilities} facility chains"
    )
    if not report.ok:
        raise SystemExit(1)
