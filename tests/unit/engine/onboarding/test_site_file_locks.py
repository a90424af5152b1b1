"""Bluetooth locks and gateways in the site file: registered with their device keys and
audited, re-applied without changes, a gateway moved to a new URL, a lock's changed device
key refused naming file, line and field (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from engine.onboarding import SiteFileError, apply_site_file
from engine.persistence.tables import AuditEntry, Door, LockDevice, LockGateway
from engine.runtime import Runtime
from tests.unit.engine.onboarding.test_site_file import lakeside, write

LOCK = "6a1f3c2e-0d4b-4e8f-9a7c-5b2d1e0f3a41"
KEY = "ab" * 32

SITE = f"""\
company:
  name: Harbor Storage
roles:
  - name: Manager
    permissions: all
facilities:
  - key: lakeside
    name: Harbor Self Storage
    timezone: America/Chicago
    country: US
    doors:
      - {{name: Gate, kind: gate, lock: {LOCK}}}
    gateways:
      - {{name: hub-1, url: "http://10.0.0.9:8091"}}
    bluetooth_locks:
      - {{id: {LOCK}, name: Gate lock, public_key: {KEY}, gateway: hub-1}}
"""


def test_locks_and_gateways_are_registered_audited_and_reapplied_unchanged(
    runtime: Runtime, tmp_path: Path
) -> None:
    first = apply_site_file(runtime, write(tmp_path, SITE))
    lines = [c.text for c in first.changes]
    assert "+ gateway hub-1 (lakeside): http://10.0.0.9:8091" in lines
    assert any(line.startswith(f"+ lock Gate lock (lakeside): {LOCK}") for line in lines)
    facility = lakeside(runtime)
    with runtime.db.read() as s:
        lock = s.get(LockDevice, LOCK)
        gateway = s.exec(select(LockGateway).where(LockGateway.facility_id == facility.id)).one()
        assert lock is not None and (lock.public_key, lock.gateway_id) == (KEY, gateway.id)
        gate = s.exec(select(Door).where(Door.facility_id == facility.id)).one()
        assert gate.lock_ref == LOCK
        kinds = set(
            s.exec(select(AuditEntry.kind).where(AuditEntry.facility_id == facility.id)).all()
        )
        assert {"gateway_registered", "lock_registered"} <= kinds

    again = apply_site_file(runtime, write(tmp_path, SITE))
    assert list(again.changes) == []

    moved = apply_site_file(runtime, write(tmp_path, SITE.replace("10.0.0.9", "10.0.0.10")))
    assert [c.text for c in moved.changes] == [
        "~ gateway hub-1 (lakeside): url http://10.0.0.9:8091 -> http://10.0.0.10:8091"
    ]


def test_a_changed_device_key_is_refused_where_the_file_says_it(
    runtime: Runtime, tmp_path: Path
) -> None:
    apply_site_file(runtime, write(tmp_path, SITE))
    with pytest.raises(SiteFileError) as refused:
        apply_site_file(runtime, write(tmp_path, SITE.replace(KEY, "cd" * 32), "swapped.yaml"))
    issue = refused.value.issues[0]
    assert issue.code == "refused"
    assert f"lock `{LOCK}` is registered with another device key" in issue.message
    assert issue.location is not None
    assert (issue.location.line, issue.location.field) == (
        16,
        "facilities[0].bluetooth_locks[0]",
    )
    with runtime.db.read() as s:
        lock = s.get(LockDevice, LOCK)
        assert lock is not None and lock.public_key == KEY


def test_a_lock_behind_an_unknown_gateway_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    with pytest.raises(SiteFileError) as refused:
        apply_site_file(runtime, write(tmp_path, SITE.replace("gateway: hub-1", "gateway: hub-9")))
    issue = refused.value.issues[0]
    assert issue.code == "not-found"
    assert "no gateway `hub-9` at this facility" in issue.message
