"""`unitgate outbox`: where messages stand, sending failed ones again, and the worker."""

from __future__ import annotations

import os
import signal
import socket

import click
from sqlmodel import col, select

from adapters.notify import RETRIABLE, outbox_status, requeue_message
from api.app import build_runtime
from api.cli._context import reports_errors, runtime, settings
from api.outbox_duty import outbox_config, outbox_worker
from api.telemetry import build_telemetry
from engine.errors import InvalidInputError, NotFoundError
from engine.notify import MessageStatus
from engine.persistence.tables import Facility, OutboxMessage
from engine.runtime import Runtime


def _facility_id(rt: Runtime, facility: str | None) -> str | None:
    """A facility by id or by key (None: every facility)."""
    if facility is None:
        return None
    with rt.db.read() as s:
        found = (
            s.get(Facility, facility)
            or s.exec(select(Facility).where(Facility.key == facility)).first()
        )
    if found is None:
        raise NotFoundError(f"no facility `{facility}` (give its id or key)")
    return found.id


_facility = click.option("--facility", default=None, help="only this facility (id or key)")


@click.group()
def outbox() -> None:
    """Messages to people (activation codes, notices): status, retries, the sender worker."""


@outbox.command()
@_facility
@reports_errors
def status(facility: str | None) -> None:
    """Messages by status and the age of the oldest queued one."""
    rt = runtime()
    facility_id = _facility_id(rt, facility)
    with rt.db.read() as s:
        found = outbox_status(s, facility_id)
    for name in MessageStatus:
        click.echo(f"{name.value}\t{found.counts.get(name.value, 0)}")
    age = found.oldest_age_seconds(rt.clock.now())
    click.echo(f"oldest queued\t{age:.1f} s" if found.oldest_queued_at else "oldest queued\t-")


@outbox.command()
@click.argument("message_id", required=False)
@click.option("--failed", "all_failed", is_flag=True, help="every failed or given-up message")
@_facility
@reports_errors
def retry(message_id: str | None, all_failed: bool, facility: str | None) -> None:
    """Send MESSAGE_ID (or, with --failed, every failed and given-up message) again."""
    if (message_id is None) == (not all_failed):
        raise InvalidInputError("give a `MESSAGE_ID` or `--failed`")
    rt = runtime()
    facility_id = _facility_id(rt, facility)
    now = rt.clock.now()
    with rt.db.transaction() as s:
        if message_id is not None:
            ids = [message_id]
        else:
            query = select(OutboxMessage.id).where(
                col(OutboxMessage.status).in_([r.value for r in RETRIABLE])
            )
            if facility_id is not None:
                query = query.where(OutboxMessage.facility_id == facility_id)
            ids = list(s.exec(query.order_by(col(OutboxMessage.created_at))).all())
        for one in ids:
            requeue_message(s, one, now)
            click.echo(f"{one}: queued")
    click.echo(f"queued again: {len(ids)}")


@outbox.command()
@click.option("--once", is_flag=True, help="one batch of what is due now, then exit")
@click.option("--name", default=None, help="this worker in the logs (host:pid)")
@reports_errors
def run(once: bool, name: str | None) -> None:
    """Deliver due messages, sharing the outbox with other workers (serve's, or more
    `outbox run` processes on PostgreSQL: a message is sent once unless a worker dies
    between the provider's answer and the mark)."""
    config = settings()
    rt = build_runtime(config)
    telemetry = build_telemetry(config)
    worker = outbox_worker(rt, config, telemetry.outbox.record, outbox_config(config))
    label = name or f"{socket.gethostname()}:{os.getpid()}"
    try:
        if once:
            worker.run_once()
            worker.close()
        else:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: worker.stop())
            click.echo(f"outbox worker {label} running (Ctrl-C stops)", err=True)
            worker.run()
    finally:
        telemetry.shutdown()
        rt.db.dispose()
    done = ", ".join(f"{k} {v}" for k, v in sorted(worker.totals.items()))
    click.echo(f"messages: {done or 'none'}")
