"""Every route that reads a body answers an undecodable one with a 400 problem, never a 500:
deep nesting, bytes that are not UTF-8 (invalid, overlong, encoded surrogates), escaped
lone surrogates, another declared charset, broken JSON. And a 500 the service does produce
is a problem too, with a generic detail and the exception in the log.

Routes come from the app's own route list, so a new route with a body is covered here.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.routes import HTTPRoute
from litestar.testing import TestClient
from sqlalchemy import text

from adapters.pms import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from adapters.pms.sim import PmsModel
from engine.clock import ManualClock
from engine.runtime import Runtime
from tests.conftest import AUDIT_KEY
from tests.support.api import app_for
from tests.support.outbox import SMS_SECRET
from tests.support.outbox import signed as signed_report
from tests.support.pms import link_facility
from tests.unit.api.conftest import Companies, _companies

WEBHOOK_SECRET = "webhook-secret-for-tests"
JSON = "application/json"
_DEEP = 100_000

MALFORMED: dict[str, tuple[bytes, str]] = {
    "nested 1,000 deep": (b"[" * 1000 + b"]" * 1000, JSON),
    "nested 100,000 deep": (b"[" * _DEEP + b"]" * _DEEP, JSON),
    "nested 1,000 deep in a field": (
        b'{"reason": ' + b"[" * 1000 + b"]" * 1000 + b', "records": []}',
        JSON,
    ),
    "invalid UTF-8 in a string": (b'{"reason": "caf\xe9 au lait", "records": []}', JSON),
    "overlong UTF-8": (b'{"reason": "a\xc0\xafb", "records": []}', JSON),
    "an encoded surrogate": (b'{"reason": "a\xed\xa0\x80b", "records": []}', JSON),
    "an escaped lone surrogate": (b'{"reason": "a\\ud800b", "records": []}', JSON),
    "an escaped lone low surrogate": (b'{"reason": "\\udc00", "records": []}', JSON),
    "declared latin-1": (b'{"reason": "caf\xe9", "records": []}', f"{JSON}; charset=latin-1"),
    "declared latin-1, ASCII only": (b'{"records": []}', f"{JSON}; charset=ISO-8859-1"),
    "declared UTF-16": ('{"records": []}'.encode("utf-16"), f"{JSON}; charset=utf-16"),
    "UTF-16 undeclared": ('{"records": []}'.encode("utf-16"), JSON),
    "truncated": (b'{"reason": "abc', JSON),
    "trailing garbage": (b'{"records": []} x', JSON),
    "NaN": (b"NaN", JSON),
    "a number out of range": (b'{"records": [1e999999]}', JSON),
    "a lone continuation byte": (b"\x80", JSON),
}


@dataclass
class Setup:
    companies: Companies
    client: TestClient[Litestar]
    webhook_facility: str
    webhook_company: str


def _setup(rt: Runtime) -> Iterator[Setup]:
    companies = _companies(rt)
    linked = link_facility(rt, PmsModel.build(["F1"], 1, seed=1), "F1", name="Pms")
    app = app_for(
        rt,
        dev_tokens=True,
        pms_webhook_secret=WEBHOOK_SECRET,
        sms_secret=SMS_SECRET,
        max_body_bytes=1_000_000,  # the 100,000-deep body reaches the decoder, not the 413
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Setup(companies, client, linked.facility_id, linked.company_id)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Setup]:
    """One app for the module: malformed bodies change nothing, so tests share it."""
    path = tmp_path_factory.mktemp("malformed") / "unitgate.db"
    shutil.copyfile(sqlite_template, path)
    rt = Runtime.create(f"sqlite:///{path}", AUDIT_KEY, clock=ManualClock())
    try:
        yield from _setup(rt)
    finally:
        rt.db.dispose()


@pytest.fixture
def own_setup(sqlite_runtime: Runtime) -> Iterator[Setup]:
    """An app of its own, for a test that breaks its database."""
    yield from _setup(sqlite_runtime)


def _reads_body(handler: HTTPRouteHandler) -> bool:
    params = handler.parsed_fn_signature.parameters
    # `data` is a decoded body; the PMS webhook takes the request and reads the raw body.
    return "data" in params or "request" in params


def _body_routes(app: Litestar) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if _reads_body(handler):
                methods = handler.http_methods - {"GET", "HEAD", "OPTIONS"}
                found.extend((method, route.path) for method in methods)
    return sorted(found)


def _request(setup: Setup, method: str, path: str, body: bytes, content_type: str) -> Any:
    a = setup.companies.a
    ids = {
        "unit_id": a.units[0],
        "door_id": setup.companies.lock(a),
        "facility_id": setup.webhook_facility if "webhooks" in path else a.facility_id,
        "role_id": "no-such-role",
        "entry_id": "1",
        "conflict_id": "1",
        "person_id": a.manager_id,
        "share_id": "no-such-share",
        "grant_id": "no-such-grant",
        "alert_id": "1",
        "area_id": "no-such-area",
        "schedule_id": "no-such-schedule",
        "level_id": "no-such-level",
        "rental_id": "no-such-rental",
    }
    url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: ids[m.group(1)], path)
    headers = {"content-type": content_type}
    if "/pms/webhooks/" in path:  # signed, so the body itself is what is judged
        stamp = int(time.time())
        signed = (setup.webhook_company, setup.webhook_facility, body)
        headers[SIGNATURE_HEADER] = sign(WEBHOOK_SECRET.encode(), stamp, *signed)
        headers[TIMESTAMP_HEADER] = str(stamp)
    elif path == "/v1/notify/sms/status":  # signed by the SMS provider, no bearer token
        headers.update({k: v for k, v in signed_report(body)[1].items() if k != "content-type"})
    elif "/dev/tokens" not in path:  # the demo token issuer takes no credentials
        headers.update(setup.companies.headers(a, "manager"))
    return setup.client.request(method, url, content=body, headers=headers)


def test_the_body_routes_are_found(setup: Setup) -> None:
    routes = _body_routes(setup.client.app)
    paths = {path for _, path in routes}
    assert "/v1/dev/tokens" in paths
    assert "/v1/pms/webhooks/{facility_id:str}" in paths
    assert "/v1/units/{unit_id:str}/shares" in paths
    assert len(routes) >= 13, routes


@pytest.mark.parametrize("case", list(MALFORMED))
def test_every_route_with_a_body_answers_a_malformed_one_with_400(setup: Setup, case: str) -> None:
    body, content_type = MALFORMED[case]
    for method, path in _body_routes(setup.client.app):
        answer = _request(setup, method, path, body, content_type)
        where = f"{method} {path} with {case}: {answer.status_code} {answer.text[:300]}"
        assert answer.status_code == 400, where
        assert answer.headers["content-type"].startswith("application/problem+json"), where
        problem = answer.json()
        assert problem["status"] == 400
        assert problem["title"] == "invalid input", where
        assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (b'{"email": "caf\xe9"}', JSON, "the body is not valid UTF-8 at byte 14"),
        (b"[" * 1000 + b"]" * 1000, JSON, "the body nests arrays or objects too deeply"),
        (b'{"email": "x"', JSON, "the body is not valid JSON: input data was truncated"),
        (b"{}", f"{JSON}; charset=latin-1", "the body's charset `latin-1` is not UTF-8"),
    ],
)
def test_the_problem_says_what_is_wrong_with_the_body(
    setup: Setup, body: bytes, content_type: str, says: str
) -> None:
    answer = _request(setup, "POST", "/v1/dev/tokens", body, content_type)
    assert answer.status_code == 400
    assert answer.json()["detail"] == says
    assert "UTF-8" in answer.json()["help"] or "JSON" in answer.json()["help"]


@pytest.mark.parametrize(
    "content_type", [JSON, f"{JSON}; charset=utf-8", f'{JSON}; charset="UTF-8"']
)
def test_utf8_bodies_still_decode_with_or_without_the_charset(
    setup: Setup, content_type: str
) -> None:
    a = setup.companies.a
    body = f'{{"email": "manager@acme.example", "company_id": "{a.company_id}"}}'.encode()
    answer = _request(setup, "POST", "/v1/dev/tokens", body, content_type)
    assert answer.status_code == 201, answer.text
    remote = _request(
        setup,
        "POST",
        "/v1/doors/{door_id}/remote-unlocks",
        '{"reason": "Zoë’s van is inside 🚐"}'.encode(),
        content_type,
    )
    assert remote.status_code in (201, 403, 409), remote.text  # decoded: the policy decides


def test_an_unexpected_failure_is_a_generic_500_problem_and_is_logged(
    own_setup: Setup, sqlite_runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """The database made unavailable under a route (its table gone): the caller gets a
    problem saying only that the service failed; the log gets the exception."""
    a = own_setup.companies.a
    with sqlite_runtime.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE key_share"))
    with caplog.at_level(logging.ERROR, logger="unitgate.api"):
        answer = own_setup.client.get(
            f"/v1/units/{a.units[0]}/shares", headers=own_setup.companies.headers(a, "tenant")
        )
    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json() == {
        "status": 500,
        "type": "urn:unitgate:problem:internal-error",
        "title": "internal error",
        "detail": "the service failed to answer this request",
        "help": "try again later; the service logged the error for its operators",
    }
    logged = [r for r in caplog.records if r.name == "unitgate.api"]
    assert logged, "the exception was not logged"
    assert logged[0].exc_info is not None
    assert "key_share" in str(logged[0].exc_info[1])
