"""A site file's `access` section: areas, schedules and levels made, left alone when
unchanged, removed when not listed; a bad reference names its line and field (SQLite and
PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from engine.onboarding import SiteFileError, apply_site_file
from engine.persistence.tables import AccessArea, AccessLevel, AccessSchedule, Door
from engine.runtime import Runtime
from tests.unit.engine.onboarding.test_site_file import SITE, counts, lakeside, write

ACCESS = """\
    access:
      areas:
        - {name: site, doors: [Gate]}
        - {name: north, doors: [Gate, North door]}
      schedules:
        - name: business
          weekly:
            mon: [{opens: 06:00, closes: 12:00}, {opens: 13:00, closes: 24:00}]
            sat: [{opens: 08:00, closes: 14:00}]
          exceptions:
            - {date: 2026-12-25, windows: []}
      levels:
        - {name: standard, area: site, schedule: business, default: true}
        - {name: north, area: north, building: North, pms_names: [North 24h]}
        - {name: desk, role: Desk}
"""


def _with_access(access: str = ACCESS) -> str:
    return SITE.replace("employees:\n", access + "employees:\n")


def test_the_access_section_is_applied_then_changes_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    first = apply_site_file(runtime, write(tmp_path, _with_access()))
    lines = [c.text for c in first.changes]
    assert "+ access level standard" in lines and "+ access area north: 2 entry points" in lines
    facility = lakeside(runtime)
    with runtime.db.read() as s:
        gate = s.exec(select(Door.id).where(Door.name == "Gate")).one()
        north = s.exec(select(AccessArea).where(AccessArea.name == "north")).one()
        assert north.door_ids[0] == gate and len(north.door_ids) == 2
        business = s.exec(select(AccessSchedule)).one()
        assert business.spec["weekly"]["mon"][1] == {"opens": "13:00", "closes": "24:00"}
        assert business.spec["exceptions"] == [{"date": "2026-12-25", "windows": []}]
        levels = {lv.name: lv for lv in s.exec(select(AccessLevel)).all()}
        assert levels["standard"].is_default and levels["north"].building == "North"
        assert levels["desk"].role_id is not None and levels["desk"].area_id is None
    assert facility.levels_version > 0
    before = counts(runtime)
    assert apply_site_file(runtime, write(tmp_path, _with_access())).changes == ()
    assert counts(runtime) == before
    fewer = _with_access(ACCESS.replace("        - {name: desk, role: Desk}\n", ""))
    lines = [c.text for c in apply_site_file(runtime, write(tmp_path, fewer)).changes]
    assert lines == ["- access level desk"]


def test_a_level_naming_an_unknown_area_is_refused_at_its_field(
    runtime: Runtime, tmp_path: Path
) -> None:
    bad = _with_access(ACCESS.replace("area: site, schedule", "area: nowhere, schedule"))
    with pytest.raises(SiteFileError) as refused:
        apply_site_file(runtime, write(tmp_path, bad, "bad.yaml"))
    issue = refused.value.issues[0]
    assert issue.code == "not-found" and "`nowhere`" in issue.message
    assert issue.location is not None
    assert issue.location.field == "facilities[0].access.levels[0].area"
