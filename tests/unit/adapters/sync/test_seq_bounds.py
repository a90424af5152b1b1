"""PMS sequence numbers up to the spec's 2^62 and inbox ids past 2^31, on SQLite and
PostgreSQL (whose INTEGER stopped at 2^31 - 1: a 500 and a lost push), through the webhook
and the poll path; a record the database refuses is rejected with why, not lost."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import text
from sqlmodel import col, select

from adapters.pms import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ChangePage,
    RecordPage,
    read_records,
    sign,
)
from adapters.pms.sim import PmsModel
from adapters.sync import SyncWorker, WorkerConfig, receive
from engine.clock import ManualClock
from engine.domain import Permission
from engine.persistence import Database, upgrade
from engine.persistence.tables import PmsInboxEntry, PmsRejection, TransitionRecord, Unit
from engine.runtime import Runtime
from engine.sites import (
    add_person,
    add_unit,
    assign_role,
    create_role,
)
from tests.support import pg
from tests.support.api import app_for, bearer
from tests.support.pms import LinkedFacility, link_facility

SECRET = "webhook-secret-for-tests"
BOUND = 2**62


@pytest.fixture
def linked(runtime: Runtime) -> LinkedFacility:
    return link_facility(runtime, PmsModel.build(["F1"], 3, seed=1), "F1")


def _record(unit_ref: str, seq: int, status: str = "occupied") -> dict[str, Any]:
    record: dict[str, Any] = {"unit_ref": unit_ref, "seq": seq, "status": status}
    if status == "occupied":
        record.update(tenant_ref="T1", email="t1@mail.example", lease_start="2025-12-01")
    return record


def _unit(rt: Runtime, unit_id: str) -> Unit:
    with rt.db.read() as s:
        unit = s.get(Unit, unit_id)
        assert unit is not None
        return unit


def test_the_webhook_applies_sequence_numbers_up_to_2_62_and_rejects_beyond(
    runtime: Runtime, linked: LinkedFacility
) -> None:
    refs = sorted(linked.unit_ids)
    records = [_record(refs[0], 2**31), _record(refs[1], BOUND), _record(refs[2], BOUND + 1)]
    body = json.dumps({"records": records}).encode()
    now = int(time.time())
    signature = sign(SECRET.encode(), now, linked.company_id, linked.facility_id, body)
    headers = {SIGNATURE_HEADER: signature, TIMESTAMP_HEADER: str(now)}
    with TestClient(app_for(runtime, pms_webhook_secret=SECRET)) as client:
        response = client.post(
            f"/v1/pms/webhooks/{linked.facility_id}", content=body, headers=headers
        )
    assert response.status_code == 202, response.text
    assert response.json() == {
        "received": 2,
        "duplicates": 0,
        "rejected": 1,
        "outcomes": {"applied": 2},
    }
    assert _unit(runtime, linked.unit_ids[refs[0]]).last_pms_seq == 2**31
    assert _unit(runtime, linked.unit_ids[refs[1]]).last_pms_seq == BOUND
    with runtime.db.read() as s:
        seqs = s.exec(
            select(TransitionRecord.pms_seq).order_by(col(TransitionRecord.pms_seq))
        ).all()
        [rejection] = s.exec(select(PmsRejection)).all()
    assert seqs == [2**31, BOUND]
    assert rejection.where == "webhook record 3"
    assert "`seq`: input should be less than or equal to 4611686018427387904" in rejection.error


class _Feed:
    """A PMS change feed of one page."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.page = read_records((f"record {i}", r) for i, r in enumerate(records))

    def snapshot(self, facility_ref: str) -> Iterator[RecordPage]:
        yield self.page

    def changes(self, facility_ref: str, cursor: str | None, limit: int) -> ChangePage:
        if cursor is not None:
            return ChangePage(cursor=cursor)
        return ChangePage(self.page.records, self.page.rejected, cursor="1")


