"""`unitgate pms secret`: a company's PMS webhook secrets (rotate, list)."""

from __future__ import annotations

from datetime import timedelta

import click

from adapters.sync import DEFAULT_OVERLAP, MAX_OVERLAP, company_secrets, fingerprint, rotate_secret
from api.cli._context import reports_errors, runtime
from engine.errors import NotFoundError
from engine.persistence.tables import Company


@click.group()
def pms() -> None:
    """The PMS integration: webhook secrets."""


@pms.group()
def secret() -> None:
    """Per-company secrets that sign PMS webhooks (specs/pms-api.md)."""


_company = click.option("--company", "company_id", required=True, help="the company's id")


@secret.command()
@_company
@click.option(
    "--overlap-hours",
    type=click.IntRange(0, int(MAX_OVERLAP / timedelta(hours=1))),
    default=int(DEFAULT_OVERLAP / timedelta(hours=1)),
    show_default=True,
    help="how long the older secrets keep verifying (0: stop at once)",
)
@reports_errors
def rotate(company_id: str, overlap_hours: int) -> None:
    """Create a new webhook secret for the company (printed once); the older ones retire."""
    rt = runtime()
    now = rt.clock.now()
    with rt.db.transaction() as s:
        row = rotate_secret(s, company_id, "cli", now, timedelta(hours=overlap_hours))
        value, created = row.secret, row.id
        older = [r for r in company_secrets(s, company_id) if r.id != created]
    click.echo(f"secret {created} for company {company_id} (shown only now):")
    click.echo(value)
    for r in older:
        if r.retires_at is not None and r.retires_at > now:
            click.echo(f"secret {r.id} still verifies until {r.retires_at.isoformat()}")


@secret.command(name="list")
@_company
@reports_errors
def list_cmd(company_id: str) -> None:
    """The company's webhook secrets, newest first (fingerprints, never the values)."""
    rt = runtime()
    now = rt.clock.now()
    with rt.db.read() as s:
        if s.get(Company, company_id) is None:
            raise NotFoundError(f"no company `{company_id}`")
        rows = company_secrets(s, company_id)
    if not rows:
        click.echo("no secrets (UNITGATE_PMS_WEBHOOK_SECRET verifies this company's pushes)")
    for r in rows:
        retires = r.retires_at.isoformat() if r.retires_at else "-"
        state = "verifying" if r.retires_at is None or r.retires_at > now else "retired"
        created = r.created_at.isoformat()
        click.echo(
            f"{r.id}\t{fingerprint(r.secret) or '-'}\t{state}\t{created}\t{r.created_by}\t{retires}"
        )
