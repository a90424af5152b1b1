"""The Litestar application factory: settings and engine services in, routes composed."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin

from api.policy_reload import policy_reloader
from api.routes.health import health
from api.routes.policy import policy_status
from api.settings import Settings, load_settings
from engine.policy import PolicyStore, default_invariants_path, default_policy_path, load_invariants
from engine.runtime import Runtime

__all__ = ["build_policy_store", "build_runtime", "create_app"]


def build_runtime(settings: Settings) -> Runtime:
    """The engine services for `settings`."""
    return Runtime.create(
        settings.database_url,
        settings.audit_key_bytes(),
        emergency_max=timedelta(minutes=settings.emergency_max_minutes),
    )


def build_policy_store(settings: Settings, runtime: Runtime) -> PolicyStore:
    """The access policy from `settings.policy_path`, loaded, verified and ready to reload."""
    return PolicyStore(
        settings.policy_path or default_policy_path(),
        load_invariants(default_invariants_path()),
        runtime.clock,
    )


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Litestar:
    """The unitgate HTTP API; `runtime` lets tests inject a clock and database."""
    settings = settings or load_settings()
    rt = runtime or build_runtime(settings)
    policies = build_policy_store(settings, rt)
    return Litestar(
        route_handlers=[health, policy_status],
        lifespan=[policy_reloader(policies, settings.policy_reload_seconds)],
        dependencies={
            "policies": Provide(lambda: policies, use_cache=True, sync_to_thread=False),
            "runtime": Provide(lambda: rt, use_cache=True, sync_to_thread=False),
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
        },
        openapi_config=OpenAPIConfig(
            title="unitgate",
            version="0.1.0",
            description="Access control and unit lifecycle for self-storage facilities.",
            path="/docs",
            render_plugins=[ScalarRenderPlugin(path="/")],
        ),
        on_shutdown=[rt.db.dispose],
    )
