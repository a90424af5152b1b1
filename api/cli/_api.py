"""`unitgate api`: the OpenAPI document and bearer tokens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from sqlmodel import func, select

from api.auth import ROLES, issue_token
from api.cli._context import reports_errors, runtime, settings
from api.openapi_spec import SPEC_PATH, openapi_document
from engine.access import person_in_company
from engine.errors import NotFoundError
from engine.persistence.tables import Person


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
    config = settings()
    rt = runtime()
    with rt.db.read() as s:
        person = s.exec(select(Person).where(func.lower(Person.email) == email.lower())).first()
        if person is None or not person_in_company(s, person.id, company_id):
            raise NotFoundError(f"no person `{email}` in company `{company_id}`")
    click.echo(
        issue_token(
            config.jwt_secret_value(),
            person_id=person.id,
            company_id=company_id,
            role=role,
            issuer=config.jwt_issuer,
            lifetime=timedelta(minutes=minutes or config.token_minutes),
        )
    )
