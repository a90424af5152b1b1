"""The Litestar application factory: settings and engine services in, routes composed."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from api.alerts_duty import alert_rules, alerts_lifespan
from api.auth import build_jwt_auth
from api.codes_duty import codes_lifespan
from api.docs_ui import docs_assets_router, docs_render_plugin
from api.expiry_duty import expiry_lifespan
from api.json_body import JSONRequest
from api.lock_duty import RemoteActions, lock_lifespan
from api.locks import HardwareSigner
from api.outbox_duty import outbox_lifespan
from api.policy_reload import alert_rules_reloader, policy_reloader
from api.problems import problem_plugin
from api.routes._deps import caller_of
from api.routes.access import access_router
from api.routes.activations import activations_router
from api.routes.alerts import alerts_router
from api.routes.audit import audit_router
from api.routes.code_grants import code_grants_router, my_codes_router
from api.routes.dev_tokens import dev_tokens_router
from api.routes.diagnosis import diagnosis_page_router, diagnosis_router
from api.routes.employees import employees_router
from api.routes.facilities import facilities_router
from api.routes.health import health
from api.routes.keypad import keypad_router
from api.routes.levels import levels_router
from api.routes.lifecycle import lifecycle_router
from api.routes.locks import locks_router
from api.routes.me import me_router
from api.routes.messages import messages_router, notify_callbacks_router
from api.routes.offline_keys import offline_keys_router
from api.routes.pms_secrets import pms_secrets_router
from api.routes.pms_webhook import pms_webhook_router
from api.routes.policy import policy_router
from api.routes.roles import roles_router
from api.routes.shares import shares_router
from api.routes.sync import sync_router
from api.settings import Settings, load_settings
from api.telemetry import Telemetry, build_telemetry
from engine.diagnosis import AppSeen
from engine.locks import KeyCache
from engine.policy import PolicyStore, default_invariants_path, default_policy_path, load_invariants
from engine.runtime import Runtime
from engine.units import ActivationConfig

__all__ = ["API_VERSION", "build_policy_store", "build_runtime", "create_app"]

API_VERSION = "1.0.0"


def build_runtime(settings: Settings) -> Runtime:
    """The engine services for `settings`."""
    return Runtime.create(
        settings.database_url,
        settings.audit_key_bytes(),
        emergency_max=timedelta(minutes=settings.emergency_max_minutes),
        activation=ActivationConfig(
            app_link=settings.app_link,
            valid_days=settings.activation_days,
            max_attempts=settings.activation_attempts,
            resends_per_hour=settings.activation_sends_per_hour,
        ),
        on_site_hours=settings.on_site_hours,
    )


def build_policy_store(settings: Settings, runtime: Runtime) -> PolicyStore:
    """The access policy from `settings.policy_path`, loaded, verified and ready to reload."""
    return PolicyStore(
        settings.policy_path or default_policy_path(),
        load_invariants(default_invariants_path()),
        runtime.clock,
    )


def _from_state(name: str) -> Provide:
    def provide(state: State) -> object:
        return state[name]

    return Provide(provide, sync_to_thread=False)


def create_app(
    settings: Settings | None = None,
    runtime: Runtime | None = None,
    telemetry: Telemetry | None = None,
) -> Litestar:
    """The unitgate HTTP API; tests inject a runtime (clock, database) and telemetry."""
    settings = settings or load_settings()
    rt = runtime or build_runtime(settings)
    policies = build_policy_store(settings, rt)
    rules = alert_rules(settings)
    tel = telemetry or build_telemetry(settings)
    routers = [
        facilities_router,
        employees_router,
        lifecycle_router,
        roles_router,
        levels_router,
        audit_router,
        policy_router,
        sync_router,
        pms_webhook_router,
        pms_secrets_router,
        me_router,
        shares_router,
        offline_keys_router,
        access_router,
        locks_router,
        diagnosis_router,
        diagnosis_page_router,
        activations_router,
        messages_router,
        notify_callbacks_router,
        keypad_router,
        code_grants_router,
        my_codes_router,
        alerts_router,
    ]
    if settings.dev_tokens:
        routers.append(dev_tokens_router)
    auth = build_jwt_auth(settings.jwt_secret_value(), settings.jwt_issuer)
    services = {
        "policies": policies,
        "runtime": rt,
        "settings": settings,
        "telemetry": tel,
        "lock_signer": HardwareSigner(),
        "lock_actions": RemoteActions(rt, tel, settings.lock_action_seconds),
        "lock_keys": KeyCache(),
        "app_seen": AppSeen(rt.db, rt.clock),
    }
    return Litestar(
        route_handlers=[health, *routers, docs_assets_router()],
        lifespan=[
            policy_reloader(policies, settings.policy_reload_seconds),
            alert_rules_reloader(rules, settings.policy_reload_seconds),
            expiry_lifespan(rt, settings, tel),
            lock_lifespan(rt, settings, tel),
            outbox_lifespan(rt, settings, tel),
            codes_lifespan(rt, settings, policies, tel),
            alerts_lifespan(rt, settings, rules, tel),
        ],
        dependencies={
            **{name: _from_state(name) for name in services},
            "caller": Provide(caller_of, sync_to_thread=False),
        },
        # One place for the services: their dependencies read it, and so do handlers that
        # take them in one dependency (the door routes).
        state=State(services),
        on_app_init=[auth.on_app_init],
        plugins=[problem_plugin(), *tel.plugins()],
        request_class=JSONRequest,
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="unitgate",
            version=API_VERSION,
            description=(
                "Access control and unit lifecycle for self-storage facilities. "
                "Portal routes need an employee token with the permission each names; "
                "app routes take tenant, shared-user or auction-winner tokens. "
                "Errors are RFC 9457 problem details."
            ),
            path="/docs",
            render_plugins=[docs_render_plugin()],
        ),
        on_shutdown=[rt.db.dispose, tel.shutdown],
    )
