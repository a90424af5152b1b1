"""PMS webhooks: signed pushes apply at once; bad ones are refused and recorded."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import select

from adapters.pms import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from adapters.pms.sim import PmsModel
from engine.domain import Permission
from engine.persistence.tables import PmsRejection, Unit
from engine.runtime import Runtime
from engine.sites import add_person, add_unit, assign_role, create_role
from tests.support.api import app_for, bearer
from tests.support.pms import LinkedFacility, link_facility

SECRET = "webhook-secret-for-tests"


@pytest.fixture
def linked(sqlite_runtime: Runtime) -> LinkedFacility:
    return link_facility(sqlite_runtime, PmsModel.build(["F1"], 3, seed=1), "F1")


@pytest.fixture
def client(sqlite_runtime: Runtime) -> Iterator[TestClient[Litestar]]:
    with TestClient(app_for(sqlite_runtime, pms_webhook_secret=SECRET)) as c:
        yield c


def _move_in(unit_ref: str, seq: int = 2) -> dict[str, Any]:
    return {
        "unit_ref": unit_ref,
        "seq": seq,
        "status": "occupied",
        "tenant_ref": "T1",
        "email": "t1@mail.example",
        "phone": "+15550100",
        "lease_start": "2025-12-01",
    }


def _push(
    client: TestClient[Litestar],
    linked: LinkedFacility,
    body: bytes,
    secret: str = SECRET,
    *,
    to: str | None = None,
) -> Any:
    """`body` signed for the linked facility, posted to its URL (or to facility `to`'s)."""
    now = int(time.time())
    signature = sign(secret.encode(), now, linked.company_id, linked.facility_id, body)
    headers = {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: str(now)}
    url = f"/v1/pms/webhooks/{to or linked.facility_id}"
    return client.post(url, content=body, headers=headers)


def _records(*records: dict[str, Any]) -> bytes:
    return json.dumps({"records": list(records)}).encode()


def _unit(rt: Runtime, unit_id: str) -> Unit:
    with rt.db.read() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        return unit


def test_a_signed_push_applies_at_once_and_once(
    client: TestClient[Litestar], linked: LinkedFacility, sqlite_runtime: Runtime
) -> None:
    body = _records(_move_in("F1-000001"))
    first = _push(client, linked, body)
    assert first.status_code == 202, first.text
    assert first.json() == {
        "received": 1,
        "duplicates": 0,
        "rejected": 0,
        "outcomes": {"applied": 1},
    }
    unit = _unit(sqlite_runtime, linked.unit_ids["F1-000001"])
    assert (unit.state, unit.last_pms_seq) == ("occupied", 2)
    again = _push(client, linked, body)
    assert again.json() == {"received": 0, "duplicates": 1, "rejected": 0, "outcomes": {}}


@pytest.mark.parametrize(
    ("secret", "headers", "message"),
    [
        ("another-secret-entirely", None, "signature does not match"),
        (SECRET, {SIGNATURE_HEADER: "sha256=00"}, "missing"),
        (SECRET, {TIMESTAMP_HEADER: "1000", SIGNATURE_HEADER: "sha256=00"}, "more than 300 s"),
    ],
    ids=["wrong secret", "no timestamp", "replayed"],
)
def test_bad_signatures_are_refused_and_recorded(
    client: TestClient[Litestar],
    linked: LinkedFacility,
    sqlite_runtime: Runtime,
    secret: str,
    headers: dict[str, str] | None,
    message: str,
) -> None:
    body = _records(_move_in("F1-000001"))
    if headers is None:
        response = _push(client, linked, body, secret)
    else:
        url = f"/v1/pms/webhooks/{linked.facility_id}"
        response = client.post(url, content=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert message in response.json()["detail"]
    assert _unit(sqlite_runtime, linked.unit_ids["F1-000001"]).state == "available"
    with sqlite_runtime.db.read() as s:
        [rejection] = s.exec(select(PmsRejection)).all()
    assert (rejection.source, rejection.where) == ("webhook", "webhook signature")
    assert message in rejection.error


def test_unreadable_bodies_and_records(
    client: TestClient[Litestar], linked: LinkedFacility, sqlite_runtime: Runtime
) -> None:
    not_json = _push(client, linked, b"{records")
    assert not_json.status_code == 400
    assert "not JSON" in not_json.json()["detail"]
    mixed = _push(
        client,
        linked,
        _records({"unit_ref": "F1-000002", "seq": "x", "status": "vacant"}, _move_in("F1-000001")),
    )
    assert mixed.status_code == 202
    assert (mixed.json()["received"], mixed.json()["rejected"]) == (1, 1)
    with sqlite_runtime.db.read() as s:
        wheres = sorted(r.where for r in s.exec(select(PmsRejection)).all())
    assert wheres == ["webhook body", "webhook record 1"]


def test_webhooks_off_unknown_facility(
    sqlite_runtime: Runtime, linked: LinkedFacility, client: TestClient[Litestar]
) -> None:
    assert _push(client, linked, _records(), to="no-such-facility").status_code == 404
    with TestClient(app_for(sqlite_runtime)) as off:
        response = _push(off, linked, _records())
    assert response.status_code == 403
    assert "UNITGATE_PMS_WEBHOOK_SECRET" in response.json()["help"]


def test_sync_status_shows_quarantine_and_retry_applies_it(
    client: TestClient[Litestar], linked: LinkedFacility, sqlite_runtime: Runtime
) -> None:
    rt = sqlite_runtime
    now = rt.clock.now()
    with rt.db.transaction() as s:
        from engine.persistence.tables import Facility

        facility = s.get(Facility, linked.facility_id)
        assert facility is not None
        role = create_role(s, facility.company_id, "Sync", [Permission.SYNC_MANAGE])
        manager = add_person(s, "Sync Manager", now, email="sync@acme.example")
        assign_role(s, manager.id, role.id)
        headers = bearer(manager.id, facility.company_id, "employee")
    _push(client, linked, _records(_move_in("NEW-1", seq=1)))
    status = client.get(f"/v1/facilities/{linked.facility_id}/sync", headers=headers).json()
    [entry] = status["quarantined"]
    assert (entry["unit_ref"], entry["seq"]) == ("NEW-1", 1)
    assert "no unit with PMS ref `NEW-1`" in entry["error"]
    retry = f"/v1/facilities/{linked.facility_id}/sync/quarantine/{entry['id']}/retry"
    failed_again = client.post(retry, headers=headers)
    assert failed_again.status_code == 201
    assert failed_again.json()["id"] == entry["id"]
    with rt.db.transaction() as s:
        add_unit(s, linked.facility_id, "NEW-1", now, pms_ref="NEW-1")
    assert client.post(retry, headers=headers).json() is None
    status = client.get(f"/v1/facilities/{linked.facility_id}/sync", headers=headers).json()
    assert (status["quarantined"], status["pending"]) == ([], 0)
    assert client.post(retry, headers=headers).status_code == 409  # applied: nothing to retry
    base = f"/v1/facilities/{linked.facility_id}/sync/quarantine"
    for bad in (0, 2**62 + 1, 2**100):  # outside the id range: a 400 naming it, not a 500
        refused = client.post(f"{base}/{bad}/retry", headers=headers)
        assert refused.status_code == 400, refused.text
    for beyond_int in (2**31, 2**62):  # inbox ids are 64-bit: unknown ones are a 404
        assert client.post(f"{base}/{beyond_int}/retry", headers=headers).status_code == 404


def test_nul_characters_are_refused_or_kept_escaped_on_both_databases(runtime: Runtime) -> None:
    """PostgreSQL cannot store a NUL in text: before these checks each of these was a 500."""
    linked = link_facility(runtime, PmsModel.build(["F1"], 3, seed=1), "F1")
    with TestClient(app_for(runtime, pms_webhook_secret=SECRET)) as client:
        in_path = _push(client, linked, _records(), to="F1%00")
        assert in_path.status_code == 400
        assert "NUL" in in_path.text
        # A raw NUL (not JSON) under a bad signature: refused, and kept with the NUL escaped.
        raw = _push(client, linked, b"\x00{records", secret="wrong")
        assert raw.status_code == 401
        # A record whose name holds a NUL is rejected alone; the other record applies.
        bad = {**_move_in("F1-000002"), "first_name": "Ann\x00"}
        mixed = _push(client, linked, _records(bad, _move_in("F1-000001")))
        assert mixed.status_code == 202, mixed.text
        assert (mixed.json()["received"], mixed.json()["rejected"]) == (1, 1)
    with runtime.db.read() as s:
        rejections = {r.where: r for r in s.exec(select(PmsRejection)).all()}
    assert rejections["webhook signature"].payload.startswith("\\u0000{records")
    assert "nul character" in rejections["webhook record 1"].error.lower()
