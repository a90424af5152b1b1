"""`unitgate serve`: the HTTP API under uvicorn."""

from __future__ import annotations

import click
import uvicorn

from api.app import create_app
from api.cli._context import reports_errors, settings


@click.command()
@click.option("--host", default=None, help="address to listen on (default: UNITGATE_HOST)")
@click.option("--port", type=int, default=None, help="port to listen on (default: UNITGATE_PORT)")
@reports_errors
def serve(host: str | None, port: int | None) -> None:
    """Serve the API (docs at /docs)."""
    config = settings()
    host, port = host or config.host, port or config.port
    click.echo(f"unitgate serving on http://{host}:{port} (docs at http://{host}:{port}/docs)")
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
