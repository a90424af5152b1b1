"""`unitgate site`: a company's sites and staff from a declarative YAML file.

Exit codes: 0 applied (or nothing to change), 2 invalid input or a refused change (the
message names file, line and field; nothing was written).
"""

from __future__ import annotations

from pathlib import Path

import click

from api.cli._context import reports_errors, runtime
from engine.onboarding import apply_site_file, site_json_schema

_PATH = click.Path(path_type=Path)


@click.group()
def site() -> None:
    """Site files: a company's roles, facilities, units, doors, locks and employees."""


@site.command("apply")
@click.argument("path", type=_PATH)
@click.option("--dry-run", is_flag=True, help="print the changes and write nothing")
@reports_errors
def apply_command(path: Path, dry_run: bool) -> None:
    """Make the store what the site file at PATH says; print each change (idempotent)."""
    rt = runtime()
    try:
        result = apply_site_file(rt, path, dry_run=dry_run)
    finally:
        rt.db.dispose()
    for change in result.changes:
        click.echo(change.text)
    count = len(result.changes)
    summary = f"{count} change{'s' if count != 1 else ''}" if count else "no changes"
    suffix = " (dry run: nothing written)" if dry_run else ""
    click.echo(f"{path}: {summary} for company {result.company_id}{suffix}")


@site.command()
@click.option(
    "-o", "--output", type=_PATH, default=Path("specs"), show_default=True, help="directory"
)
def schema(output: Path) -> None:
    """Write the JSON Schema of site files (specs/site.schema.json)."""
    output.mkdir(parents=True, exist_ok=True)
    (output / "site.schema.json").write_text(site_json_schema(), encoding="utf-8")
    click.echo(f"wrote {output}/site.schema.json")
