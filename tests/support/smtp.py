"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives and drops a
repeated message by its idempotency key, as a receiver of the outbox's email would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from adapters.notify import IDEMPOTENCY_HEADER
from tests.support.service import free_port


@dataclass
class Inbox:
    """Mail taken, by idempotency key; repeats counted and dropped; refused recipients."""

    mails: dict[str, EmailMessage] = field(default_factory=dict)
    duplicates: int = 0
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        key = str(mail[IDEMPOTENCY_HEADER])
        if key in self.mails:
            self.duplicates += 1
        else:
            self.mails[key] = mail
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """An SMTP server on a free loopback port: its inbox and port."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
