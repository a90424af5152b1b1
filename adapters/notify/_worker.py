"""The outbox worker: claims due messages in batches, renders and sends them concurrently,
records each batch's outcomes, repeats (serve runs one; `unitgate outbox run` more)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import uvloop
from jinja2 import TemplateError

from adapters.notify._claims import Claimed, claim_due
from adapters.notify._marks import Outcome, backoff, mark
from adapters.notify._port import Envelope, Sender, SendResult
from adapters.notify._templates import Templates
from engine.clock import Clock
from engine.notify import Channel, MessageStatus
from engine.persistence import Database

__all__ = ["OutboxConfig", "OutboxWorker"]

log = logging.getLogger("unitgate.outbox")


@dataclass(frozen=True)
class OutboxConfig:
    """How an outbox worker paces itself."""

    batch_size: int = 200
    """Messages claimed per round (and marked per statement)."""
    concurrency: int = 16
    """Messages of a batch in flight at once (the HTTP provider's connections)."""
    poll_seconds: float = 1.0
    """Pause when a round found nothing due."""
    lease_seconds: float = 300.0
    """How long a claim holds a message: longer than a send can take (a crashed worker's
    messages are sent again after it)."""
    max_attempts: int = 8
    """Tries before a message is given up."""
    retry_seconds: float = 10.0
    """Pause after the first failed try; doubling after each further one."""
    max_backoff_seconds: float = 30.0
    """Longest pause after rounds that failed in a row (the database is away)."""


@dataclass
class OutboxWorker:
    """Delivers the outbox's due messages, sharing them with other workers on the database."""

    db: Database
    clock: Clock
    senders: Mapping[Channel, Sender]
    templates: Templates
    config: OutboxConfig = field(default_factory=OutboxConfig)
    status_callback: str | None = None
    """The URL SMS providers post delivery reports to (None: none asked for)."""
    on_outcome: Callable[[str, Outcome], None] | None = None
    """Told of each outcome (channel, outcome) once it is recorded (metrics)."""
    totals: Counter[str] = field(default_factory=Counter)
    _stopping: threading.Event = field(default_factory=threading.Event, repr=False)
    _loop: asyncio.AbstractEventLoop | None = field(default=None, repr=False)

    def run(self) -> None:
        """Deliver until `stop()`; a failed round is logged and retried with backoff."""
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    busy = self.run_once() > 0
                    failures = 0
                except Exception as exc:  # a duty outlives a bad round (the database away)
                    failures += 1
                    pause = min(self.config.max_backoff_seconds, 0.25 * 2 ** min(failures, 8))
                    log.warning("outbox round failed (retry in %.1f s): %s", pause, exc)
                    self._stopping.wait(pause)
                    continue
                if not busy:
                    self._stopping.wait(self.config.poll_seconds)
        finally:
            self.close()

    def stop(self) -> None:
        """End `run()` after the round in progress (safe from signal handlers and threads)."""
        self._stopping.set()

    def run_once(self) -> int:
        """Claim one batch of due messages, send them and record the outcomes; how many."""
        c = self.config
        claimed = claim_due(
            self.db,
            self.clock.now(),
            limit=c.batch_size,
            lease=timedelta(seconds=c.lease_seconds),
            max_attempts=c.max_attempts,
        )
        if not claimed:
            return 0
        results = self._event_loop().run_until_complete(self._send_all(claimed))
        now = self.clock.now()
        outcomes = [self._outcome(m, r, now) for m, r in zip(claimed, results, strict=True)]
        mark(self.db, outcomes, now)
        for message, outcome in zip(claimed, outcomes, strict=True):
            self.totals[outcome.status.value] += 1
            if outcome.status is not MessageStatus.SENT:
                log.info("message %s: %s (%s)", message.id, outcome.status, outcome.reason)
            if self.on_outcome is not None:
                self.on_outcome(message.channel, outcome)
        return len(claimed)

    def close(self) -> None:
        """Release the senders' connections and this worker's event loop."""
        if self._loop is not None and not self._loop.is_closed():
            for sender in self.senders.values():
                self._loop.run_until_complete(sender.close())
            self._loop.close()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._loop.is_closed():
            self._loop = uvloop.new_event_loop()  # serve's loop too: less CPU per message
        return self._loop

    async def _send_all(self, claimed: list[Claimed]) -> list[SendResult]:
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(message: Claimed) -> SendResult:
            async with gate:
                return await self._send(message)

        return await asyncio.gather(*(one(m) for m in claimed))

    async def _send(self, message: Claimed) -> SendResult:
        channel = Channel(message.channel)
        if not message.recipient:
            return SendResult.failed("no recipient")
        sender = self.senders.get(channel)
        if sender is None:
            return SendResult.retry(f"no sender for `{channel}` configured")
        variables = {**message.payload, "code": message.secret}
        try:
            content = self.templates.render(message.company_id, message.kind, channel, variables)
        except TemplateError as exc:  # an operator's template: fixed, it is sent next try
            return SendResult.retry(f"template for `{message.kind}`: {exc}")
        envelope = Envelope(
            message.id,
            message.idempotency_key,
            message.recipient,
            content,
            self.status_callback if channel is Channel.SMS else None,
            message.facility_id,
        )
        try:
            return await sender.send(envelope)
        except Exception as exc:  # a sender's bug must not lose the batch's other outcomes
            log.exception("sender %s failed on message %s", sender.name, message.id)
            return SendResult.retry(f"{sender.name}: {type(exc).__name__}")

    def _outcome(self, message: Claimed, result: SendResult, now: datetime) -> Outcome:
        if result.outcome == "accepted":
            return Outcome(message.id, MessageStatus.SENT, result.provider_message_id)
        if result.outcome == "failed":
            return Outcome(message.id, MessageStatus.FAILED, reason=result.reason)
        if message.attempts >= self.config.max_attempts:
            reason = f"{result.reason} (gave up after {message.attempts} attempts)"
            return Outcome(message.id, MessageStatus.GIVEN_UP, reason=reason[:500])
        pause = backoff(message.attempts, self.config.retry_seconds)
        return Outcome(message.id, MessageStatus.QUEUED, reason=result.reason, retry_at=now + pause)
