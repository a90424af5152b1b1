"""`unitgate outbox run --once | status | retry`: sends what is due (to the log sink by
default), counts by status, queues failed messages again; bad input exits 2."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.notify import Outcome, mark
from api.cli import cli
from engine.notify import Channel, MessageStatus
from engine.runtime import Runtime
from tests.support.outbox import queue
from tests.support.world import build_world

KEY = "cli-outbox-audit-key"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_outbox_run_status_and_retry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'unitgate.db'}"
    for name, value in {
        "DATABASE_URL": url,
        "AUDIT_KEY": KEY,
        "SMS_LOG": str(tmp_path / "sms.log"),
        "EMAIL_LOG": str(tmp_path / "email.log"),
    }.items():
        monkeypatch.setenv(f"UNITGATE_{name}", value)
    assert run("db", "upgrade").exit_code == 0
    rt = Runtime.create(url, KEY.encode())
    world = build_world(rt, units=1)
    now = datetime.now(UTC)
    sms = queue(rt.db, world.facility_id, now, count=2)
    [mail] = queue(
        rt.db, world.facility_id, now, channel=Channel.EMAIL, recipient="a@b.example", prefix="mail"
    )
    sent = run("outbox", "run", "--once")
    assert sent.exit_code == 0, sent.output
    assert "messages: sent 3" in sent.output
    lines = [json.loads(x) for x in (tmp_path / "sms.log").read_text().splitlines()]
    assert sorted(x["message_id"] for x in lines) == sorted(sms)
    [email] = [json.loads(x) for x in (tmp_path / "email.log").read_text().splitlines()]
    assert email["message_id"] == mail and email["subject"].startswith("Your access to unit")

    [failed] = queue(rt.db, world.facility_id, now, prefix="bad")
    mark(rt.db, [Outcome(failed, MessageStatus.FAILED, reason="no")], now)
    status = run("outbox", "status", "--facility", world.facility_id)
    assert "sent\t3" in status.output and "failed\t1" in status.output
    again = run("outbox", "retry", "--failed")
    assert again.exit_code == 0 and f"{failed}: queued" in again.output
    assert "queued\t1" in run("outbox", "status").output
    refused = CliRunner().invoke(cli, ["outbox", "retry", sms[0]])
    assert refused.exit_code == 2 and "only failed or given-up" in refused.output
    neither = CliRunner().invoke(cli, ["outbox", "retry"])
    assert neither.exit_code == 2 and "`MESSAGE_ID` or `--failed`" in neither.output
    rt.db.dispose()
