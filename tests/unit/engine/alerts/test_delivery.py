"""An alert travels through the outbox: email reaches a real SMTP server (aiosmtpd), the
signed webhook reaches a real HTTP server on 127.0.0.1, is retried after an error with the
same idempotency key, and its signature verifies."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from sqlmodel import select

from adapters.notify import (
    WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER,
    CallbackSignatureError,
    OutboxConfig,
    OutboxWorker,
    SmtpConfig,
    SmtpSender,
    Templates,
    WebhookSender,
    verify_report,
)
from api.outbox_duty import secret_reader
from engine.alerts import AlertConfig, AlertEvaluator, default_alert_rules_path, load_alert_rules
from engine.clock import ManualClock
from engine.notify import Channel
from engine.persistence.tables import AlertRecord, AlertWebhook, OutboxMessage
from engine.runtime import Runtime
from tests.support.alerts import Script
from tests.support.smtp import smtp_server
from tests.support.webhook import webhook_receiver
from tests.support.world import build_world

SECRET = "operator-secret-0123456789"


def test_an_alert_reaches_smtp_and_the_signed_webhook(
    sqlite_runtime: Runtime, clock: ManualClock
) -> None:
    rt = sqlite_runtime
    world = build_world(rt, units=1)
    rules = load_alert_rules(default_alert_rules_path())
    with smtp_server() as (inbox, port), webhook_receiver(503) as (receiver, url):
        with rt.db.transaction() as s:
            s.add(
                AlertWebhook(
                    facility_id=world.facility_id,
                    url=f"{url}/unitgate/alerts",
                    secret=SECRET,
                    updated_at=clock.now(),
                    updated_by=world.manager,
                )
            )
        script = Script(rt, world.facility_id, world.gate_id)
        script.event("tamper")
        [alert] = AlertEvaluator(rt.db, rt.clock, lambda: rules, AlertConfig()).run_once()
        worker = OutboxWorker(
            rt.db,
            rt.clock,
            {
                Channel.EMAIL: SmtpSender(SmtpConfig(host="127.0.0.1", port=port, timeout=5)),
                Channel.WEBHOOK: WebhookSender(secret_reader(rt.db)),
            },
            Templates(),
            OutboxConfig(retry_seconds=10),
        )
        assert worker.run_once() == 2  # email and webhook (503); the SMS has no number
        clock.advance(timedelta(seconds=11))
        assert worker.run_once() == 1  # the webhook again
        worker.close()
    mail = inbox.mails[f"alert/{alert.id}/{world.manager_id}/email"]
    assert mail["To"] == "manager@acme.example"
    assert "[critical]" in str(mail["Subject"]) and "tamper switch" in str(mail["Subject"])
    first, second = receiver.requests
    assert first.path == "/unitgate/alerts"
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    signature = second.headers[WEBHOOK_SIGNATURE_HEADER.lower()]
    stamp = second.headers[WEBHOOK_TIMESTAMP_HEADER.lower()]
    verify_report(SECRET.encode(), signature, stamp, second.body, time.time())
    try:
        verify_report(b"another secret", signature, stamp, second.body, time.time())
    except CallbackSignatureError:
        pass
    else:
        raise AssertionError("a wrong secret verified")
    event = json.loads(second.body)
    assert event["type"] == "alert.raised"
    assert event["alert"]["id"] == alert.id and event["alert"]["rule"] == "lock_tampered"
    with rt.db.read() as s:
        statuses = {m.channel: m.status for m in s.exec(select(OutboxMessage))}
        stored = s.get(AlertRecord, alert.id)
    assert statuses == {"email": "sent", "webhook": "sent", "sms": "undeliverable"}
    assert stored is not None and stored.count == 1
