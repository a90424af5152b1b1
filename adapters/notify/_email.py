"""Email over SMTP (stdlib `smtplib`): plain text and HTML parts, a Message-ID derived from
the idempotency key and an `X-Idempotency-Key` header, so a receiver drops a repeat."""

from __future__ import annotations

import asyncio
import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from adapters.notify._port import Envelope, SendResult

__all__ = ["IDEMPOTENCY_HEADER", "SmtpConfig", "SmtpSender", "message_id_for"]

IDEMPOTENCY_HEADER = "X-Idempotency-Key"


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand mail over."""

    host: str
    port: int = 587
    starttls: bool = False
    ssl: bool = False
    """Implicit TLS from the first byte (port 465), instead of STARTTLS."""
    username: str | None = None
    password: str | None = None
    from_address: str = "unitgate <no-reply@unitgate.invalid>"
    timeout: float = 30.0


def message_id_for(idempotency_key: str, from_address: str) -> str:
    """The same Message-ID for every attempt of one message."""
    domain = parseaddr(from_address)[1].rpartition("@")[2] or "unitgate.invalid"
    return f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}>"


class SmtpSender:
    """Sends each message in a connection of its own (in a thread: smtplib blocks)."""

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        self.name = "smtp"

    def build(self, envelope: Envelope) -> EmailMessage:
        """The MIME message for `envelope` (text, with an HTML alternative when there is one)."""
        mail = EmailMessage()
        mail["From"] = self.config.from_address
        mail["To"] = formataddr(("", envelope.recipient))
        mail["Subject"] = envelope.content.subject or ""
        mail["Message-ID"] = message_id_for(envelope.idempotency_key, self.config.from_address)
        mail[IDEMPOTENCY_HEADER] = envelope.idempotency_key
        mail.set_content(envelope.content.text)
        if envelope.content.html:
            mail.add_alternative(envelope.content.html, subtype="html")
        return mail

    async def send(self, envelope: Envelope) -> SendResult:
        """Hand the message to the SMTP server; a 5xx refusal is final, the rest is retried."""
        return await asyncio.to_thread(self._send, self.build(envelope))

    def _send(self, mail: EmailMessage) -> SendResult:
        c = self.config
        try:
            smtp: smtplib.SMTP
            if c.ssl:
                smtp = smtplib.SMTP_SSL(
                    c.host, c.port, timeout=c.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            with smtp:
                if c.starttls and not c.ssl:
                    smtp.starttls(context=ssl.create_default_context())
                if c.username:
                    smtp.login(c.username, c.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return _refused(code, text)
        except smtplib.SMTPAuthenticationError as exc:  # our settings, not the message
            return SendResult.retry(f"smtp login refused: {exc.smtp_code}")
        except smtplib.SMTPResponseException as exc:
            return _refused(exc.smtp_code, exc.smtp_error)
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult.retry(f"smtp {c.host}:{c.port}: {exc}")
        return SendResult.accepted(message_id_for(str(mail[IDEMPOTENCY_HEADER]), c.from_address))

    async def close(self) -> None:
        """Nothing held between messages."""


def _refused(code: int, text: bytes | str) -> SendResult:
    said = text.decode(errors="replace") if isinstance(text, bytes) else text
    reason = f"smtp {code}: {said}"
    return SendResult.failed(reason) if 500 <= code < 600 else SendResult.retry(reason)
