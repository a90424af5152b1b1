"""`unitgate api`: the OpenAPI document and bearer tokens."""

from __future__ import annotations

from pathlib import Path

import click

from api.auth import ROLES, token_for_member
from api.cli._context import reports_errors, runtime, settings
from api.openapi_spec import SPEC_PATH, openapi_document


@click.group()
def api() -> None:
    """The HTTP API: its OpenAPI document and tokens."""


@api.command("spec")
@click.option(
    "--output", type=click.Path(path_type=Path), default=SPEC_PATH, help="where to write it"
)
@click.option("--check", is_flag=True, help="exit 1 if the file differs from the app")
def spec_command(output: Path, check: bool) -> None:
    """Write the OpenAPI document (specs/openapi.json), or check that it is current."""
    text = openapi_document()
    if check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            click.echo(f"{output} is stale: run `unitgate api spec`", err=True)
            raise SystemExit(1)
        click.echo(f"{output} is current")
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")


@api.command("token")
@click.option("--email", required=True, help="the person's email")
@click.option("--company", "company_id", required=True, help="the company id to act in")
@click.option("--role", type=click.Choice(ROLES), default="tenant", show_default=True)
@click.option(
    "--minutes", type=int, default=None, help="lifetime (default: UNITGATE_TOKEN_MINUTES)"
)
@reports_errors
def token_command(email: str, company_id: str, role: str, minutes: int | None) -> None:
    """Print a bearer token for a person of a company (operators; signed with the JWT secret)."""
    rt = runtime()
    with rt.db.read() as s:
        issued = token_for_member(
            s, settings(), email=email, company_id=company_id, role=role, minutes=minutes
        )
    click.echo(issued.token)
