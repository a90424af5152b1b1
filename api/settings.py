"""Settings from the environment (`UNITGATE_*`), validated by pydantic."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from engine.errors import InvalidInputError

__all__ = ["Settings", "load_settings"]

_PREFIX = "UNITGATE_"


class Settings(BaseModel):
    """Everything a unitgate process is configured with."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = "sqlite:///var/unitgate.db"
    """SQLAlchemy URL; the default is an embedded SQLite file under ./var."""
    audit_key: str | None = None
    """Secret that authenticates audit entries; when unset, `audit_key_file` is used."""
    audit_key_file: Path = Path("var/audit.key")
    """Where the audit key is kept when `audit_key` is unset (created on first use, 0600)."""
    emergency_max_minutes: int = Field(default=240, ge=1, le=24 * 60)
    """The longest an emergency pending auction may be set for."""
    expiry_in_serve: bool = True
    """`unitgate serve` records expiries itself (off when `unitgate expire run` workers do)."""
    expiry_poll_seconds: float = Field(default=1.0, ge=0.05, le=60)
    """Longest an expiry duty sleeps between looks: the bound on an expiry's lag."""
    policy_path: Path | None = None
    """The access policy (a directory of YAML files); the shipped `policy/` when unset."""
    policy_reload_seconds: float = Field(default=5.0, ge=0, le=3600)
    """How often the service looks for changed policy files and a changed alert rules file
    (0: never)."""
    jwt_secret: str | None = Field(default=None, min_length=32)
    """Secret that signs and checks bearer tokens (HS256); when unset, `jwt_secret_file`."""
    jwt_secret_file: Path = Path("var/jwt.key")
    """Where the token secret is kept when `jwt_secret` is unset (created on first use, 0600)."""
    jwt_issuer: str = "unitgate"
    """The `iss` every accepted token must carry."""
    token_minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)
    """Lifetime of tokens this deployment issues."""
    invitation_hours: int = Field(default=72, ge=1, le=30 * 24)
    """How long an employee invitation's code can be used."""
    dev_tokens: bool = False
    """Serve `POST /v1/dev/tokens`, which issues a token for any person: demos only."""
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=10_000_000)
    """Request bodies larger than this are refused with 413."""
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    """Where traces and metrics go: nowhere, the console, or an OTLP/HTTP collector."""
    otel_endpoint: str | None = None
    """The OTLP/HTTP collector's base URL (default: the exporter's own, localhost:4318)."""
    pms_webhook_secret: str | None = Field(default=None, min_length=16)
    """Deployment-wide webhook secret, for companies without one of their own (single-operator
    deployments: every such company shares it); unset: their pushes are refused."""
    lock_poll_in_serve: bool = True
    """`unitgate serve` polls the locks itself (off when `unitgate locks poll` workers do)."""
    lock_poll_seconds: float = Field(default=10.0, ge=0.1, le=3600)
    """How often each lock with a gateway is polled (status, health, offline log)."""
    lock_action_seconds: float = Field(default=5.0, ge=0.5, le=60)
    """How long a remote action waits for the lock to confirm before it is a timeout."""
    lock_gateway_url: str = Field(default="http://127.0.0.1:8091", max_length=300)
    """The demo's simulated gateway (`unitgate locks gateway --facility REF`)."""
    app_link: str = Field(default="https://app.unitgate.example/activate", max_length=300)
    """The tenant app's activation page; activation messages link to it (seed 000)."""
    activation_days: int = Field(default=7, ge=1, le=90)
    """How long an activation code, temporary PIN and their app link can be redeemed."""
    activation_attempts: int = Field(default=5, ge=1, le=20)
    """Wrong codes before an activation takes none until it is sent again."""
    activation_sends_per_hour: int = Field(default=3, ge=1, le=20)
    """Sends of one activation (first send and employee resends) within any hour."""
    outbox_in_serve: bool = True
    """`unitgate serve` delivers the outbox itself (off when `unitgate outbox run` workers do)."""
    outbox_poll_seconds: float = Field(default=1.0, ge=0.05, le=60)
    """Longest an outbox worker sleeps when nothing is due: the bound on a message's wait."""
    outbox_max_attempts: int = Field(default=8, ge=1, le=100)
    """Tries of one message before it is given up."""
    outbox_retry_seconds: float = Field(default=10.0, ge=0.01, le=3600)
    """Pause after a message's first failed try, doubling after each further one."""
    outbox_lease_seconds: float = Field(default=300.0, ge=1, le=86_400)
    """How long a worker holds a claimed message: a crashed worker's are sent again after it."""
    smtp_host: str | None = None
    """SMTP server for email; unset: emails are written to `email_log` instead."""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    """SMTP server port (587 submission with STARTTLS, 465 implicit TLS, 25 relay)."""
    smtp_username: str | None = None
    """SMTP login (none: no AUTH)."""
    smtp_password: str | None = None
    """SMTP password for `smtp_username`."""
    smtp_starttls: bool = False
    """Upgrade the SMTP connection with STARTTLS before logging in."""
    smtp_ssl: bool = False
    """Speak TLS from the first byte (port 465) instead of STARTTLS."""
    smtp_from: str = "unitgate <no-reply@unitgate.invalid>"
    """The From address of every email."""
    email_log: Path = Path("var/email.log")
    """Where emails go, one JSON line each, when no `smtp_host` is set."""
    sms_provider: Literal["log", "http"] = "log"
    """`log` writes each SMS to `sms_log`; `http` posts it to the provider at `sms_url`."""
    sms_log: Path = Path("var/sms.log")
    """Where the `log` SMS provider writes messages, one JSON line each."""
    sms_url: str = Field(default="http://127.0.0.1:8092", max_length=300)
    """The HTTP SMS provider's base URL (`unitgate sms-sim` for demos and tests)."""
    sms_api_key: str | None = None
    """Bearer key for the HTTP SMS provider's API."""
    sms_secret: str | None = Field(default=None, min_length=16)
    """Secret the SMS provider signs delivery reports with; unset: reports are refused."""
    public_url: str = Field(default="http://127.0.0.1:8000", max_length=300)
    """This service's URL as providers reach it (delivery-report callbacks)."""
    templates_dir: Path | None = None
    """Directory of message templates overriding the packaged ones (`<company id>/` first)."""
    lock_service_url: str | None = Field(default=None, max_length=300)
    """The keypad lock service (Seam-shaped; `unitgate lock-sim` simulates one); unset: no
    keypad codes are reconciled."""
    lock_service_key: str | None = None
    """Bearer key sent to the lock service."""
    codes_in_serve: bool = True
    """`unitgate serve` reconciles keypad codes itself (when a lock service is set)."""
    codes_poll_seconds: float = Field(default=1.0, ge=0.05, le=60)
    """How often the keypad duty looks for changes made by other processes."""
    codes_full_seconds: float = Field(default=60.0, ge=1, le=24 * 3600)
    """Longest time between two full keypad reconciles (outside edits, wipes, retries)."""
    codes_events_seconds: float = Field(default=5.0, ge=0.05, le=3600)
    """How often the keypad duty fetches the lock service's keypad events (codes typed that
    opened or were refused) and lands them as decisions."""
    codes_concurrency: int = Field(default=8, ge=1, le=256)
    """Locks the reconciler talks to at once."""
    codes_from_phone: bool = False
    """A person's keypad code is the last digits of their phone where it fits (else random)."""
    codes_retry_minutes: float = Field(default=60.0, ge=0.01, le=24 * 60)
    """Between the attempts on the day a code was first refused (4 more; then one a day)."""
    codes_load_ahead_minutes: float = Field(default=3 * 24 * 60, ge=0, le=30 * 24 * 60)
    """How long before its window (start minus buffer) a code grant's code is put on the
    lock: 3 days for locks that schedule codes, 10 minutes for just-in-time ones (seed 003)."""
    codes_delete_after_hours: float = Field(default=24.0, ge=0, le=30 * 24)
    """How long after its window closes (end plus buffer, or a cancellation) a code grant's
    code is deleted from the lock (seed 003: 24 hours)."""
    codes_backup_pool: int = Field(default=3, ge=0, le=50)
    """Backup codes kept on each matched keypad lock for the daily health check (0: none)."""
    alerts_in_serve: bool = True
    """`unitgate serve` evaluates the alert rules itself."""
    alerts_poll_seconds: float = Field(default=1.0, ge=0.05, le=60)
    """Longest the alert duty sleeps between looks (it is woken by this process's decisions
    and lock events, and on PostgreSQL by other processes' through `NOTIFY`; the poll is the
    safety net, and on SQLite the bound for another process's writes)."""
    alert_rules_path: Path | None = None
    """The alert rules file; the shipped `alerts/rules.yaml` when unset."""
    on_site_hours: float = Field(default=12.0, gt=0, le=7 * 24)
    """An entry with no exit through a counted gate stops counting as on site after this."""
    host: str = "127.0.0.1"
    """Address `unitgate serve` listens on."""
    port: int = Field(default=8000, ge=1, le=65535)
    """Port `unitgate serve` listens on."""

    def audit_key_bytes(self) -> bytes:
        """The audit key, creating and storing a random one on first use when unset."""
        return _secret(self.audit_key, self.audit_key_file).encode()

    def jwt_secret_value(self) -> str:
        """The token secret, creating and storing a random one on first use when unset."""
        return _secret(self.jwt_secret, self.jwt_secret_file)


def _secret(value: str | None, path: Path) -> str:
    if value:
        return value
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `UNITGATE_<FIELD>` variables; a bad value raises `InvalidInputError`."""
    env = os.environ if environ is None else environ
    values = {
        name: env[_PREFIX + name.upper()]
        for name in Settings.model_fields
        if _PREFIX + name.upper() in env
    }
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _PREFIX + str(first["loc"][0]).upper()
        raise InvalidInputError(f"setting `{field}`: {first['msg'].lower()}") from exc
