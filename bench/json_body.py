"""Decoding a request body: the app's `JSONRequest` against Litestar's own `Request`.

`JSONRequest.json()` adds a charset check (parsing the content-type header) and exception
handlers in front of Litestar's msgspec decode; this shows what that costs per body, for
the access-request body every door opening sends and a larger share body. Rounds alternate
the two, and the ratio is printed per round and as the median.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from litestar import Litestar, Request, post
from litestar.types import Message, Scope

from api.json_body import JSONRequest

CALLS = 20_000
ROUNDS = 5
BODIES = {
    "access request": (b'{"channel": "phone_relay"}', b"application/json"),
    "share, charset=utf-8": (
        b'{"email": "friend@mail.example", "name": "Zo\xc3\xab", '
        b'"expires_at": "2030-01-01T00:00:00Z"}',
        b"application/json; charset=utf-8",
    ),
}


@post("/x", sync_to_thread=False)
def _handler(data: dict[str, Any]) -> None:
    del data


_APP = Litestar([_handler])


def _scope(content_type: bytes) -> Scope:
    route = _APP.route_handler_method_map["/x"]["POST"]
    scope: dict[str, Any] = {
        "type": "http",
        "method": "POST",
        "path": "/x",
        "headers": [(b"content-type", content_type)],
        "query_string": b"",
        "app": _APP,
        "litestar_app": _APP,
        "route_handler": route,
        "state": {},
    }
    return scope  # type: ignore[return-value]


async def _time(cls: type[Request[Any, Any, Any]], body: bytes, content_type: bytes) -> float:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    started = time.perf_counter()
    for _ in range(CALLS):
        request = cls(_scope(content_type), receive)
        await request.json()
    return (time.perf_counter() - started) / CALLS


def run(argv: list[str]) -> None:
    """Print µs per decoded body for both request classes and their ratio."""
    del argv
    for name, (body, content_type) in BODIES.items():
        ratios, ours, theirs = [], [], []
        for _ in range(ROUNDS):
            base = asyncio.run(_time(Request, body, content_type))
            mine = asyncio.run(_time(JSONRequest, body, content_type))
            theirs.append(base)
            ours.append(mine)
            ratios.append(mine / base)
        print(
            f"{name}: Request {1e6 * statistics.median(theirs):.2f} µs, "
            f"JSONRequest {1e6 * statistics.median(ours):.2f} µs per body; ratio by round "
            f"{', '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}"
        )
