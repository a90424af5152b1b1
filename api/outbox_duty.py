"""The outbox duty inside `unitgate serve` (a thread of its own while the app serves), and
the senders the settings choose (shared with `unitgate outbox run`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from litestar import Litestar

from adapters.notify import (
    HttpSmsProvider,
    LogSink,
    OutboxConfig,
    OutboxWorker,
    Outcome,
    Sender,
    SmtpConfig,
    SmtpSender,
    Templates,
    WebhookSender,
)
from api.duty_thread import duty_thread
from api.settings import Settings
from api.telemetry import Telemetry
from engine.notify import Channel
from engine.persistence import Database
from engine.persistence.tables import AlertWebhook
from engine.runtime import Runtime

__all__ = [
    "CALLBACK_PATH",
    "outbox_config",
    "outbox_lifespan",
    "outbox_worker",
    "secret_reader",
    "senders",
]

CALLBACK_PATH = "/v1/notify/sms/status"


def senders(settings: Settings, db: Database) -> dict[Channel, Sender]:
    """Email over SMTP (or to the email log without an SMTP host); SMS to the log or the
    HTTP provider; alert webhooks signed with their facility's secret from `db`."""
    email: Sender = LogSink(settings.email_log, "email")
    if settings.smtp_host:
        email = SmtpSender(
            SmtpConfig(
                host=settings.smtp_host,
                port=settings.smtp_port,
                starttls=settings.smtp_starttls,
                ssl=settings.smtp_ssl,
                username=settings.smtp_username,
                password=settings.smtp_password,
                from_address=settings.smtp_from,
            )
        )
    sms: Sender = LogSink(settings.sms_log, "sms")
    if settings.sms_provider == "http":
        sms = HttpSmsProvider(settings.sms_url, api_key=settings.sms_api_key)
    return {
        Channel.EMAIL: email,
        Channel.SMS: sms,
        Channel.WEBHOOK: WebhookSender(secret_reader(db)),
    }


def secret_reader(db: Database) -> Callable[[str], str | None]:
    """The current alert webhook secret of a facility (None: none configured)."""

    def secret_of(facility_id: str) -> str | None:
        with db.read() as s:
            hook = s.get(AlertWebhook, facility_id)
            return hook.secret if hook is not None else None

    return secret_of


def outbox_config(settings: Settings) -> OutboxConfig:
    """The worker's pacing from `settings`."""
    return OutboxConfig(
        poll_seconds=settings.outbox_poll_seconds,
        max_attempts=settings.outbox_max_attempts,
        retry_seconds=settings.outbox_retry_seconds,
        lease_seconds=settings.outbox_lease_seconds,
    )


def outbox_worker(
    runtime: Runtime,
    settings: Settings,
    on_outcome: Callable[[str, Outcome], None] | None,
    config: OutboxConfig | None = None,
) -> OutboxWorker:
    """A worker for `runtime`'s outbox with the configured senders and templates."""
    return OutboxWorker(
        runtime.db,
        runtime.clock,
        senders(settings, runtime.db),
        Templates(settings.templates_dir),
        config or outbox_config(settings),
        status_callback=settings.public_url.rstrip("/") + CALLBACK_PATH,
        on_outcome=on_outcome,
    )


def outbox_lifespan(
    runtime: Runtime, settings: Settings, telemetry: Telemetry
) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """A Litestar lifespan delivering the outbox while the app serves (unless
    `outbox_in_serve` is off); the queue's size and age are observed either way."""

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        telemetry.outbox.observe(runtime.db, runtime.clock)
        if not settings.outbox_in_serve:
            yield
            return
        worker = outbox_worker(runtime, settings, telemetry.outbox.record)
        async with duty_thread(worker, "unitgate-outbox"):
            yield

    return lifespan
