"""A database written before head codes and the registry: `db upgrade` seals it once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from click.testing import CliRunner, Result
from sqlalchemy import text, update
from sqlmodel import col, select

from api.cli import cli
from engine.access import DecisionRow
from engine.audit import VerifyReport, verify_chain
from engine.domain import LifecycleEvent
from engine.persistence import table_of, upgrade
from engine.persistence._migrate import alembic_config
from engine.persistence.tables import AccessDecisionRecord, AuditChain
from engine.runtime import Runtime
from tests.support import pg
from tests.support.world import World, build_world

KEY = "test-audit-key-for-sealing"
BEFORE_REGISTRY = "0003"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def legacy(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Runtime, list[World]]]:
    """Two facilities with transitions and decisions, in a database taken back to the
    revision before the registry (its heads without codes, no registry, rows unbound)."""
    url = (
        f"sqlite:///{tmp_path / 'legacy.db'}" if request.param == "sqlite" else pg.create_database()
    )
    monkeypatch.setenv("UNITGATE_DATABASE_URL", url)
    monkeypatch.setenv("UNITGATE_AUDIT_KEY", KEY)
    rt = Runtime.create(url, KEY.encode())
    upgrade(rt.db)
    worlds = [build_world(rt, name=name) for name in ("Acme", "Bolt")]
    for world in worlds:
        world.pms(world.units[0], LifecycleEvent.MOVE_IN)
        rt.access.recorder.record(_decision(world))
    config = alembic_config()
    with rt.db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, BEFORE_REGISTRY)
    rt.db.dispose()
    try:
        yield rt, worlds
    finally:
        rt.db.dispose()
        if request.param == "postgresql":
            pg.drop_database(url)


def _decision(world: World) -> DecisionRow:
    return DecisionRow(
        facility_id=world.facility_id,
        door_id=world.gate_id,
        unit_id=None,
        person_id=world.manager_id,
        principal_kind="employee",
        channel="portal",
        allowed=True,
        deciding_rule="employee-opens-gate",
        reason="open",
        policy_version="v1",
        note=None,
        at=world.rt.clock.now(),
        actor=world.manager,
        audit={},
    )


def verify(rt: Runtime) -> VerifyReport:
    with rt.db.read() as s:
        return verify_chain(s, rt.audit)


def test_a_migrated_log_is_reported_unsealed_until_db_upgrade_seals_it(
    legacy: tuple[Runtime, list[World]],
) -> None:
    rt, worlds = legacy
    upgrade(rt.db)  # migrated by other means than `unitgate db upgrade`: nothing sealed
    report = verify(rt)
    assert {p.facility_id for p in report.problems} == {w.facility_id for w in worlds}
    assert all("not sealed" in p.problem for p in report.problems)
    with rt.db.engine.begin() as conn:  # back again, to upgrade the way operators do
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, BEFORE_REGISTRY)

    result = run("db", "upgrade")

    assert result.exit_code == 0, result.output
    assert "audit log: sealed 2 chains written before the chain registry" in result.output
    report = verify(rt)
    assert report.ok, report.problems
    assert report.entries == 4
    with rt.db.read() as s:
        sealed = s.exec(select(AuditChain).order_by(col(AuditChain.ordinal))).all()
        assert [c.sealed_seq for c in sealed] == [2, 2]
    again = run("db", "upgrade")
    assert "already at revision" in again.output
    assert "sealed" not in again.output


def test_rows_written_before_are_bound_by_the_migration(
    legacy: tuple[Runtime, list[World]],
) -> None:
    rt, worlds = legacy
    assert run("db", "upgrade").exit_code == 0
    table = table_of(AccessDecisionRecord)
    with rt.db.transaction() as s:
        s.connection().execute(update(table).values(allowed=False))
    problems = {p.facility_id: p.problem for p in verify(rt).problems}
    assert set(problems) == {w.facility_id for w in worlds}
    assert all(
        "`allowed` is `false` in the row, `true` in the entry" in p for p in problems.values()
    )


def test_a_chain_broken_before_the_upgrade_is_not_sealed(
    legacy: tuple[Runtime, list[World]],
) -> None:
    rt, worlds = legacy
    broken, sound = worlds
    with rt.db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM audit_entry WHERE facility_id = :f AND seq = 1"),
            {"f": broken.facility_id},
        )

    result = run("db", "upgrade")

    assert result.exit_code == 1
    assert "audit log: sealed 1 chains" in result.output
    assert f"NOT SEALED facility `{broken.facility_id}`: entry #1" in result.output
    report = verify(rt)
    assert [p.facility_id for p in report.problems] == [broken.facility_id]
    assert sound.facility_id not in {p.facility_id for p in report.problems}


def test_a_registry_row_removed_later_is_not_sealed_again(
    legacy: tuple[Runtime, list[World]],
) -> None:
    rt, worlds = legacy
    assert run("db", "upgrade").exit_code == 0
    with rt.db.engine.begin() as conn:
        conn.execute(
            text("DELETE FROM audit_chain WHERE facility_id = :f"), {"f": worlds[1].facility_id}
        )
        conn.execute(text("UPDATE audit_head SET mac = NULL WHERE facility_id = :f"),
                     {"f": worlds[1].facility_id})  # fmt: skip
    assert "sealed" not in run("db", "upgrade").output  # sealing ran once, with 0005
    assert not verify(rt).ok
