"""`unitgate expire`: the expiry duty as a worker process of its own."""

from __future__ import annotations

import signal

import click

from api.app import build_runtime
from api.cli._context import reports_errors, settings
from api.expiry_duty import expiry_duty
from api.telemetry import build_telemetry
from engine.units import Expired


@click.group()
def expire() -> None:
    """End auction windows and emergencies at their stated time."""


@expire.command()
@click.option("--once", is_flag=True, help="record what is due now, then exit")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(0.05, 60),
    default=None,
    help="longest sleep between looks (default: UNITGATE_EXPIRY_POLL_SECONDS)",
)
@reports_errors
def run(once: bool, poll_seconds: float | None) -> None:
    """Record every expiry when it is due, sharing the work with other duties (serve's, or
    more workers on PostgreSQL: each expiry is recorded once)."""
    config = settings()
    rt = build_runtime(config)
    telemetry = build_telemetry(config)

    def report(expired: Expired) -> None:
        telemetry.record_expiry(expired)
        click.echo(
            f"{expired.at.isoformat(timespec='milliseconds')} unit {expired.unit_id}: "
            f"{expired.event.value} ({expired.lag_seconds:.2f} s after its end)"
        )

    duty = expiry_duty(rt, poll_seconds or config.expiry_poll_seconds, report)
    try:
        if once:
            duty.run_once()
        else:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: duty.stop())
            click.echo(
                f"expiry duty running, looking at least every {duty.config.poll_seconds:g} s "
                "(Ctrl-C stops)"
            )
            duty.run()
    finally:
        telemetry.shutdown()
        rt.db.dispose()
    done = ", ".join(f"{k} {v}" for k, v in sorted(duty.totals.items()))
    click.echo(f"expiries: {done or 'none'}")
