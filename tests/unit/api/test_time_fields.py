"""One rule for every time a request gives: an offset or `Z` required, 2000 ≤ year < 2100,
taken in UTC, and stated in the OpenAPI document.

A share expiry without an offset, a bare date, or year 9999 west of UTC were 500s (a naive
time compared with the aware clock; an overflow converting to UTC). The time fields are
found in the app's own document, so a new one is held to the rule without editing this.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from api.schemas import TIME_PATTERN
from engine.domain import LifecycleEvent
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]

_KNOWN = {
    ("/v1/units/{unit_id}/shares", "expires_at"),
    ("/v1/units/{unit_id}/auction-sale", "window_start"),
    ("/v1/units/{unit_id}/auction-sale", "window_end"),
    ("/v1/units/{unit_id}/cleanout", "window_start"),
    ("/v1/units/{unit_id}/cleanout", "window_end"),
    ("/v1/facilities/{facility_id}/code-grants", "starts_at"),
    ("/v1/facilities/{facility_id}/code-grants", "ends_at"),
    ("/v1/code-grants/{grant_id}", "starts_at"),
    ("/v1/code-grants/{grant_id}", "ends_at"),
}
_PATCHED = {"/v1/code-grants/{grant_id}"}
_NEEDS_OFFSET = ["2030-01-01T00:00:00", "2030-01-01", "2030-01-01T00:00", "2030-01-01 10:00:00"]
_OUT_OF_RANGE = [
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    "2099-12-31T23:30:00-01:00",
]
_NOT_A_TIME = [1893456000, "next tuesday", "２０３０-01-01T00:00:00Z", ""]
_NO_SUCH_DAY = ["2030-13-01T00:00:00Z", "2030-02-30T00:00:00Z", "2030-01-01T24:00:01Z"]


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is_time(schema: dict[str, Any]) -> bool:
    variants = [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]
    return any(v.get("format") in ("date-time", "date") for v in variants)


def _time_fields(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(path, field) -> schema of every time in a request body or query, top level or nested
    (dotted); query parameters as `?name`."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def walk(path: str, prefix: str, schema: dict[str, Any], seen: frozenset[str]) -> None:
        name = schema.get("$ref", "")
        if name in seen:
            return
        schema = _resolve(spec, schema)
        for each in [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]:
            variant = _resolve(spec, each)
            for key, prop in variant.get("properties", {}).items():
                if _is_time(prop):
                    found[(path, prefix + key)] = prop
                else:
                    walk(path, f"{prefix}{key}.", prop, seen | {name})
            if "items" in variant:
                walk(path, prefix, variant["items"], seen | {name})

    for path, item in spec["paths"].items():
        for operation in item.values():
            for param in operation.get("parameters", []):
                if _is_time(param.get("schema", {})):
                    found[(path, "?" + param["name"])] = param["schema"]
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                walk(path, "", media["schema"], frozenset())
    return found


@pytest.fixture
def spec(client: Client) -> dict[str, Any]:
    return dict(client.get("/docs/openapi.json").json())


def test_every_time_a_request_gives_states_the_rule_in_the_document(spec: dict[str, Any]) -> None:
    fields = _time_fields(spec)
    assert set(fields) >= _KNOWN
    for (path, field), schema in fields.items():
        assert schema.get("pattern") == TIME_PATTERN, f"{path} `{field}` has no offset rule"
        assert "offset" in schema["description"], (path, field)
        assert "2000-01-01T00:00:00Z" in schema["description"], (path, field)
        assert "2100-01-01T00:00:00Z" in schema["description"], (path, field)


def _post_time(client: Client, companies: Companies, path: str, field: str, value: object) -> Any:
    a = companies.a
    who = "tenant" if path.endswith("/shares") else "manager"
    body: dict[str, Any] = {}
    target = body
    *parents, leaf = field.split(".")
    for parent in parents:
        target = target.setdefault(parent, {})
    target[leaf] = value
    url = path.format(
        unit_id=a.units[0], door_id=companies.lock(a), facility_id=a.facility_id, grant_id="g"
    )
    method = "PATCH" if path in _PATCHED else "POST"
    return client.request(method, url, json=body, headers=companies.headers(a, who))


_REFUSED = [
    *((v, "needs an offset or `Z`") for v in _NEEDS_OFFSET),
    *((v, "up to but not including 2100-01-01T00:00:00Z") for v in _OUT_OF_RANGE),
    *((v, "with an offset") for v in _NOT_A_TIME),
    *((v, "valid datetime") for v in _NO_SUCH_DAY),
]


def test_each_time_field_refuses_a_time_without_offset_or_out_of_range_with_400(
    client: Client, companies: Companies, spec: dict[str, Any]
) -> None:
    for path, field in _time_fields(spec):
        assert not field.startswith("?"), "a time query parameter: add it to this test"
        for value, says in _REFUSED:
            answer = _post_time(client, companies, path, field, value)
            assert answer.status_code == 400, f"{path} `{field}`={value!r}: {answer.text}"
            assert answer.headers["content-type"].startswith("application/problem+json")
            errors = {e["key"]: e["message"] for e in answer.json()["errors"]}
            assert field in errors, (path, field, errors)
            assert says in errors[field], (path, field, value, errors[field])


def test_the_issues_share_expiries_are_400_not_500(client: Client, companies: Companies) -> None:
    a = companies.a
    for expiry in ("2030-01-01T00:00:00", "2030-01-01", "9999-12-31T23:59:59-01:00"):
        answer = client.post(
            f"/v1/units/{a.units[0]}/shares",
            json={"email": "friend@mail.example", "expires_at": expiry},
            headers=companies.headers(a, "tenant"),
        )
        assert answer.status_code == 400, answer.text
        assert answer.json()["detail"] == "invalid input in `expires_at`"


def test_a_share_expiry_with_an_offset_is_kept_in_utc(client: Client, companies: Companies) -> None:
    a = companies.a
    answer = client.post(
        f"/v1/units/{a.units[0]}/shares",
        json={"email": "friend@mail.example", "expires_at": "2030-01-01T02:00:00+02:00"},
        headers=companies.headers(a, "tenant"),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["expires_at"] == "2030-01-01T00:00:00Z"
    listed = client.get(f"/v1/units/{a.units[0]}/shares", headers=companies.headers(a, "tenant"))
    assert [s["expires_at"] for s in listed.json()] == ["2030-01-01T00:00:00Z"]


def test_an_auction_window_with_offsets_is_kept_in_utc(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    unit = a.units[0]
    a.pms(unit, LifecycleEvent.DELINQUENT_GATE, "a1")
    a.portal(unit, LifecycleEvent.MARK_PENDING_AUCTION, reason="unpaid")
    answer = client.post(
        f"/v1/units/{unit}/auction-sale",
        json={
            "reason": "sold at auction",
            "winner": {"name": "Winner"},
            "window_start": "2026-01-02T09:00:00-05:00",
            "window_end": "2026-01-04T09:00:00.5-05:00",
        },
        headers=companies.headers(a, "manager"),
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["unit"]["access_until"] == "2026-01-04T14:00:00.500000Z"
    detail = client.get(f"/v1/units/{unit}", headers=companies.headers(a, "manager")).json()
    (grant,) = detail["grants"]
    assert (grant["window_start"], grant["window_end"]) == (
        "2026-01-02T14:00:00Z",
        "2026-01-04T14:00:00.500000Z",
    )
