"""Fresh-machine check: the wheel installs into an empty environment and runs without the repo."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

pytestmark = pytest.mark.slow


def uv_binary() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None and (ROOT / ".tools/bin/uv").exists():
        found = str(ROOT / ".tools/bin/uv")
    if found is None:
        pytest.skip("uv is not available (run the suite with `make test`)")
    return found


def sh(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment holding only the wheel and its locked dependencies.

    The dependencies are the locked versions, so the wheel's own metadata must be enough
    for them to import. uv's cache (filled by `make env`) makes this quick; it only asks the
    package index for metadata.
    """
    uv = uv_binary()
    work = tmp_path_factory.mktemp("wheel")
    sh(uv, "build", "--wheel", "--out-dir", work / "dist", ROOT, cwd=ROOT)
    (wheel,) = (work / "dist").glob("unitgate-*.whl")
    requirements = work / "requirements.txt"
    sh(
        uv,
        "export",
        "--frozen",
        "--no-dev",
        "--no-emit-project",
        "-q",
        "-o",
        requirements,
        cwd=ROOT,
    )
    venv = work / "venv"
    sh(uv, "venv", "-q", "--python", "python3", venv, cwd=work)
    python = venv / "bin" / "python"
    sh(
        uv,
        "pip",
        "install",
        "-q",
        "--python",
        python,
        "-r",
        requirements,
        wheel,
        cwd=work,
    )
    return venv


def test_all_four_packages_import_from_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = (
        "import adapters, api, engine, hardware, api.app, engine.runtime\n"
        "for m in (adapters, api, engine, hardware):\n"
        "    assert 'site-packages' in m.__file__, m.__file__\n"
        "print('ok')"
    )
    assert sh(installed / "bin" / "python", "-c", code, cwd=tmp_path).strip() == "ok"


def test_console_script_migrates_from_the_packaged_migrations(
    installed: Path, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "UNITGATE_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
        "UNITGATE_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
    }
    out = sh(installed / "bin" / "unitgate", "db", "upgrade", cwd=tmp_path, env=env)
    assert "migrated from empty to revision" in out
    out = sh(installed / "bin" / "unitgate", "demo", "load", cwd=tmp_path, env=env)
    assert "demo loaded:" in out


def test_the_shipped_policy_and_invariants_travel_in_the_wheel(
    installed: Path, tmp_path: Path
) -> None:
    env = {"PATH": os.environ.get("PATH", "")}
    out = sh(installed / "bin" / "unitgate", "policy", "verify", cwd=tmp_path, env=env)
    assert "0 violated" in out
    code = (
        "from engine.policy import default_policy_path\n"
        "p = default_policy_path()\n"
        "assert 'site-packages' in str(p) and (p / 'tenants.yaml').is_file(), p\n"
        "print('ok')"
    )
    assert sh(installed / "bin" / "python", "-c", code, cwd=tmp_path).strip() == "ok"


def test_the_shipped_alert_rules_travel_in_the_wheel(installed: Path, tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "")}
    out = sh(installed / "bin" / "unitgate", "alerts", "check", cwd=tmp_path, env=env)
    assert "site-packages" in out and "rules ok" in out
