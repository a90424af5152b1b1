"""An employee resolves a sync conflict with a note: audited, shown in the unit detail and the
sync status; a closed one is refused. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from litestar.testing import TestClient
from sqlmodel import col, select

from engine.clock import ManualClock
from engine.domain import LifecycleEvent, Permission
from engine.persistence.tables import AuditEntry
from engine.runtime import Runtime
from engine.sites import add_person, assign_role, create_role
from tests.support.api import app_for, bearer
from tests.support.world import build_world

E = LifecycleEvent


def test_resolving_a_conflict_with_a_note(runtime: Runtime, clock: ManualClock) -> None:
    world = build_world(runtime)
    u = world.units[0]
    world.pms(u, E.MOVE_IN)
    world.pms(u, E.DELINQUENT_OVER)
    world.portal(u, E.MARK_PENDING_AUCTION, reason="lien")
    window = {"window_start": clock.now(), "window_end": clock.now() + timedelta(days=1)}
    world.portal(u, E.RECORD_AUCTION_SALE, grantee=world.manager_id, **window)
    assert world.pms(u, E.CURRENT).outcome == "conflict"
    manager = bearer(world.manager_id, world.company_id, "employee")
    now = clock.now()
    with runtime.db.transaction() as s:
        viewer_role = create_role(s, world.company_id, "Viewer", [Permission.FACILITY_VIEW])
        viewer = add_person(s, "Viewer", now, email="viewer@acme.example")
        assign_role(s, viewer.id, viewer_role.id)
    stranger = build_world(runtime, name="Other")
    with TestClient(app_for(runtime)) as client:
        status = client.get(f"/v1/facilities/{world.facility_id}/sync", headers=manager).json()
        [conflict] = status["open_conflicts"]
        url = f"/v1/sync-conflicts/{conflict['id']}/resolve"
        note = {"note": "auction stands; refund issued in the PMS"}
        assert client.post(url, json={"note": ""}, headers=manager).status_code == 400
        viewer_headers = bearer(viewer.id, world.company_id, "employee")
        assert client.post(url, json=note, headers=viewer_headers).status_code == 403
        other = bearer(stranger.manager_id, stranger.company_id, "employee")
        hidden = client.post(url, json=note, headers=other)
        assert hidden.status_code == 404
        assert world.facility_id not in hidden.text  # nothing of another company shows
        done = client.post(url, json=note, headers=manager)
        assert done.status_code == 201, done.text
        assert done.json()["resolved_by"] == world.manager
        assert done.json()["resolution"] == note["note"]
        again = client.post(url, json=note, headers=manager)
        assert again.status_code == 409
        assert "already resolved" in again.json()["detail"]
        assert (
            client.post("/v1/sync-conflicts/0/resolve", json=note, headers=manager).status_code
            == 400
        )
        status = client.get(f"/v1/facilities/{world.facility_id}/sync", headers=manager).json()
        detail = client.get(f"/v1/units/{u}", headers=manager).json()
    assert status["open_conflicts"] == []
    assert [c["resolution"] for c in status["resolved_conflicts"]] == [note["note"]]
    assert [(c["resolved_by"], c["resolution"]) for c in detail["conflicts"]] == [
        (world.manager, note["note"])
    ]
    with runtime.db.read() as s:
        entry = s.exec(select(AuditEntry).order_by(col(AuditEntry.seq).desc())).first()
    assert entry is not None
    assert (entry.kind, entry.actor) == ("sync_conflict_resolved", world.manager)
    assert json.loads(entry.payload)["note"] == note["note"]
