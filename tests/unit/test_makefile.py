"""`make run` serves where `UNITGATE_HOST`/`UNITGATE_PORT` say, from the command line or the
environment alike; the `PORT` it once read is refused with a word, not silently ignored.
`make test` runs the whole suite on `TEST_WORKERS` processes, as the README says.
(`make -n` prints the commands without running them.)"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def _make(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UNITGATE_", "MAKE")) and k not in ("PORT", "HOST")
    }
    return subprocess.run(
        ["make", "-n", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _serve_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    # The serve command is split over two lines by a backslash.
    joined = done.stdout.replace("\\\n", " ")
    return next(line for line in joined.splitlines() if "unitgate serve" in line)


def test_run_serves_on_the_unitgate_port_from_the_command_line() -> None:
    line = _serve_line(_make("run", "UNITGATE_PORT=9123", "UNITGATE_HOST=127.0.0.2"))
    assert "UNITGATE_PORT=9123" in line
    assert "UNITGATE_HOST=127.0.0.2" in line


def test_run_serves_on_the_unitgate_port_from_the_environment() -> None:
    line = _serve_line(_make("run", UNITGATE_PORT="9124"))
    assert "UNITGATE_PORT=9124" in line
    assert "UNITGATE_HOST=127.0.0.1" in line


def test_run_defaults_to_the_readme_address() -> None:
    line = _serve_line(_make("run"))
    assert "UNITGATE_HOST=127.0.0.1 UNITGATE_PORT=8000" in line


@pytest.mark.parametrize(
    ("args", "env"),
    [(("run", "PORT=9000"), {}), (("run",), {"PORT": "9000"}), (("run", "HOST=0.0.0.0"), {})],
)
def test_run_refuses_the_old_port_and_host_names(
    args: tuple[str, ...], env: dict[str, str]
) -> None:
    done = _make(*args, **env)
    assert done.returncode != 0
    assert "is not read" in done.stderr
    assert "UNITGATE_PORT=9000" in done.stderr or "UNITGATE_HOST=0.0.0.0" in done.stderr
    assert "unitgate serve" not in done.stdout


def test_a_shell_host_and_other_targets_are_left_alone() -> None:
    """zsh and csh set HOST to the machine's name; PORT matters to `make run` only."""
    assert "UNITGATE_HOST=127.0.0.1" in _serve_line(_make("run", HOST="my-laptop"))
    assert _make("test", PORT="9000").returncode == 0


def _test_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return next(line for line in done.stdout.splitlines() if " pytest" in line)


def test_the_suite_runs_on_two_processes_a_file_whole_on_one() -> None:
    """CI's 2 cores: pytest-xdist, each file on one worker (its module servers start once),
    in collection order (the long end-to-end files first)."""
    line = _test_line(_make("test"))
    assert "pytest -n 2 --dist loadfile --no-loadscope-reorder" in line
    assert "tests/" not in line, "make test runs the whole suite"


def test_the_number_of_processes_is_test_workers() -> None:
    assert "pytest -n 0 " in _test_line(_make("test", "TEST_WORKERS=0"))
    assert "pytest -n 4 " in _test_line(_make("test", TEST_WORKERS="4"))


def test_the_readme_names_make_test_and_its_workers() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make test   # environment from uv.lock, then the whole test suite" in readme
    assert "TEST_WORKERS" in readme and "--dist loadfile" in readme
