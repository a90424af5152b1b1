"""Messages for outbox tests: the contract's payload of each kind, rows written with
`engine.notify.enqueue` as the engine writes them, and signed delivery reports."""

from __future__ import annotations

import json
import time
from datetime import datetime
from typing import Any

from adapters.notify import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_report
from engine.notify import Channel, MessageKind, Outgoing, enqueue
from engine.persistence import Database

SMS_SECRET = "sms-callback-secret-not-secret"

_COMMON = {
    "company_name": "Acme Storage",
    "facility_name": "Riverside",
    "tenant_name": "Ada Lovelace",
    "unit_number": "A-101",
}
PAYLOADS: dict[MessageKind, dict[str, Any]] = {
    MessageKind.ACTIVATION: {
        **_COMMON,
        "app_link": "https://app.example/activate?t=tok",
        "expires_on": "2026-02-01",
    },
    MessageKind.EMPLOYEE_OPENED_UNIT: {
        **_COMMON,
        "employee_name": "Maria",
        "reason": "emergency",
        "opened_at": "2026-01-05 14:30",
    },
    MessageKind.SHARE_FIRST_USED: {
        **_COMMON,
        "grantee_label": "Bob",
        "used_at": "2026-01-06 09:10",
    },
    MessageKind.ACCESS_CHANGED: {
        **_COMMON,
        "state": "gatelock",
        "summary": "Gate access is suspended until your account is brought current.",
    },
    MessageKind.BACKUP_CODE: {
        "company_name": "Acme Storage",
        "facility_name": "Riverside",
        "person_name": "Ada Lovelace",
        "door_name": "Main gate",
        "valid": "valid while your access lasts",
    },
    MessageKind.CODES_HEALTH: {
        "company_name": "Acme Storage",
        "facility_name": "Riverside",
        "day": "2026-01-05",
        "problems": [
            {
                "door_name": "Main gate",
                "device_id": "kp-gate",
                "person_name": "Ada Lovelace",
                "status": "not on the lock",
                "error": "refused: failed_to_set",
                "outcome": "backup code ****42 given",
            }
        ],
        "backups_given": 1,
        "without_backup": 0,
        "pools": [
            {
                "door_name": "Main gate",
                "device_id": "kp-gate",
                "ready": 2,
                "size": 3,
                "health": "partial",
            }
        ],
    },
    MessageKind.KEYPAD_LOCK_FULL: {
        "company_name": "Acme Storage",
        "facility_name": "Riverside",
        "door_name": "Main gate",
        "device_id": "kp-gate",
        "waiting": 2,
        "capacity": 100,
        "unmanaged": 98,
    },
    MessageKind.KEYPAD_CODE_NOT_REMOVED: {
        "company_name": "Acme Storage",
        "facility_name": "Riverside",
        "door_name": "Main gate",
        "device_id": "kp-gate",
        "person_name": "Ada Lovelace",
        "detail": "failed to remove (device_offline): still on the lock",
        "since": "2026-01-05 14:30 UTC",
    },
    MessageKind.ALERT: {
        "facility_name": "Riverside",
        "recipient_name": "Maria",
        "alert": {
            "id": 7,
            "rule": "door_forced",
            "severity": "critical",
            "summary": "door of lock `L1` opened without an unlock",
            "first_seen": "2026-01-05T14:30:00+00:00",
        },
        "event": {"type": "alert.raised", "alert": {"id": 7}},
    },
}
"""Every kind's variables as contracts.md lists them (the secret comes as `code`)."""
SHOWN: dict[MessageKind, str] = {
    MessageKind.BACKUP_CODE: "door_name",
    MessageKind.CODES_HEALTH: "facility_name",
    MessageKind.KEYPAD_LOCK_FULL: "device_id",
    MessageKind.KEYPAD_CODE_NOT_REMOVED: "person_name",
}
"""The variable each kind's text must show (a tenant's notice: `unit_number`)."""


def queue(
    db: Database,
    facility_id: str,
    now: datetime,
    *,
    count: int = 1,
    channel: Channel = Channel.SMS,
    recipient: str = "+14155550123",
    kind: MessageKind = MessageKind.ACTIVATION,
    person_id: str | None = None,
    prefix: str = "test",
    problem: str | None = None,
) -> list[str]:
    """`count` messages enqueued in one transaction; their ids."""
    with db.transaction() as s:
        return [
            enqueue(
                s,
                Outgoing(
                    facility_id=facility_id,
                    kind=kind,
                    channel=channel,
                    recipient=None if problem else recipient,
                    idempotency_key=f"{prefix}/{i}",
                    person_id=person_id,
                    payload=PAYLOADS[kind],
                    secret="483920" if kind is MessageKind.ACTIVATION else None,
                    problem=problem,
                ),
                now,
            )
            for i in range(count)
        ]


def signed(
    body: dict[str, Any] | bytes, secret: str = SMS_SECRET, stamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """A delivery report's bytes and headers, signed as the provider signs them."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    at = int(time.time()) if stamp is None else stamp
    headers = {
        "content-type": "application/json",
        SIGNATURE_HEADER: sign_report(secret.encode(), at, raw),
        TIMESTAMP_HEADER: str(at),
    }
    return raw, headers
