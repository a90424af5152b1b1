"""The HTTP side of `unitgate demo run`: a client of a running server, with the demo's
token issuer and the PMS's signed webhook, failing with the call it was on."""

from __future__ import annotations

import json
from typing import Any

import httpx

from adapters.pms import signed_headers

__all__ = ["DemoClient", "DemoError", "Who"]

Who = dict[str, str]
"""An Authorization header."""


class DemoError(Exception):
    """A call the demo made was refused or could not be made (the step it was on fails)."""


class DemoClient:
    """Calls to the server at `base` as the people of a story, over HTTP only."""

    def __init__(
        self, base: str, *, timeout: float = 30.0, http: httpx.Client | None = None
    ) -> None:
        self.base = base.rstrip("/")
        self.http = http or httpx.Client(base_url=self.base, timeout=timeout)
        """The connection pool (`http`: one of the caller's, on `base`)."""
        self._tokens: dict[tuple[str, str, str], Who] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def as_(self, email: str, company_id: str, role: str = "tenant") -> Who:
        """The header of `email` acting in `company_id` with `role`, from the server's demo
        token issuer (`POST /v1/dev/tokens`, on under `make run`)."""
        key = (email, company_id, role)
        if key not in self._tokens:
            body = {"email": email, "company_id": company_id, "role": role}
            got = self._send("POST", "/v1/dev/tokens", json=body)
            try:
                token = _answer(got, 201)["token"]
            except DemoError as exc:
                hint = " (a server without UNITGATE_DEV_TOKENS=true, which `make run` sets?)"
                raise DemoError(f"{exc}{hint * (got.status_code == 404)}") from exc
            self._tokens[key] = {"Authorization": f"Bearer {token}"}
        return self._tokens[key]

    def call(
        self,
        method: str,
        path: str,
        who: Who | None = None,
        body: Any = None,
        *,
        expect: int = 200,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """`method path` with `body` as JSON; the JSON answer, or a `DemoError` unless the
        status is `expect`."""
        got = self._send(method, path, json=body, headers=who or {}, params=params)
        return _answer(got, expect)

    def get(self, path: str, who: Who, **params: Any) -> Any:
        """`GET path` (200) and its JSON."""
        return self.call("GET", path, who, params=params or None)

    def post(self, path: str, body: Any, who: Who | None = None, expect: int = 201) -> Any:
        """`POST path` with `body` (201 unless `expect`) and its JSON."""
        return self.call("POST", path, who, body, expect=expect)

    def status(self, path: str, who: Who) -> int:
        """The status a `GET path` answers (to find out whether the server has a route)."""
        return self._send("GET", path, headers=who).status_code

    def push_pms(
        self, company_id: str, facility_id: str, records: list[dict[str, Any]], secret: str
    ) -> Any:
        """The PMS's `records` pushed to the facility's webhook, signed with `secret` (`v2`);
        the webhook's answer (202)."""
        raw = json.dumps({"records": records}).encode()
        headers = signed_headers(secret.encode(), company_id, facility_id, raw)
        got = self._send("POST", f"/v1/pms/webhooks/{facility_id}", content=raw, headers=headers)
        return _answer(got, 202)

    def _send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            return self.http.request(method, path, **kw)
        except httpx.TransportError as exc:
            raise DemoError(f"{method} {self.base}{path}: {exc or type(exc).__name__}") from exc


def _answer(got: httpx.Response, expect: int) -> Any:
    if got.status_code != expect:
        detail = got.text[:300]
        try:
            problem = got.json()
            detail = problem.get("detail") or problem.get("title") or detail
        except ValueError:
            pass
        raise DemoError(f"{got.request.method} {got.request.url.path}: {got.status_code} {detail}")
    return got.json() if got.content else None
