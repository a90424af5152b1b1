"""`unitgate site apply FILE [--dry-run]`: a site file applied in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.onboarding._context import Change, EditContext
from engine.onboarding._site_apply import SiteFileError, apply_site, read_site_file
from engine.policy import PolicyIssue, SourceLocation
from engine.runtime import Runtime

__all__ = ["SiteApplied", "apply_site_file"]


@dataclass(frozen=True)
class SiteApplied:
    """What applying a site file changed (or, for a dry run, would change)."""

    company_id: str
    changes: tuple[Change, ...]
    dry_run: bool


class _DryRun(Exception):
    def __init__(self, result: SiteApplied) -> None:
        super().__init__("dry run")
        self.result = result


def _shown(path: Path) -> str:
    """The path relative to the working directory when it is below it (shorter messages)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def apply_site_file(runtime: Runtime, path: Path, *, dry_run: bool = False) -> SiteApplied:
    """Apply the site file at `path`; with `dry_run`, roll everything back at the end."""
    name = _shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SiteFileError(
            [
                PolicyIssue(
                    "error",
                    "unreadable",
                    f"cannot read `{name}`: {type(exc).__name__}",
                    SourceLocation(name, 1, 1),
                    "give the path of a UTF-8 YAML site file",
                )
            ]
        ) from exc
    located, spec = read_site_file(text, name)
    try:
        with runtime.db.transaction() as session:
            ctx = EditContext(
                session, runtime.audit, runtime.clock.now(), f"site-file:{path.name}"[:100]
            )
            company = apply_site(ctx, located, spec)
            result = SiteApplied(company.id, tuple(ctx.changes), dry_run)
            if dry_run:
                raise _DryRun(result)  # leaves the transaction by rolling it back
    except _DryRun as done:
        return done.result
    return result
