"""`unitgate codes`: the keypad-code duty as a worker, a lock's resync, the daily health
check on demand, and the JSON Schema of the code rules file."""

from __future__ import annotations

import signal
from pathlib import Path

import click
from sqlmodel import select

from adapters.lockservice import HttpLockService
from api.app import build_policy_store, build_runtime
from api.cli._context import reports_errors, settings
from api.codes_duty import code_duty, reconciler, upkeep
from api.settings import Settings
from api.telemetry import build_telemetry
from engine.codes import RoundReport, code_models_json_schema
from engine.errors import NotFoundError
from engine.persistence.tables import Facility, KeypadLock


def _summary(report: RoundReport) -> str:
    counts = ("created", "updated", "deleted", "refused", "pending", "no_space", "unmanaged")
    down = sum(1 for r in report.locks if r.down)
    parts = [f"{len(report.locks)} locks"] + [f"{c} {report.total(c)}" for c in counts]
    return ", ".join(parts + ([f"unreachable {down}"] if down else []))


def _service_url(config: Settings) -> str:
    if config.lock_service_url is None:
        raise click.ClickException("no lock service: set UNITGATE_LOCK_SERVICE_URL")
    return config.lock_service_url


@click.group()
def codes() -> None:
    """Keypad PIN codes on the lock service's locks."""


@codes.command()
@click.option("--once", is_flag=True, help="one round over every lock, then exit")
@reports_errors
def reconcile(once: bool) -> None:
    """Reconcile every keypad lock with the store and the policy, and land the lock
    service's keypad events: once, or as a duty that follows changes (as `serve` does unless
    UNITGATE_CODES_IN_SERVE=false)."""
    config = settings()
    _service_url(config)
    rt = build_runtime(config)
    telemetry = build_telemetry(config)
    duty = code_duty(rt, config, build_policy_store(config, rt))

    def report(done: RoundReport) -> None:
        telemetry.record_codes_round(done)
        click.echo(_summary(done))

    duty.on_round = report
    duty.on_events = telemetry.record_keypad_events
    if duty.upkeep is not None:
        duty.upkeep.on_report = telemetry.record_codes_upkeep
    try:
        if once:
            duty.run_once()
            duty.fetch_events()
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: duty.stop())
        click.echo("keypad duty running (Ctrl-C stops)")
        duty.run()
    finally:
        telemetry.shutdown()
        rt.db.dispose()


@codes.command()
@click.argument("lock")
@reports_errors
def resync(lock: str) -> None:
    """Set again every code unitgate wants on LOCK (a device id), e.g. after a factory reset."""
    config = settings()
    rt = build_runtime(config)
    service = HttpLockService(_service_url(config), api_key=config.lock_service_key)
    try:
        report = reconciler(rt, config, build_policy_store(config, rt), service).resync(lock)
        click.echo(_summary(report))
    finally:
        service.close()
        rt.db.dispose()


@codes.command(name="keep-outside-edits")
@click.argument("lock")
@click.option("--off", is_flag=True, help="set such codes again (the default)")
@reports_errors
def keep_outside_edits(lock: str, off: bool) -> None:
    """On LOCK, keep (and flag) managed codes changed or deleted outside unitgate, for locks
    whose own app is meant to be used; `--off` sets them again."""
    rt = build_runtime(settings())
    try:
        with rt.db.transaction() as s:
            row = s.get(KeypadLock, lock)
            if row is None:
                raise NotFoundError(
                    f"no keypad lock `{lock}`", help="`unitgate codes reconcile` finds new ones"
                )
            row.keep_external_edits = not off
            s.add(row)
        click.echo(f"{lock}: outside edits {'set again' if off else 'kept and flagged'}")
    finally:
        rt.db.dispose()


@codes.command(name="health-check")
@click.option("--facility", "facility_id", default=None, help="one facility's id (default: all)")
@reports_errors
def health_check(facility_id: str | None) -> None:
    """Run the daily health check now: every code that must be active in the next 24 hours
    and is not set gets a backup code (its person is sent it) and the operator an email;
    the backup pools are refilled (as `serve` does daily at each facility's
    `codes_health_check_at`)."""
    config = settings()
    rt = build_runtime(config)
    service = HttpLockService(_service_url(config), api_key=config.lock_service_key)
    try:
        with rt.db.read() as s:
            if facility_id is not None and s.get(Facility, facility_id) is None:
                raise NotFoundError(f"no facility `{facility_id}`")
            ids = (
                [facility_id]
                if facility_id
                else sorted({k.facility_id for k in s.exec(select(KeypadLock)) if k.facility_id})
            )
        keeper = upkeep(rt, config, service)
        for found in keeper.health_check(ids):
            click.echo(
                f"{found.facility_id} {found.day}: {found.checked} checked, {found.not_set} not"
                f" set, {found.backups_given} backup codes given, {found.without_backup}"
                " without a backup"
            )
        for pool in keeper.pools_now().values():
            click.echo(
                f"{pool.device_id}: backup pool {pool.ready}/{pool.size} ready ({pool.health})"
            )
    finally:
        service.close()
        rt.db.dispose()


@codes.command()
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("specs"),
    show_default=True,
    help="directory",
)
@click.option("--check", is_flag=True, help="exit 1 when the committed schema is stale")
def schema(output: Path, check: bool) -> None:
    """Write the JSON Schema of the keypad code rules file (specs/code-models.schema.json)."""
    path = output / "code-models.schema.json"
    text = code_models_json_schema()
    if check:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"`{path}` is stale: run `unitgate codes schema`")
        click.echo(f"{path} is up to date")
        return
    output.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")
