"""Delivering the outbox: claims shared by workers, email over SMTP, SMS through a provider
port (a log sink, an HTTP provider and its simulator), signed alert webhooks, templates,
delivery reports."""

from adapters.notify._callbacks import REPORTED_STATUSES, Report, receive_report
from adapters.notify._claims import Claimed, claim_due
from adapters.notify._email import IDEMPOTENCY_HEADER, SmtpConfig, SmtpSender, message_id_for
from adapters.notify._log_sink import LogSink
from adapters.notify._marks import Outcome, backoff, mark
from adapters.notify._metrics import OutboxMetrics
from adapters.notify._port import Envelope, Sender, SendResult
from adapters.notify._signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE_SECONDS,
    CallbackSignatureError,
    sign_report,
    verify_report,
)
from adapters.notify._sim import CANNOT_SEND, SimFaults, SmsSimulator, sms_sim_app
from adapters.notify._sms import IDEMPOTENCY_KEY_HEADER, HttpSmsProvider
from adapters.notify._status import RETRIABLE, OutboxStatus, outbox_status, requeue_message
from adapters.notify._templates import Rendered, Templates, template_names
from adapters.notify._webhook import (
    WEBHOOK_SIGNATURE_HEADER,
    WEBHOOK_TIMESTAMP_HEADER,
    WebhookSender,
)
from adapters.notify._worker import OutboxConfig, OutboxWorker

__all__ = [
    "CANNOT_SEND",
    "IDEMPOTENCY_HEADER",
    "IDEMPOTENCY_KEY_HEADER",
    "REPORTED_STATUSES",
    "RETRIABLE",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "WEBHOOK_SIGNATURE_HEADER",
    "WEBHOOK_TIMESTAMP_HEADER",
    "CallbackSignatureError",
    "Claimed",
    "Envelope",
    "HttpSmsProvider",
    "LogSink",
    "OutboxConfig",
    "OutboxMetrics",
    "OutboxStatus",
    "OutboxWorker",
    "Outcome",
    "Rendered",
    "Report",
    "SendResult",
    "Sender",
    "SimFaults",
    "SmsSimulator",
    "SmtpConfig",
    "SmtpSender",
    "Templates",
    "WebhookSender",
    "backoff",
    "claim_due",
    "mark",
    "message_id_for",
    "outbox_status",
    "receive_report",
    "requeue_message",
    "sign_report",
    "sms_sim_app",
    "template_names",
    "verify_report",
]
