"""The real app plus a bare Litestar endpoint, served by uvicorn (a process of its own).

Usage: python -m bench._access_server DATABASE_URL PORT [--no-alerts]

`--no-alerts`: the server runs no alert duty (the A/B reference of the alert rules' cost).
"""

from __future__ import annotations

import sys

import uvicorn
from litestar import get

from api.app import create_app
from api.settings import Settings

JWT_SECRET = "bench-jwt-secret-0123456789abcdef0123"
WEBHOOK_SECRET = "bench-webhook-secret-0123"


@get("/bench/bare", sync_to_thread=False, exclude_from_auth=True)
def bare() -> dict[str, bool]:
    """The reference: routing, serialisation, no auth, no database."""
    return {"ok": True}


def main(url: str, port: int, alerts: bool = True) -> None:
    """Serve until killed (`alerts`: run the alert duty, as `unitgate serve` does)."""
    settings = Settings(
        database_url=url,
        audit_key="bench",
        jwt_secret=JWT_SECRET,
        policy_reload_seconds=0,
        pms_webhook_secret=WEBHOOK_SECRET,
        alerts_in_serve=alerts,
    )
    app = create_app(settings)
    app.register(bare)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), "--no-alerts" not in sys.argv[3:])
