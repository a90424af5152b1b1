"""`unitgate codes`: the keypad-code duty as a worker, and a lock's resync."""

from __future__ import annotations

import signal

import click

from adapters.lockservice import HttpLockService
from api.app import build_policy_store, build_runtime
from api.cli._context import reports_errors, settings
from api.codes_duty import code_duty, reconciler
from api.settings import Settings
from api.telemetry import build_telemetry
from engine.codes import RoundReport
from engine.errors import NotFoundError
from engine.persistence.tables import KeypadLock


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
    """Reconcile every keypad lock with the store and the policy: once, or as a duty that
    follows changes (as `serve` does unless UNITGATE_CODES_IN_SERVE=false)."""
    config = settings()
    _service_url(config)
    rt = build_runtime(config)
    telemetry = build_telemetry(config)
    duty = code_duty(rt, config, build_policy_store(config, rt))

    def report(done: RoundReport) -> None:
        telemetry.record_codes_round(done)
        click.echo(_summary(done))

    duty.on_round = report
    try:
        if once:
            duty.run_once()
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
