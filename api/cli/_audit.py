"""`unitgate audit`: verifying the hash-chained audit log, and signed checkpoints of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import ValidationError

from api.cli._context import reports_errors, runtime
from engine.audit import (
    AuditLog,
    Checkpoint,
    checkpoint_from_document,
    take_checkpoint,
    verify_chain,
)
from engine.errors import InvalidInputError
from engine.persistence import current_revision, head_revision
from engine.runtime import Runtime

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option("--facility", default=None, help="verify one facility's chain only")
@click.option(
    "--against",
    type=_FILE,
    default=None,
    help="a checkpoint (`audit checkpoint`) the log must still hold: it only grew since",
)
@reports_errors
def verify_command(facility: str | None, against: Path | None) -> None:
    """Check every entry, head, registered chain and bound row; exit 1 and name the first
    problem of each broken chain."""
    rt = _migrated_runtime()
    checkpoint = read_checkpoint(against, rt.audit) if against is not None else None
    with rt.db.snapshot() as session:
        report = verify_chain(session, rt.audit, facility, against=checkpoint)
    for problem in report.problems:
        click.echo(f"BROKEN {problem}", err=True)
    status = "ok" if report.ok else f"{len(report.problems)} problem(s)"
    held = f", held to the checkpoint of {checkpoint.at.isoformat()}" if checkpoint else ""
    click.echo(
        f"audit log {status}: {report.entries} entries in {report.facilities} facility chains"
        + held
    )
    if not report.ok:
        raise SystemExit(1)


@audit.command("checkpoint")
@click.option("-o", "--output", type=_FILE, default=None, help="write it here (default: stdout)")
@reports_errors
def checkpoint_command(output: Path | None) -> None:
    """Export the head of every chain now, signed; keep it outside the database and later
    `audit verify --against` it."""
    rt = _migrated_runtime()
    with rt.db.snapshot() as session:
        checkpoint = take_checkpoint(session, rt.audit, rt.clock.now())
    text = json.dumps(checkpoint.document(), indent=2) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    output.write_text(text)
    click.echo(
        f"checkpoint of {len(checkpoint.chains)} chains at {checkpoint.at.isoformat()} "
        f"written to {output}"
    )


def _migrated_runtime() -> Runtime:
    """The runtime, once its database's schema is the one this unitgate writes."""
    rt = runtime()
    current, newest = current_revision(rt.db), head_revision()
    if current != newest:
        raise InvalidInputError(
            f"the database is at revision `{current or 'empty'}`, this unitgate needs `{newest}`",
            help="run `unitgate db upgrade` (it also seals chains written before revision 0005)",
        )
    return rt


def read_checkpoint(path: Path, log: AuditLog) -> Checkpoint:
    """The checkpoint in `path`, once its code verifies; errors name the file, line and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidInputError(f"checkpoint `{path}`: cannot read it: {why.lower()}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInputError(
            f"checkpoint `{path}`: line {exc.lineno}: malformed json: {exc.msg.lower()}",
            help="a checkpoint is the JSON `unitgate audit checkpoint` writes",
        ) from exc
    try:
        return checkpoint_from_document(log, data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = _dotted(first["loc"])
        raise InvalidInputError(
            f"checkpoint `{path}`: line {_line_of(text, first['loc'])}: field `{where}`: "
            f"{first['msg'].lower()}",
            help="a checkpoint is the JSON `unitgate audit checkpoint` writes",
        ) from exc
    except InvalidInputError as exc:
        raise InvalidInputError(f"checkpoint `{path}`: {exc.message}", help=exc.help) from exc


def _dotted(loc: tuple[Any, ...]) -> str:
    """`chains[2].seq` for `("chains", 2, "seq")`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _line_of(text: str, loc: tuple[Any, ...]) -> int:
    """The line of the value at `loc` in the JSON `text` (JSON is YAML: its parser keeps
    where each node starts), or of the nearest enclosing one."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return 1
    for part in loc:
        children: list[tuple[Any, Any]] = []
        if isinstance(node, yaml.MappingNode):
            children = [(k.value, v) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = list(enumerate(node.value))
        found = next((child for key, child in children if key == part), None)
        if found is None:
            break
        node = found
    return node.start_mark.line + 1 if node is not None else 1
