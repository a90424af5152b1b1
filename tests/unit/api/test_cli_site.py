"""`unitgate site apply|schema` as an operator runs them: printed changes, exit codes, and
the committed JSON Schema kept fresh."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import cli
from api.demo._data import COMPANIES
from engine.onboarding import site_json_schema

SPECS = Path(__file__).resolve().parents[3] / "specs"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("UNITGATE_DATABASE_URL", f"sqlite:///{tmp_path / 'unitgate.db'}")
    monkeypatch.setenv("UNITGATE_AUDIT_KEY", "cli-test-audit-key")
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_site_schema_is_fresh() -> None:
    committed = (SPECS / "site.schema.json").read_text(encoding="utf-8")
    assert committed == site_json_schema(), "run `unitgate site schema` to regenerate"


def test_site_schema_writes_the_file(tmp_path: Path) -> None:
    assert run("site", "schema", "-o", str(tmp_path)).exit_code == 0
    assert (tmp_path / "site.schema.json").read_text() == site_json_schema()


def test_apply_the_demo_file_dry_run_then_for_real_then_again(env: Path) -> None:
    assert run("db", "upgrade").exit_code == 0
    bolt = str(COMPANIES[1].site_file)
    dry = run("site", "apply", bolt, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "+ facility downtown" in dry.output
    assert "(dry run: nothing written)" in dry.output
    real = run("site", "apply", bolt)
    assert real.exit_code == 0, real.output
    assert real.output.replace(" (dry run: nothing written)", "") == dry.output.replace(
        " (dry run: nothing written)", ""
    )
    assert "+ door Lobby door (downtown): building_door, serves building C" in real.output
    again = run("site", "apply", bolt)
    assert again.exit_code == 0
    assert again.output.strip().endswith(f"no changes for company {COMPANIES[1].id}")


def test_bad_file_exits_2_naming_file_line_and_field(env: Path) -> None:
    run("db", "upgrade")
    path = env / "bad.yaml"
    path.write_text("company:\n  name: X\nfacilities:\n  - key: Not A Key\n", encoding="utf-8")
    done = run("site", "apply", str(path))
    assert done.exit_code == 2
    assert "bad.yaml:4:10: error[wrong-type]" in done.output
    assert "--> field `facilities[0].key`" in done.output
    assert "missing field `name`" in done.output  # every problem of the file at once
    missing = run("site", "apply", str(env / "nowhere.yaml"))
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
