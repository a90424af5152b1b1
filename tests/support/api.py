"""An app over a test runtime, and tokens for any person."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar

from api.app import create_app
from api.auth import issue_token
from api.settings import Settings
from api.telemetry import Telemetry
from engine.runtime import Runtime

JWT_SECRET = "test-jwt-secret-not-secret-32-bytes-long"
ISSUER = "unitgate"


def app_for(runtime: Runtime, telemetry: Telemetry | None = None, **settings: object) -> Litestar:
    """The real app on `runtime` (its clock and database), without reload polling, the
    expiry duty, the lock duty or the outbox duty (tests move their clock and record
    expiries when they choose)."""
    values: dict[str, object] = {
        "database_url": runtime.db.url,
        "audit_key": "k",
        "jwt_secret": JWT_SECRET,
        "policy_reload_seconds": 0,
        "expiry_in_serve": False,
        "lock_poll_in_serve": False,
        "outbox_in_serve": False,
    }
    values.update(settings)
    return create_app(Settings.model_validate(values), runtime, telemetry)


def token(person_id: str, company_id: str, role: str = "tenant", **kwargs: object) -> str:
    """A valid token (wall-clock expiry in an hour)."""
    return issue_token(
        str(kwargs.get("secret", JWT_SECRET)),
        person_id=person_id,
        company_id=company_id,
        role=role,
        issuer=str(kwargs.get("issuer", ISSUER)),
        lifetime=kwargs.get("lifetime", timedelta(hours=1)),  # type: ignore[arg-type]
    )


def bearer(person_id: str, company_id: str, role: str = "tenant") -> dict[str, str]:
    """The Authorization header for a valid token."""
    return {"Authorization": f"Bearer {token(person_id, company_id, role)}"}


def tenant_of(rt: Runtime, unit_id: str) -> str:
    """The person id of the unit's current tenant."""
    from engine.units import active_rental

    with rt.db.read() as s:
        rental = active_rental(s, unit_id)
        assert rental is not None, f"unit {unit_id} has no tenant"
        return rental.person_id


def door_of(rt: Runtime, unit_id: str) -> str:
    """The id of the unit's lock door."""
    from sqlmodel import select

    from engine.persistence.tables import Door

    with rt.db.read() as s:
        return s.exec(select(Door.id).where(Door.unit_id == unit_id)).one()
