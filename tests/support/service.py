"""The real service for end-to-end tests: `unitgate serve` on a loopback port, as `make run`
starts it, on SQLite or PostgreSQL, driven over HTTP only.

`start_service` migrates a fresh database with the CLI, loads the demo (optionally), starts
`unitgate serve` with the demo token issuer on (as `make run` does) and waits for `/health`.
Worker commands the README names start beside it with `Service.start_worker`; every process
is stopped when the block ends, and a server that died is reported with its output.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy.engine import make_url

from tests.support import pg

UNITGATE = [sys.executable, "-c", "from api.cli import main; main()"]
JWT_SECRET = "e2e-jwt-secret-not-secret-at-least-32-bytes"
AUDIT_KEY = "e2e-audit-key-not-secret"
WEBHOOK_SECRET = "e2e-webhook-secret-not-secret"
DEMO_MANAGER = "maria@acme-storage.example"
T = TypeVar("T")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    """A running `unitgate serve` and the environment its commands share."""

    base: str
    env: dict[str, str]
    workdir: Path
    http: httpx.Client
    server: subprocess.Popen[bytes] | None
    """None for a server started elsewhere (`make smoke` against `make run`)."""
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: Path | None = None
    """Where worker logs go (default: `workdir`; elsewhere when that is someone's checkout)."""
    _tokens: dict[tuple[str, str, str], str] = field(default_factory=dict)

    @property
    def database_url(self) -> str:
        """The database the service and its commands use."""
        from api.settings import load_settings

        return load_settings(self.env).database_url

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `unitgate ARGS` with the service's environment (database, keys)."""
        done = subprocess.run(
            [*UNITGATE, *args],
            check=False,
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"`unitgate {' '.join(args)}` exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def start_worker(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        """Start `unitgate ARGS` in the background (stopped with the service); output goes to
        `<workdir>/<name>.log`."""
        log = ((self.logs or self.workdir) / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [*UNITGATE, *args], env=self.env, cwd=self.workdir, stdout=log, stderr=log
        )
        self.workers.append(proc)
        return proc

    def log(self, name: str = "server") -> str:
        """What a process of this service printed so far."""
        path = (self.logs or self.workdir) / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def token(self, email: str, company_id: str, role: str = "tenant") -> str:
        """A bearer token from the service's demo issuer (`POST /v1/dev/tokens`)."""
        key = (email, company_id, role)
        if key not in self._tokens:
            got = self.http.post(
                "/v1/dev/tokens", json={"email": email, "company_id": company_id, "role": role}
            )
            assert got.status_code == 201, got.text
            self._tokens[key] = got.json()["token"]
        return self._tokens[key]

    def as_(self, email: str, company_id: str, role: str = "tenant") -> dict[str, str]:
        """The Authorization header of `email` acting in `company_id` with `role`."""
        return {"Authorization": f"Bearer {self.token(email, company_id, role)}"}

    def get(self, path: str, who: dict[str, str] | None = None, **kw: Any) -> Any:
        """GET `path`, asserting 200, and its JSON."""
        got = self.http.get(path, headers=who or {}, **kw)
        assert got.status_code == 200, f"GET {path}: {got.status_code} {got.text}"
        return got.json()

    def post(
        self, path: str, body: Any, who: dict[str, str] | None = None, expect: int = 201
    ) -> Any:
        """POST `body` as JSON to `path`, asserting the status, and the JSON answer."""
        got = self.http.post(path, json=body, headers=who or {})
        assert got.status_code == expect, f"POST {path}: {got.status_code} {got.text}"
        return got.json() if got.content else None

    def push_pms(
        self,
        facility_id: str,
        records: list[dict[str, Any]],
        secret: str = WEBHOOK_SECRET,
        *,
        company_id: str | None = None,
        to: str | None = None,
    ) -> httpx.Response:
        """A PMS webhook push of `records`, signed for the facility (`v2`: its company's id
        is read over HTTP as the demo's manager unless given), posted to its URL or, to
        replay it, to facility `to`'s."""
        from adapters.pms import signed_headers

        company = company_id or self._company_of(facility_id)
        body = json.dumps({"records": records}).encode()
        headers = signed_headers(secret.encode(), company, facility_id, body)
        url = f"/v1/pms/webhooks/{to or facility_id}"
        return self.http.post(url, content=body, headers=headers)

    def _company_of(self, facility_id: str) -> str:
        from api.demo import DEMO_COMPANY_ID

        manager = self.as_(DEMO_MANAGER, DEMO_COMPANY_ID, "employee")
        return str(self.get(f"/v1/facilities/{facility_id}", manager)["company_id"])

    def alive(self) -> None:
        """Fail with the server's output when it is no longer running."""
        if self.server is not None and self.server.poll() is not None:
            raise AssertionError(f"the server exited {self.server.returncode}:\n{self.log()}")


def wait_for(
    probe: Callable[[], T | None], *, timeout: float = 20.0, every: float = 0.2, what: str = ""
) -> T:
    """Call `probe` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what or probe}")
        time.sleep(every)


def service_env(workdir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment `make run` would give the service, with test keys and `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("UNITGATE_")}
    env.update(
        {
            "UNITGATE_DATABASE_URL": database_url,
            "UNITGATE_AUDIT_KEY": AUDIT_KEY,
            "UNITGATE_JWT_SECRET": JWT_SECRET,
            "UNITGATE_DEV_TOKENS": "true",
            "UNITGATE_PMS_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }
    )
    env.update(extra)
    return env


@contextmanager
def database(kind: str, workdir: Path, template: str | None = None) -> Iterator[str]:
    """A fresh database of `kind` (`sqlite` or `postgresql`), dropped afterwards: empty, or
    a copy of the database at URL `template` (see `prepared_database`)."""
    if kind == "sqlite":
        path = workdir / "unitgate.db"
        if template is not None:
            shutil.copyfile(make_url(template).database or "", path)
        yield f"sqlite:///{path}"
        return
    url = pg.create_database(template)
    try:
        yield url
    finally:
        pg.drop_database(url)


@contextmanager
def prepared_database(kind: str, workdir: Path) -> Iterator[str]:
    """A database migrated and with the demo loaded by the CLI, as `make run` does it, to copy
    for each server (`database(kind, ..., template=url)`): both steps cost seconds."""
    with database(kind, workdir) as url:
        env = service_env(workdir, url)
        for step in (["db", "upgrade"], ["demo", "load"]):
            subprocess.run(
                [*UNITGATE, *step],
                env=env,
                cwd=workdir,
                check=True,
                capture_output=True,
                timeout=120,
            )
        yield url


@contextmanager
def attach_service(base: str, workdir: Path) -> Iterator[Service]:
    """A server someone started already (e.g. `make run`): its commands run in `workdir`
    with this process's environment, so they reach the same database."""
    http = httpx.Client(base_url=base, timeout=30)
    logs = Path(tempfile.mkdtemp(prefix="unitgate-smoke-"))
    service = Service(base, dict(os.environ), workdir, http, None, logs=logs)
    try:
        wait_for(lambda: _healthy(service), timeout=10, what=f"{base}/health")
        yield service
    finally:
        http.close()
        for proc in service.workers:
            _stop(proc)


@contextmanager
def start_service(
    workdir: Path, database_url: str, *, demo: bool = True, prepared: bool = False, **extra_env: str
) -> Iterator[Service]:
    """Migrate, (load the demo,) serve on a free loopback port; stop everything at the end.
    `prepared`: the database is a copy of a `prepared_database` (both steps done)."""
    env = service_env(workdir, database_url, **extra_env)
    port = int(extra_env.get("UNITGATE_PORT") or free_port())  # given: e.g. in a callback URL
    env["UNITGATE_PORT"] = str(port)
    steps = [] if prepared else [["db", "upgrade"], *([["demo", "load"]] if demo else [])]
    for step in steps:
        subprocess.run(
            [*UNITGATE, *step], env=env, cwd=workdir, check=True, capture_output=True, timeout=120
        )
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen(
        [*UNITGATE, "serve", "--host", "127.0.0.1"], env=env, cwd=workdir, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=base, timeout=30)
    service = Service(base, env, workdir, http, server)
    try:
        wait_for(lambda: _healthy(service), timeout=60, what=f"{base}/health")
        yield service
        service.alive()
    finally:
        http.close()
        for proc in [*service.workers, server]:
            _stop(proc)
        log.close()


@contextmanager
def demo_copy_service(
    template: str, workdir: Path, kind: str, **extra_env: str
) -> Iterator[Service]:
    """`unitgate serve` with `extra_env` on a copy of the demo database at `template` (the
    e2e `demo_database` fixture's), for a module whose server needs settings of its own."""
    with (
        database(kind, workdir, template) as db_url,
        start_service(workdir, db_url, prepared=True, **extra_env) as served,
    ):
        yield served


def _healthy(service: Service) -> bool:
    service.alive()
    try:
        return service.http.get("/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
