"""A facility's messages over the API (filters, no secret, another company's refused), an
operator's retry (audited), and the SMS provider's delivery reports: applied by rank;
malformed, badly signed and unknown ones refused with problem details and recorded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlmodel import col, select

from adapters.notify import Outcome, mark
from engine.notify import MessageKind, MessageStatus
from engine.persistence.tables import AuditEntry, DeliveryReport, OutboxMessage
from engine.runtime import Runtime
from tests.support.api import app_for, bearer, tenant_of
from tests.support.outbox import SMS_SECRET, queue, signed
from tests.support.world import World, build_world

STATUS = "/v1/notify/sms/status"


@pytest.fixture
def worlds(sqlite_runtime: Runtime) -> tuple[World, World]:
    return build_world(sqlite_runtime, units=1), build_world(sqlite_runtime, 1, name="Bolt")


@pytest.fixture
def app(sqlite_runtime: Runtime) -> Litestar:
    return app_for(sqlite_runtime, sms_secret=SMS_SECRET)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as c:
        yield c


def _manager(world: World) -> dict[str, str]:
    return bearer(world.manager_id, world.company_id, "employee")


def _sent(rt: Runtime, message_id: str, provider_id: str) -> None:
    mark(rt.db, [Outcome(message_id, MessageStatus.SENT, provider_id)], rt.clock.now())


def _row(rt: Runtime, message_id: str) -> OutboxMessage:
    with rt.db.read() as s:
        row = s.get(OutboxMessage, message_id)
    assert row is not None
    return row


def _reports(rt: Runtime) -> list[DeliveryReport]:
    with rt.db.read() as s:
        return list(s.exec(select(DeliveryReport).order_by(col(DeliveryReport.id))).all())


def test_messages_are_listed_with_filters_and_never_their_secret(
    client: TestClient[Litestar], worlds: tuple[World, World]
) -> None:
    a, b = worlds
    rt = a.rt
    person = add_tenant(a)  # the move-in writes the tenant's activation (seed 000)
    queue(rt.db, a.facility_id, rt.clock.now(), count=2, person_id=person)
    queue(rt.db, a.facility_id, rt.clock.now(), kind=MessageKind.ACCESS_CHANGED, prefix="ac")
    got = client.get(f"/v1/facilities/{a.facility_id}/messages", headers=_manager(a))
    assert got.status_code == 200, got.text
    assert len(got.json()) == 4
    assert all("secret" not in m and "payload" not in m for m in got.json())
    mine = client.get(
        f"/v1/facilities/{a.facility_id}/messages",
        params={"person_id": person, "status": "queued", "kind": "activation"},
        headers=_manager(a),
    ).json()
    assert [m["person_id"] for m in mine] == [person, person, person]
    paged = client.get(
        f"/v1/facilities/{a.facility_id}/messages",
        params={"limit": 1, "offset": 2},
        headers=_manager(a),
    ).json()
    assert len(paged) == 1
    other = client.get(f"/v1/facilities/{a.facility_id}/messages", headers=_manager(b))
    assert other.status_code == 404
    bad = client.get(
        f"/v1/facilities/{a.facility_id}/messages", params={"status": "lost"}, headers=_manager(a)
    )
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


def add_tenant(world: World) -> str:
    from engine.domain import LifecycleEvent

    world.pms(world.units[0], LifecycleEvent.MOVE_IN, "t1")
    return tenant_of(world.rt, world.units[0])


def test_a_failed_message_is_queued_again_and_the_retry_is_audited(
    client: TestClient[Litestar], worlds: tuple[World, World]
) -> None:
    a, _ = worlds
    rt = a.rt
    failed, sent = queue(rt.db, a.facility_id, rt.clock.now(), count=2)
    reason = "sms provider 400: cannot send to this number"
    mark(rt.db, [Outcome(failed, MessageStatus.FAILED, reason=reason)], rt.clock.now())
    _sent(rt, sent, "SM1")
    base = f"/v1/facilities/{a.facility_id}/messages"
    again = client.post(f"{base}/{failed}/retry", headers=_manager(a))
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["attempts"]) == ("queued", 0)
    refused = client.post(f"{base}/{sent}/retry", headers=_manager(a))
    assert refused.status_code == 409
    assert client.post(f"{base}/nope/retry", headers=_manager(a)).status_code == 404
    with rt.db.read() as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.kind == "message_retried")).one()
    assert entry.subject == failed and reason in entry.payload


def _report(client: TestClient[Litestar], body: Any, **kw: Any) -> Any:
    raw, headers = signed(body, **kw)
    return client.post(STATUS, content=raw, headers=headers)


def test_reports_apply_in_order_of_rank_and_a_late_sent_changes_nothing(
    client: TestClient[Litestar], worlds: tuple[World, World]
) -> None:
    a, _ = worlds
    rt = a.rt
    [mid] = queue(rt.db, a.facility_id, rt.clock.now())
    report = {"id": "SM7", "reference": mid}
    delivered = _report(client, {**report, "status": "delivered"})
    assert delivered.status_code == 200, delivered.text
    assert delivered.json() == {"message_id": mid, "status": "delivered", "changed": True}
    row = _row(rt, mid)
    assert (row.status, row.provider_message_id, row.secret) == ("delivered", "SM7", None)
    late = _report(client, {"id": "SM7", "status": "sent"})  # by provider id alone
    assert late.json()["changed"] is False
    _sent(rt, mid, "SM7")  # the worker marks after the report: delivered stays
    assert _row(rt, mid).status == "delivered"
    reports = _reports(rt)
    assert [(r.status, r.accepted, r.message_id) for r in reports] == [
        ("delivered", True, mid),
        ("sent", True, mid),
    ]
    assert "changes nothing" in (reports[1].reason or "")


def test_an_undelivered_report_keeps_the_providers_reason(
    client: TestClient[Litestar], worlds: tuple[World, World]
) -> None:
    a, _ = worlds
    rt = a.rt
    [mid] = queue(rt.db, a.facility_id, rt.clock.now())
    _sent(rt, mid, "SM9")
    body = {"id": "SM9", "reference": mid, "status": "undelivered", "error": "handset off"}
    assert _report(client, body).status_code == 200
    row = _row(rt, mid)
    assert (row.status, row.status_reason) == ("undelivered", "provider: handset off")


@pytest.mark.parametrize(
    ("case", "status", "reason"),
    [
        ("not json", 400, "report body is not JSON"),
        ("no status", 400, "`status`"),
        ("unknown status", 400, "`status`"),
        ("bad signature", 401, "does not match"),
        ("no signature", 401, "missing"),
        ("stale", 401, "s from now"),
        ("unknown message", 404, "no message"),
        ("another provider id", 409, "names message"),
    ],
)
def test_bad_reports_are_refused_recorded_and_change_nothing(
    client: TestClient[Litestar], worlds: tuple[World, World], case: str, status: int, reason: str
) -> None:
    a, _ = worlds
    rt = a.rt
    [mid] = queue(rt.db, a.facility_id, rt.clock.now())
    _sent(rt, mid, "SM1")
    before = _row(rt, mid)
    good = {"id": "SM1", "reference": mid, "status": "delivered"}
    raw, headers = signed(good)
    if case == "not json":
        raw, headers = signed(b"{nope")
    elif case == "no status":
        raw, headers = signed({"id": "SM1", "reference": mid})
    elif case == "unknown status":
        raw, headers = signed({**good, "status": "eaten"})
    elif case == "bad signature":
        raw, headers = signed(good, secret="another-secret-entirely")
    elif case == "no signature":
        headers = {"content-type": "application/json"}
    elif case == "stale":
        raw, headers = signed(good, stamp=int(time.time()) - 3600)
    elif case == "unknown message":
        raw, headers = signed({"id": "SM404", "status": "delivered"})
    elif case == "another provider id":
        raw, headers = signed({**good, "id": "SM2"})
    got = client.post(STATUS, content=raw, headers=headers)
    assert got.status_code == status, got.text
    assert got.headers["content-type"].startswith("application/problem+json")
    assert reason in got.json()["detail"]
    [recorded] = _reports(rt)
    assert recorded.accepted is False and reason in (recorded.reason or "")
    assert recorded.body == raw.decode(errors="replace")
    after = _row(rt, mid)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)


def test_reports_are_refused_when_no_secret_is_set(sqlite_runtime: Runtime) -> None:
    a = build_world(sqlite_runtime, units=1)
    [mid] = queue(sqlite_runtime.db, a.facility_id, sqlite_runtime.clock.now())
    with TestClient(app_for(sqlite_runtime)) as c:
        got = _report(c, {"id": "SM1", "reference": mid, "status": "delivered"})
    assert got.status_code == 403
    assert _row(sqlite_runtime, mid).status == "queued"


def test_reports_with_nul_are_refused_and_recorded_on_either_database(runtime: Runtime) -> None:
    a = build_world(runtime, units=1)
    [mid] = queue(runtime.db, a.facility_id, runtime.clock.now())
    with TestClient(app_for(runtime, sms_secret=SMS_SECRET)) as c:
        raw = b'{"id": "SM\\u0000", "reference": "' + mid.encode() + b'", "status": "sent"}\x00'
        got = _report(c, raw)
        assert got.status_code == 400, got.text
        nul_id = _report(c, {"id": "SM\x00", "reference": mid, "status": "sent"})
        assert nul_id.status_code == 400, nul_id.text
    assert [r.accepted for r in _reports(runtime)] == [False, False]
    assert _row(runtime, mid).status == "queued"
