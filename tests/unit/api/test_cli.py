"""The `unitgate` command line: migrations, the demo, audit verification, bad settings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from engine.notify import check_number


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private database and audit key for the CLI; returns the database file."""
    path = tmp_path / "unitgate.db"
    monkeypatch.setenv("UNITGATE_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("UNITGATE_AUDIT_KEY_FILE", str(tmp_path / "audit.key"))
    monkeypatch.delenv("UNITGATE_AUDIT_KEY", raising=False)
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_db_upgrade_from_empty_then_already_current(env: Path) -> None:
    status = run("db", "status")
    assert status.exit_code == 1
    assert "revision empty" in status.output
    first = run("db", "upgrade")
    assert first.exit_code == 0
    assert "migrated from empty to revision" in first.output
    again = run("db", "upgrade")
    assert "already at revision" in again.output
    assert run("db", "status").exit_code == 0


def test_demo_load_is_idempotent(env: Path) -> None:
    run("db", "upgrade")
    first = run("demo", "load")
    assert first.exit_code == 0, first.output
    assert "demo loaded: 2 companies, 3 facilities" in first.output
    counts = table_counts(env)
    second = run("demo", "load")
    assert second.exit_code == 0
    assert "already loaded, nothing changed" in second.output
    assert table_counts(env) == counts
    assert counts["unit"] >= 50
    with sqlite3.connect(env) as conn:
        states = {row[0] for row in conn.execute("SELECT DISTINCT state FROM unit")}
    assert states == {"available", "occupied", "gatelock", "overlock", "pending_auction", "auction"}
    with sqlite3.connect(env) as conn:
        sent = conn.execute(
            "SELECT channel, recipient, status FROM outbox_message WHERE kind = 'activation'"
        ).fetchall()
        scheduled = conn.execute("SELECT count(*) FROM activation WHERE status = 'scheduled'")
        assert scheduled.fetchone()[0] >= 1  # a future lease waits for its start
    # Seed 000: the demo's tenants have valid mobile numbers, so activations go by SMS.
    assert sent and {(c, s) for c, _, s in sent} == {("sms", "queued")}
    assert all(check_number(r, "US").sms_ok for _, r, _ in sent)


def table_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def test_audit_verify_passes_then_names_the_edited_entry(env: Path) -> None:
    run("db", "upgrade")
    run("demo", "load")
    ok = run("audit", "verify")
    assert ok.exit_code == 0
    assert ok.output.startswith("audit log ok:")
    with sqlite3.connect(env) as conn:
        facility, seq = conn.execute(
            "SELECT facility_id, seq FROM audit_entry ORDER BY facility_id, seq LIMIT 1 OFFSET 4"
        ).fetchone()
        conn.execute(
            "UPDATE audit_entry SET actor = 'person:someone-else' "
            "WHERE facility_id = ? AND seq = ?",
            (facility, seq),
        )
    broken = CliRunner().invoke(cli, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"BROKEN facility `{facility}`: entry #{seq}" in broken.output
    assert "edited" in broken.output
    assert "1 problem(s)" in broken.output


def test_audit_checkpoint_then_verify_against_it(env: Path, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("demo", "load")
    path = tmp_path / "checkpoint.json"
    made = run("audit", "checkpoint", "-o", str(path))
    assert made.exit_code == 0, made.output
    assert "checkpoint of 3 chains at" in made.output  # Riverside, Hilltop, Bolt
    document = json.loads(path.read_text())
    assert document["registered"] == 3
    held = run("audit", "verify", "--against", str(path))
    assert held.exit_code == 0, held.output
    assert f"held to the checkpoint of {document['at']}" in held.output
    assert json.loads(run("audit", "checkpoint").output)["chains"] == document["chains"]

    # The last entry the checkpoint recorded is deleted: the log no longer holds it.
    chain = document["chains"][0]
    with sqlite3.connect(env) as conn:
        conn.execute(
            "DELETE FROM audit_entry WHERE facility_id = ? AND seq = ?",
            (chain["facility_id"], chain["seq"]),
        )
    rolled = CliRunner().invoke(cli, ["audit", "verify", "--against", str(path)])
    assert rolled.exit_code == 1
    assert f"BROKEN facility `{chain['facility_id']}`" in rolled.output


def test_a_bad_checkpoint_file_names_the_file_line_and_field(env: Path, tmp_path: Path) -> None:
    run("db", "upgrade")
    run("demo", "load")
    path = tmp_path / "checkpoint.json"
    run("audit", "checkpoint", "-o", str(path))
    genuine = path.read_text()

    path.write_text(genuine.replace('"seq": ', '"seq": -', 1))
    shape = CliRunner().invoke(cli, ["audit", "verify", "--against", str(path)])
    assert shape.exit_code == 2
    line = next(n for n, text in enumerate(genuine.splitlines(), 1) if '"seq"' in text)
    assert f"checkpoint `{path}`: line {line}: field `chains[0].seq`" in shape.output

    document = json.loads(genuine)
    document["chains"][0]["seq"] += 1  # well formed, but not what was signed
    path.write_text(json.dumps(document, indent=2))
    forged = CliRunner().invoke(cli, ["audit", "verify", "--against", str(path)])
    assert forged.exit_code == 2
    assert f"checkpoint `{path}`: the checkpoint's authentication code is wrong" in forged.output

    path.write_text(genuine[:40])
    cut = CliRunner().invoke(cli, ["audit", "verify", "--against", str(path)])
    assert cut.exit_code == 2
    assert f"checkpoint `{path}`: line 2: malformed json" in cut.output


def test_bad_setting_names_the_variable(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UNITGATE_EMERGENCY_MAX_MINUTES", "soon")
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code != 0
    assert "UNITGATE_EMERGENCY_MAX_MINUTES" in result.output


def test_lifecycle_diagram_matches_the_committed_spec(tmp_path: Path) -> None:
    out = tmp_path / "lifecycle.mmd"
    assert run("lifecycle", "diagram", "-o", str(out)).exit_code == 0
    committed = Path(__file__).parents[3] / "specs" / "lifecycle.mmd"
    assert out.read_text() == committed.read_text()


def test_demo_load_brings_a_store_of_an_older_version_up_to_its_site_files(env: Path) -> None:
    """Facilities made before keys and countries existed are found by PMS ref and completed;
    the Manager role gains the new permission; nothing is duplicated."""
    run("db", "upgrade")
    run("demo", "load")
    counts = table_counts(env)
    with sqlite3.connect(env) as conn:
        conn.execute("UPDATE facility SET key = NULL, country = NULL")
        conn.execute("UPDATE role SET permissions = '[\"facility.view\"]' WHERE name = 'Manager'")
    updated = run("demo", "load")
    assert updated.exit_code == 0, updated.output
    assert "~ facility Riverside Self Storage: key none -> riverside, country none -> US" in (
        updated.output
    )
    manager = next(line for line in updated.output.splitlines() if "~ role Manager" in line)
    assert "+sites.manage" in manager
    assert "demo updated (" in updated.output
    assert "already loaded, nothing changed" in run("demo", "load").output
    after = table_counts(env)
    assert {t: n for t, n in after.items() if t != "audit_entry"} == {
        t: n for t, n in counts.items() if t != "audit_entry"
    }
