"""A real HTTP receiver of the alert webhook on 127.0.0.1: keeps each request (headers and
exact body bytes) and answers with the statuses it is given, then 200."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from adapters.pms.sim import BackgroundServer


@dataclass
class Received:
    """One request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An ASGI app recording requests; `answers` are used first, in order."""

    answers: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append(Received(scope["path"], headers, body))
        status = self.answers.pop(0) if self.answers else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def webhook_receiver(*answers: int) -> Iterator[tuple[Receiver, str]]:
    """A receiver on a free loopback port: it and its URL."""
    receiver = Receiver(list(answers))
    with BackgroundServer(receiver) as url:
        yield receiver, url