def test_the_poll_path_applies_2_62_and_inbox_ids_past_2_31_retry(
    runtime: Runtime, linked: LinkedFacility, clock: ManualClock
) -> None:
    _start_inbox_ids_at(runtime, 2**31 + 7)
    refs = sorted(linked.unit_ids)
    feed = _Feed(
        [_record(refs[0], BOUND - 1, "vacant"), _record(refs[1], BOUND), _record("NEW", BOUND)]
    )
    worker = SyncWorker(runtime, feed, WorkerConfig(name="w"))
    assert worker.run_once()
    assert worker.totals == {"unchanged": 1, "applied": 1, "quarantined": 1}
    assert _unit(runtime, linked.unit_ids[refs[1]]).last_pms_seq == BOUND
    with runtime.db.read() as s:
        ids = s.exec(select(PmsInboxEntry.id)).all()
        facility_company = linked.company_id
    assert min(i or 0 for i in ids) > 2**31
    # The quarantined entry (unknown unit), past 2^31, retried through the API.
    [quarantined] = [i for i in ids if i is not None and _status(runtime, i) == "quarantined"]
    now = clock.now()
    with runtime.db.transaction() as s:
        role = create_role(s, facility_company, "Sync", [Permission.SYNC_MANAGE])
        manager = add_person(s, "Sync Manager", now, email="sync@acme.example")
        assign_role(s, manager.id, role.id)
        add_unit(s, linked.facility_id, "NEW", now, pms_ref="NEW")
    with TestClient(app_for(runtime)) as client:
        url = f"/v1/facilities/{linked.facility_id}/sync/quarantine/{quarantined}/retry"
        retried = client.post(url, headers=bearer(manager.id, facility_company, "employee"))
    assert retried.status_code == 201, retried.text
    assert retried.json() is None
    assert _status(runtime, quarantined) == "applied"


def _status(rt: Runtime, entry_id: int) -> str:
    with rt.db.read() as s:
        entry = s.get(PmsInboxEntry, entry_id)
        assert entry is not None
        return entry.status


def _start_inbox_ids_at(rt: Runtime, first: int) -> None:
    with rt.db.transaction() as s:
        if rt.db.url.startswith("postgresql"):
            s.execute(text(f"ALTER SEQUENCE pms_inbox_id_seq RESTART WITH {first}"))
        else:  # SQLite numbers a new row after the largest id there is: an applied one
            s.execute(
                text(
                    "INSERT INTO pms_inbox (id, facility_id, unit_ref, seq, source, payload, "
                    "received_at, receipts, status) SELECT :id, id, '-', 0, 'poll', '{}', "
                    "'2026-01-01 00:00:00', 1, 'applied' FROM facility LIMIT 1"
                ),
                {"id": first - 1},
            )


@pytest.mark.pg
def test_a_record_the_database_refuses_is_rejected_with_why_not_lost(clock: ManualClock) -> None:
    """On the schema before 0004 (INTEGER seq), PostgreSQL refuses 2^31: that record becomes a
    rejection saying so, and the page's other records are stored."""
    url = pg.create_database()
    db = Database(url)
    try:
        upgrade(db, "0003")
        now = clock.now()
        facility_id = "f-1"
        with db.engine.begin() as conn:  # revision 0003's columns (the models are newer)
            conn.execute(
                text("INSERT INTO company (id, name, created_at) VALUES ('c-1', 'Acme', :now)"),
                {"now": now},
            )
            conn.execute(
                text(
                    "INSERT INTO facility (id, company_id, name, pms_ref, timezone, "
                    "access_opens, access_closes, created_at) VALUES "
                    "(:fid, 'c-1', 'Acme F1', 'F1', 'UTC', '06:00', '22:00', :now)"
                ),
                {"fid": facility_id, "now": now},
            )
        page = read_records([("r1", _record("A", 2**31)), ("r2", _record("B", 5))])
        with db.transaction() as s:
            got = receive(s, facility_id, page, "poll", now)
        assert (got.new, got.rejected) == (1, 1)
        with db.read() as s:
            [stored] = s.exec(text("SELECT unit_ref, seq FROM pms_inbox")).all()
            [why] = s.exec(text('SELECT "where", error, payload FROM pms_rejection')).all()
        assert tuple(stored) == ("B", 5)
        assert why[0] == "poll record `A` seq 2147483648"
        assert why[1].startswith("the database refused it: DataError")
        assert '"seq":2147483648' in why[2]
    finally:
        db.dispose()
        pg.drop_database(url)
