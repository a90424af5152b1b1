"""PMS connectors: the record format, the JSON API and CSV export connectors, webhooks."""

from adapters.pms._csv import CsvExportConnector
from adapters.pms._http import HttpPmsConnector, RetryPolicy
from adapters.pms._protocol import (
    ChangePage,
    PmsConnector,
    PmsError,
    PmsUnavailable,
    RecordPage,
    Rejected,
    read_records,
)
from adapters.pms._records import Delinquency, PmsRecord, UnitStatus, to_event
from adapters.pms._signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    sign,
    signed_facility,
    signed_headers,
)
from adapters.pms._webhook import WebhookError, decode_body, parse_webhook

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "ChangePage",
    "CsvExportConnector",
    "Delinquency",
    "HttpPmsConnector",
    "PmsConnector",
    "PmsError",
    "PmsRecord",
    "PmsUnavailable",
    "RecordPage",
    "Rejected",
    "RetryPolicy",
    "SignatureError",
    "UnitStatus",
    "WebhookError",
    "decode_body",
    "parse_webhook",
    "read_records",
    "sign",
    "signed_facility",
    "signed_headers",
    "to_event",
]
