"""Bearer tokens: only well-formed, correctly signed, unexpired unitgate tokens get in."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.support.api import ISSUER, JWT_SECRET, token
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _claims(companies: Companies, **changes: object) -> dict[str, object]:
    now = datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": companies.a.manager_id,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
        "company": companies.a.company_id,
        "role": "employee",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _unsigned(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


BAD_TOKENS = {
    "expired": lambda c: jwt.encode(
        _claims(c, exp=int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())), JWT_SECRET
    ),
    "bad signature": lambda c: jwt.encode(_claims(c), "another-secret-that-is-32-bytes-long!"),
    "alg none": lambda c: _unsigned(_claims(c)),
    "alg HS512": lambda c: jwt.encode(_claims(c), JWT_SECRET, algorithm="HS512"),
    "no company": lambda c: jwt.encode(_claims(c, company=None), JWT_SECRET),
    "no role": lambda c: jwt.encode(_claims(c, role=None), JWT_SECRET),
    "no subject": lambda c: jwt.encode(_claims(c, sub=None), JWT_SECRET),
    "no expiry": lambda c: jwt.encode(_claims(c, exp=None), JWT_SECRET),
    "unknown role": lambda c: jwt.encode(_claims(c, role="admin"), JWT_SECRET),
    "other issuer": lambda c: jwt.encode(_claims(c, iss="someone-else"), JWT_SECRET),
    "garbage": lambda _: "not.a.token",
}


@pytest.mark.parametrize("kind", sorted(BAD_TOKENS))
def test_bad_tokens_get_401_problem_details(
    client: Client, companies: Companies, kind: str
) -> None:
    bad = BAD_TOKENS[kind](companies)
    response = client.get("/v1/facilities", headers={"Authorization": f"Bearer {bad}"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_missing_token_gets_401(client: Client) -> None:
    response = client.get("/v1/me")
    assert response.status_code == 401
    assert response.json()["title"] == "not authenticated"


@pytest.mark.parametrize("path", ["/v1/units/health", "/v1/facilities/docs", "/v1/units/docs"])
def test_public_path_names_inside_other_paths_still_need_a_token(
    client: Client, companies: Companies, path: str
) -> None:
    assert client.get(path).status_code == 401
    good = jwt.encode(_claims(companies), JWT_SECRET)
    answer = client.get(path, headers={"Authorization": f"Bearer {good}"})
    assert answer.status_code in (403, 404), answer.text  # not a 500 for a missing user


def test_public_paths_need_no_token(client: Client) -> None:
    assert client.get("/health").status_code == 200
    assert client.get("/docs/openapi.json").status_code == 200


def test_good_token_gets_in(client: Client, companies: Companies) -> None:
    good = jwt.encode(_claims(companies), JWT_SECRET)
    assert (
        client.get("/v1/facilities", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )


def test_a_verified_token_is_refused_once_it_expires(client: Client, companies: Companies) -> None:
    """Verified tokens are remembered (the signature is checked once), but not past expiry."""
    exp = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    short = jwt.encode(_claims(companies, exp=int(exp.timestamp())), JWT_SECRET)
    headers = {"Authorization": f"Bearer {short}"}
    assert client.get("/v1/facilities", headers=headers).status_code == 200
    assert client.get("/v1/facilities", headers=headers).status_code == 200
    time.sleep(max(0.0, (exp - datetime.now(UTC)).total_seconds()) + 0.1)
    assert client.get("/v1/facilities", headers=headers).status_code == 401


def test_a_token_verified_under_one_secret_is_not_accepted_under_another(
    companies: Companies,
) -> None:
    from tests.support.api import app_for

    good = jwt.encode(_claims(companies), JWT_SECRET)
    headers = {"Authorization": f"Bearer {good}"}
    with TestClient(app_for(companies.a.rt)) as client:
        assert client.get("/v1/facilities", headers=headers).status_code == 200
    other = app_for(companies.a.rt, jwt_secret="a-different-secret-of-32-bytes-or-more")
    with TestClient(other) as client:
        assert client.get("/v1/facilities", headers=headers).status_code == 401


def test_token_of_a_company_acts_only_in_that_company(client: Client, companies: Companies) -> None:
    """The manager of A with a token naming company B sees nothing of B (and has no role there)."""
    crossed = token(companies.a.manager_id, companies.b.company_id, "employee")
    response = client.get(
        f"/v1/facilities/{companies.b.facility_id}", headers={"Authorization": f"Bearer {crossed}"}
    )
    assert response.status_code == 403


def test_dev_token_issuer_is_off_unless_configured(client: Client, companies: Companies) -> None:
    body = {
        "email": "manager@acme.example",
        "company_id": companies.a.company_id,
        "role": "employee",
    }
    assert client.post("/v1/dev/tokens", json=body).status_code == 404


def test_dev_token_issuer_issues_working_tokens_when_on(companies: Companies) -> None:
    from tests.support.api import app_for

    app = app_for(companies.a.rt, dev_tokens=True)
    with TestClient(app) as client:
        body = {
            "email": "manager@acme.example",
            "company_id": companies.a.company_id,
            "role": "employee",
        }
        issued = client.post("/v1/dev/tokens", json=body)
        assert issued.status_code == 201, issued.text
        headers = {"Authorization": f"Bearer {issued.json()['token']}"}
        assert client.get("/v1/facilities", headers=headers).status_code == 200
        # A person of another company does not exist for the issuer either.
        body["company_id"] = companies.b.company_id
        assert client.post("/v1/dev/tokens", json=body).status_code == 404


def test_oversized_bodies_are_refused_with_413(client: Client, companies: Companies) -> None:
    response = client.post(
        f"/v1/doors/{companies.a.gate_id}/access-requests",
        content=b'{"channel": "' + b"x" * 100_000 + b'"}',
        headers={**companies.headers(companies.a, "tenant"), "content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


def test_invalid_bodies_name_the_field(client: Client, companies: Companies) -> None:
    response = client.post(
        f"/v1/units/{companies.a.units[0]}/shares",
        json={"email": "not-an-email"},
        headers=companies.headers(companies.a, "tenant"),
    )
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["key"] == "email"
    assert "`email`" in body["detail"]
