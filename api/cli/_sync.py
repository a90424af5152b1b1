"""`unitgate sync`: the PMS sync worker, full reconcile, and the quarantine."""

from __future__ import annotations

import os
import signal
import socket
import threading
from pathlib import Path

import click
from sqlmodel import select

from adapters.pms import CsvExportConnector, HttpPmsConnector, PmsConnector, PmsError
from adapters.sync import SyncWorker, WorkerConfig, quarantined, reconcile, retry_entry
from api.app import build_runtime
from api.cli._context import reports_errors, runtime, settings
from api.telemetry import build_telemetry
from engine.errors import InvalidInputError, NotFoundError
from engine.persistence.tables import Facility
from engine.runtime import Runtime


def _connector(pms_url: str | None, csv_folder: Path | None, api_key: str | None) -> PmsConnector:
    if (pms_url is None) == (csv_folder is None):
        raise InvalidInputError("give exactly one of `--pms-url` and `--csv`")
    if pms_url is not None:
        return HttpPmsConnector(pms_url, api_key=api_key)
    assert csv_folder is not None
    return CsvExportConnector(csv_folder)


def _facility(rt: Runtime, facility: str) -> Facility:
    """A facility by id or by PMS ref."""
    with rt.db.read() as s:
        found = (
            s.get(Facility, facility)
            or s.exec(select(Facility).where(Facility.pms_ref == facility)).first()
        )
    if found is None or found.pms_ref is None:
        raise NotFoundError(f"no PMS-linked facility `{facility}` (give its id or PMS ref)")
    return found


_pms = click.option("--pms-url", help="base URL of the PMS JSON API (e.g. the simulator's)")
_csv = click.option(
    "--csv",
    "csv_folder",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="folder of CSV exports, one `<facility PMS ref>.csv` each",
)
_key = click.option("--api-key", envvar="UNITGATE_PMS_API_KEY", help="PMS API key (bearer)")


@click.group()
def sync() -> None:
    """Keep units, tenants and delinquency in step with the PMS."""


@sync.command()
@_pms
@_csv
@_key
@click.option("--name", default=None, help="this worker's name in the sync status (host:pid)")
@click.option(
    "--page-size",
    type=click.IntRange(1, 5000),
    default=WorkerConfig.page_size,
    show_default=True,
    help="changes asked from the PMS per call",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=WorkerConfig.batch_size,
    show_default=True,
    help="events applied per transaction",
)
@click.option(
    "--facility",
    "facilities",
    multiple=True,
    help="sync only the facility with this PMS ref (repeat for more; default: every "
    "PMS-linked facility), e.g. when facilities are on different PMSs",
)
@click.option("--once", is_flag=True, help="one round over the facilities, then exit")
@reports_errors
def run(
    pms_url: str | None,
    csv_folder: Path | None,
    api_key: str | None,
    name: str | None,
    page_size: int,
    batch_size: int,
    facilities: tuple[str, ...],
    once: bool,
) -> None:
    """Poll the PMS's changes and apply them, sharing facilities with other workers."""
    config_settings = settings()
    rt = build_runtime(config_settings)
    telemetry = build_telemetry(config_settings)
    config = WorkerConfig(
        name=name or f"{socket.gethostname()}:{os.getpid()}",
        page_size=page_size,
        batch_size=batch_size,
        pms_refs=frozenset(facilities) if facilities else None,
    )
    connector = _connector(pms_url, csv_folder, api_key)
    worker = SyncWorker(rt, connector, config, metrics=telemetry.sync)
    try:
        if once:
            worker.run_once()
        else:
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            click.echo(f"sync worker {config.name} running (Ctrl-C stops)")
            worker.run(stop)
    finally:
        telemetry.shutdown()
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(worker.totals.items()))
    click.echo(f"events: {outcomes or 'none'}")


@sync.command(name="reconcile")
@click.argument("facility")
@_pms
@_csv
@_key
@click.option(
    "--repair",
    is_flag=True,
    help="also restate units that disagree with the PMS at a sequence number both have",
)
@reports_errors
def reconcile_cmd(
    facility: str,
    pms_url: str | None,
    csv_folder: Path | None,
    api_key: str | None,
    repair: bool,
) -> None:
    """Diff FACILITY (id or PMS ref) against the PMS's snapshot and apply what the PMS says."""
    rt = runtime()
    found = _facility(rt, facility)
    assert found.pms_ref is not None
    try:
        connector = _connector(pms_url, csv_folder, api_key)
        report = reconcile(rt, found.id, found.pms_ref, connector, repair=repair)
    except PmsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"PMS units: {report.pms_units}")
    click.echo(f"behind (applied now): {report.behind}")
    _list("diverged at the same sequence number", report.diverged)
    _list("unknown to unitgate (quarantined)", report.unknown)
    _list("missing from the PMS", report.missing)
    if repair:
        click.echo(f"restated from the PMS: {report.repaired}")
    _list("access levels corrected at the same sequence number", report.levels_changed)
    unmapped = [f"{ref} `{name}`" for ref, name in sorted(report.unmapped_levels.items())]
    _list("PMS access levels no level maps (open sync conflicts)", unmapped)
    click.echo(f"rejected input: {report.received.rejected}")
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(report.outcomes.items()))
    click.echo(f"events: {outcomes or 'none'}")
    click.echo("in sync" if report.in_sync else "drift found (see above)")


def _list(label: str, refs: list[str]) -> None:
    """`label: N (the first 20)`."""
    shown = ", ".join(refs[:20]) + (" ..." if len(refs) > 20 else "")
    click.echo(f"{label}: {len(refs)}" + (f" ({shown})" if refs else ""))


@sync.command()
@click.argument("facility")
@reports_errors
def quarantine(facility: str) -> None:
    """List FACILITY's events that failed to apply, with why."""
    rt = runtime()
    found = _facility(rt, facility)
    with rt.db.read() as s:
        rows = quarantined(s, found.id)
    if not rows:
        click.echo("nothing quarantined")
    for row in rows:
        click.echo(f"{row.id}\t{row.unit_ref}\tseq {row.seq}\t{row.source}\t{row.error}")


@sync.command()
@click.argument("facility")
@click.argument("entry_id", type=int)
@reports_errors
def retry(facility: str, entry_id: int) -> None:
    """Apply quarantined event ENTRY_ID of FACILITY again."""
    rt = runtime()
    found = _facility(rt, facility)
    entry = retry_entry(rt, found.id, entry_id)
    click.echo(f"{entry_id}: {entry.status}" + (f" ({entry.error})" if entry.error else ""))
