"""A NUL character in any input is a 400 naming where it is, on SQLite and PostgreSQL alike
(PostgreSQL cannot store one in text: before the checks it was a database error and a 500)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engine.runtime import Runtime
from tests.unit.api.conftest import Companies, _companies


@pytest.fixture
def both(runtime: Runtime) -> Iterator[tuple[Companies, TestClient[Litestar]]]:
    companies = _companies(runtime)
    with TestClient(companies.app) as client:
        yield companies, client


@pytest.mark.parametrize(
    ("route", "body", "who", "field"),
    [
        ("/v1/doors/{lock}/remote-unlocks", {"reason": "phone\x00inside"}, "manager", "reason"),
        ("/v1/units/{unit}/shares", {"email": "f@m.example", "name": "A\x00"}, "tenant", "name"),
        (
            "/v1/units/{unit}/emergency",
            {"reason": "locked in", "identity_verification": "id\x00card"},
            "manager",
            "identity_verification",
        ),
    ],
)
def test_a_nul_in_a_body_is_a_400_naming_the_field(
    both: tuple[Companies, TestClient[Litestar]],
    route: str,
    body: dict[str, str],
    who: str,
    field: str,
) -> None:
    companies, client = both
    a = companies.a
    url = route.format(lock=companies.lock(a), unit=a.units[0])
    response = client.post(url, json=body, headers=companies.headers(a, who))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text
    assert "NUL" in response.text


@pytest.mark.parametrize(
    "path", ["/v1/doors/no%00door/access-requests", "/v1/me/activity?limit=5%00"]
)
def test_a_nul_in_the_path_or_query_is_a_400(
    both: tuple[Companies, TestClient[Litestar]], path: str
) -> None:
    companies, client = both
    a = companies.a
    method = client.post if "access-requests" in path else client.get
    kwargs = {"json": {}} if method == client.post else {}
    response = method(path, headers=companies.headers(a, "tenant"), **kwargs)  # type: ignore[operator]
    assert response.status_code == 400, response.text
    assert "NUL" in response.text
