"""Audit checkpoints over the API: a company's chains, signed, and verification against them."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text

from engine.domain import LifecycleEvent
from tests.unit.api.conftest import Companies

Client = TestClient[Litestar]


def _sql(companies: Companies, statement: str, **params: object) -> None:
    with companies.a.rt.db.transaction() as s:
        s.connection().execute(text(statement), params)


def test_a_checkpoint_holds_the_company_s_chains_and_verifies(
    client: Client, companies: Companies
) -> None:
    a, b = companies.a, companies.b
    manager = companies.headers(a, "manager")
    got = client.get("/v1/audit/checkpoint", headers=manager)
    assert got.status_code == 200, got.text
    checkpoint = got.json()
    assert checkpoint["company_id"] == a.company_id
    assert checkpoint["registered"] is None  # the deployment's count is not a company's business
    assert [c["facility_id"] for c in checkpoint["chains"]] == [a.facility_id]
    assert b.facility_id not in got.text

    a.pms(a.units[2], LifecycleEvent.MOVE_IN, "a3")  # the log grows
    verified = client.post("/v1/audit/verify", json=checkpoint, headers=manager)
    assert verified.status_code == 200, verified.text
    assert verified.json() == {"ok": True, "entries": 3, "problems": []}


def test_a_rolled_back_chain_fails_against_the_checkpoint(
    client: Client, companies: Companies
) -> None:
    a = companies.a
    manager = companies.headers(a, "manager")
    checkpoint = client.get("/v1/audit/checkpoint", headers=manager).json()
    # Back to entry #1, the head as the service had signed it then (from a backup).
    with a.rt.db.read() as s:
        first = s.connection().execute(
            text("SELECT hash FROM audit_entry WHERE facility_id = :f AND seq = 1"),
            {"f": a.facility_id},
        )
        first_hash = first.scalar_one()
    _sql(companies, "DELETE FROM audit_entry WHERE facility_id = :f AND seq > 1", f=a.facility_id)
    _sql(companies, "DELETE FROM transition_record WHERE facility_id = :f AND audit_seq > 1",
         f=a.facility_id)  # fmt: skip
    _sql(
        companies,
        "UPDATE audit_head SET seq = 1, hash = :h, mac = :m WHERE facility_id = :f",
        h=first_hash,
        m=a.rt.audit.head_mac(a.facility_id, 1, first_hash),
        f=a.facility_id,
    )
    plain = client.get(f"/v1/facilities/{a.facility_id}/audit/verify", headers=manager)
    assert plain.json()["ok"] is True  # every code still verifies

    held = client.post("/v1/audit/verify", json=checkpoint, headers=manager).json()
    assert held["ok"] is False
    assert held["problems"] == [
        f"facility `{a.facility_id}`: entry #2: the chain ends at #1 but the checkpoint of "
        f"{checkpoint['at'].replace('Z', '+00:00')} recorded #2: entries were removed since "
        "(or the log was rolled back)"
    ]


def test_a_forged_checkpoint_is_refused(client: Client, companies: Companies) -> None:
    manager = companies.headers(companies.a, "manager")
    checkpoint = client.get("/v1/audit/checkpoint", headers=manager).json()
    checkpoint["chains"][0]["seq"] = 1
    got = client.post("/v1/audit/verify", json=checkpoint, headers=manager)
    assert got.status_code == 400
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["detail"] == "the checkpoint's authentication code is wrong"
    bad = client.post("/v1/audit/verify", json={**checkpoint, "mac": "x"}, headers=manager)
    assert bad.status_code == 400
    assert "`mac`" in bad.json()["detail"]


def test_checkpoints_are_for_auditors_of_their_own_company(
    client: Client, companies: Companies
) -> None:
    a, b = companies.a, companies.b
    tenant = client.get("/v1/audit/checkpoint", headers=companies.headers(a, "tenant"))
    assert tenant.status_code == 403
    theirs = client.get("/v1/audit/checkpoint", headers=companies.headers(b, "manager")).json()
    other = client.post("/v1/audit/verify", json=theirs, headers=companies.headers(a, "manager"))
    assert other.status_code == 404
    assert b.facility_id in other.json()["detail"]  # the id the caller sent, nothing more
