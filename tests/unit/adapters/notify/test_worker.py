"""The outbox worker against a real HTTP SMS provider (the simulator) and a real SMTP
server on loopback: sent, retried with backoff, failed with the provider's reason, given up
at the bound; undeliverable rows are never sent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.notify import (
    CANNOT_SEND,
    HttpSmsProvider,
    LogSink,
    OutboxConfig,
    OutboxWorker,
    SimFaults,
    SmsSimulator,
    SmtpConfig,
    SmtpSender,
    Templates,
    message_id_for,
    sms_sim_app,
)
from adapters.pms.sim import BackgroundServer
from engine.clock import ManualClock
from engine.notify import Channel, MessageKind
from engine.persistence.tables import OutboxMessage
from engine.runtime import Runtime
from tests.support.outbox import SMS_SECRET, queue
from tests.support.smtp import Inbox, smtp_server
from tests.support.world import World, build_world


@pytest.fixture
def sim() -> Iterator[tuple[SmsSimulator, str]]:
    simulator = SmsSimulator(SMS_SECRET.encode(), callbacks=False)
    with BackgroundServer(sms_sim_app(simulator)) as url:
        yield simulator, url


@pytest.fixture
def world(sqlite_runtime: Runtime) -> World:
    return build_world(sqlite_runtime, units=1)


def _worker(rt: Runtime, sms_url: str, smtp_port: int = 9, **config: float) -> OutboxWorker:
    senders = {
        Channel.SMS: HttpSmsProvider(sms_url),
        Channel.EMAIL: SmtpSender(SmtpConfig(host="127.0.0.1", port=smtp_port, timeout=5)),
    }
    return OutboxWorker(
        rt.db,
        rt.clock,
        senders,
        Templates(),
        OutboxConfig(**config),  # type: ignore[arg-type]
    )


def _row(rt: Runtime, message_id: str) -> OutboxMessage:
    with rt.db.read() as s:
        row = s.get(OutboxMessage, message_id)
    assert row is not None
    return row


def test_a_message_is_sent_once_with_its_key_and_loses_its_secret(
    world: World, sim: tuple[SmsSimulator, str]
) -> None:
    simulator, url = sim
    rt = world.rt
    [mid] = queue(rt.db, world.facility_id, rt.clock.now())
    worker = _worker(rt, url)
    assert worker.run_once() == 1
    assert worker.run_once() == 0
    worker.close()
    row = _row(rt, mid)
    assert (row.status, row.status_rank, row.secret, row.attempts) == ("sent", 1, None, 1)
    [taken] = simulator.messages.values()
    assert row.provider_message_id == taken["id"]
    assert taken["idempotency_key"] == "test/0" and taken["reference"] == mid
    assert "483920" in taken["body"] and taken["to"] == "+14155550123"


def test_an_outage_is_retried_with_backoff_then_given_up_at_the_bound(
    world: World, sim: tuple[SmsSimulator, str]
) -> None:
    simulator, url = sim
    rt, clock = world.rt, world.rt.clock
    assert isinstance(clock, ManualClock)
    [mid] = queue(rt.db, world.facility_id, clock.now())
    simulator.faults = SimFaults(fail_next=100)
    worker = _worker(rt, url, max_attempts=3, retry_seconds=10)
    worker.run_once()
    row = _row(rt, mid)
    assert (row.status, row.attempts) == ("queued", 1)
    assert "503" in (row.status_reason or "")
    assert row.next_attempt_at == clock.now() + timedelta(seconds=10)
    assert worker.run_once() == 0  # not due yet
    clock.advance(timedelta(seconds=10))
    worker.run_once()
    assert _row(rt, mid).next_attempt_at == clock.now() + timedelta(seconds=20)
    clock.advance(timedelta(seconds=20))
    worker.run_once()
    worker.close()
    row = _row(rt, mid)
    assert (row.status, row.attempts) == ("given_up", 3)
    assert "gave up after 3 attempts" in (row.status_reason or "")
    assert simulator.messages == {}


def test_a_number_the_provider_cannot_send_to_fails_with_its_reason(
    world: World, sim: tuple[SmsSimulator, str]
) -> None:
    simulator, url = sim
    rt = world.rt
    simulator.faults = SimFaults(rejected=["+14155550199"])
    [mid] = queue(rt.db, world.facility_id, rt.clock.now(), recipient="+14155550199")
    worker = _worker(rt, url)
    worker.run_once()
    worker.close()
    row = _row(rt, mid)
    assert row.status == "failed" and CANNOT_SEND in (row.status_reason or "")
    assert row.secret is not None  # never sent: an operator may fix the number and retry


def test_an_undeliverable_row_is_never_sent(world: World, sim: tuple[SmsSimulator, str]) -> None:
    simulator, url = sim
    rt = world.rt
    problem = "`+1 415 555 0100` is a landline: no SMS can go to it"
    [mid] = queue(rt.db, world.facility_id, rt.clock.now(), problem=problem)
    worker = _worker(rt, url)
    assert worker.run_once() == 0
    worker.close()
    assert _row(rt, mid).status == "undeliverable"
    assert simulator.messages == {}


def test_email_goes_over_smtp_with_text_html_and_a_stable_message_id(world: World) -> None:
    rt = world.rt
    with smtp_server() as (inbox, port):
        inbox.refuse.add("gone@t.example")
        ok, refused = (
            queue(
                rt.db,
                world.facility_id,
                rt.clock.now(),
                channel=Channel.EMAIL,
                recipient=who,
                prefix=who,
            )[0]
            for who in ("ada@t.example", "gone@t.example")
        )
        worker = _worker(rt, "http://127.0.0.1:9", smtp_port=port)
        assert worker.run_once() == 2
        worker.close()
    _assert_mail(inbox, "ada@t.example/0")
    assert _row(rt, ok).status == "sent"
    failed = _row(rt, refused)
    assert failed.status == "failed" and "550" in (failed.status_reason or "")


def _assert_mail(inbox: Inbox, key: str) -> None:
    mail = inbox.mails[key]
    assert mail["To"] == "ada@t.example"
    assert mail["Message-ID"] == message_id_for(key, "unitgate <no-reply@unitgate.invalid>")
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and "483920" in text.get_content()
    assert html is not None and "<strong>483920</strong>" in html.get_content()
    assert "Your access to unit A-101" in str(mail["Subject"])


def test_the_log_sink_writes_one_json_line_per_message(world: World, tmp_path: Path) -> None:
    rt = world.rt
    path = tmp_path / "sms.log"
    queue(rt.db, world.facility_id, rt.clock.now(), count=3, kind=MessageKind.ACCESS_CHANGED)
    worker = OutboxWorker(rt.db, rt.clock, {Channel.SMS: LogSink(path, "sms")}, Templates())
    assert worker.run_once() == 3
    worker.close()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(x["idempotency_key"] for x in lines) == ["test/0", "test/1", "test/2"]
    assert all("Gate access is suspended" in x["text"] for x in lines)
