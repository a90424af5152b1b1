"""What a sender is given and what it answers: the port every email and SMS sender fills."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from adapters.notify._templates import Rendered

__all__ = ["Envelope", "SendResult", "Sender"]


@dataclass(frozen=True)
class Envelope:
    """One message ready to go."""

    message_id: str
    idempotency_key: str
    """Sent to the provider with every attempt: a repeat after a crash is dropped there."""
    recipient: str
    content: Rendered
    status_callback: str | None = None
    """Where an SMS provider posts delivery reports (None: no callbacks)."""
    facility_id: str | None = None
    """The facility the message is from (a webhook is signed with its secret)."""


@dataclass(frozen=True)
class SendResult:
    """A provider's answer: `accepted` (with its id), `retry` later, or `failed` for good."""

    outcome: Literal["accepted", "retry", "failed"]
    provider_message_id: str | None = None
    reason: str | None = None

    @classmethod
    def accepted(cls, provider_message_id: str) -> SendResult:
        return cls("accepted", provider_message_id)

    @classmethod
    def retry(cls, reason: str) -> SendResult:
        return cls("retry", reason=reason[:500])

    @classmethod
    def failed(cls, reason: str) -> SendResult:
        return cls("failed", reason=reason[:500])


class Sender(Protocol):
    """Sends one message of its channel; never raises for a provider's refusal or outage."""

    name: str
    """The provider's name in delivery reports (`log`, `smtp`, `http`)."""

    async def send(self, envelope: Envelope) -> SendResult:
        """Hand `envelope` to the provider."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
