"""The offline-key routes: issue and list for the app, list and revoke for employees, the
signed revocation list for any token of the company; and the relay's refusals over HTTP."""

from __future__ import annotations

import base64

from litestar import Litestar
from litestar.testing import TestClient

from engine.domain import LifecycleEvent
from hardware.protocol import ChallengeRequest, Revocations, SecretKey, decode_frame
from tests.support.locks import install_lock
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _issue(client: Client, companies: Companies, phone: str) -> dict[str, object]:
    a = companies.a
    got = client.post(
        "/v1/me/offline-keys",
        json={"facility_id": a.facility_id, "phone_public_key": phone},
        headers=companies.headers(a, "tenant"),
    )
    assert got.status_code == 201, got.text
    return dict(got.json())


def test_keys_are_listed_revoked_by_an_employee_and_named_on_the_signed_list(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    install_lock(a.rt, a.facility_id, companies.lock(a))
    phone = base64.b64encode(SecretKey.generate().public.raw).decode()  # base64 works too
    issued = _issue(client, companies, phone)
    key_id = issued["key_id"]
    manager, tenant = companies.headers(a, "manager"), companies.headers(a, "tenant")
    listed = client.get(f"/v1/facilities/{a.facility_id}/offline-keys", headers=manager)
    assert [k["key_id"] for k in listed.json()] == [key_id]
    # A tenant cannot revoke through the employee route, nor list the facility's keys.
    path = f"/v1/facilities/{a.facility_id}/offline-keys/{key_id}/revoke"
    assert client.post(path, headers=tenant).status_code == 403
    assert (
        client.get(f"/v1/facilities/{a.facility_id}/offline-keys", headers=tenant).status_code
        == 403
    )
    revoked = client.post(path, headers=manager)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert client.post(path, headers=manager).json()["revoked_at"] == revoked.json()["revoked_at"]
    # The list: any token of the company; the frame is the signed list of that version.
    answer = client.get(f"/v1/facilities/{a.facility_id}/revocations", headers=tenant).json()
    assert (answer["version"], answer["key_ids"]) == (1, [key_id])
    frame = decode_frame(base64.b64decode(answer["frame"]))
    listed_ids = Revocations.unpack(frame.payload)
    assert (listed_ids.version, listed_ids.key_ids) == (1, (key_id,))
    mine = client.get("/v1/me/offline-keys", headers=tenant).json()
    assert mine[0]["revoke_reason"].startswith("revoked by person:")


def test_a_bad_phone_key_and_nothing_allowed_are_explained(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    install_lock(a.rt, a.facility_id, companies.lock(a))
    bad = client.post(
        "/v1/me/offline-keys",
        json={"facility_id": a.facility_id, "phone_public_key": "z" * 64},
        headers=companies.headers(a, "tenant"),
    )
    assert bad.status_code == 400 and "32-byte" in bad.text
    a.pms(a.units[0], LifecycleEvent.DELINQUENT_OVER, "a1")
    refused = client.post(
        "/v1/me/offline-keys",
        json={"facility_id": a.facility_id, "phone_public_key": "ab" * 32},
        headers=companies.headers(a, "tenant"),
    )
    assert refused.status_code == 409 and "would open" in refused.text


def test_the_relay_answers_a_command_and_refuses_what_is_not_a_challenge(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    lock = install_lock(a.rt, a.facility_id, companies.lock(a))
    tenant = companies.headers(a, "tenant")
    url = f"/v1/doors/{companies.lock(a)}/access-requests"
    challenge = lock.handle(ChallengeRequest().frame())[0].frame
    got = client.post(url, json={"challenge": base64.b64encode(challenge).decode()}, headers=tenant)
    assert got.status_code == 201, got.text
    assert got.json()["authorization"]["command"]
    junk = client.post(url, json={"challenge": "not base64!"}, headers=tenant)
    assert junk.status_code == 400 and "base64" in junk.text
    frame = base64.b64encode(ChallengeRequest().frame()).decode()
    wrong = client.post(url, json={"challenge": frame}, headers=tenant)
    assert wrong.status_code == 400 and "challenge frame" in wrong.text
